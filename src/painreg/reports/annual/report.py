"""The report from the register, rendered (HTML, PDF) and written with its appendices."""

from __future__ import annotations

from pathlib import Path

from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import CARE_LEVELS, Filters
from painreg.analytics.load import Register
from painreg.outputs import write_outputs
from painreg.reports.annual.appendix import appendix
from painreg.reports.annual.labels import LEVEL_LABEL, TREND_KEYS
from painreg.reports.annual.model import LevelReport, Report, UnknownUnit
from painreg.reports.annual.sections import level_sections
from painreg.reports.annual.sick_leave import sick_leave_section
from painreg.reports.publishing import INSUFFICIENT, render_template


def _years(register: Register, year: int, span: int = 5) -> list[int]:
    years = register.registrations.rehab_end_date.year().min().to_pyarrow().as_py()
    first = max(year - span + 1, years or year)
    return list(range(first, year + 1))


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
    years = _years(register, year)
    series = {
        y: compute_indicators(register, y, filters=filters, keys=TREND_KEYS, regions=False)[
            "care_levels"
        ]
        for y in years
    }
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
        levels.append(
            LevelReport(level, LEVEL_LABEL[level], sections, appendix(level, year, data, names))
        )
    who = "Nationella registret över smärtrehabilitering (NRS)"
    title = f"Årsrapport {year}" if unit is None else f"Enhetsrapport {year}: {names[unit]}"
    subtitle = who + ("" if filters is None else f" — urval: {filters.describe()}")
    return Report(title=title, subtitle=subtitle, year=year, levels=levels)


def render_html(report: Report) -> str:
    """The report as one HTML page (also the source of the PDF)."""
    return render_template("annual/report.html", report=report, insufficient=INSUFFICIENT)


def _files(report: Report, stem: str, pdf: bool) -> list[tuple[str, bytes]]:
    html = render_html(report)
    files = [(f"{stem}.html", html.encode("utf-8"))]
    if pdf:
        import weasyprint

        files.append((f"{stem}.pdf", weasyprint.HTML(string=html).write_pdf()))
    for level in report.levels:
        files.append((f"{stem}-bilaga-{level.level}.xlsx", level.appendix))
    return files


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
    level) or, for ``unit``, that unit's report against its care level."""
    report = build_report(
        register, year, filters=filters, unit=unit, casemix_outcome=casemix_outcome
    )
    stem = f"arsrapport-{year}" if unit is None else f"enhetsrapport-{unit}-{year}"
    return write_outputs(Path(directory), _files(report, stem, pdf))
