"""Prescriptions, listings and referrals beside a synthetic contact extract (seeded).

Written with :func:`painreg.synth.contacts.generate` for the same patients (ids,
health centres, usual caregivers), each from its own random stream, so the
contact extract itself is the same with or without them. Shapes (assumed for
a plausible extract, not calibrated; docs/synthetic-data.md):

- **Listings**: every patient is listed at their health centre from before
  the period; 4 % move away during it (listing ended). A named regular
  physician (the patient's usual physician) for 55 % of cohort patients and
  20 % of the others; a named care contact (the usual nurse) for 30 % and 5 %.
- **Prescriptions**: on average 2.5 prescriptions per patient over four years,
  most of common non-addictive drugs; a patient is an opioid user with
  probability 25 % in the cohort (3 % otherwise), benzodiazepines 10 % (2 %),
  z-drugs 8 % (3 %), gabapentinoids 15 % (1 %), each user with 1-6
  prescriptions of the group from the usual physician.
- **Referrals**: 30 % of cohort patients and 2 % of the others are referred
  once, to a level-2 team, a level-3 clinic or the level-4 centre; 8 % are
  returned; the wait to the first visit is gamma-distributed (median about
  two months), 12 % have no first visit yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: (ATC code, share) of the common, non-addictive prescriptions.
COMMON_ATC = (
    "N02BE01", "M01AE01", "C09AA05", "A02BC01", "R03AC02", "C10AA01",
    "J01CE02", "N06AB06", "H03AA01", "C07AB02", "A10BA02", "N06AX11",
)  # fmt: skip
#: Addictive groups: (group ATC codes, user probability in the cohort, otherwise).
ADDICTIVE = (
    (("N02AA01", "N02AJ06", "N02AX02", "N02AA05"), 0.25, 0.03),
    (("N05BA01", "N05BA04", "N05CD02"), 0.10, 0.02),
    (("N05CF01", "N05CF02"), 0.08, 0.03),
    (("N03AX12", "N03AX16"), 0.15, 0.01),
)
#: Receiving units of referrals: (unit id, name, pain care level).
RECEIVERS = (
    ("TEAM01", "Smärtteam primärvård (syntetiskt)", 2),
    ("SPEC01", "Smärtmottagning länssjukhus (syntetisk)", 3),
    ("SPEC02", "Smärtmottagning länsdelssjukhus (syntetisk)", 3),
    ("CTR01", "Regionalt smärtcentrum (syntetiskt)", 4),
)
RECEIVER_P = (0.35, 0.3, 0.2, 0.15)


@dataclass(frozen=True)
class Outputs:
    """Where to write each table (None: not written)."""

    prescriptions: Path | None = None
    listings: Path | None = None
    referrals: Path | None = None
    units: Path | None = None

    def any(self) -> bool:
        return any(p is not None for p in (self.prescriptions, self.listings, self.referrals))


class Writer:
    """Chunks of the three tables, from the contact generator's per-chunk patients."""

    def __init__(
        self, outputs: Outputs, *, seed: int, epoch: int, days: int, caregiver_pool, unit_pool
    ):
        self.outputs, self.seed, self.epoch, self.days = outputs, seed, epoch, days
        self.caregiver_pool, self.unit_pool = caregiver_pool, unit_pool
        self.writers: dict[str, object] = {}

    def _write(self, name: str, table) -> None:
        from painreg.synth.contacts import _writer

        path = getattr(self.outputs, name)
        if path is None:
            return
        if name not in self.writers:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.writers[name] = _writer(Path(path), table.schema)
        self.writers[name].write_table(table)

    def chunk(self, chunk_index: int, ids, cohort, unit, physician, nurse) -> None:
        """Tables of one chunk: ``ids`` (Arrow), per patient ``cohort`` (bool),
        ``unit`` (index), ``physician`` / ``nurse``: pool index of the usual one."""
        import numpy as np
        import pyarrow as pa

        n = len(cohort)
        rng = np.random.default_rng([self.seed, chunk_index, 7])
        date32 = pa.date32()

        def dates(values):
            return pa.array(np.asarray(values, dtype=np.int32)).cast(date32)

        # Listings.
        listed_from = self.epoch - rng.integers(30, 3650, n)
        moved = rng.random(n) < 0.04
        listed_to = np.where(moved, self.epoch + rng.integers(0, self.days, n), -1)
        named = rng.random(n) < np.where(cohort, 0.55, 0.20)
        contact = rng.random(n) < np.where(cohort, 0.30, 0.05)
        no = len(self.caregiver_pool) - 1
        self._write(
            "listings",
            pa.table(
                {
                    "patient_id": ids,
                    "unit_id": self.unit_pool.take(pa.array(unit)),
                    "listed_from": dates(listed_from),
                    "listed_to": pa.array(
                        np.where(moved, listed_to, 0).astype(np.int32), mask=~moved
                    ).cast(date32),
                    "regular_physician_id": self.caregiver_pool.take(
                        pa.array(np.where(named, physician, no))
                    ),
                    "regular_contact_id": self.caregiver_pool.take(
                        pa.array(np.where(contact, nurse, no))
                    ),
                }
            ),
        )

        # Prescriptions: common drugs, then each addictive group's users.
        count = rng.poisson(2.5 * self.days / 1461, n)
        who = [np.repeat(np.arange(n), count)]
        atc = [np.asarray(COMMON_ATC)[rng.integers(0, len(COMMON_ATC), who[0].size)]]
        for codes, p_cohort, p_other in ADDICTIVE:
            users = np.flatnonzero(rng.random(n) < np.where(cohort, p_cohort, p_other))
            times = rng.integers(1, 7, users.size)
            rows = np.repeat(users, times)
            who.append(rows)
            atc.append(np.asarray(codes)[rng.integers(0, len(codes), rows.size)])
        pid = np.concatenate(who)
        codes = np.concatenate(atc)
        self._write(
            "prescriptions",
            pa.table(
                {
                    "patient_id": ids.take(pa.array(pid)),
                    "unit_id": self.unit_pool.take(pa.array(unit[pid])),
                    "prescribed_on": dates(self.epoch + rng.integers(0, self.days, pid.size)),
                    "atc": pa.array(codes),
                    "caregiver_id": self.caregiver_pool.take(pa.array(physician[pid])),
                }
            ),
        )

        # Referrals.
        referred = np.flatnonzero(rng.random(n) < np.where(cohort, 0.30, 0.02))
        m = referred.size
        sent = self.epoch + rng.integers(0, self.days, m)
        returned = rng.random(m) < 0.08
        wait = np.round(rng.gamma(2.0, 35.0, m)).astype(np.int64) + 1
        seen = ~returned & (rng.random(m) < 0.88)
        accepted = ~returned
        to = rng.choice(len(RECEIVERS), size=m, p=np.asarray(RECEIVER_P))
        receivers = pa.array([r[0] for r in RECEIVERS])
        self._write(
            "referrals",
            pa.table(
                {
                    "patient_id": ids.take(pa.array(referred)),
                    "from_unit_id": self.unit_pool.take(pa.array(unit[referred])),
                    "to_unit_id": receivers.take(pa.array(to)),
                    "sent_on": dates(sent),
                    "accepted_on": pa.array(
                        (sent + np.minimum(wait, 7)).astype(np.int32), mask=~accepted
                    ).cast(date32),
                    "first_visit_on": pa.array((sent + wait).astype(np.int32), mask=~seen).cast(
                        date32
                    ),
                    "returned": pa.array(returned),
                }
            ),
        )

    def close(self, units: int) -> None:
        for writer in self.writers.values():
            writer.close()
        if self.outputs.units is not None:
            import csv

            path = Path(self.outputs.units)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(["unit_id", "name", "region_code", "pain_care_level", "owner"])
                for u in range(units):
                    out.writerow([f"VC{u:04d}", f"Vårdcentral {u + 1} (syntetisk)", "06", 1,
                                  "public" if u % 3 else "private"])  # fmt: skip
                for uid, name, level in RECEIVERS:
                    out.writerow([uid, name, "06", level, "public"])
