"""The unit dashboard's page: what it shows, to whom, and its Excel file.

Decisions (DOMAIN.md "Publishing rules"):

* **Publishing rules** are applied here, by who looks: someone who may see
  the unit's patients (a member of the unit) sees the unit's own counts as
  they are; every other group (other units, the nation, and the unit itself
  for a regional analyst or the national coordinator) follows the rules:
  proportions only for denominators of 5 or more (greyed below 10), counts
  1-4 as "<5" with secondary suppression in count tables.
* The numbers come from :mod:`painreg.dashboard.counts` (the annual report's
  indicator expressions on the live database), kept per register state by
  :mod:`painreg.dashboard.cache`.

This module computes nothing the analytics core could: it decides what may
be shown and how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painreg.analytics.context import CHANGE_OUTCOMES
from painreg.analytics.indicators import BY_KEY
from painreg.dashboard import cache, counts
from painreg.dashboard.counts import ONE_YEAR_KEYS, RATE_KEYS
from painreg.dashboard.selection import Selection
from painreg.reports.publishing import (
    MIN_PUBLISHED,
    PRIMARY_MARK,
    Cell,
    Table,
    format_number,
    format_percent,
)
from painreg.reports.render import (
    INSUFFICIENT,
    NOT_SHOWN,
    PUBLISHING_NOTE,
    Share,
    count_text,
    share,
)
from painreg.tidy import vocabulary

CATEGORY_LABELS = {
    **vocabulary.CHANGE_CATEGORIES.headings(),
    **vocabulary.DISCONTINUATION_REASONS.headings(),
}
LEVEL_LABELS = vocabulary.CARE_LEVELS.headings()

# ---------------------------------------------------------------------------
# The dashboard model (what the page and the Excel file show)


@dataclass(frozen=True)
class UnitInfo:
    unit_code: str  # the unit code (the interchange unit_id; the database key is the unit pk)
    name: str
    care_level: str


@dataclass
class ShareRow:
    """One group's share in a comparison (the unit, the nation, another unit)."""

    label: str
    share: Share
    own: bool = False  # the viewer may see this group's patients: shown unsuppressed

    @property
    def text(self) -> str:
        if self.own and self.share.denominator > 0:
            return format_percent(self.share.numerator / self.share.denominator)
        return self.share.text()

    @property
    def interval(self) -> str:
        return self.share.interval_text()

    @property
    def shown(self) -> bool:
        return (self.own and self.share.denominator > 0) or self.share.shown

    @property
    def numerator_text(self) -> str:
        # A shown proportion gives its numerator away anyway: no "<5" theatre.
        if self.own or self.share.shown:
            return format_number(self.share.numerator)
        return NOT_SHOWN

    @property
    def denominator_text(self) -> str:
        return _count(self.share.denominator, self.own, True)

    @property
    def note(self) -> str:
        if self.own and self.share.denominator < MIN_PUBLISHED and self.share.denominator > 0:
            return "endast för enhetens personal"
        return INSUFFICIENT if self.share.status == "grey" else ""


def _count(value: int, own: bool, shown: bool) -> str:
    if own:
        return format_number(value)
    if not shown:
        return NOT_SHOWN
    return count_text(value)


@dataclass
class Measure:
    """One indicator as a share: the unit against the nation and the other units."""

    key: str
    title: str
    what: str  # what the share counts, in words
    unit: ShareRow
    national: ShareRow
    others: list[ShareRow]
    chart_svg: str = ""

    @property
    def has_chart(self) -> bool:
        """A funnel plot can be drawn: a national share and at least one shown unit."""
        return bool(_funnel_points(self)) and self.national.share.share is not None


@dataclass
class Dashboard:
    unit: UnitInfo
    selection: Selection
    own: bool  # the viewer may see the unit's patients
    measures: list[Measure]
    tables: list[Table]
    note: str = PUBLISHING_NOTE
    #: Funnel plots drawn so far (SVG per measure key), kept with the cached dashboard.
    charts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Rendered rows of the other units' tables (HTML per measure key), kept likewise.
    other_rows: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Return to work from Försäkringskassan's extract (:mod:`painreg.dashboard.sick_leave`).
    sick_leave: Any = None

    def chart(self, key: str) -> str | None:
        """The funnel plot of measure ``key`` as SVG; None if it has none.

        Decision: the page does not embed its funnel plots but links
        them (one image request each, drawn on first request and kept with the
        dashboard): drawing one with Altair and vl-convert costs about 0.1 s,
        a dozen of them more than counting the whole register, and the
        browser fetches the images side by side after the page's numbers.
        """
        if key not in self.charts:
            measure = next((m for m in self.measures if m.key == key), None)
            if measure is None or not measure.has_chart:
                return None
            self.charts[key] = measure.chart_svg or _funnel_svg(measure)
        return self.charts[key]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.unit.care_level, self.unit.care_level)


