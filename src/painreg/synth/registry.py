"""`painreg synth registry DIR`: a synthetic national register as interchange tables.

Decision: no real patient data may be used anywhere, so everything that
counts is developed and measured on a register generated to the shape of the
2021 annual report (``shared/seeds/nrs-annual-report-2021.txt``; the figures
and their sources are in :mod:`painreg.synth.registry_shape`, the answer
model in :mod:`painreg.synth.registry_answers`). ``DOMAIN.md``: at scale 1
the volumes match the report within ±5% and the shares within ±2 pp.

How it stays deterministic and bounded:

* Volumes are *allocated*, not sampled: the yearly totals of a care level
  are split over its active units by largest remainder, so a volume the
  report states comes out exactly (times ``--scale``).
* Each (year, unit) is generated from its own random stream
  ``(seed, year, unit)`` and written at once (streaming writers of
  :mod:`painreg.tidy.schema`), so memory is bounded by one unit-year and
  the output depends only on the seed, the scale and the years.
* Registrations the counting rules leave out come on top of the report's
  volumes: ~1% not signed off, and in the last year ongoing rehab with no
  end date.

Patient ids are Luhn-valid personnummer (12 digits) drawn at random from
the birth year: they are synthetic and must never be used outside test and
demo systems (any such number may belong to a real person).

Why one module of about 800 lines: the generation of a unit-year is one
sequence of draws from its random stream, and that order fixes every
synthetic register byte for byte (the golden files and every test built on
a register depend on it); moving steps between modules invites a change of
order. The report's figures are in :mod:`painreg.synth.registry_shape`, the
answer model in :mod:`painreg.synth.registry_answers`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy.special import expit

from painreg.errors import UserError
from painreg.synth import registry_answers as model
from painreg.synth import registry_shape as shape
from painreg.tidy import vocabulary

DEFAULT_SEED = 2021
REPORT_YEAR = 2021  # the annual report whose figures the register reproduces
DEFAULT_YEARS = (2013, 2021)
UNSIGNED_SHARE = 0.01
ONGOING_SHARE = 0.06
PATIENT_REUSE_SHARE = 0.03
PATIENT_SOURCE_SHARE = 0.15  # forms entered by the patient (digital); the rest by staff
EPOCH = np.datetime64("1970-01-01", "D")


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", type=Path, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 2021)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume relative to the real register (1 = the 2021 report's national volumes; "
        "0.02 for a small demo)",
    )
    parser.add_argument(
        "--years",
        default=f"{DEFAULT_YEARS[0]}-{DEFAULT_YEARS[1]}",
        help="range of years, e.g. 2013-2021 or 2021 (default 2013-2021)",
    )
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument(
        "--sick-leave",
        action="store_true",
        help="also write a synthetic sick-leave extract from Försäkringskassan (sick_leave, "
        "sick_leave_coverage; docs/synthetic-data.md)",
    )


def parse_years(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text)
    if match is None:
        raise UserError(f"--years {text!r}: write a year or a range such as 2013-2021")
    first, last = int(match[1]), int(match[2] or match[1])
    if first > last:
        raise UserError(f"--years {text!r}: the first year is after the last")
    if first < 2000 or last > 2100:
        raise UserError(f"--years {text!r}: years must be between 2000 and 2100")
    return first, last


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    if args.scale <= 0 or args.scale > 100:
        raise UserError(f"--scale {args.scale}: use a number above 0 and at most 100")
    years = parse_years(args.years)
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("generating unit-years", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        rows = generate(
            args.directory,
            seed=args.seed,
            scale=args.scale,
            years=years,
            format=args.format,
            progress=advance,
        )
    if getattr(args, "sick_leave", False):
        from painreg.synth.sick_leave import generate_extract

        rows.update(
            generate_extract(args.directory, seed=args.seed, years=years, format=args.format)
        )
    summary = ", ".join(f"{name} {count:,}" for name, count in rows.items())
    print(f"wrote {args.directory} ({args.format}): {summary}")
    return 0


# --------------------------------------------------------------------------- allocation


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` over ``weights`` by largest remainder (exact, deterministic)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(int)
    remainder = total - counts.sum()
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def _scaled(value: float, scale: float) -> int:
    return round(value * scale)


def _active_days(unit: shape.UnitSpec, year: int) -> tuple[dt.date, dt.date] | None:
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if unit.first_year > year or (unit.last_year is not None and unit.last_year < year):
        return None
    if unit.last_year == year and unit.last_month < 12:
        end = dt.date(year, unit.last_month + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass
class Plan:
    """Counts per (year, unit) and the unit-level draws, fixed before any row is written."""

    units: list[shape.UnitSpec]
    years: list[int]
    unit_severity: np.ndarray
    unit_change: np.ndarray
    counts: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    totals: list[tuple[str, int, int]] = field(default_factory=list)

    def calibration(self, level: str) -> model.Calibration:
        """The model calibrated for this register's units of ``level``.

        Units are weighted by their volume in the report's year (2021, or the
        nearest year generated): that is the year whose figures must hold.
        """
        target = min(self.years, key=lambda y: abs(y - REPORT_YEAR))
        volume = np.zeros(len(self.units))
        for (year, ui), c in self.counts.items():
            if year == target:
                volume[ui] += c["completed"]
        idx = [i for i, u in enumerate(self.units) if u.care_level == level and volume[i] > 0]
        return model.calibration(
            level,
            tuple(float(self.unit_change[i]) for i in idx),
            tuple(float(volume[i]) for i in idx),
        )


def plan_register(seed: int, scale: float, years: tuple[int, int]) -> Plan:
    year_list = list(range(years[0], years[1] + 1))
    units = [
        u for u in shape.unit_specs() if any(_active_days(u, y) is not None for y in year_list)
    ]
    rng = np.random.default_rng([seed, 0])
    size = np.exp(rng.normal(0, shape.UNIT_SIZE_SIGMA, len(units)))
    size[[u.small for u in units]] = shape.SMALL_UNIT_WEIGHT
    unit_severity = rng.normal(0, model.UNIT_SEVERITY_SD, len(units))
    unit_change = rng.normal(0, model.UNIT_CHANGE_SD, len(units))
    # Centre the unit effects per care level (size-weighted) so the national
    # figures are the calibrated ones; units still differ as much as drawn.
    for level in ("specialist", "primary"):
        mask = np.array([u.care_level == level for u in units])
        if mask.any():
            w = size[mask] / size[mask].sum()
            unit_severity[mask] -= (unit_severity[mask] * w).sum()
            unit_change[mask] -= (unit_change[mask] * w).sum()
    plan = Plan(units, year_list, unit_severity, unit_change)
    region_cov = {
        code: float(np.clip(rng.normal(shape.COVERAGE, 0.07), 0.62, 0.99))
        for code in sorted({u.region_code for u in units})
    }
    reporting_draw = rng.random((len(year_list), len(units)))
    for yi, year in enumerate(year_list):
        for level in ("specialist", "primary"):
            idx = [i for i, u in enumerate(units) if u.care_level == level]
            spans = [_active_days(units[i], year) for i in idx]
            frac = np.array([0.0 if s is None else ((s[1] - s[0]).days + 1) / 365 for s in spans])
            weights = size[idx] * frac
            completed = allocate(_scaled(shape.COMPLETED_REHAB[level].get(year, 0), scale), weights)
            assessed = allocate(_scaled(shape.ASSESSMENT_ONLY[level].get(year, 0), scale), weights)
            reasons = _discontinued(level, year, scale)
            by_reason = {
                reason: allocate(n, weights * (completed > 0)) for reason, n in reasons.items()
            }
            for j, i in enumerate(idx):
                if frac[j] == 0:
                    continue
                plan.counts[(year, i)] = {
                    "completed": int(completed[j]),
                    "assessment": int(assessed[j]),
                    **{f"disc_{r}": int(c[j]) for r, c in by_reason.items()},
                }
            if level == "specialist":
                _unit_totals(plan, year, yi, idx, region_cov, reporting_draw, rng)
    return plan


def _discontinued(level: str, year: int, scale: float) -> dict[str, int]:
    base = shape.DISCONTINUED_2021[level]
    if year == 2021:
        return {r: _scaled(n, scale) for r, n in base.items()}
    rate = sum(base.values()) / shape.COMPLETED_REHAB[level][2021]
    completed = shape.COMPLETED_REHAB[level].get(year, 0)
    total = _scaled(completed * rate, scale)
    weights = np.array(list(base.values()), dtype=float)
    return dict(zip(base, allocate(total, weights).tolist(), strict=True))


def _unit_totals(
    plan: Plan,
    year: int,
    yi: int,
    idx: list[int],
    region_cov: dict[str, float],
    reporting_draw: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Unit-reported MMR totals so that national coverage is about 85% (report, Täckning)."""
    rows = []
    delivering = []
    for i in idx:
        counts = plan.counts.get((year, i))
        if counts is None:
            continue
        registered = counts["completed"] + sum(
            v for k, v in counts.items() if k.startswith("disc_")
        )
        if registered:
            delivering.append((i, registered))
    # The report's share of delivering units reporting a total, exactly (33 of 38
    # in 2021): those with the smallest draws report.
    reporting = round(shape.TOTALS_REPORTED_SHARE * len(delivering))
    chosen = set(
        sorted((i for i, _ in delivering), key=lambda i: reporting_draw[yi, i])[:reporting]
    )
    for i, registered in delivering:
        if i not in chosen:
            continue
        cov = float(np.clip(region_cov[plan.units[i].region_code] + rng.normal(0, 0.05), 0.5, 1))
        rows.append((i, registered, cov))
    if not rows:
        return
    registered = np.array([r[1] for r in rows], dtype=float)
    cov = np.array([r[2] for r in rows])
    # Rescale unit coverages so the national ratio is the report's 85%.
    for _ in range(20):
        national = registered.sum() / (registered / cov).sum()
        cov = np.clip(cov * shape.COVERAGE / national, 0.3, 1.0)
    for (i, reg, _), c in zip(rows, cov, strict=True):
        plan.totals.append((plan.units[i].unit_id, year, round(reg / c)))


