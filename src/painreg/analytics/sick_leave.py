"""Sick leave from Försäkringskassan before and after rehabilitation (return to work).

Definitions (DOMAIN.md, "Sick leave from Försäkringskassan"):

- **Net days** (nettodagar) of a window: the sum over its days of the extent
  of every benefit period covering that day, capped at one whole day per day
  (two 50 % periods = 1; 100 % + 50 % = 1).
- **Windows** of a completed rehab registration: ``before`` = first visit −
  365 .. first visit − 1; ``after_1y`` = rehab end + 1 .. + 365; ``after_2y``
  = rehab end + 366 .. + 730. A window is observable only when it lies
  wholly inside the extract's covered period; a registration counts in a
  window's figures only where that window is observable.
- The figures of year Y are those of the completed rehab registrations of Y.
  Per window: ``n``, mean and median net days (unrounded; null when n = 0),
  ``with_any`` (net days > 0). ``none_after``: net days > 0 ``before`` and 0
  in ``after_1y``, out of ``none_after_n`` (both windows observable, net days
  > 0 ``before``).
- Shown for all benefits together and split into :data:`GROUPS`.

How: the periods of each patient become maximal stretches of constant summed
extent (an event sweep: +extent on the first day, −extent the day after the
last, a running sum per patient), each weighted min(sum, 100) / 100; a
window's net days are the weighted days of the stretches it overlaps. This is
one Ibis expression over the tidy tables (so DuckDB over files and the
database's interchange views run the same code); the per-registration values
(one row per registration and window, a few thousand a year) are then summed
up per unit, region and nation here, since medians do not add up.

Pure Python on Ibis and pandas; no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from painreg.analytics.context import HEALTHCARE_REGIONS, Context
from painreg.analytics.load import Register

#: The windows, in the order of the JSON and the report.
WINDOWS: tuple[str, ...] = ("before", "after_1y", "after_2y")
#: (first, last) day of each window relative to its anchor (first visit or rehab end).
WINDOW_OFFSETS: dict[str, tuple[str, int, int]] = {
    "before": ("first_visit_date", -365, -1),
    "after_1y": ("rehab_end_date", 1, 365),
    "after_2y": ("rehab_end_date", 366, 730),
}
#: Benefit groups: all together and the two splits (DOMAIN.md).
GROUPS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "benefit": ("sickness", "rehabilitation"),
    "compensation": ("sickness_compensation", "activity_compensation"),
}
#: The JSON key of the figures (all benefits together).
KEY = "sick_leave"


def has_sick_leave(register: Register) -> bool:
    """Whether the register carries a sick-leave extract (both tables)."""
    return register.sick_leave is not None and register.sick_leave_coverage is not None


def covered_period(register: Register) -> tuple[dt.date, dt.date] | None:
    """The extract's ``(covers_from, covers_to)``, or None without an extract."""
    if not has_sick_leave(register):
        return None
    rows = register.sick_leave_coverage.to_pyarrow().to_pylist()
    if len(rows) != 1:
        return None
    return rows[0]["covers_from"], rows[0]["covers_to"]


EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (the integer day numbers the expressions count in)."""
    return (day - EPOCH).days


def stretches(periods: ir.Table) -> ir.Table:
    """Per patient, maximal stretches of constant summed extent, with their weight.

    Columns: ``patient_id``, ``first`` and ``last`` (inclusive, day numbers),
    ``weight`` = min(summed extent, 100) / 100 (> 0). Day numbers, not dates:
    every engine subtracts integers alike (SQLite before 3.46 cannot shift a date).
    """
    starts = periods.select(
        periods.patient_id, day=periods.start_date.epoch_days(), delta=periods.extent
    )
    ends = periods.select(
        periods.patient_id, day=periods.end_date.epoch_days() + 1, delta=-periods.extent
    )
    events = starts.union(ends, distinct=False)
    events = events.group_by(["patient_id", "day"]).aggregate(delta=events.delta.sum())
    over = ibis.window(group_by=events.patient_id, order_by=events.day, preceding=None, following=0)
    by_day = ibis.window(group_by=events.patient_id, order_by=events.day)
    events = events.mutate(
        level=events.delta.sum().over(over),
        next_day=events.day.lead().over(by_day),
    )
    kept = events.filter((events.level > 0) & events.next_day.notnull())
    return kept.select(
        kept.patient_id,
        first=kept.day,
        last=kept.next_day - 1,
        weight=ibis.least(kept.level, 100).cast("float64") / 100.0,
    )


def windows(registrations: ir.Table, covers_from: dt.date, covers_to: dt.date) -> ir.Table:
    """The observable windows of ``registrations``: one row per registration and window,
    with its first and last day (``w_first``, ``w_last``, day numbers)."""
    parts = []
    for name, (anchor, first, last) in WINDOW_OFFSETS.items():
        day = registrations[anchor].epoch_days()
        parts.append(
            registrations.select(
                "registration_id",
                "unit_id",
                "patient_id",
                window=ibis.literal(name),
                w_first=day + first,
                w_last=day + last,
            )
        )
    t = parts[0].union(parts[1], distinct=False).union(parts[2], distinct=False)
    return t.filter((t.w_first >= day_number(covers_from)) & (t.w_last <= day_number(covers_to)))


def net_days(
    registrations: ir.Table,
    periods: ir.Table,
    covers_from: dt.date,
    covers_to: dt.date,
    benefits: Iterable[str] | None = None,
) -> ir.Table:
    """Net days per registration and observable window (``registration_id``, ``unit_id``,
    ``window``, ``net_days``); ``benefits``: only these benefits' periods."""
    if benefits is not None:
        periods = periods.filter(periods.benefit.isin(list(benefits)))
    w = windows(registrations, covers_from, covers_to)
    # Only the periods of these registrations' patients are swept (a year's patients
    # out of a whole extract): the sweep's running sum per patient keeps an engine
    # from pushing the join's filter below it.
    s = stretches(periods.semi_join(registrations.select("patient_id"), "patient_id"))
    joined = w.inner_join(
        s,
        [w.patient_id == s.patient_id, s.first <= w.w_last, s.last >= w.w_first],
    )
    lo = ibis.greatest(joined.first, joined.w_first)
    hi = ibis.least(joined.last, joined.w_last)
    days = (hi - lo + 1).cast("float64") * joined.weight
    sums = (
        joined.mutate(days=days)
        .group_by(["registration_id", "window"])
        .aggregate(net=lambda t: t.days.sum())
    )
    t = w.left_join(sums, ["registration_id", "window"])
    return t.select(
        t.registration_id, t.unit_id, t.window, net_days=t.net.fill_null(0.0).cast("float64")
    )


def registration_frame(
    register: Register, ctx: Context, benefits: Iterable[str] | None = None
) -> pd.DataFrame:
    """Net days of the year's completed rehab registrations (pandas; empty without extract)."""
    period = covered_period(register)
    columns = ["registration_id", "unit_id", "window", "net_days"]
    if period is None:
        return pd.DataFrame(columns=columns)
    completed = ctx.completed().select(
        "registration_id", "unit_id", "patient_id", "first_visit_date", "rehab_end_date"
    )
    expr = net_days(completed, register.sick_leave, *period, benefits=benefits)
    return expr.to_pandas()


def window_figures(values: Any) -> dict[str, Any]:
    """``W`` of one window from its registrations' net days: n, mean, median, with_any."""
    array = np.asarray(values, dtype=float)
    n = int(array.size)
    return {
        "n": n,
        "mean_net_days": float(array.mean()) if n else None,
        "median_net_days": float(np.median(array)) if n else None,
        "with_any": int((array > 0).sum()),
    }


