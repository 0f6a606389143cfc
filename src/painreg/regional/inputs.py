"""Reading the regional treatment statistics (CSV) with row/field errors.

Input format (documented in ``docs/regional.md``): ``treatments.csv``, one row
per year and region, UTF-8, comma-separated, header row. ``year`` and
``region_code`` are required; every count column is optional and every count
cell may be empty. Decision (DOMAIN.md, regional statistics): an empty cell
means *not reported* and stays ``None`` all the way to the rendered table
("ej rapporterat"); a reported ``0`` stays ``0``. Totals add up the reported
cells only.

``kbt_ipt`` and ``mmr_total`` exist for years published only as those sums
(the SKR reports' tables 7 and 8 before 2020); when the parts are reported
too they must agree. Region code ``00`` (Riket) holds nationally published
figures with no regional breakdown; a national figure given there is used as
the national value of that measure instead of the sum over the regions.

``compensation.csv`` (optional): ``year``, ``region_code`` (empty or ``00`` for
the whole country), ``paid_sek``: what was actually paid out for employer and
employment-service contacts, to set against the computed compensation.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from painreg.errors import UserError
from painreg.regional.regions import NATIONAL_CODE, normalise_region_code

PSYCH_TREATMENTS: tuple[str, ...] = ("kbt", "ipt", "ikbt", "pdt", "emdr", "other_psych")
PAIN_TREATMENTS: tuple[str, ...] = ("mmr1", "mmr2", "behavioural", "active_training", "other_pain")
TREATMENTS: tuple[str, ...] = PSYCH_TREATMENTS + PAIN_TREATMENTS
SPLITS: tuple[str, ...] = ("men", "women", "private", "public")
CONTACTS: tuple[str, ...] = ("employer_contacts", "employment_service_contacts")
#: Sums published without their parts (older years); checked against the parts.
AGGREGATES: dict[str, tuple[str, ...]] = {"kbt_ipt": ("kbt", "ipt"), "mmr_total": ("mmr1", "mmr2")}
COUNT_COLUMNS: tuple[str, ...] = TREATMENTS + tuple(AGGREGATES) + SPLITS + CONTACTS
KEY_COLUMNS: tuple[str, ...] = ("year", "region_code")

#: Most errors listed in one message; the rest are counted.
MAX_ERRORS_SHOWN = 10


Counts = dict[str, "int | None"]


@dataclass
class TreatmentData:
    """Counts by (year, region code); ``None`` = not reported."""

    rows: dict[tuple[int, str], Counts] = field(default_factory=dict)
    #: National compensation paid out, by year (SEK).
    paid: dict[int, float] = field(default_factory=dict)
    #: Regional compensation paid out, by (year, region code) (SEK).
    paid_by_region: dict[tuple[int, str], float] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted({year for year, _ in self.rows})

    def get(self, year: int, region: str) -> Counts | None:
        return self.rows.get((year, region))


class _Errors:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, row: int, column: str, reason: str) -> None:
        self.items.append(f"{self.path.name} row {row}, column {column}: {reason}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_ERRORS_SHOWN]
        more = len(self.items) - len(shown)
        tail = f"; and {more} more" if more else ""
        raise UserError("; ".join(shown) + tail + "; fix the file and run again")


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = [dict(row) for row in reader]
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 ({exc.reason}); save the file as UTF-8 CSV") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from exc
    return header, rows


def _parse_count(text: str | None) -> int | None:
    """Empty -> None (not reported); otherwise a non-negative integer or ValueError."""
    if text is None or text.strip() == "":
        return None
    value = text.strip()
    if not value.isdigit():
        raise ValueError(f"{value!r} is not a whole number of 0 or more")
    return int(value)


def _parse_year(text: str | None) -> int:
    value = (text or "").strip()
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise ValueError(f"{value!r} is not a year (YYYY)")
    return int(value)


def read_treatments(path: Path | str) -> dict[tuple[int, str], Counts]:
    """Parse ``treatments.csv``; every bad cell is reported (file, row, column, reason)."""
    path = Path(path)
    header, rows = _read_csv(path)
    errors = _Errors(path)
    for column in KEY_COLUMNS:
        if column not in header:
            raise UserError(f"{path.name}: the column {column!r} is missing; see docs/regional.md")
    unknown = [c for c in header if c not in KEY_COLUMNS + COUNT_COLUMNS]
    if unknown:
        raise UserError(
            f"{path.name}: unknown column(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(KEY_COLUMNS + COUNT_COLUMNS)}"
        )
    result: dict[tuple[int, str], Counts] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            year = _parse_year(row.get("year"))
        except ValueError as exc:
            errors.add(number, "year", str(exc))
            continue
        code = normalise_region_code(row.get("region_code") or "")
        if code is None:
            errors.add(
                number, "region_code", f"{row.get('region_code')!r} is not an SCB county code"
            )
            continue
        counts: Counts = {}
        for column in COUNT_COLUMNS:
            try:
                counts[column] = _parse_count(row.get(column))
            except ValueError as exc:
                errors.add(number, column, str(exc))
        for aggregate, parts in AGGREGATES.items():
            given = counts.get(aggregate)
            values = [counts.get(p) for p in parts]
            if given is not None and all(v is not None for v in values):
                if given != sum(v for v in values if v is not None):
                    errors.add(
                        number,
                        aggregate,
                        f"{given} is not the sum of {' + '.join(parts)} ({sum(values)})",  # type: ignore[arg-type]
                    )
        if (year, code) in result:
            errors.add(number, "region_code", f"a second row for {code} in {year}")
            continue
        result[(year, code)] = counts
    errors.raise_if_any()
    return result


def read_compensation(path: Path | str) -> tuple[dict[int, float], dict[tuple[int, str], float]]:
    """Parse ``compensation.csv`` -> (national paid by year, regional paid by (year, code))."""
    path = Path(path)
    header, rows = _read_csv(path)
    errors = _Errors(path)
    for column in ("year", "paid_sek"):
        if column not in header:
            raise UserError(f"{path.name}: the column {column!r} is missing; see docs/regional.md")
    national: dict[int, float] = {}
    regional: dict[tuple[int, str], float] = {}
    for number, row in enumerate(rows, start=2):
        try:
            year = _parse_year(row.get("year"))
        except ValueError as exc:
            errors.add(number, "year", str(exc))
            continue
        raw_code = (row.get("region_code") or "").strip()
        code = NATIONAL_CODE if raw_code == "" else normalise_region_code(raw_code)
        if code is None:
            errors.add(number, "region_code", f"{raw_code!r} is not an SCB county code")
            continue
        try:
            paid = float((row.get("paid_sek") or "").strip())
            if paid < 0:
                raise ValueError
        except ValueError:
            errors.add(number, "paid_sek", f"{row.get('paid_sek')!r} is not an amount in SEK")
            continue
        target = national if code == NATIONAL_CODE else regional
        key = year if code == NATIONAL_CODE else (year, code)
        if key in target:
            errors.add(number, "year", "a second row for the same year and region")
            continue
        target[key] = paid  # type: ignore[index]
    errors.raise_if_any()
    return national, regional


def load_treatment_data(directory: Path | str) -> TreatmentData:
    """``treatments.csv`` (required) and ``compensation.csv`` (optional) from ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(
            f"{directory}: no such directory; give --data the folder with treatments.csv"
        )
    path = directory / "treatments.csv"
    if not path.is_file():
        raise UserError(f"{directory}: no treatments.csv; see docs/regional.md for the format")
    data = TreatmentData(rows=read_treatments(path))
    compensation = directory / "compensation.csv"
    if compensation.is_file():
        data.paid, data.paid_by_region = read_compensation(compensation)
    return data


def sum_reported(values: Iterable[int | None]) -> int | None:
    """Sum of the reported values; ``None`` when none was reported (never a made-up 0)."""
    reported = [v for v in values if v is not None]
    return sum(reported) if reported else None