# --------------------------------------------------------------------------- generation


def _choice(rng: np.random.Generator, mix: dict, n: int) -> list:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    picks = rng.choice(len(keys), size=n, p=p / p.sum())
    return [keys[k] for k in picks]


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), pa.int32()).cast(pa.date32())


def _to_days(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


class PatientPool:
    """Personnummer already used (unique ids) and earlier patients per unit (for reuse)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.by_unit: dict[str, list[tuple[str, str, int]]] = {}

    def new_ids(
        self, rng: np.random.Generator, sex: list[str], birth_year: np.ndarray
    ) -> list[str]:
        from painreg.tidy.personnummer import luhn_check_digit

        out = []
        for s, year in zip(sex, birth_year.tolist(), strict=True):
            while True:
                day = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                # birth number 001-999; its last digit is odd for men, even for women
                serial = int(rng.integers(0, 500)) * 2 + (1 if s == "M" else 0)
                if serial == 0:
                    continue
                nine = f"{day:%y%m%d}{serial:03d}"
                pnr = f"{day:%Y%m%d}{serial:03d}{luhn_check_digit(nine)}"
                if pnr not in self.used:
                    self.used.add(pnr)
                    out.append(pnr)
                    break
        return out


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    bands = shape.AGE_BANDS
    band = rng.choice(len(bands), size=n, p=[b[2] for b in bands])
    lo = np.array([b[0] for b in bands])[band]
    hi = np.array([b[1] for b in bands])[band]
    # Within 26-65 ages peak in the forties (triangular); elsewhere uniform.
    tri = rng.triangular(0, 0.45, 1, n)
    uni = rng.random(n)
    pos = np.where(band == 1, tri, uni)
    return (lo + np.floor(pos * (hi - lo + 1))).astype(int)


def generate(
    directory: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    years: tuple[int, int] = DEFAULT_YEARS,
    format: str = "csv",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write the synthetic register to ``directory``; returns rows written per table."""
    from painreg.tidy.schema import TableWriter, write_table

    directory = Path(directory)
    plan = plan_register(seed, scale, years)
    snapshot = _to_days(dt.date(years[1] + 1, 3, 31))
    rows: dict[str, int] = {}
    rows["units"] = write_table(directory, "units", [_unit_rows(plan)], format)
    totals = [
        {"unit_id": u, "year": y, "rehab_patients_total": t} for u, y, t in sorted(plan.totals)
    ]
    rows["unit_year_totals"] = write_table(
        directory, "unit_year_totals", [pa.Table.from_pylist(totals)] if totals else [], format
    )
    pool = PatientPool()
    keys = sorted(plan.counts)
    with (
        TableWriter(directory, "patients", format) as patients,
        TableWriter(directory, "registrations", format) as registrations,
        TableWriter(directory, "answers", format) as answers,
    ):
        for done, (year, ui) in enumerate(keys, start=1):
            chunk = _unit_year(plan, year, ui, seed, pool, snapshot, last_year=years[1])
            if chunk is not None:
                patients.write(chunk[0])
                registrations.write(chunk[1])
                for batch in chunk[2]:
                    answers.write(batch)
            if progress is not None:
                progress(done, len(keys))
    rows["patients"] = patients.rows
    rows["registrations"] = registrations.rows
    rows["answers"] = answers.rows
    return rows


def _unit_rows(plan: Plan) -> pa.Table:
    rows = []
    centres: set[str] = set()
    for u in plan.units:
        active_to = None
        if u.last_year is not None:
            active_to = dt.date(
                u.last_year + (u.last_month == 12), u.last_month % 12 + 1, 1
            ) - dt.timedelta(days=1)
        rows.append(
            {
                "unit_id": u.unit_id,
                "name": u.name,
                "region_code": u.region_code,
                "care_level": u.care_level,
                "active_from": dt.date(max(u.first_year, 2010), 1, 1),
                "active_to": active_to,
                "hsa_id": f"SE2321000000-{u.unit_id}",
                "connected": True,
                "pain_care_level": _pain_care_level(u, centres),
            }
        )
    rows += [
        {**row, "hsa_id": f"SE2321000000-{row['unit_id']}", "connected": True}
        for row in shape.UNITS_WITHOUT_DATA
    ]
    return pa.Table.from_pylist(rows)


def _pain_care_level(unit: shape.UnitSpec, centres: set[str]) -> int:
    """Level 2 in primary care; in specialist care level 4 for the first unit of each
    healthcare region (its regional centre), else 3 (ours; DOMAIN.md, "Care levels 1-4")."""
    if unit.care_level == "primary":
        return 2
    healthcare_region = vocabulary.HEALTHCARE_REGION_OF[unit.region_code]
    if healthcare_region in centres:
        return 3
    centres.add(healthcare_region)
    return 4


def _unit_year(
    plan: Plan,
    year: int,
    ui: int,
    seed: int,
    pool: PatientPool,
    snapshot: int,
    *,
    last_year: int,
) -> tuple[pa.Table, pa.Table, list[pa.Table]] | None:
    unit = plan.units[ui]
    level = unit.care_level
    counts = plan.counts[(year, ui)]
    rng = np.random.default_rng([seed, year, ui + 1])
    span = _active_days(unit, year)
    assert span is not None
    lo, hi = _to_days(span[0]), _to_days(span[1])

    # --- who: kinds of registration in this unit-year
    kinds: list[str] = ["completed"] * counts["completed"]
    reasons: list[str | None] = [None] * counts["completed"]
    for reason in shape.DISCONTINUED_2021[level]:
        n = counts.get(f"disc_{reason}", 0)
        kinds += ["discontinued"] * n
        reasons += [reason] * n
    kinds += ["assessment"] * counts["assessment"]
    reasons += [None] * counts["assessment"]
    n_main = len(kinds)
    n_unsigned = int(rng.binomial(n_main, UNSIGNED_SHARE)) if n_main else 0
    n_ongoing = 0
    if year == last_year and counts["completed"]:
        n_ongoing = round(counts["completed"] * ONGOING_SHARE)
    extra_kinds = list(rng.choice(kinds, n_unsigned)) if n_unsigned else []
    kinds += extra_kinds + ["ongoing"] * n_ongoing
    reasons += [
        (rng.choice(list(shape.DISCONTINUED_2021[level])) if k == "discontinued" else None)
        for k in extra_kinds
    ] + [None] * n_ongoing
    n = len(kinds)
    if n == 0:
        return None
    kind = np.array(kinds)
    signed = np.ones(n, dtype=bool)
    signed[n_main : n_main + n_unsigned] = False
    is_rehab = kind != "assessment"
    category = np.where(is_rehab, "rehab", "assessment")

    # --- dates (days since epoch)
    end = rng.integers(lo, hi + 1, n)
    rehab_len = rng.integers(35, 110, n)
    disc_len = rng.integers(7, 60, n)
    start = np.where(kind == "discontinued", end - disc_len, end - rehab_len)
    ongoing = kind == "ongoing"
    start[ongoing] = hi - rng.integers(5, 90, int(ongoing.sum()))
    first_visit = np.where(is_rehab, start - rng.integers(14, 180, n), end)
    referral = first_visit - rng.integers(20, 150, n)
    has_referral = rng.random(n) < 0.9

    # --- patients
    sex_assess = rng.random(n) < shape.MEN_SHARE[(level, "assessment")]
    sex_rehab = rng.random(n) < shape.MEN_SHARE[(level, "rehab")]
    male = np.where(is_rehab, sex_rehab, sex_assess)
    sex = ["M" if m else "F" for m in male]
    fv_year = first_visit.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    birth_year = fv_year - _ages(rng, n)
    ids = pool.new_ids(rng, sex, birth_year)
    earlier = pool.by_unit.get(unit.unit_id, [])
    reuse = np.flatnonzero(is_rehab & (rng.random(n) < PATIENT_REUSE_SHARE))
    reused: set[int] = set()
    for i in reuse:
        if earlier:
            pid, psex, pyear = earlier[int(rng.integers(0, len(earlier)))]
            pool.used.discard(ids[i])
            ids[i], sex[i], birth_year[i] = pid, psex, pyear
            reused.add(int(i))
    new = [i for i in range(n) if i not in reused]
    patients = pa.table(
        {
            "patient_id": [ids[i] for i in new],
            "sex": [sex[i] for i in new],
            "birth_year": birth_year[new].astype("int64"),
        }
    )
    pool.by_unit.setdefault(unit.unit_id, []).extend(
        (ids[i], sex[i], int(birth_year[i])) for i in new if kinds[i] == "assessment"
    )

    # --- registration attributes
    reg_ids = [f"{unit.unit_id}-{year}-{i + 1:05d}" for i in range(n)]
    mix_key = (level, "rehab")
    education = [
        e if r else ea
        for e, ea, r in zip(
            _choice(rng, shape.EDUCATION_MIX[mix_key], n),
            _choice(rng, shape.EDUCATION_MIX[(level, "assessment")], n),
            is_rehab,
            strict=True,
        )
    ]
    diagnoses = _choice(rng, shape.DIAGNOSIS_MIX[level], n)
    secondary = [
        d2 if (d2 != d and s) else None
        for d, d2, s in zip(
            diagnoses,
            _choice(rng, shape.DIAGNOSIS_MIX[level], n),
            rng.random(n) < shape.SECONDARY_DIAGNOSIS_SHARE,
            strict=True,
        )
    ]
    focus = rng.random(n) < shape.WORK_FOCUS_SHARE
    measure_draw = {m: rng.random(n) < p for m, p in shape.WORK_MEASURE_SHARE.items()}
    work = [
        ";".join(m for m in measure_draw if measure_draw[m][i])
        if is_rehab[i] and focus[i]
        else None
        for i in range(n)
    ]
    digital_share = 0.35 if year >= 2020 else 0.1
    delivery = np.where(rng.random(n) < digital_share, "digital", "on_site")
    method = np.where(rng.random(n) < 0.5, "act", "cbt")
    programme = [f"{method[i]};{delivery[i]}" if is_rehab[i] else None for i in range(n)]
    registrations = pa.table(
        {
            "registration_id": reg_ids,
            "patient_id": ids,
            "unit_id": [unit.unit_id] * n,
            "category": category,
            "referral_date": pa.array(
                [int(d) if h else None for d, h in zip(referral, has_referral, strict=True)],
                pa.int32(),
            ).cast(pa.date32()),
            "first_visit_date": _dates(first_visit),
            "rehab_start_date": pa.array(
                [int(d) if r else None for d, r in zip(start, is_rehab, strict=True)], pa.int32()
            ).cast(pa.date32()),
            "rehab_end_date": pa.array(
                [
                    int(d) if r and not o else None
                    for d, r, o in zip(end, is_rehab, ongoing, strict=True)
                ],
                pa.int32(),
            ).cast(pa.date32()),
            "discontinued": kind == "discontinued",
            "discontinuation_reason": reasons,
            "main_diagnosis": diagnoses,
            "secondary_diagnoses": secondary,
            "education": education,
            "work_measures": work,
            "programme": programme,
            "signed_off": signed,
        }
    )
    background = _background(rng, level, education)
    answers = _answers(
        rng, plan, ui, year, level, kind, first_visit, end, snapshot, np.array(reg_ids),
        background, fv_year - birth_year,
    )  # fmt: skip
    return patients, registrations, answers


def _answers(
    rng: np.random.Generator,
    plan: Plan,
    ui: int,
    year: int,
    level: str,
    kind: np.ndarray,
    first_visit: np.ndarray,
    end: np.ndarray,
    snapshot: int,
    reg_ids: np.ndarray,
    background: np.ndarray,
    age: np.ndarray,
) -> list[pa.Table]:
    """All answers of one unit-year as one long table (see registry_answers).

    ``background`` holds the answers to the background questions but the pain
    duration (one row a registration, see :func:`_background`), which
    :func:`_pain_duration` draws from the pain trait and the ``age``; the
    other instruments come from the joint latent model.
    """
    n = len(kind)
    cal = plan.calibration(level)
    chol = np.linalg.cholesky(model.CORRELATION)
    latent = _stratified(rng, rng.standard_normal((n, len(model.TRAITS))) @ chol.T)
    shift = plan.unit_severity[ui] + (
        np.array(model.PRIMARY_SEVERITY_SHIFT) if level == "primary" else 0
    )
    traits = latent.copy()
    traits[:, :4] += shift
    unit_change = np.full(n, plan.unit_change[ui])
    change = model.change_total(latent[:, 4], unit_change)
    # The change trait moves scores towards "better": its sign is negative on
    # the badness scale every item is generated on.
    traits[:, 4] = -change

    # --- which forms were answered
    p_end = expit(model.response_logit(latent, unit_change, cal.response_intercept))
    p_end = np.where(kind == "discontinued", shape.DISCONTINUED_END_RESPONSE, p_end)
    p_end = np.where(np.isin(kind, ("completed", "discontinued")), p_end, 0.0)
    has = {
        "initial": rng.random(n) < shape.INITIAL_RESPONSE,
        # Stratified uniforms: the number of responders in a unit-year is
        # close to its expectation, the ones who respond still depend on p_end.
        "end": (rng.permutation(n) + rng.random(n)) / max(n, 1) < p_end,
        "followup_1y": (kind == "completed") & (rng.random(n) < shape.FOLLOWUP_RESPONSE[level]),
    }
    answered_on = {
        "initial": first_visit - rng.integers(0, 21, n),
        "end": end + rng.integers(0, 26, n),
        "followup_1y": end + 365 + rng.integers(-25, 26, n),
    }
    for occ in has:
        has[occ] &= answered_on[occ] <= snapshot

    uses_5l = year >= model.EQ5D_5L_FROM
    vas_w = _outcome_latent(rng, latent[:, 4], plan.unit_change[ui], model.VAS_LOADING, kind)
    vas_delta = cal.vas_mean + cal.vas_sd * vas_w
    vas_mu, vas_sd = model.VAS_BASELINE[level]
    vas_init = vas_mu - 12 * traits[:, 0] + rng.normal(0, np.sqrt(vas_sd**2 - 144), n)
    # Keep baseline and end on the 0-100 scale without clipping the change,
    # which would hide large changes of those starting near either end.
    vas_delta = np.clip(vas_delta, -100, 100)
    vas_init = np.clip(vas_init, np.maximum(0, -vas_delta), np.minimum(100, 100 - vas_delta))
    global_latents = {
        key: _outcome_latent(rng, latent[:, 4], plan.unit_change[ui], loading, kind)
        for key, loading in model.GLOBAL_LOADING.items()
    }

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("reg", "occ", "item", "value", "src")}
    for occ_code, occ in enumerate(model.OCCASION_CHANGE):
        forms = np.flatnonzero(has[occ])
        if forms.size == 0:
            continue
        source = (rng.random(n) < model_source_share(year)).astype(np.int8)
        for item_plan in model.item_plans():
            m = item_plan.model
            if occ not in m.occasions or level not in m.care_levels:
                continue
            inst = item_plan.instrument
            if (inst == "eq5d3l" and uses_5l) or (inst == "eq5d5l" and not uses_5l):
                continue
            keep = forms[rng.random(forms.size) >= _skip_rate(inst, level)]
            if keep.size == 0:
                continue
            if inst == "background":
                values = background[keep].copy()
                values[:, 0] = _pain_duration(rng, traits[keep, 3], age[keep])
            else:
                values = _values(
                    rng, item_plan, traits, keep, occ, cal, vas_init, vas_delta, global_latents
                )
            k = item_plan.item_ids.size
            item_skip = np.where(item_plan.required, shape.ITEM_SKIP, 3 * shape.ITEM_SKIP)
            present = rng.random((keep.size, k)) >= item_skip[None, :]
            present &= ~np.isnan(values)  # a background question with no answer
            for j, key in enumerate(item_plan.global_key):
                if key is not None and level not in model.GLOBAL_INSTRUMENTS[key]:
                    present[:, j] = False
            flat = present.ravel()
            reg = np.repeat(keep, k)[flat]
            parts["reg"].append(reg)
            parts["occ"].append(np.full(reg.size, occ_code, dtype=np.int8))
            parts["item"].append((np.tile(np.arange(k), keep.size) + item_plan.offset)[flat])
            parts["value"].append(values.ravel()[flat])
            parts["src"].append(source[reg])
    if not parts["reg"]:
        return []
    reg = np.concatenate(parts["reg"])
    occ_codes = np.concatenate(parts["occ"])
    on = np.empty(reg.size, dtype=np.int64)
    for occ_code, occ in enumerate(model.OCCASION_CHANGE):
        mask = occ_codes == occ_code
        on[mask] = answered_on[occ][reg[mask]]
    return [
        pa.table(
            {
                "registration_id": _dictionary(reg, reg_ids),
                "occasion": _dictionary(occ_codes, np.array(list(model.OCCASION_CHANGE))),
                "item": _dictionary(np.concatenate(parts["item"]), _item_id_array()),
                "value": np.concatenate(parts["value"]),
                "answered_on": _dates(on),
                "source": _dictionary(np.concatenate(parts["src"]), _SOURCES),
            }
        )
    ]


