"""The annual report's and the unit report's section on sick leave from Försäkringskassan.

Figures: :mod:`painreg.analytics.sick_leave` (DOMAIN.md, "Sick leave from
Försäkringskassan"). Publishing rules as everywhere (:mod:`painreg.reports.publishing`):
a mean, median or share over fewer than ``MIN_PUBLISHED`` registrations is not
shown; under ``MIN_SOLID`` it is greyed. The section says which extract (covered
period) the figures come from and that spells within the employer's sick-pay
period are not in the data.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics import sick_leave
from painreg.analytics.context import Filters
from painreg.analytics.load import Register
from painreg.reports import render
from painreg.reports.annual.labels import LEVEL_SHORT
from painreg.reports.annual.model import Section
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    NOT_SHOWN,
    Cell,
    Table,
    count_text,
    format_number,
)
from painreg.tidy import vocabulary

WINDOW_SV = {
    "before": "Året före första besöket",
    "after_1y": "Första året efter avslut",
    "after_2y": "Andra året efter avslut",
}
GROUP_SV = vocabulary.SICK_LEAVE_GROUPS.headings()
NOTE = (
    "Källa: Försäkringskassans uppgifter om sjukpenning, rehabiliteringspenning, sjukersättning "
    "och aktivitetsersättning. Nettodagar: dagar med ersättning viktade med omfattningen "
    "(två halva dagar = en dag), högst en dag per dag. Sjukfall inom arbetsgivarens "
    "sjuklöneperiod (de första 14 dagarna för anställda) finns inte i uppgifterna."
)
#: Years before the report year the series looks back over (at most).
SERIES_SPAN = 5


def _days(value: float | None, n: int) -> Cell:
    if n < MIN_PUBLISHED or value is None:
        return Cell(NOT_SHOWN, css="suppressed")
    return Cell(
        format_number(value, 1), value, css="insufficient" if n < MIN_SOLID else "",
        number_format="0.0",
    )  # fmt: skip


def _share(x: int, n: int) -> Cell:
    s = render.share(x, n)
    if not s.shown:
        return Cell(NOT_SHOWN, css="suppressed")
    return Cell(s.text(), s.share, css="insufficient" if s.status == "grey" else "",
                number_format="0%")  # fmt: skip


def _count(n: int) -> Cell:
    if 0 < n < MIN_PUBLISHED:
        return Cell(count_text(n), css="suppressed")
    return Cell(format_number(n), n, number_format="# ##0")


def window_table(title: str, figures: dict[str, Any], note: str = "") -> Table:
    """One group's windows: n, mean and median net days, share with any."""
    rows, grey = [], []
    for window in sick_leave.WINDOWS:
        w = figures[window]
        rows.append(
            [
                Cell(WINDOW_SV[window]),
                _count(w["n"]),
                _days(w["mean_net_days"], w["n"]),
                _days(w["median_net_days"], w["n"]),
                _share(w["with_any"], w["n"]),
            ]
        )
        grey.append(MIN_PUBLISHED <= w["n"] < MIN_SOLID)
    return Table(
        title,
        ["", "Observerbara", "Nettodagar, medel", "Nettodagar, median", "Andel med sjukfrånvaro"],
        rows,
        grey,
        note,
    )


def _none_after_text(figures: dict[str, Any], who: str) -> str:
    n, x = figures["none_after_n"], figures["none_after"]
    s = render.share(x, n)
    if not s.shown:
        return (
            f"{who}: ingen sjukfrånvaro första året efter bland dem med sjukfrånvaro före: "
            f"{INSUFFICIENT}."
        )
    return (
        f"{who}: av {format_number(n)} med sjukfrånvaro året före (och båda åren observerbara) "
        f"hade {format_number(x)} ({s.text()}, 95 % KI {s.interval_text()}) ingen "
        "sjukfrånvaro alls första året efter avslut."
    )


