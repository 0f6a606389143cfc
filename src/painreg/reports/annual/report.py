"""The report from the register, rendered (HTML, PDF) and written with its appendices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from painreg.analytics.compute import compute_indicators, yearly_indicators
from painreg.analytics.context import CARE_LEVELS, Filters
from painreg.analytics.load import Register
from painreg.outputs import write_outputs
from painreg.reports.annual.appendix import appendix
from painreg.reports.annual.labels import LEVEL_LABEL, TREND_KEYS
from painreg.reports.annual.method import method_section, summary_section
from painreg.reports.annual.model import LevelReport, Report, UnknownUnit
from painreg.reports.annual.regions import regions_section
from painreg.reports.annual.sections import level_sections
from painreg.reports.annual.series import SERIES_KEYS, first_year
from painreg.reports.annual.sick_leave import sick_leave_section
from painreg.reports.publishing import INSUFFICIENT, render_template


def _years(register: Register, year: int) -> list[int]:
    """Every year from the register's first to ``year`` (the series since the start)."""
    first = first_year(register)
    return list(range(min(first or year, year), year + 1))


def compute_series(
    register: Register, years: list[int], filters: Filters | None = None
) -> dict[int, dict[str, Any]]:
    """The indicators drawn over the years, per year: ``{year: care_levels}``."""
    return yearly_indicators(register, years, (*TREND_KEYS, *SERIES_KEYS), filters=filters)


def build_report(
    register: Register,
    year: int,
    *,
    filters: Filters | None = None,
    unit: str | None = None,
    casemix_outcome: str = "global_life_situation",
) -> Report:
    """The report's content (sections per care level), computed from the register."""
    units = register.units.to_pandas().set_index("unit_id")
    if unit is not None and unit not in units.index:
        raise UnknownUnit(f"no unit {unit!r} in the register; unit ids are as in units.unit_id")
    levels_wanted = CARE_LEVELS if unit is None else (units.loc[unit, "care_level"],)
    current = compute_indicators(register, year, filters=filters)
    series = compute_series(register, _years(register, year), filters)
    names = units["name"].to_dict()
    levels = []
    for level in levels_wanted:
        data = current["care_levels"][level]
        sections = level_sections(
            level,
            year,
            data,
            series,
            names,
            unit,
            context=(register, filters),
            casemix_outcome=casemix_outcome,
        )
        sick = sick_leave_section(register, level, year, data, names, unit, filters)
        if sick is not None:
            sections.append(sick)
        if unit is None:
            sections.append(regions_section(level, year, data))
        levels.append(
            LevelReport(
                level,
                LEVEL_LABEL[level],
                sections,
                appendix(level, year, data, names, _completeness(register, year, level, filters)),
            )
        )
    who = "Nationella registret över smärtrehabilitering (NRS)"
    title = f"Årsrapport {year}" if unit is None else f"Enhetsrapport {year}: {names[unit]}"
    subtitle = who + ("" if filters is None else f" — urval: {filters.describe()}")
    front = [summary_section(year, current, list(levels_wanted)), method_section()]
    cover = [
        who,
        f"Avslutade patienter {year}, med utvecklingen sedan {min(series)}.",
    ]
    return Report(
        title=title, subtitle=subtitle, year=year, levels=levels, front=front, cover=cover
    )


def _completeness(register: Register, year: int, level: str, filters: Filters | None) -> Any:
    from painreg.analytics.analyses import completeness

    return completeness(register, year, level, filters=filters, by_unit=True)


def render_html(report: Report) -> str:
    """The report as one HTML page (also the source of the PDF)."""
    return render_template("annual/report.html", report=report, insufficient=INSUFFICIENT)


def _files(report: Report, stem: str, pdf: bool) -> list[tuple[str, bytes]]:
    html = render_html(report)
    files = [(f"{stem}.html", html.encode("utf-8"))]
    if pdf:
        files.append((f"{stem}.pdf", render_pdf(html)))
    for level in report.levels:
        files.append((f"{stem}-bilaga-{level.level}.xlsx", level.appendix))
    return files


def unit_report_files(
    data: Any, unit: str, *, pdf: bool = True, html: bool = True
) -> list[tuple[str, bytes]]:
    """One unit's report as files: ``enhetsrapport-UNIT-YEAR.html`` and ``.pdf``."""
    from painreg.reports.annual.unit import build_unit_report

    page = render_html(build_unit_report(data, unit))
    stem = f"enhetsrapport-{unit}-{data.year}"
    files = [(f"{stem}.html", page.encode("utf-8"))] if html else []
    if pdf:
        files.append((f"{stem}.pdf", render_pdf(page)))
    return files


def render_pdf(html: str) -> bytes:
    """The PDF of a rendered report page."""
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def write_unit_reports(
    register: Register,
    year: int,
    directory: Path,
    units: list[str] | None = None,
    *,
    filters: Filters | None = None,
    pdf: bool = True,
) -> list[Path]:
    """Every unit's report (``units=None``: every unit listed for the year), the
    indicators computed once: one PDF per unit (HTML with ``pdf=False``)."""
    from painreg.reports.annual.unit import listed_units, unit_report_data

    data = unit_report_data(register, year, filters=filters)
    chosen = listed_units(data) if units is None else units
    for unit in chosen:
        if unit not in data.units.index:
            raise UnknownUnit(f"no unit {unit!r} in the register; unit ids are as in units.unit_id")
    files = []
    for unit in chosen:
        files += unit_report_files(data, unit, pdf=pdf, html=not pdf or len(chosen) == 1)
    return write_outputs(Path(directory), files)


def write_report(
    register: Register,
    year: int,
    directory: Path,
    *,
    unit: str | None = None,
    filters: Filters | None = None,
    pdf: bool = True,
    casemix_outcome: str = "global_life_situation",
) -> list[Path]:
    """Render and write the annual report (HTML, PDF, one Excel appendix per care
    level) or, for ``unit``, that unit's report (:mod:`.unit`)."""
    if unit is not None:
        return write_unit_reports(register, year, directory, [unit], filters=filters, pdf=pdf)
    report = build_report(
        register, year, filters=filters, unit=unit, casemix_outcome=casemix_outcome
    )
    stem = f"arsrapport-{year}" if unit is None else f"enhetsrapport-{unit}-{year}"
    return write_outputs(Path(directory), _files(report, stem, pdf))