_SOURCES = np.array(["staff", "patient"])


def _item_id_array() -> np.ndarray:
    return np.array(model.all_item_ids())


def _dictionary(indices: np.ndarray, values: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype("int32")), pa.array(values)).cast(
        pa.string()
    )


def _outcome_latent(
    rng: np.random.Generator,
    latent_change: np.ndarray,
    unit_change: float,
    loading: float,
    kind: np.ndarray,
) -> np.ndarray:
    """A change outcome's latent: ``loading`` x change (with the unit effect) + noise.

    The same distribution as :func:`registry_answers.global_latent` of
    ``change_total``, but the person-level part is stratified within the
    unit-year, so the national figures hold closely even for primary care's
    few hundred patients; the unit effect is added unchanged.
    """
    scale = np.sqrt(1 + model.UNIT_CHANGE_SD**2)
    person = loading * latent_change / scale + np.sqrt(1 - loading**2) * rng.standard_normal(
        latent_change.size
    )
    person_sd = np.sqrt(loading**2 / scale**2 + 1 - loading**2)
    strata = np.empty_like(person)
    for group in np.unique(kind):  # completed rehab is what the report counts
        mask = kind == group
        strata[mask] = _stratified(rng, person[mask])
    return loading * unit_change / scale + person_sd * strata


