"""Every unit's own report, led by the unit: its volumes, response rates,
completeness, dropout, outcomes and trends, with the nation of its care level
beside each value (labelled "riket").

Decisions:

- The report is a list of section builders, :data:`UNIT_SECTIONS`, each
  taking a :class:`UnitContext` and returning a :class:`Section` (or None to
  leave it out). A new part of the unit report (e.g. outcomes at one year,
  sick leave) is one function appended to that list; nothing else changes.
- The indicators are computed once for all units (the year and every year
  since the register's start): writing every unit's report
  (``painreg report units --all``) costs one computation and one render per
  unit.
- Pooling (as the unit dashboard does for a period): when the unit's
  denominator for the year is under the publishing threshold, the years
  before are added, up to :data:`POOL_YEARS` years in all, until it reaches
  it; the row says which years, and the nation is pooled over the same years.
  Counts of different years are summed (they are disjoint registrations).
- The publishing rules apply as everywhere: a value under the threshold even
  after pooling is not shown; 5-9 are greyed. The unit's own small counts
  are not shown either: the report is a file that travels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from painreg.analytics.context import AGE_GROUPS, CHANGE_OUTCOMES, EDUCATION, Filters
from painreg.analytics.indicators import BY_KEY
from painreg.analytics.load import Register
from painreg.reports import render
from painreg.reports.annual.labels import CATEGORY_SV, EDUCATION_SV, LEVEL_LABEL, LEVEL_SHORT
from painreg.reports.annual.model import LevelReport, Report, Section, UnknownUnit
from painreg.reports.publishing import (
    MIN_PUBLISHED,
    MIN_SOLID,
    NOT_SHOWN,
    Table,
    chart_svg,
    count_text,
    format_number,
)

#: The most years pooled for a unit whose single year is too small to show.
POOL_YEARS = 3
NATION = "Riket"


@dataclass
class UnitContext:
    """What every section of one unit's report reads."""

    unit: str
    name: str
    level: str
    year: int
    #: ``compute_indicators(...)["care_levels"][level]`` of the report year.
    data: dict[str, Any]
    #: ``{year: care_levels}`` since the register's start (:func:`compute_series`).
    series: dict[int, dict[str, Any]]
    register: Register | None = None
    filters: Filters | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return LEVEL_SHORT[self.level]

    def unit_value(self, key: str, year: int | None = None) -> Any:
        """The unit's value of ``key`` in ``year`` (the report year by default), or None."""
        if year is None or year == self.year:
            return self.data["units"].get(self.unit, {}).get(key)
        return (
            self.series.get(year, {})
            .get(self.level, {})
            .get("units", {})
            .get(self.unit, {})
            .get(key)
        )

    def national_value(self, key: str, year: int | None = None) -> Any:
        if year is None or year == self.year:
            return self.data["national"].get(key)
        return self.series.get(year, {}).get(self.level, {}).get("national", {}).get(key)

    def pooled(self, key: str, denominator: str) -> tuple[Any, Any, str]:
        """The unit's and the nation's value of ``key``, pooled over as few years
        as reach the threshold (at most :data:`POOL_YEARS`): (unit, nation, years text)."""
        return self.pooled_by(lambda get, y: get(key, y), denominator)

    def pooled_by(
        self, value: Callable[[Callable[..., Any], int], Any], denominator: str
    ) -> tuple[Any, Any, str]:
        """As :meth:`pooled`, of ``value(get, year)`` (``get``: :meth:`unit_value` or
        :meth:`national_value`), a dict of counts or None."""
        unit, nation, years = None, None, []
        for y in range(self.year, self.year - POOL_YEARS, -1):
            u, n = value(self.unit_value, y), value(self.national_value, y)
            if u is None or n is None:
                if y == self.year:
                    continue
                break
            unit, nation = _add(unit, u), _add(nation, n)
            years.append(y)
            if unit[denominator] >= MIN_PUBLISHED:
                break
        if not years:
            return None, None, str(self.year)
        text = str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"
        return unit, nation, text


def _add(total: dict[str, Any] | None, value: dict[str, Any]) -> dict[str, Any]:
    if total is None:
        return dict(value)
    return {k: total[k] + value[k] for k in total}


UnitSection = Callable[[UnitContext], Section | None]


