"""The dashboard's sick-leave panel: return to work on the live register.

The figures are :mod:`painreg.analytics.sick_leave` over the database's
interchange views (migration ``registry/0007_sick_leave``), for the selection's
years pooled (one row per registration and window, so the mean and the median
are those of the period's registrations, not sums of years). The panel names
the extract (its covered period) the figures come from, and the tables follow
the annual report's (:mod:`painreg.reports.annual.sick_leave`) and its
publishing rules. No extract in the register: no panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from painreg.analytics import sick_leave
from painreg.analytics.context import Context, base_registrations
from painreg.dashboard import adapter
from painreg.dashboard.counts import VIEW_PREFIX, _ibis_schema, _table, live_register
from painreg.dashboard.selection import Selection
from painreg.reports.annual.sick_leave import NOTE, window_table
from painreg.reports.publishing import Table


@dataclass
class SickLeavePanel:
    covers_from: dt.date
    covers_to: dt.date
    tables: list[Table] = field(default_factory=list)
    note: str = NOTE

    @property
    def covered(self) -> str:
        return f"{self.covers_from.isoformat()}–{self.covers_to.isoformat()}"


def _has_extract(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_sickleaveextract")
        return bool(cursor.fetchone()[0])


def with_extract(register: Any) -> Any:
    """``register`` with the sick-leave views added."""
    con = register.con
    for name in sick_leave.KEY, "sick_leave_coverage":
        setattr(register, name, _table(con, VIEW_PREFIX + name, _ibis_schema(name)))
    return register


def panel(
    unit_code: str, unit_name: str, care_level: str, selection: Selection, connection: Any
) -> SickLeavePanel | None:
    """The panel of a unit for the selection (None when the register holds no extract)."""
    if not _has_extract(connection):
        return None
    register = with_extract(live_register(connection))
    with adapter.dashboard_session(connection):
        period = sick_leave.covered_period(register)
        if period is None:
            return None
        units = register.units.select("unit_id", "care_level").to_pandas()
        mine = set(units.loc[units["care_level"] == care_level, "unit_id"])
        base = base_registrations(register, selection.filters)
        frames = []
        for year in selection.years:
            ctx = Context(register=register, base=base, year=year)
            frames.append(sick_leave.registration_frame(register, ctx))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        frame = pd.DataFrame(columns=["registration_id", "unit_id", "window", "net_days"])
    frame = frame.loc[frame["unit_id"].isin(mine)]
    years = (
        str(selection.year_from)
        if selection.year_from == selection.year_to
        else f"{selection.year_from}–{selection.year_to}"
    )
    return SickLeavePanel(
        covers_from=period[0],
        covers_to=period[1],
        tables=[
            window_table(
                f"{unit_name}, {years}",
                sick_leave.figures(frame.loc[frame["unit_id"] == unit_code]),
            ),
            window_table(f"Riket, samma vårdnivå, {years}", sick_leave.figures(frame)),
        ],
    )