def _stratified(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Replace each column by stratified normal scores of its ranks.

    The marginal of every latent is then (nearly) exactly standard normal
    within each unit-year while the dependence between them (by rank) is
    kept, so national shares vary far less between seeds than plain draws;
    small units still vary as much as their size implies.
    """
    from scipy.special import ndtri

    y = np.atleast_2d(x.T).T if x.ndim == 1 else x
    n = y.shape[0]
    ranks = np.argsort(np.argsort(y, axis=0, kind="stable"), axis=0)
    out = ndtri((ranks + rng.random(y.shape)) / n)
    return out.reshape(x.shape)


EDUCATION_CODE = {"compulsory": 1, "upper_secondary": 2, "university": 3, "other": 4}
#: Work-status codes (background_3) that decide the sick-leave extent.
_WORKING, _COMPENSATED = 1, 5


def _background(rng: np.random.Generator, level: str, education: list) -> np.ndarray:
    """Answers to the background questions (columns background_1..6), one row a registration.

    The education question agrees with the registration's education (no
    answer where that is unknown). Column 0, the pain duration, is left
    empty here: it reads the pain trait, drawn with the answers
    (:func:`_pain_duration`).
    """
    n = len(education)
    out = np.full((n, 6), np.nan)
    out[:, 1] = [EDUCATION_CODE.get(e, np.nan) for e in education]
    status = np.array(_choice(rng, shape.WORK_STATUS_MIX[level], n))
    out[:, 2] = status
    for group, mask in (
        ("working", status == _WORKING),
        ("compensated", status == _COMPENSATED),
        ("other", (status != _WORKING) & (status != _COMPENSATED)),
    ):
        out[mask, 3] = _choice(rng, shape.SICK_LEAVE_EXTENT[group], int(mask.sum()))
    mean = shape.HEALTHCARE_VISITS_MEAN[level]
    out[:, 4] = np.minimum(rng.negative_binomial(2, 2 / (2 + mean), n), 365)
    out[:, 5] = rng.integers(1, 6, n)
    return out


def _pain_duration(rng: np.random.Generator, pain: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Years of pain (half years): log-normal, longer with more pain, at most the age less 5."""
    years = shape.PAIN_DURATION_MEDIAN_YEARS * np.exp(
        0.15 * pain + shape.PAIN_DURATION_SDLOG * rng.standard_normal(len(age))
    )
    return np.clip(np.round(years * 2) / 2, 0.5, np.maximum(age - 5, 0.5))