def _share_cells(v: dict[str, Any] | None, num: str, den: str) -> list[str]:
    if v is None:
        return [NOT_SHOWN, "", ""]
    s = render.share(v[num], v[den])
    return [count_text(v[den]) if v[den] < MIN_PUBLISHED else format_number(v[den]),
            s.text(), s.interval_text()]  # fmt: skip


def volumes(ctx: UnitContext) -> Section:
    """Completed rehabilitation and assessments per year, the unit and the nation."""
    section = Section(f"Volymer, {ctx.name}")
    rows = []
    for y in ctx.series:
        rows.append(
            [str(y), count_text(ctx.unit_value("completed_rehab", y) or 0),
             count_text(ctx.unit_value("assessments", y) or 0),
             format_number(ctx.national_value("completed_rehab", y) or 0)]
        )  # fmt: skip
    disc = ctx.unit_value("discontinued") or {}
    section.paragraphs.append(
        f"{ctx.year} avslutade {ctx.name} {count_text(ctx.unit_value('completed_rehab') or 0)} "
        f"patienter i multimodal rehabilitering; {count_text(sum(disc.values()))} avbröt."
    )
    section.tables.append(
        Table.of_values(
            "Avslutade patienter per år",
            ["År", "MMR, enheten", "Enbart utredning, enheten", f"MMR, {NATION.lower()}"],
            rows,
        )
    )
    return section


def response_rates(ctx: UnitContext) -> Section:
    """Response rates at end and at one year, and coverage, the unit against the nation."""
    section = Section(f"Svarsfrekvens och täckningsgrad, {ctx.name}")
    rows, grey = [], []
    for key in ("response_rate_end", "response_rate_1y"):
        unit, nation, years = ctx.pooled(key, "denominator")
        title = BY_KEY[key].title_sv
        for who, v in ((ctx.name, unit), (NATION, nation)):
            cells = _share_cells(v, "numerator", "denominator")
            rows.append([title, who, years, *cells])
            grey.append(v is not None and MIN_PUBLISHED <= v["denominator"] < MIN_SOLID)
    section.tables.append(
        Table.of_values(
            "Svarsfrekvens", ["Mått", "", "År", "n", "Andel", "95 % KI"], rows, grey=grey
        )
    )
    cov = ctx.unit_value("coverage")
    if cov and cov["reported_total"]:
        section.paragraphs.append(
            f"Täckningsgrad {ctx.year}: {count_text(cov['registered'])} registrerade av "
            f"{format_number(cov['reported_total'])} rapporterade patienter."
        )
    else:
        section.paragraphs.append(
            f"Täckningsgrad {ctx.year}: okänd (enheten har inte rapporterat totalt antal)."
        )
    return section


def completeness(ctx: UnitContext) -> Section | None:
    """Form and item completeness per instrument and occasion, the unit against the nation."""
    if ctx.register is None:
        return None
    from painreg.analytics.analyses import completeness as compute
    from painreg.reports.annual.labels import OCCASION_SV
    from painreg.reports.annual.tables import instrument_name

    section = Section(f"Ifyllnadsgrad, {ctx.name} {ctx.year}")
    cache = ctx.extra.setdefault("completeness", {})
    if ctx.level not in cache:
        cache[ctx.level] = (
            compute(ctx.register, ctx.year, ctx.level, filters=ctx.filters),
            compute(ctx.register, ctx.year, ctx.level, filters=ctx.filters, by_unit=True),
        )
    nation, by_unit = cache[ctx.level]
    unit = by_unit[by_unit.unit_id == ctx.unit] if len(by_unit) else by_unit
    mine = {(r.instrument, r.occasion): r for r in unit.itertuples(index=False)}
    rows = []
    for r in nation.itertuples(index=False):
        u = mine.get((r.instrument, r.occasion))
        shown = u is not None and u.forms >= MIN_PUBLISHED
        rows.append(
            [f"{instrument_name(r.instrument)} ({OCCASION_SV.get(r.occasion, r.occasion)})",
             u.form_completeness if shown else NOT_SHOWN,
             r.form_completeness if r.forms >= MIN_PUBLISHED else NOT_SHOWN]
        )  # fmt: skip
    section.tables.append(
        Table.of_values(
            "Andel kompletta formulär",
            ["Instrument", ctx.name, NATION],
            rows,
            kinds=["text", "pct", "pct"],
        )
    )
    return section