def wide(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per registration (index), a column of net days per window (NaN where the
    window is not observable) and ``unit_id``."""
    if frame.empty:
        return pd.DataFrame(columns=["unit_id", *WINDOWS], dtype=float)
    table = frame.pivot(index="registration_id", columns="window", values="net_days")
    table = table.reindex(columns=list(WINDOWS))
    units = frame.drop_duplicates("registration_id").set_index("registration_id")["unit_id"]
    return table.join(units)


def wide_figures(table: pd.DataFrame) -> dict[str, Any]:
    """The ``sick_leave`` value of the registrations of a :func:`wide` table."""
    result: dict[str, Any] = {}
    for w in WINDOWS:
        column = table[w].to_numpy(dtype=float)
        result[w] = window_figures(column[~np.isnan(column)])
    before = table["before"].to_numpy(dtype=float)
    after = table["after_1y"].to_numpy(dtype=float)
    counted = (before > 0) & ~np.isnan(after)
    result["none_after"] = int((counted & (after == 0)).sum())
    result["none_after_n"] = int(counted.sum())
    return result


def figures(frame: pd.DataFrame) -> dict[str, Any]:
    """The ``sick_leave`` value of a group of registrations (their rows of the long frame
    :func:`registration_frame` gives)."""
    return wide_figures(wide(frame))


def add_to_levels(
    levels: dict[str, Any],
    register: Register,
    ctx: Context,
    listed: Mapping[str, list[str]],
    *,
    regions: bool = True,
) -> None:
    """Put ``sick_leave`` into a :func:`compute_indicators` result (when the register has an
    extract): under each level's ``national``, every listed unit, and the regions."""
    if not has_sick_leave(register):
        return
    table = wide(registration_frame(register, ctx))
    units = register.units.select("unit_id", "care_level", "region_code").to_pandas()
    table = table.reset_index().merge(units, on="unit_id", how="left")
    table["healthcare_region"] = table["region_code"].map(HEALTHCARE_REGIONS)

    def empty() -> dict[str, Any]:
        return wide_figures(table.iloc[:0])

    for level, data in levels.items():
        mine = table.loc[table["care_level"] == level]
        data["national"][KEY] = wide_figures(mine)
        per_unit = {u: wide_figures(rows) for u, rows in mine.groupby("unit_id")}
        for unit in listed.get(level, ()):
            data["units"].setdefault(unit, {})[KEY] = (
                per_unit[unit] if unit in per_unit else empty()
            )
        if not regions or "regions" not in data:
            continue
        for key, column in (
            ("regions", "region_code"),
            ("healthcare_regions", "healthcare_region"),
        ):
            per_group = {g: wide_figures(rows) for g, rows in mine.groupby(column)}
            for group in sorted(set(data[key]) | set(per_group)):
                data[key].setdefault(group, {})[KEY] = (
                    per_group[group] if group in per_group else empty()
                )


def group_figures(register: Register, ctx: Context, level: str) -> dict[str, dict[str, Any]]:
    """The figures of one care level's nation per benefit group (:data:`GROUPS`)."""
    units = register.units.select("unit_id", "care_level").to_pandas()
    ids = set(units.loc[units["care_level"] == level, "unit_id"])
    out = {}
    for group, benefits in GROUPS.items():
        frame = registration_frame(register, ctx, benefits)
        out[group] = figures(frame.loc[frame["unit_id"].isin(ids)])
    return out


def level_figures(
    register: Register,
    year: int,
    *,
    filters: Any = None,
    unit: str | None = None,
    groups: tuple[str, ...] = tuple(GROUPS),
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{level: {group: figures}}`` of a year, nationally (or of ``unit`` only), for the
    benefit groups ``groups`` of :data:`GROUPS` (the annual and the unit report's tables).

    Kept per register connection, year, filters and group: a report asks for the same
    figures per care level and for the unit and the nation (a loaded register does not
    change while its connection lives).
    """
    from painreg.analytics.context import CARE_LEVELS, base_registrations

    kept = register.con.__dict__.setdefault("_painreg_sick_leave", {})
    units = register.units.select("unit_id", "care_level").to_pandas()
    level_of = dict(zip(units["unit_id"], units["care_level"], strict=True))
    out: dict[str, dict[str, dict[str, Any]]] = {level: {} for level in CARE_LEVELS}
    for group in groups:
        key = (year, filters, group)
        if key not in kept:
            ctx = Context(register=register, base=base_registrations(register, filters), year=year)
            kept[key] = registration_frame(register, ctx, GROUPS[group])
        frame = kept[key]
        if unit is not None:
            frame = frame.loc[frame["unit_id"] == unit]
        levels = frame["unit_id"].map(level_of)
        for level in CARE_LEVELS:
            out[level][group] = figures(frame.loc[levels == level])
    return out
