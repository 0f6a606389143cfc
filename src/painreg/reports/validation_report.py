"""The report of a source-data validation round: HTML, PDF and Excel.

Shaped like the register's own validation report (the 2021 annual report:
"Validering av källdata gjordes genom stickprov av registreringen av 133
enkäter på 28 enheter ... Registreringen var korrekt till 99,7 % ... i de
flesta fall var de upptäckta felen att alternativet bredvid det korrekta
hade registrerats"): a summary sentence with the number of registrations,
units and the share correct, then agreement per variable and per unit with
95 % Wilson intervals, and the error types.

The numbers count checked variables, not patients, and no identity is in
the report (units by code and name, registrations not at all), so the
publishing threshold for patient counts does not apply (docs/decisions.md).
Pure: the caller passes :class:`painreg.analytics.validation.RoundResults`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from painreg.analytics import validation as v
from painreg.reports.publishing import (
    Cell,
    ExcelBook,
    Table,
    format_number,
    format_percent,
    render_template,
)

ERROR_COLUMNS = [v.ERROR_LABELS[e][0] for e in v.ERROR_TYPES]


@dataclass(frozen=True)
class RoundInfo:
    name: str
    year_from: int
    year_to: int
    sample_size: int
    seed: int
    variables: Sequence[str]
    drawn_on: dt.date | None
    sampled: int
    completed: int


@dataclass(frozen=True)
class ValidationReport:
    info: RoundInfo
    summary: str
    tables: list[Table]


def _pct(share: float | None) -> Cell:
    if share is None:
        return Cell("–")
    return Cell(format_percent(share, 1), share, number_format="0.0%")


def _interval(a: v.Agreement) -> Cell:
    if not a.checked:
        return Cell("–")
    return Cell(f"{format_percent(a.low, 1)}–{format_percent(a.high, 1)}")


def _row(label: str, a: v.Agreement) -> list[Cell]:
    return [
        Cell(label),
        Cell(format_number(a.checked), a.checked, number_format="# ##0"),
        Cell(format_number(a.agreed), a.agreed, number_format="# ##0"),
        _pct(a.share),
        _interval(a),
        *[
            Cell(format_number(a.errors[e]), a.errors[e], number_format="# ##0")
            for e in v.ERROR_TYPES
        ],
    ]


COLUMNS = ["", "kontrollerade", "överensstämmer", "andel korrekt", "95 % KI", *ERROR_COLUMNS]


def summary_sentence(info: RoundInfo, results: v.RoundResults) -> str:
    """The report's first sentence, in the register's words."""
    years = (
        str(info.year_from)
        if info.year_from == info.year_to
        else f"{info.year_from}–{info.year_to}"
    )

    def counted(n: int, one: str, many: str) -> str:
        return f"{format_number(n)} {one if n == 1 else many}"

    text = (
        f"Validering av källdata ({years}) gjordes genom stickprov av "
        f"{counted(results.registrations, 'registrering', 'registreringar')} på "
        f"{counted(results.units, 'enhet', 'enheter')}, "
        f"{counted(results.overall.checked, 'kontrollerad uppgift', 'kontrollerade uppgifter')}."
    )
    if results.overall.checked:
        text += (
            f" Registreringen var korrekt till {format_percent(results.overall.share, 1)} "
            f"(95 % KI {format_percent(results.overall.low, 1)}–"
            f"{format_percent(results.overall.high, 1)})."
        )
        errors = results.overall.errors
        total = sum(errors.values())
        if total:
            most = max(v.ERROR_TYPES, key=lambda e: (errors[e], -v.ERROR_TYPES.index(e)))
            text += (
                f" Av {format_number(total)} fel var det vanligaste "
                f"\u201d{v.ERROR_LABELS[most][0]}\u201d ({format_number(errors[most])})."
            )
    return text


def build(
    info: RoundInfo, results: v.RoundResults, unit_names: Mapping[str, str]
) -> ValidationReport:
    variables = [var for var in info.variables if var in results.by_variable] + [
        var for var in results.by_variable if var not in info.variables
    ]
    overall = Table("Totalt", COLUMNS, [_row("Alla kontrollerade uppgifter", results.overall)])
    by_variable = Table(
        "Överensstämmelse per variabel",
        ["variabel", *COLUMNS[1:]],
        [_row(_label(var), results.by_variable[var]) for var in variables],
    )
    by_unit = Table(
        "Överensstämmelse per enhet",
        ["enhet", *COLUMNS[1:]],
        [
            _row(f"{code} {unit_names.get(code, '')}".strip(), a)
            for code, a in results.by_unit.items()
        ],
    )
    for t, key in ((overall, "overall"), (by_variable, "variables"), (by_unit, "units")):
        t.key = key
    note = (
        "Andel korrekt = uppgifter lika i journal och register (eller saknade i båda) av "
        "kontrollerade uppgifter, med 95 % Wilsonintervall. Intilliggande alternativ = "
        "en enkätfråga med ordnade svarsalternativ där registret har alternativet bredvid."
    )
    by_unit.note = note
    return ValidationReport(info, summary_sentence(info, results), [overall, by_variable, by_unit])


def _label(variable: str) -> str:
    """The variable's Swedish label, capitalised (an item id stays as it is)."""
    text = v.variable_label(variable)
    return text if v.parse_item_variable(variable) else text[:1].upper() + text[1:]


def _heading(report: ValidationReport) -> list[str]:
    i = report.info
    return [
        f"Källdatavalidering: {i.name}",
        report.summary,
        f"Stickprov: {i.sample_size} per enhet, slumpfrö {i.seed}, draget "
        f"{i.drawn_on.isoformat() if i.drawn_on else '–'}; "
        f"{i.completed} av {i.sampled} registreringar validerade.",
    ]


def render_html(report: ValidationReport, *, standalone: bool = True) -> str:
    return render_template(
        "validation/report.html",
        report=report,
        heading=_heading(report),
        standalone=standalone,
    )


def render_pdf(report: ValidationReport) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=render_html(report)).write_pdf()


def render_excel(report: ValidationReport) -> bytes:
    book = ExcelBook()
    book.stacked_sheet("Källdatavalidering", _heading(report), report.tables, "")
    return book.close()


__all__ = [
    "RoundInfo",
    "ValidationReport",
    "build",
    "render_excel",
    "render_html",
    "render_pdf",
    "summary_sentence",
]
