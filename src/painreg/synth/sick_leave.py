"""A synthetic sick-leave extract from Försäkringskassan for a synthetic register.

``painreg synth registry DIR --sick-leave`` writes ``sick_leave`` and
``sick_leave_coverage`` beside the register, for the demo and the
benchmarks. It reads the registrations just written and draws each patient's
benefit periods from its own random stream (``(seed, SICK_LEAVE_STREAM)``),
so the register's files are byte for byte those without the option.

The shapes (docs/synthetic-data.md names the sources):

* **Who**: the share of rehab patients with sickness benefit in the year
  before the first visit (:data:`SHARE_BEFORE`, higher in specialist care:
  NRS 2021, "Patienter som erbjuds MMRsv har en längre tids sjukskrivning
  bakom sig"); of them the share with no benefit in the first year after
  (:data:`SHARE_NONE_AFTER`); new spells after rehabilitation for some who
  had none (:data:`SHARE_NEW_AFTER`); sickness compensation (age 30+) and
  activity compensation (19-29) for a few, long-running
  (:data:`SHARE_COMPENSATION`, :data:`SHARE_ACTIVITY`).
* **Extent**: full-time for most sickness-benefit periods, part-time for
  the rest (:data:`EXTENTS_BENEFIT`); those who return to work step down
  through part-time extents (graded return).
* **Periods**: a spell is paid in periods of about a month each (one per
  certificate; :data:`PERIOD_DAYS`), so a year's spell is a dozen rows. The
  first 14 days of an employee's spell are the employer's (sjuklönperioden)
  and not in the data: spells start on day 15.
* **Covered period**: the January of the first year before the register's
  first year up to the register's snapshot (31 March after its last year);
  periods are clipped to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Own random stream: the register's draws are untouched by the option.
SICK_LEAVE_STREAM = 0x5F4B
#: Share of completed-rehab patients with sickness benefit in the year before.
SHARE_BEFORE = {"specialist": 0.60, "primary": 0.45}
#: Of those, the share with no benefit in the first year after rehabilitation.
SHARE_NONE_AFTER = {"specialist": 0.30, "primary": 0.40}
#: Share of those without sick leave before who start a spell after rehabilitation.
SHARE_NEW_AFTER = 0.08
#: Share with sickness compensation (age 30 and over at the first visit).
SHARE_COMPENSATION = 0.10
#: Share with activity compensation (age 19-29 at the first visit).
SHARE_ACTIVITY = 0.12
#: Share on sick leave who get rehabilitation benefit (work training) after rehab.
SHARE_REHABILITATION = 0.08
#: Extent of sickness-benefit periods (per cent: probability).
EXTENTS_BENEFIT = {100: 0.62, 75: 0.06, 50: 0.22, 25: 0.10}
#: Extent of compensation decisions.
EXTENTS_COMPENSATION = {100: 0.60, 75: 0.10, 50: 0.20, 25: 0.10}
#: Median days of one paid period (one certificate), log-normal.
PERIOD_DAYS = 30
#: The employer's sick-pay period (sjuklönperiod): days of a spell not in the data.
EMPLOYER_DAYS = 14


def coverage(years: tuple[int, int]) -> tuple[dt.date, dt.date]:
    """The covered period of the synthetic extract of a register of ``years``."""
    return dt.date(years[0] - 1, 1, 1), dt.date(years[1] + 1, 3, 31)


class _Periods:
    """Rows gathered as parallel lists (days since the epoch)."""

    def __init__(self) -> None:
        self.patient: list[str] = []
        self.benefit: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.extent: list[int] = []

    def add(self, patient: str, benefit: str, start: int, end: int, extent: int) -> None:
        if end >= start:
            self.patient.append(patient)
            self.benefit.append(benefit)
            self.start.append(start)
            self.end.append(end)
            self.extent.append(extent)


def _spell(
    rng: np.random.Generator,
    out: _Periods,
    patient: str,
    first: int,
    last: int,
    extent: int,
    *,
    step_down: bool,
) -> None:
    """One spell of sickness benefit from ``first`` to ``last``, paid in periods of about a
    month; ``step_down``: the last periods go down through part-time extents."""
    day = first
    steps = [e for e in (75, 50, 25) if e < extent] if step_down else []
    while day <= last:
        length = int(np.clip(rng.lognormal(np.log(PERIOD_DAYS), 0.5), 7, 120))
        end = min(day + length - 1, last)
        current = extent
        if steps and last - day < 45 * len(steps):
            current = steps[min(len(steps) - 1, (45 * len(steps) - (last - day)) // 45)]
        out.add(patient, "sickness", day, end, current)
        day = end + 1


def _choice(rng: np.random.Generator, mix: dict[int, float]) -> int:
    keys = list(mix)
    return int(keys[rng.choice(len(keys), p=np.array(list(mix.values())))])


def generate_extract(
    directory: Path | str, *, seed: int, years: tuple[int, int], format: str = "csv"
) -> dict[str, int]:
    """Write the extract for the register in ``directory``; rows per table."""
    from painreg.tidy.schema import read_table, write_table

    directory = Path(directory)
    covers_from, covers_to = coverage(years)
    lo = (covers_from - dt.date(1970, 1, 1)).days
    hi = (covers_to - dt.date(1970, 1, 1)).days
    regs = read_table(directory, "registrations")
    units = read_table(directory, "units")
    patients = read_table(directory, "patients")
    level_of = dict(
        zip(
            units.column("unit_id").to_pylist(), units.column("care_level").to_pylist(), strict=True
        )
    )
    born = dict(
        zip(
            patients.column("patient_id").to_pylist(),
            patients.column("birth_year").to_pylist(),
            strict=True,
        )
    )
    rehab = regs.filter(pc.equal(regs.column("category"), "rehab"))
    first_visit = rehab.column("first_visit_date").cast(pa.int32()).to_numpy()
    end_col = rehab.column("rehab_end_date")
    ongoing = pc.is_null(end_col).to_numpy(zero_copy_only=False)
    ends = end_col.fill_null(pa.scalar(0, pa.date32())).cast(pa.int32()).to_numpy()
    ends = np.where(ongoing, first_visit + 120, ends)
    rng = np.random.default_rng([seed, SICK_LEAVE_STREAM])
    out = _Periods()
    compensated: set[str] = set()
    for i, (pid, unit) in enumerate(
        zip(rehab.column("patient_id").to_pylist(), rehab.column("unit_id").to_pylist(),
            strict=True)
    ):  # fmt: skip
        level = level_of.get(unit, "specialist")
        fv, end = int(first_visit[i]), int(ends[i])
        age = dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + fv).year - born.get(pid, 1975)
        u = rng.random(6)
        if pid not in compensated and (
            (age >= 30 and u[0] < SHARE_COMPENSATION) or (19 <= age <= 29 and u[0] < SHARE_ACTIVITY)
        ):
            compensated.add(pid)
            benefit = "sickness_compensation" if age >= 30 else "activity_compensation"
            extent = _choice(rng, EXTENTS_COMPENSATION)
            day = fv - int(rng.integers(60, 1500))
            while day <= hi:  # decisions renewed year by year
                out.add(pid, benefit, day, day + 364, extent)
                day += 365
            continue
        if u[1] < SHARE_BEFORE[level]:
            start = fv - int(rng.integers(30, 540)) + EMPLOYER_DAYS
            extent = _choice(rng, EXTENTS_BENEFIT)
            if u[2] < SHARE_NONE_AFTER[level]:
                stop = end - int(rng.integers(0, 60))
                _spell(rng, out, pid, start, max(stop, start), extent, step_down=True)
            else:
                stop = end + int(np.clip(rng.lognormal(np.log(200), 0.8), 20, 1400))
                _spell(rng, out, pid, start, stop, extent, step_down=u[3] < 0.5)
            if u[4] < SHARE_REHABILITATION:
                begin = end + int(rng.integers(1, 60))
                out.add(pid, "rehabilitation", begin, begin + int(rng.integers(30, 90)), 100)
        elif u[5] < SHARE_NEW_AFTER:
            start = end + int(rng.integers(30, 600)) + EMPLOYER_DAYS
            stop = start + int(np.clip(rng.lognormal(np.log(60), 0.8), 1, 700))
            _spell(rng, out, pid, start, stop, _choice(rng, EXTENTS_BENEFIT), step_down=False)
    starts = np.maximum(np.asarray(out.start, dtype=np.int64), lo)
    stops = np.minimum(np.asarray(out.end, dtype=np.int64), hi)
    keep = starts <= stops
    table = pa.table(
        {
            "patient_id": pa.array(out.patient, pa.string()).filter(pa.array(keep)),
            "benefit": pa.array(out.benefit, pa.string()).filter(pa.array(keep)),
            "start_date": pa.array(starts[keep].astype(np.int32), pa.int32()).cast(pa.date32()),
            "end_date": pa.array(stops[keep].astype(np.int32), pa.int32()).cast(pa.date32()),
            "extent": pa.array(np.asarray(out.extent, dtype=np.int64)[keep], pa.int64()),
        }
    )
    # Exact repeats (a patient's two registrations drawing the same clipped period) are
    # one period; sorted so the files depend only on the seed.
    table = table.group_by(table.column_names, use_threads=False).aggregate([])
    table = table.sort_by([(c, "ascending") for c in table.column_names])
    rows = {
        "sick_leave_coverage": write_table(
            directory,
            "sick_leave_coverage",
            [{"covers_from": covers_from, "covers_to": covers_to}],
            format,
        ),
        "sick_leave": write_table(directory, "sick_leave", [table], format),
    }
    return rows
