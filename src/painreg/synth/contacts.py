"""`painreg synth contacts`: a synthetic primary-care EHR contact extract (seeded).

Shaped after the health centre's report (seeds/habo-vardcentral-improvement-
2024.txt): about 1% of listed patients carry the pain diagnosis (default
``--cohort-share 0.02`` gives the benchmark's realistic shape; 0.9 gives the
worst case), recorded mostly by physicians (106 of 124), then
physiotherapists (28), occupational therapists (11), nurses (9), psychologist
and assistant nurse (1 each); most cohort patients are frequent attenders
(more than 10 contacts in four years) with a long tail (two patients with 739
contacts between them); everyone else has fewer contacts (negative binomial,
three a year on average, most patients few and some many: ``OTHERS_PER_YEAR``).
Each patient has a usual caregiver per profession at their health centre, so
continuity is high but not perfect. Diagnosis codes are written with and
without the dot; a few contacts have no identified caregiver.

Deterministic: the same arguments give the same file, byte for byte. Built in
chunks of patients with numpy and written through Arrow (CSV or Parquet by
the file's extension), so memory stays bounded for any ``--patients``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from painreg.contacts.schema import CONTACT_TYPES as _TYPES
from painreg.contacts.schema import PROFESSION_LABELS_SV
from painreg.contacts.schema import PROFESSIONS as _ALL_PROFESSIONS
from painreg.errors import UserError
from painreg.synth.primary_care import Outputs, Writer

#: The canonical professions the generator writes (all but ``other``).
PROFESSIONS = tuple(p for p in _ALL_PROFESSIONS if p != "other")
#: Caregivers of each profession per health centre.
STAFF = (6, 4, 1, 5, 1, 3, 1, 1)
#: Share of all contacts by profession.
CONTACT_MIX = (0.44, 0.11, 0.02, 0.30, 0.02, 0.08, 0.02, 0.01)
#: Primary-care contacts of any kind (visit, phone, digital; every profession)
#: per year of a patient outside the cohort. OECD, Health at a Glance 2021,
#: "Doctors' consultations": Sweden had 2.6 in-person doctor consultations per
#: person in 2019 (every setting; telephone contacts and visits to nurses and
#: physiotherapists excluded), low because nurses and other professions carry
#: much of Swedish primary care. Three contacts of any kind a year is a low
#: estimate for a health centre's patients; the share of the cohort's
#: contacts in the extract follows from it (docs/contacts.md, "Performance").
OTHERS_PER_YEAR = 3.0
#: Probability that a cohort patient's diagnosis is recorded by the profession
#: (the health centre's 2020-2023 table, over 124 patients).
# Weights: physician raised so that ~85% of patients have it, as in the report.
DIAGNOSED_BY = (300, 28, 11, 9, 1, 1, 0.5, 1)
#: Number of professions recording the diagnosis per patient (102, 15, 5, 2 of 124).
PROFESSIONS_PER_PATIENT = (102 / 124, 15 / 124, 5 / 124, 2 / 124)
#: Swedish labels as an export writes them (the shipped mapping reads them).
LABELS = tuple(PROFESSION_LABELS_SV[p] for p in PROFESSIONS)
OTHER_CODES = (
    "",
    "",
    "",
    "J06.9",
    "I10",
    "E11.9",
    "M54.5",
    "F32.9",
    "F41.1",
    "Z00.0",
    "J45-P",
    "M79.1",
    "K59.0",
    "N39.0",
    "R51",
    "L30.9",
    "M25.5;M54.5",
    "I10;E11.9",
)
PAIN_CODES = ("R52.2", "R52.2", "R522", "R52.2;M54.5", "R522;F32.9")
CONTACT_TYPES = tuple(t for t in _TYPES if t != "other")
CONTACT_TYPE_P = (0.6, 0.3, 0.1)
CHUNK_PATIENTS = 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="output, .csv or .parquet")
    parser.add_argument(
        "--patients", type=int, default=10_000, metavar="N", help="listed patients (default 10000)"
    )
    parser.add_argument(
        "--years",
        default="2020-2023",
        metavar="YYYY-YYYY",
        help="calendar years of the contacts (default 2020-2023)",
    )
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed")
    parser.add_argument(
        "--units",
        type=int,
        default=None,
        metavar="N",
        help="health centres (default one per 10000 patients)",
    )
    parser.add_argument(
        "--cohort-share",
        type=float,
        default=0.02,
        metavar="P",
        help="share of patients with the pain diagnosis R52.2 (default 0.02)",
    )
    parser.add_argument(
        "--labels",
        choices=("swedish", "canonical"),
        default="swedish",
        help="profession and header names as a Swedish export writes them, "
        "or canonical (default swedish)",
    )
    parser.add_argument(
        "--sick-leave",
        type=Path,
        metavar="FILE",
        help="also write sick-leave certificates of cohort patients",
    )
    for option, what in (
        ("--prescriptions", "prescriptions (addictive drugs among them)"),
        ("--listings", "listings with named regular physician and care contact"),
        ("--referrals", "referrals to level 2-4 units"),
        ("--units-file", "the units reference file (names, care levels) for --units"),
    ):
        parser.add_argument(option, type=Path, metavar="FILE", help=f"also write {what}")


def _years(text: str) -> tuple[int, int]:
    try:
        first, _, last = text.partition("-")
        a, b = int(first), int(last or first)
    except ValueError:
        raise UserError(f"--years {text!r}: write YYYY-YYYY, e.g. 2020-2023") from None
    if not 1900 <= a <= b <= 2100:
        raise UserError(f"--years {text!r}: the first year must not be after the last")
    return a, b


def run(args: argparse.Namespace) -> int:
    first, last = _years(args.years)
    if args.patients < 1:
        raise UserError("--patients must be at least 1")
    if not 0 <= args.cohort_share <= 1:
        raise UserError("--cohort-share is a share between 0 and 1")
    units = args.units or max(1, args.patients // 10_000)
    rows = generate(
        args.file,
        patients=args.patients,
        years=(first, last),
        seed=args.seed,
        units=units,
        cohort_share=args.cohort_share,
        swedish=args.labels == "swedish",
        sick_leave=args.sick_leave,
        care=Outputs(args.prescriptions, args.listings, args.referrals, args.units_file),
    )
    print(f"wrote {rows} contacts of {args.patients} patients to {args.file}")
    return 0


def _writer(path: Path, schema):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pacsv.CSVWriter(path, schema)
    if suffix in (".parquet", ".pq"):
        return pq.ParquetWriter(path, schema, compression="zstd")
    raise UserError(f"{path}: give a .csv or .parquet file name")


def generate(
    path: Path,
    *,
    patients: int,
    years: tuple[int, int],
    seed: int,
    units: int,
    cohort_share: float = 0.02,
    swedish: bool = True,
    sick_leave: Path | None = None,
    care: Outputs | None = None,
) -> int:
    """Write the extract; returns the number of contact rows.

    ``care``: also prescriptions, listings, referrals and a units file
    (:mod:`painreg.synth.primary_care`), canonical column names.
    """
    import numpy as np
    import pyarrow as pa

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = dt.date(years[0], 1, 1)
    days = (dt.date(years[1], 12, 31) - start).days + 1
    epoch = (start - dt.date(1970, 1, 1)).days
    names = (
        [
            "Personnummer",
            "Kön",
            "Födelseår",
            "Kontaktdatum",
            "Kontakttid",
            "Vårdenhet",
            "Vårdgivare",
            "Yrkeskategori",
            "Kontakttyp",
            "Diagnoser",
        ]
        if swedish
        else [
            "patient_id",
            "sex",
            "birth_year",
            "contact_date",
            "contact_time",
            "unit_id",
            "caregiver_id",
            "profession",
            "contact_type",
            "diagnoses",
        ]
    )
    schema = pa.schema(
        [
            (names[0], pa.string()),
            (names[1], pa.string()),
            (names[2], pa.int32()),
            (names[3], pa.date32()),
            (names[4], pa.string()),
            (names[5], pa.string()),
            (names[6], pa.string()),
            (names[7], pa.string()),
            (names[8], pa.string()),
            (names[9], pa.string()),
        ]
    )
    n_prof = len(PROFESSIONS)
    offsets = np.concatenate([[0], np.cumsum(STAFF)])
    per_unit = int(offsets[-1])
    # Caregiver pool: unit u, profession p, k-th -> index u*per_unit + offsets[p] + k.
    caregiver_pool = pa.array(
        [
            f"VG{u:04d}{p}{k:02d}"
            for u in range(units)
            for p in range(n_prof)
            for k in range(STAFF[p])
        ]
        + [None]
    )
    no_caregiver = len(caregiver_pool) - 1
    unit_pool = pa.array([f"VC{u:04d}" for u in range(units)])
    labels = LABELS if swedish else PROFESSIONS
    prof_pool = pa.array(list(labels))
    sex_pool = pa.array(["K", "M"] if swedish else ["F", "M"])
    type_pool = pa.array(list(("Besök", "Telefon", "Digitalt besök") if swedish else CONTACT_TYPES))
    code_pool = pa.array(list(OTHER_CODES) + list(PAIN_CODES))
    n_other = len(OTHER_CODES)
    time_pool = pa.array([f"{h:02d}:{m:02d}" for h in range(7, 18) for m in range(0, 60, 15)])
    certificates = []
    total = 0
    side = None
    if care is not None and (care.any() or care.units is not None):
        side = Writer(
            care,
            seed=seed,
            epoch=epoch,
            days=days,
            caregiver_pool=caregiver_pool,
            unit_pool=unit_pool,
        )
    writer = _writer(path, schema)
    try:
        for chunk_start in range(0, patients, CHUNK_PATIENTS):
            n = min(CHUNK_PATIENTS, patients - chunk_start)
            rng = np.random.default_rng([seed, chunk_start // CHUNK_PATIENTS])
            cohort = rng.random(n) < cohort_share
            female = rng.random(n) < np.where(cohort, 77 / 124, 0.52)
            birth = np.where(
                cohort, rng.integers(1932, 1996, n), rng.integers(1925, years[0] + 1, n)
            )
            unit = rng.integers(0, units, n)
            scale = (years[1] - years[0] + 1) / 4
            # Everyone else: few contacts (most few, some many); the cohort: many,
            # with a long tail. The means are per four years (see OTHERS_PER_YEAR).
            mean = np.where(cohort, 28.0, 4 * OTHERS_PER_YEAR) * scale
            shape = np.where(cohort, 1.2, 0.5)
            count = rng.negative_binomial(shape, shape / (shape + mean))
            tail = cohort & (rng.random(n) < 0.01)
            count = np.where(tail, rng.integers(150, 380, n), count)
            # Usual caregiver per profession (continuity), as an offset in the pool.
            usual = np.stack([rng.integers(0, s, n) for s in STAFF], axis=1)
            # Professions recording the diagnosis (cohort only): how many as in the
            # report (102, 15, 5 and 2 of 124 patients), which ones weighted by its
            # table, drawn without replacement (smallest exponential keys / weight).
            k = rng.choice(4, size=n, p=np.asarray(PROFESSIONS_PER_PATIENT)) + 1
            keys = rng.exponential(size=(n, n_prof)) / np.asarray(DIAGNOSED_BY)
            rank = keys.argsort(axis=1).argsort(axis=1)
            dx_by = (rank < k[:, None]) & cohort[:, None]
            dx_count = np.where(dx_by, rng.integers(1, 4, (n, n_prof)), 0)

            # Ordinary contacts.
            pid = np.repeat(np.arange(n), count)
            prof = rng.choice(n_prof, size=pid.size, p=np.asarray(CONTACT_MIX) / sum(CONTACT_MIX))
            codes = rng.integers(0, n_other, pid.size)
            # Diagnosis contacts: per patient and recording profession.
            dpid = np.repeat(np.repeat(np.arange(n), n_prof), dx_count.ravel())
            dprof = np.repeat(np.tile(np.arange(n_prof), n), dx_count.ravel())
            dcodes = n_other + rng.integers(0, len(PAIN_CODES), dpid.size)
            pid = np.concatenate([pid, dpid])
            prof = np.concatenate([prof, dprof])
            codes = np.concatenate([codes, dcodes])
            m = pid.size
            # Diagnosis contacts stay with the usual caregiver more often (the report:
            # 15 of 124 patients met two caregivers of one profession for it).
            keep_usual = rng.random(m) < np.where(np.arange(m) >= m - dpid.size, 0.95, 0.8)
            pick = np.where(
                keep_usual, usual[pid, prof], rng.integers(0, 1 << 30, m) % np.asarray(STAFF)[prof]
            )
            caregiver = unit[pid] * per_unit + offsets[prof] + pick
            caregiver = np.where(rng.random(m) < 0.03, no_caregiver, caregiver)
            date = epoch + rng.integers(0, days, m)
            ids = pa.array([f"P{chunk_start + i:010d}" for i in range(n)])
            table = pa.Table.from_arrays(
                [
                    ids.take(pa.array(pid)),
                    sex_pool.take(pa.array(np.where(female[pid], 0, 1))),
                    pa.array(birth[pid].astype(np.int32)),
                    pa.array(date.astype(np.int32)).cast(pa.date32()),
                    time_pool.take(pa.array(rng.integers(0, len(time_pool), m))),
                    unit_pool.take(pa.array(unit[pid])),
                    caregiver_pool.take(pa.array(caregiver)),
                    prof_pool.take(pa.array(prof)),
                    type_pool.take(pa.array(rng.choice(3, size=m, p=np.asarray(CONTACT_TYPE_P)))),
                    code_pool.take(pa.array(codes)),
                ],
                schema=schema,
            )
            writer.write_table(table)
            total += m
            if side is not None:
                base = unit * per_unit
                side.chunk(
                    chunk_start // CHUNK_PATIENTS,
                    ids,
                    cohort,
                    unit,
                    base + offsets[0] + usual[:, 0],
                    base
                    + offsets[PROFESSIONS.index("nurse")]
                    + usual[:, PROFESSIONS.index("nurse")],
                )
            if sick_leave is not None:
                certificates.append(
                    _certificates(rng, np.flatnonzero(cohort), chunk_start, unit, epoch, days)
                )
    finally:
        writer.close()
        if side is not None:
            side.close(units)
    if sick_leave is not None:
        _write_certificates(Path(sick_leave), certificates, unit_pool, swedish)
    return total


def _certificates(rng, cohort_idx, chunk_start, unit, epoch, days):
    """~15% of cohort patients get 1-3 certificates, some chained into one episode."""
    import numpy as np

    who = cohort_idx[rng.random(cohort_idx.size) < 0.15]
    rows = []
    for i in who:
        start = epoch + int(rng.integers(0, days))
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.choice([14, 30, 60, 90, 180]))
            rows.append(
                (
                    f"P{chunk_start + int(i):010d}",
                    int(unit[i]),
                    start,
                    start + length - 1,
                    int(rng.choice([25, 50, 75, 100])),
                    str(rng.choice(["R52.2", "R522", "M54.5"])),
                )
            )
            start = start + length + int(rng.integers(0, 12))
    return np.array(rows, dtype=object).reshape(-1, 6)


def _write_certificates(path: Path, parts, unit_pool, swedish: bool) -> None:
    import numpy as np
    import pyarrow as pa

    rows = np.concatenate(parts) if parts else np.empty((0, 6), dtype=object)
    names = (
        ["Personnummer", "Vårdenhet", "Startdatum", "Slutdatum", "Omfattning", "Diagnos"]
        if swedish
        else list(("patient_id", "unit_id", "start_date", "end_date", "extent", "diagnosis"))
    )
    table = pa.table(
        {
            names[0]: pa.array(rows[:, 0].astype(str)),
            names[1]: unit_pool.take(pa.array(rows[:, 1].astype(np.int64))),
            names[2]: pa.array(rows[:, 2].astype(np.int32)).cast(pa.date32()),
            names[3]: pa.array(rows[:, 3].astype(np.int32)).cast(pa.date32()),
            names[4]: pa.array(rows[:, 4].astype(np.int64)),
            names[5]: pa.array(rows[:, 5].astype(str)),
        }
    )
    writer = _writer(path, table.schema)
    writer.write_table(table)
    writer.close()