def _share_row(label: str, numerator: int, denominator: int, own: bool = False) -> ShareRow:
    return ShareRow(label=label, share=share(int(numerator), int(denominator)), own=own)


def _measure_parts(key: str, value: Any) -> tuple[int, int]:
    """(numerator, denominator) of an indicator value as the dashboard shows it."""
    if value is None:
        return 0, 0
    kind = BY_KEY[key].kind
    if kind == "rate":
        return int(value["numerator"]), int(value["denominator"])
    if kind == "coverage":
        total = value.get("reported_total")
        return int(value.get("registered") or 0), int(total or 0)
    # Change measures: improved among n.
    return int(value.get("improved", 0)), int(value.get("n", 0))


_MEASURE_TEXT = {
    "coverage": ("Täckningsgrad", "registrerade MMR-patienter av enhetens rapporterade antal"),
    "response_rate_end": ("Svarsfrekvens vid avslut", "avslutade MMR med svar vid avslut"),
    "hads_anxiety_case_initial": (
        "Sannolik klinisk ångest initialt (HAD 11–21)",
        "andel av avslutade MMR med HAD-ångest initialt",
    ),
    "hads_depression_case_initial": (
        "Sannolik klinisk depression initialt (HAD 11–21)",
        "andel av avslutade MMR med HAD-depression initialt",
    ),
}


def build_dashboard(
    levels: dict[str, Any],
    unit: UnitInfo,
    selection: Selection,
    *,
    own: bool,
    unit_names: dict[str, str],
    charts: bool = True,
) -> Dashboard:
    """The dashboard of ``unit`` from :func:`period_indicators`' result."""
    level = levels.get(unit.care_level, {"national": {}, "units": {}})
    national = level["national"]
    unit_values = level["units"].get(unit.unit_code, {})
    measures = []
    for key in ("coverage", *RATE_KEYS, *CHANGE_OUTCOMES, *ONE_YEAR_KEYS):
        indicator = BY_KEY[key]
        if unit.care_level not in indicator.levels:
            continue
        if key in _MEASURE_TEXT:
            title, what = _MEASURE_TEXT[key]
        elif indicator.years_back:
            title = indicator.title_sv
            what = "andel förbättrade ett år efter avslut, av dem som avslutade året före"
        else:
            title, what = indicator.title_sv, "andel förbättrade av dem med mätning"
        n_unit, d_unit = _measure_parts(key, unit_values.get(key))
        n_nat, d_nat = _measure_parts(key, national.get(key))
        others = []
        for other_id, values in sorted(level["units"].items()):
            if other_id == unit.unit_code:
                continue
            n, d = _measure_parts(key, values.get(key))
            others.append(_share_row(unit_names.get(other_id, other_id), n, d))
        if key == "coverage":
            # Coverage can exceed 1 when a unit under-reports its total; not a share.
            n_unit, d_unit = min(n_unit, d_unit), d_unit
            n_nat, d_nat = min(n_nat, d_nat), d_nat
            others = [
                _share_row(
                    o.label, min(o.share.numerator, o.share.denominator), o.share.denominator
                )
                for o in others
            ]
        measure = Measure(
            key=key,
            title=title,
            what=what,
            unit=_share_row(unit.name, n_unit, d_unit, own=own),
            national=_share_row(f"Riket, {LEVEL_LABELS[unit.care_level].lower()}", n_nat, d_nat),
            others=others,
        )
        if charts:
            measure.chart_svg = _funnel_svg(measure)
        measures.append(measure)
    tables = [
        _volume_table(unit, unit_values, national, own),
        _discontinued_table(unit, unit_values, national, own),
    ]
    return Dashboard(unit=unit, selection=selection, own=own, measures=measures, tables=tables)


def _volume_table(unit: UnitInfo, mine: dict, national: dict, own: bool) -> Table:
    columns = ["", "Avslutade MMR", "Avbrutna MMR", "Enbart utredning"]
    rows = []
    for label, values, is_own in ((unit.name, mine, own), ("Riket", national, False)):
        discontinued = sum((values.get("discontinued") or {}).values())
        counts = [values.get("completed_rehab") or 0, discontinued, values.get("assessments") or 0]
        rows.append([Cell(label), *(Cell(_count(int(c), is_own, True)) for c in counts)])
    return Table("Volymer", columns, rows)


def _discontinued_table(unit: UnitInfo, mine: dict, national: dict, own: bool) -> Table:
    from painreg.analytics.context import REASONS
    from painreg.analytics.stats import suppress_counts

    columns = ["", *(CATEGORY_LABELS[r] for r in REASONS), "Totalt"]
    rows = []
    for label, values, is_own in ((unit.name, mine, own), ("Riket", national, False)):
        counts = [int((values.get("discontinued") or {}).get(r, 0)) for r in REASONS]
        if is_own:
            cells = [format_number(c) for c in [*counts, sum(counts)]]
        else:
            # One row with its total: secondary suppression within the row.
            display = suppress_counts([counts]).display(lambda v: format_number(v))
            cells = list(display[0])
        rows.append([Cell(label), *map(Cell, cells)])
    return Table("Avbrott per orsak", columns, rows)