def dropout(ctx: UnitContext) -> Section:
    """Who is missing from the outcomes: discontinued rehabilitation and no answer at
    end or at one year, the unit against the nation (pooled as the outcomes)."""
    section = Section(f"Bortfall, {ctx.name}")
    rows, grey = [], []

    def discontinued(get, y):  # type: ignore[no-untyped-def]
        reasons, completed = get("discontinued", y), get("completed_rehab", y)
        if reasons is None or completed is None:
            return None
        stopped = sum(reasons.values())
        return {"x": stopped, "n": stopped + completed}

    def missing(key):  # type: ignore[no-untyped-def]
        return lambda get, y: (
            None if (v := get(key, y)) is None
            else {"x": v["denominator"] - v["numerator"], "n": v["denominator"]}
        )  # fmt: skip

    for title, value in (
        ("Avbröt rehabiliteringen", discontinued),
        ("Svarade inte vid avslut", missing("response_rate_end")),
        ("Svarade inte vid 1-årsuppföljning", missing("response_rate_1y")),
    ):
        unit, nation, span = ctx.pooled_by(value, "n")
        for who, v in ((ctx.name, unit), (NATION, nation)):
            rows.append([title, who, span, *_share_cells(v, "x", "n")])
            grey.append(v is not None and MIN_PUBLISHED <= v["n"] < MIN_SOLID)
    section.tables.append(
        Table.of_values("Bortfall", ["", "", "År", "n", "Andel", "95 % KI"], rows, grey=grey)
    )
    section.paragraphs.append(
        "Utfallen bygger på dem som svarat vid båda tillfällena; en stor andel bortfall gör "
        "enhetens utfall osäkrare. Bortfallsanalysen i årsrapporten jämför svarande och "
        "icke svarande i riket."
    )
    return section


def outcomes_at_end(ctx: UnitContext) -> Section:
    """Every change outcome: the unit's share improved beside the nation's, this year and last."""
    section = Section(f"Utfall vid avslut, {ctx.name}")
    section.paragraphs.append(
        "Andel förbättrade från initialt till avslut bland dem med mätning vid båda "
        f"tillfällena. När ett år har färre än {MIN_PUBLISHED} patienter slås upp till "
        f"{POOL_YEARS} år ihop (kolumnen År)."
    )
    rows, grey, bars = [], [], []
    for key in CHANGE_OUTCOMES:
        if key not in ctx.data["national"]:
            continue
        title = BY_KEY[key].title_sv
        unit, nation, years = ctx.pooled(key, "n")
        for who, v in ((ctx.name, unit), (NATION, nation)):
            rows.append([title, who, years, *_share_cells(v, "improved", "n")])
            grey.append(v is not None and MIN_PUBLISHED <= v["n"] < MIN_SOLID)
            if v is not None and v["n"] >= MIN_PUBLISHED:
                for c in BY_KEY[key].categories:
                    bars.append(
                        {"grupp": f"{title}: {who}", "kategori": CATEGORY_SV[c],
                         "andel": v[c] / v["n"]}
                    )  # fmt: skip
        previous = ctx.unit_value(key, ctx.year - 1)
        if previous is not None:
            rows.append([title, f"{ctx.name}, föregående år", str(ctx.year - 1),
                         *_share_cells(previous, "improved", "n")])  # fmt: skip
            grey.append(MIN_PUBLISHED <= previous["n"] < MIN_SOLID)
    if bars:
        order = ["improved", "unchanged_positive", "unchanged", "unchanged_negative", "worsened"]
        section.charts.append(
            chart_svg(
                render.stacked_share_chart(
                    bars,
                    category_order=[CATEGORY_SV[c] for c in order if c in CATEGORY_SV],
                    title=f"Förändringskategorier, {ctx.name} och {NATION.lower()}",
                )
            )
        )
    section.tables.append(
        Table.of_values(
            "Andel förbättrade",
            ["Mått", "", "År", "n", "Förbättrade", "95 % KI"],
            rows,
            grey=grey,
        )
    )
    return section