def model_source_share(year: int) -> float:
    """Share of forms the patient entered (1177 digital forms from 2021; report, Inledning)."""
    return PATIENT_SOURCE_SHARE if year >= 2021 else 0.03


def _skip_rate(instrument: str, level: str) -> float:
    lo, hi = shape.INSTRUMENT_SKIP[level]
    # A fixed rate per instrument (stable hash of the id), between the report's bounds.
    h = sum(ord(c) * (i + 1) for i, c in enumerate(instrument)) % 1000 / 1000
    return lo + (hi - lo) * h


def _values(
    rng: np.random.Generator,
    item_plan: model.ItemPlan,
    traits: np.ndarray,
    rows: np.ndarray,
    occ: str,
    cal: model.Calibration,
    vas_init: np.ndarray,
    vas_delta: np.ndarray,
    global_latents: dict[str, np.ndarray],
) -> np.ndarray:
    """Coded values (len(rows), k) of one instrument's items for the given forms."""
    m = item_plan.model
    k = item_plan.item_ids.size
    factor = model.OCCASION_CHANGE[occ]
    change = -traits[rows, 4]
    if any(item_plan.global_key):
        out = np.full((rows.size, k), 4.0)
        for j, key in enumerate(item_plan.global_key):
            cuts = cal.global_cuts.get(key) if key else None
            if cuts is None:
                continue
            codes = model.global_codes(global_latents[key][rows] * factor, cuts)
            out[:, j] = item_plan.codes[j, codes - 1]  # codes are best first: 1 = much better
        return out
    person = item_plan.item_badness + m.spread * traits[rows][:, item_plan.item_trait]
    moved = m.improvement + m.improvement_sd * (0.6 * change + 0.8 * rng.standard_normal(rows.size))
    frac = person - (factor * moved)[:, None] + m.item_noise * rng.standard_normal((rows.size, k))
    idx = np.clip(np.floor(frac * item_plan.sizes), 0, item_plan.sizes - 1).astype(int)
    out = np.take_along_axis(item_plan.codes, idx.T, axis=1).T
    if item_plan.vas.any():
        vas = np.clip(np.round(vas_init[rows] + factor * vas_delta[rows]), 0, 100)
        out[:, item_plan.vas] = vas[:, None]
    return out