def _funnel_points(measure: Measure) -> list[dict[str, Any]]:
    return [
        {"label": row.label, "n": row.share.denominator, "share": row.share.share}
        for row in [measure.unit, *measure.others]
        if row.share.shown
    ]


def _funnel_svg(measure: Measure) -> str:
    from painreg.reports.render import chart_svg, funnel_chart

    points = _funnel_points(measure)
    if not points or measure.national.share.share is None:
        return ""
    chart = funnel_chart(
        points, measure.national.share.share, measure.title, highlight=measure.unit.label
    )
    return chart_svg(chart)


# ---------------------------------------------------------------------------
# On the live register


def cached_dashboard(
    unit: UnitInfo,
    selection: Selection,
    *,
    own: bool,
    unit_names: dict[str, str],
    charts: bool = True,
    connection: Any | None = None,
) -> Dashboard:
    """The dashboard of ``unit`` on the live register, reused while nothing changed.

    Decision: the dashboard is real time (every request sees every committed
    change), but counting the whole register and drawing the funnel plots
    are slow on a national register, while the register changes far less
    often than it is looked at. Indicator results (per selection) and built
    dashboards (per selection, unit and viewer kind) are kept per register
    fingerprint (:func:`painreg.dashboard.cache.register_fingerprint`), and dropped at once when a
    registry model is saved or deleted in this process.
    ``PAINREG_DASHBOARD_CACHE = False`` turns the cache off.
    """
    from django.conf import settings

    if connection is None:
        from django.db import connection as default

        connection = default

    def levels() -> dict[str, Any]:
        # Only the unit's care level: the page compares with nothing else.
        return counts.compute(selection, connection, unit.care_level)

    def build(levels: dict[str, Any]) -> Dashboard:
        from painreg.dashboard.sick_leave import panel

        dashboard = build_dashboard(
            levels, unit, selection, own=own, unit_names=unit_names, charts=charts
        )
        dashboard.sick_leave = panel(
            unit.unit_code, unit.name, unit.care_level, selection, connection
        )
        return dashboard

    if not getattr(settings, "PAINREG_DASHBOARD_CACHE", True):
        return build(levels())
    fingerprint = cache.register_fingerprint(connection)
    base = (connection.alias, connection.vendor, fingerprint, selection)
    names = tuple(sorted(unit_names.items()))
    return cache.cached(
        (*base, "dashboard", unit, own, names, charts),
        lambda: build(cache.cached((*base, "levels", unit.care_level), levels)),
    )


def warm() -> None:
    """Prepare a server process for the dashboard before its first request (``painreg.wsgi``).

    Importing this module loads the page's renderers (SciPy, Altair), which
    would otherwise be imported inside the first request;
    :func:`painreg.dashboard.counts.warm` compiles the common shapes' base SQL.
    """
    counts.warm()


# ---------------------------------------------------------------------------
# Excel


def dashboard_excel(dashboard: Dashboard) -> bytes:
    """The dashboard as an Excel workbook: one sheet of shares, one per count table."""
    from painreg.reports.publishing import ExcelBook

    book = ExcelBook()
    title = f"{dashboard.unit.name}: {dashboard.selection.describe()}"
    rows: list[list[Any]] = []
    grey: list[bool] = []
    for m in dashboard.measures:
        for row in [m.unit, m.national, *m.others]:
            value, low, high = _excel_share(row)
            rows.append(
                [m.title, row.label, _excel_count(row.share.numerator, row),
                 _excel_count(row.share.denominator, row, denominator=True), value, low, high,
                 row.note]
            )  # fmt: skip
            grey.append(row.share.status == "grey" and not row.own)
    shares = Table.of_values(
        title,
        [
            "Indikator",
            "Grupp",
            "Täljare",
            "Nämnare",
            "Andel",
            "95 % KI nedre",
            "95 % KI övre",
            "Anmärkning",
        ],
        rows,
        kinds=["text", "text", "int", "int", "pct", "pct", "pct", "text"],
        grey=grey,
    )
    book.table_sheet(shares, "Andelar")
    for table in dashboard.tables:
        book.table_sheet(Table(f"{table.title}: {title}", table.columns, table.rows), table.title)
    return book.close()


def _excel_share(row: ShareRow) -> tuple[Any, Any, Any]:
    s = row.share
    if row.own and s.denominator > 0:
        from painreg.analytics.stats import wilson_interval

        low, high = wilson_interval(s.numerator, s.denominator)
        return s.numerator / s.denominator, low, high
    if not s.shown:
        return NOT_SHOWN, None, None
    return s.share, s.low, s.high


def _excel_count(value: int, row: ShareRow, *, denominator: bool = False) -> Any:
    if row.own or row.share.shown:
        return value
    if not denominator:
        return NOT_SHOWN
    return PRIMARY_MARK if 0 < value < MIN_PUBLISHED else value