def trends(ctx: UnitContext) -> Section:
    """The share improved of each outcome per year since the start, the unit and the nation."""
    section = Section(f"Utveckling över tid, {ctx.name}")
    years = list(ctx.series)
    rows = []
    for key in CHANGE_OUTCOMES:
        if key not in ctx.data["national"]:
            continue
        for who, get in ((ctx.name, ctx.unit_value), (NATION, ctx.national_value)):
            row = [BY_KEY[key].title_sv, who]
            for y in years:
                v = get(key, y)
                row.append(render.share(v["improved"], v["n"]).text() if v else NOT_SHOWN)
            rows.append(row)
    section.tables.append(
        Table.of_values("Andel förbättrade per år", ["Mått", "", *[str(y) for y in years]], rows)
    )
    return section


def patient_mix(ctx: UnitContext) -> Section:
    """Sex, age groups and education of the year's completed patients, unit and nation."""
    section = Section(f"Patientgruppen, {ctx.name} {ctx.year}")
    rows = []
    for label, key, cat in (
        [("Män", "sex", "M")]
        + [(f"{a} år", "age_group", a) for a in AGE_GROUPS]
        + [(EDUCATION_SV[e], "education_rehab", e) for e in EDUCATION]
    ):
        cells = [label]
        for v in (ctx.unit_value(key), ctx.national_value(key)):
            cells.append(render.share(v[cat], v["n"]).text() if v else NOT_SHOWN)
        rows.append(cells)
    section.tables.append(
        Table.of_values(
            "Andel av avslutade MMR",
            ["", ctx.name, NATION],
            rows,
            note=f"{NOT_SHOWN}: färre än {MIN_PUBLISHED} patienter.",
        )
    )
    return section


#: The unit report's sections, in order. Append a builder to add a section.
UNIT_SECTIONS: list[UnitSection] = [
    volumes,
    response_rates,
    completeness,
    dropout,
    outcomes_at_end,
    trends,
    patient_mix,
]


@dataclass
class UnitReportData:
    """The indicators every unit's report reads, computed once."""

    year: int
    current: dict[str, Any]
    series: dict[int, dict[str, Any]]
    units: Any  # pandas frame of the units table, indexed by unit_id
    register: Register | None = None
    filters: Filters | None = None
    #: Results shared by every unit's report (e.g. completeness per unit, per level).
    shared: dict[str, Any] = field(default_factory=dict)


def unit_report_data(
    register: Register, year: int, *, filters: Filters | None = None
) -> UnitReportData:
    """Compute once what every unit's report needs."""
    from painreg.analytics.compute import compute_indicators
    from painreg.reports.annual.report import _years, compute_series

    current = compute_indicators(register, year, filters=filters, regions=False)
    series = compute_series(register, _years(register, year), filters)
    units = register.units.to_pandas().set_index("unit_id")
    return UnitReportData(year, current, series, units, register, filters)


def listed_units(data: UnitReportData) -> list[str]:
    """The units with a report for the year: those listed at their care level."""
    return sorted(u for level in data.current["care_levels"].values() for u in level["units"])


def build_unit_report(data: UnitReportData, unit: str) -> Report:
    """One unit's report from :func:`unit_report_data`."""
    if unit not in data.units.index:
        raise UnknownUnit(f"no unit {unit!r} in the register; unit ids are as in units.unit_id")
    level = data.units.loc[unit, "care_level"]
    name = str(data.units.loc[unit, "name"])
    ctx = UnitContext(
        unit=unit,
        name=name,
        level=level,
        year=data.year,
        data=data.current["care_levels"][level],
        series=data.series,
        register=data.register,
        filters=data.filters,
        extra=data.shared,
    )
    sections = [s for s in (build(ctx) for build in UNIT_SECTIONS) if s is not None]
    about = Section("Om rapporten")
    about.paragraphs.append(
        f"Enhetsrapporten visar {name}s resultat {data.year} och utvecklingen sedan "
        f"{min(data.series)}, med {NATION.lower()} ({LEVEL_LABEL[level]}) bredvid varje värde. "
        "Definitionerna är desamma som i årsrapporten (avsnittet Metod och definitioner)."
    )
    who = "Nationella registret över smärtrehabilitering (NRS)"
    return Report(
        title=f"Enhetsrapport {data.year}: {name}",
        subtitle=who + ("" if data.filters is None else f" — urval: {data.filters.describe()}"),
        year=data.year,
        levels=[LevelReport(level, f"{name}, {LEVEL_LABEL[level]}", sections, b"")],
        front=[about],
        cover=[f"{LEVEL_LABEL[level]}: enheten jämförd med riket."],
    )