def sick_leave_section(
    register: Register,
    level: str,
    year: int,
    data: dict[str, Any],
    names: dict[str, str],
    unit: str | None,
    filters: Filters | None = None,
) -> Section | None:
    """The section of one care level (None when the register has no extract)."""
    period = sick_leave.covered_period(register)
    if period is None or sick_leave.KEY not in data["national"]:
        return None
    short = LEVEL_SHORT[level]
    section = Section(f"Sjukfrånvaro före och efter rehabilitering, {short}")
    first, last = period
    section.paragraphs.append(
        f"Uppgifterna kommer från Försäkringskassans uttag som täcker {first.isoformat()} till "
        f"{last.isoformat()}. De avser avslutade (ej avbrutna) rehabiliteringar {year}; ett "
        "tidsfönster räknas bara där det ligger helt inom den täckta perioden. " + NOTE
    )
    national = sick_leave.level_figures(register, year, filters=filters)[level]
    section.tables.append(
        window_table(f"Nationellt {short} {year}: alla förmåner", national["all"])
    )
    if unit is not None:
        mine = sick_leave.level_figures(register, year, filters=filters, unit=unit)[level]
        section.tables.append(
            window_table(f"{names.get(unit, unit)} {year}: alla förmåner", mine["all"])
        )
        section.paragraphs.append(_none_after_text(mine["all"], names.get(unit, unit)))
    section.paragraphs.append(_none_after_text(national["all"], "Nationellt"))
    for group in ("benefit", "compensation"):
        target = mine if unit is not None else national
        who = names.get(unit, unit) if unit is not None else "Nationellt"
        section.tables.append(window_table(f"{who} {year}: {GROUP_SV[group]}", target[group]))
    if unit is None:
        section.tables.append(unit_table(data, names))
        regions = vocabulary.REGIONS.headings()
        section.tables.append(
            unit_table(
                {"units": data.get("regions", {})},
                regions,
                title="Per region: alla förmåner",
                heading="Region",
            )
        )
    rows = []
    for y in range(year - SERIES_SPAN + 1, year + 1):
        figures = data["national"][sick_leave.KEY] if y == year else None
        if figures is None:  # an earlier year
            figures = sick_leave.level_figures(register, y, filters=filters, groups=("all",))
            figures = figures[level]["all"]
        for window in sick_leave.WINDOWS:
            w = figures[window]
            if w["n"] >= MIN_PUBLISHED:
                rows.append(
                    {"år": str(y), "tidsfönster": WINDOW_SV[window],
                     "nettodagar": w["mean_net_days"]}
                )  # fmt: skip
    if rows:
        section.add_bars(
            rows, x="år", y="nettodagar", color="tidsfönster", title="Nettodagar, medel",
            percent=False,
        )  # fmt: skip
        section.paragraphs.append("Serien visar de år vars tidsfönster är observerbara i uttaget.")
    return section


def unit_table(
    data: dict[str, Any],
    names: dict[str, str],
    *,
    title: str = "Per enhet: alla förmåner",
    heading: str = "Enhet",
) -> Table:
    """Per unit (or region: ``data["units"]`` keyed by region code): registrations
    observable before, mean net days before and in the first year after, and the share
    with none after among those with sick leave before."""
    rows, grey = [], []
    for unit, values in sorted(data["units"].items()):
        figures = values.get(sick_leave.KEY)
        if figures is None:
            continue
        before, after = figures["before"], figures["after_1y"]
        rows.append(
            [
                Cell(names.get(unit, unit)),
                _count(before["n"]),
                _days(before["mean_net_days"], before["n"]),
                _days(after["mean_net_days"], after["n"]),
                _share(figures["none_after"], figures["none_after_n"]),
            ]
        )
        grey.append(MIN_PUBLISHED <= figures["none_after_n"] < MIN_SOLID)
    return Table(
        title,
        [heading, "Observerbara före", "Nettodagar före, medel", "Nettodagar första året "
         "efter, medel", "Ingen sjukfrånvaro efter (av dem med före)"],
        rows,
        grey,
    )  # fmt: skip
