"""Waiting times and queues from the register's dates (referral -> first visit -> rehab start).

Reads the interchange tables ``units`` and ``registrations`` (ARCHITECTURE.md)
through :mod:`painreg.tidy.schema`. Register volumes fit in memory, so the
arithmetic is plain Python over rows, easy to check by hand.

Decisions (for DOMAIN.md):

* Three waits, in days: referral -> first visit, first visit -> rehab start
  (rehab registrations), referral -> rehab start. A wait belongs to the year
  in which it ended (the first visit or the rehab start), as Swedish waiting
  time statistics count completed waits ("genomförda väntetider").
* Median and 90th percentile by linear interpolation between order
  statistics (Hyndman & Fan 1996, definition 7; numpy's and R's default), in
  days. A negative interval is an error in the dates and is left out and
  counted.
* Queue at a date D: referred on or before D and no first visit yet (queue
  to the first visit); rehab registrations with a first visit on or before D,
  no rehab start yet and not ended/discontinued by D (queue to rehab).
* Waiting times and queues count registrations whether or not they are
  signed off: the sign-off rule needs a rehab start and end, so a patient in
  the queue can never be signed off yet (DOMAIN.md, registration workflow);
  ``signed_off_only=True`` restricts the completed waits to signed-off ones.
* Expected waiting time for a new patient = queue / places per year × 12
  months (the audit of Region Jämtland Härjedalen 2021: about 35 waiting and
  27 places a year, 35 / 27 × 12 = 15,6, "about 16 months"; the audit itself
  states 18 months measured). Places per year are given, or measured as the
  rehab starts in the 365 days up to D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from painreg.errors import UserError
from painreg.tidy import rules

WAITS: dict[str, tuple[str, str]] = {
    "referral_to_first_visit": ("referral_date", "first_visit_date"),
    "first_visit_to_rehab_start": ("first_visit_date", "rehab_start_date"),
    "referral_to_rehab_start": ("referral_date", "rehab_start_date"),
}
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Registration:
    registration_id: str
    unit_id: str
    category: str
    referral_date: dt.date | None
    first_visit_date: dt.date | None
    rehab_start_date: dt.date | None
    rehab_end_date: dt.date | None
    signed_off: bool = True


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    region_code: str
    care_level: str


@dataclass
class UnitsAndRegistrations:
    """The units and registrations waiting times and volumes are counted from, in memory.

    (The analytics' Ibis view of the register is :class:`painreg.analytics.load.Register`.)
    """

    units: dict[str, Unit]
    registrations: list[Registration]

    def units_of(self, region: str | None) -> list[Unit]:
        return [u for u in self.units.values() if region is None or u.region_code == region]


def load_units_and_registrations(directory: Path | str) -> UnitsAndRegistrations:
    """``units`` and ``registrations`` from an interchange directory (CSV or Parquet)."""
    from painreg.tidy.schema import InterchangeError, read_tables

    try:
        tables = read_tables(directory, ["units", "registrations"])
    except InterchangeError as exc:
        raise UserError(f"{exc}; see docs/interchange.md") from exc
    for name in ("units", "registrations"):
        if name not in tables:
            raise UserError(
                f"{directory}: no {name}.csv or {name}.parquet; give the register's export"
            )
    units = {
        row["unit_id"]: Unit(row["unit_id"], row["name"], row["region_code"], row["care_level"])
        for row in tables["units"].to_pylist()
    }
    registrations = [
        Registration(
            registration_id=row["registration_id"],
            unit_id=row["unit_id"],
            category=row["category"],
            referral_date=row.get("referral_date"),
            first_visit_date=row.get("first_visit_date"),
            rehab_start_date=row.get("rehab_start_date"),
            rehab_end_date=row.get("rehab_end_date"),
            signed_off=row.get("signed_off") is not False,
        )
        for row in tables["registrations"].to_pylist()
    ]
    return UnitsAndRegistrations(units, registrations)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0-1) of ``values``; None for no values.

    Hyndman-Fan definition 7, linear interpolation between order statistics:
    ``numpy.quantile(values, q, method="linear")`` (numpy's default, R's type 7),
    rounded to 10 decimals so that 9.1 prints as 9.1.

    >>> percentile([10, 20, 30, 40], 0.5)
    25.0
    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)
    9.1
    """
    if not values:
        return None
    return round(float(np.quantile(values, q, method="linear")), 10)


def wait_days(
    registrations: Iterable[Registration], wait: str, year: int, *, signed_off_only: bool = False
) -> tuple[list[int], int]:
    """Completed waits of ``wait`` ending in ``year``: (days, negative intervals left out)."""
    start_field, end_field = WAITS[wait]
    days: list[int] = []
    negative = 0
    for reg in registrations:
        if signed_off_only and not reg.signed_off:
            continue
        if end_field == "rehab_start_date" and reg.category != "rehab":
            continue
        start, end = getattr(reg, start_field), getattr(reg, end_field)
        if start is None or end is None or end.year != year:
            continue
        value = (end - start).days
        if value < 0:
            negative += 1
            continue
        days.append(value)
    return days, negative


def summarise_waits(
    registrations: Sequence[Registration], year: int, *, signed_off_only: bool = False
) -> dict[str, Any]:
    """n, median and 90th percentile (days) of each wait ending in ``year``."""
    result: dict[str, Any] = {}
    for wait in WAITS:
        days, negative = wait_days(registrations, wait, year, signed_off_only=signed_off_only)
        result[wait] = {
            "n": len(days),
            "median_days": percentile(days, 0.5),
            "p90_days": percentile(days, 0.9),
            "negative_intervals_left_out": negative,
        }
    return result


def queue_at(registrations: Iterable[Registration], date: dt.date) -> dict[str, Any]:
    """Who is waiting on ``date``: counts and the days waited so far (median).

    Without any referral date (the web app's pseudonymised view has none) the
    queue to the first visit is unknown (None), not empty.
    """
    first_visit: list[int] = []
    rehab: list[int] = []
    any_referral = False
    for reg in registrations:
        any_referral = any_referral or reg.referral_date is not None
        if (
            reg.referral_date is not None
            and reg.referral_date <= date
            and (reg.first_visit_date is None or reg.first_visit_date > date)
        ):
            first_visit.append((date - reg.referral_date).days)
        if (
            reg.category == "rehab"
            and reg.first_visit_date is not None
            and reg.first_visit_date <= date
            and (reg.rehab_start_date is None or reg.rehab_start_date > date)
            and (reg.rehab_end_date is None or reg.rehab_end_date > date)
        ):
            rehab.append((date - reg.first_visit_date).days)
    return {
        "date": date.isoformat(),
        "waiting_for_first_visit": len(first_visit) if any_referral else None,
        "waiting_for_rehab": len(rehab),
        "median_days_waited_first_visit": percentile(first_visit, 0.5),
        "median_days_waited_rehab": percentile(rehab, 0.5),
    }


def rehab_starts(registrations: Iterable[Registration], start: dt.date, end: dt.date) -> int:
    """Rehab programmes started in ``start``..``end`` (both included): measured capacity."""
    return sum(
        1
        for reg in registrations
        if reg.category == "rehab"
        and reg.rehab_start_date is not None
        and start <= reg.rehab_start_date <= end
    )


def expected_wait_months(queue: int, places_per_year: float | None) -> float | None:
    """Months until a patient joining the queue now starts: queue / places a year × 12.

    >>> round(expected_wait_months(35, 27), 1)  # the Jämtland Härjedalen audit, 2021
    15.6
    """
    if places_per_year is None or places_per_year <= 0:
        return None
    return queue / places_per_year * 12


def register_volume(registrations: Iterable[Registration], year: int) -> int:
    """Rehab registrations of ``year`` by the counting rules (end date in the year, signed off)."""
    return sum(
        1
        for reg in registrations
        if reg.category == "rehab"
        and reg.signed_off
        and rules.counting_year(
            reg.category, first_visit_date=reg.first_visit_date, rehab_end_date=reg.rehab_end_date
        )
        == year
    )


def waiting_report(
    register: UnitsAndRegistrations,
    year: int,
    *,
    region: str | None = None,
    queue_date: dt.date | None = None,
    places_per_year: float | None = None,
    signed_off_only: bool = False,
) -> dict[str, Any]:
    """Waits of ``year``, the queue on ``queue_date`` (default 31 December) and expected waits,
    per unit and for the region (or the nation when ``region`` is None)."""
    queue_date = queue_date or dt.date(year, 12, 31)
    window_start = queue_date - dt.timedelta(days=364)
    units = sorted(register.units_of(region), key=lambda u: (u.care_level, u.name))
    by_unit: dict[str, list[Registration]] = {u.unit_id: [] for u in units}
    for reg in register.registrations:
        if reg.unit_id in by_unit:
            by_unit[reg.unit_id].append(reg)

    def block(regs: list[Registration], places: float | None) -> dict[str, Any]:
        queue = queue_at(regs, queue_date)
        measured = rehab_starts(regs, window_start, queue_date)
        used = places if places is not None else measured
        return {
            "waits": summarise_waits(regs, year, signed_off_only=signed_off_only),
            "queue": queue,
            "rehab_starts_last_365_days": measured,
            "places_per_year": used,
            "places_source": "given" if places is not None else "measured",
            "expected_wait_months": expected_wait_months(queue["waiting_for_rehab"], used),
            "register_volume": register_volume(regs, year),
        }

    everyone = [r for regs in by_unit.values() for r in regs]
    return {
        "year": year,
        "region_code": region,
        "queue_date": queue_date.isoformat(),
        "total": block(everyone, places_per_year),
        "units": [
            {
                "unit_id": u.unit_id,
                "name": u.name,
                "care_level": u.care_level,
                **block(by_unit[u.unit_id], None),
            }
            for u in units
        ],
        "queue_by_month": [
            {
                "date": d.isoformat(),
                **{k: v for k, v in queue_at(everyone, d).items() if k != "date"},
            }
            for d in _month_ends(year)
        ],
    }


def _month_ends(year: int) -> list[dt.date]:
    return [dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(1, 13)]
