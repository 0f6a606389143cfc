"""The one publishing module: everything rendered for people stands on it.

It holds, once each: the publishing threshold and its marks (DOMAIN.md,
"Publishing rules"), numbers as Swedish readers expect them, the table model
every output renders (:class:`Table` of :class:`Cell`), the Jinja2
environment of the HTML templates, the chart helper (Altair to SVG) and the
Excel writer (:class:`ExcelBook`).

Publishing rules: the threshold is a domain rule the analytics layer applies
too (:func:`painreg.analytics.stats.suppress_counts`), and reports sit above
analytics, so the number is defined there and used from here by every
renderer. Proportions with a denominator under :data:`MIN_SOLID` are greyed
and marked :data:`INSUFFICIENT`.

Swedish conventions (Språkrådet, *Svenska skrivregler*): decimal comma, a
space (here U+00A0, no-break, so a number never wraps) between groups of
three digits in numbers of five digits or more and, as Swedish statistics
publications do, also in four-digit numbers; percentages with a space before
the sign ("12,5 %"); a minus sign (U+2212) for negative numbers. English
output uses the dot and comma conventions instead.

Used by every rendered output (HTML, PDF, Excel labels, dashboard); JSON and
the interchange files keep plain machine numbers.

Excel: text from data is always written as text (``write_string``), so a
value such as ``=HYPERLINK(...)`` never becomes a formula; numbers are
written as numbers with their display format.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from painreg.analytics.stats import MIN_PUBLISHED, PRIMARY_MARK, SECONDARY_MARK

__all__ = [
    "INSUFFICIENT",
    "MIN_PUBLISHED",
    "MIN_SOLID",
    "NOT_SHOWN",
    "PRIMARY_MARK",
    "PUBLISHING_NOTE",
    "SECONDARY_MARK",
    "Cell",
    "ExcelBook",
    "Table",
    "chart_svg",
    "count_text",
    "format_interval",
    "format_number",
    "format_percent",
    "jinja_environment",
    "render_template",
    "round_half_up",
]

NBSP = "\u00a0"
MINUS = "\u2212"

# ---------------------------------------------------------------------------
# Publishing rules (DOMAIN.md)

#: Proportions with a denominator under this are greyed and marked INSUFFICIENT.
MIN_SOLID = 10
INSUFFICIENT = "otillräckligt underlag"
#: What a group or proportion that may not be shown reads.
NOT_SHOWN = "–"
PUBLISHING_NOTE = (
    f"Grupper med färre än {MIN_PUBLISHED} patienter i nämnaren visas inte men ingår i "
    f"totalerna. Antal 1–{MIN_PUBLISHED - 1} visas som \u201d{PRIMARY_MARK}\u201d; "
    f"\u201d{SECONDARY_MARK}\u201d är dolt för att skydda små tal. "
    f"Andelar med nämnare {MIN_PUBLISHED}–{MIN_SOLID - 1} är gråmarkerade "
    f"({INSUFFICIENT}). Intervall: 95 % Wilson-konfidensintervall."
)


def count_text(value: int) -> str:
    """A single published count: 1-4 as "<5" (a lone count has no secondary cell).

    >>> count_text(3), count_text(0), count_text(1234)
    ('<5', '0', '1\xa0234')
    """
    return PRIMARY_MARK if 0 < value < MIN_PUBLISHED else format_number(value)


def format_number(value: float | int | None, decimals: int = 0, *, lang: str = "sv") -> str:
    """Format a number for people.

    >>> format_number(1234567.891, 1)
    '1\xa0234\xa0567,9'
    >>> format_number(-0.5, 1)
    '−0,5'
    >>> format_number(1234.5, 1, lang="en")
    '1,234.5'
    >>> format_number(None)
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # Python rounds half to even on exact binary halves; registers round half up.
    rounded = round_half_up(abs(value), decimals)
    text = f"{rounded:,.{decimals}f}"
    negative = value < 0 and rounded != 0
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        return (MINUS if negative else "") + text
    return ("-" if negative else "") + text


def format_percent(value: float | None, decimals: int = 0, *, lang: str = "sv") -> str:
    """Format a share (0..1) as a percentage: ``0.125 -> '12,5 %'`` (sv), ``'12.5%'`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = format_number(value * 100, decimals, lang=lang)
    return f"{number}{NBSP}%" if lang == "sv" else f"{number}%"


def format_interval(
    low: float | None, high: float | None, decimals: int = 0, *, percent: bool = False
) -> str:
    """A confidence interval, the one way every output writes it: "12 till 34"
    (``percent``: shares 0..1 as "12 till 34 %"). Why "till" and not a dash:
    an interval with a negative end ("−13–24") is misread with a dash.

    >>> format_interval(0.12, 0.345, percent=True)
    '12 till 35\xa0%'
    >>> format_interval(-1.25, 2.5, 1)
    '−1,3 till 2,5'
    """
    if low is None or high is None:
        return ""
    if percent:
        return f"{format_number(low * 100, decimals)} till {format_percent(high, decimals)}"
    return f"{format_number(low, decimals)} till {format_number(high, decimals)}"


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round half away from zero at ``decimals`` (10.5 -> 11, 0.125 -> 0.13 at 2).

    Uses the decimal representation of the float's shortest repr, so 2.675 rounds
    to 2.68 as a person reading "2.675" expects.
    """
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    # float() first: numpy scalars repr as "np.float64(...)", which Decimal rejects.
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------------------
# The table model: one for the HTML, the PDF and the Excel files

#: CSS classes of cells that show no plain number (hidden, greyed, missing).
MUTED = frozenset({"suppressed", "insufficient", "not-reported", "no-rate"})
INT_FORMAT = "# ##0"
#: Shares as Swedish readers write them, with a space before the sign ("12 %");
#: Excel shows the decimal sign of the reader's locale.
PERCENT_FORMAT = "0\\ %"
PERCENT_FORMAT_1 = "0.0\\ %"
DECIMAL_FORMAT_1 = "# ##0.0"


@dataclass
class Cell:
    """One rendered table cell: the text people see, the machine value (for
    Excel), a CSS class (e.g. ``suppressed``) and the Excel number format."""

    text: str
    value: float | int | None = None
    css: str = ""
    number_format: str = "0"

    @property
    def is_number(self) -> bool:
        """Written to Excel as a number: it has a value and shows it plainly."""
        return (
            isinstance(self.value, int | float)
            and not isinstance(self.value, bool)
            and self.css not in MUTED
        )


@dataclass
class Table:
    """A table ready for HTML, PDF and Excel: rows of :class:`Cell`.

    ``grey`` marks rows whose proportion rests on too few patients (shown
    greyed, DOMAIN.md); ``key`` names the table in a page or a sheet.
    """

    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    grey: list[bool] = field(default_factory=list)
    note: str = ""
    key: str = ""

    @classmethod
    def of_values(
        cls,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        kinds: Sequence[str] | None = None,
        grey: Sequence[bool] | None = None,
        note: str = "",
    ) -> Table:
        """A table of plain values; ``kinds`` per column: "text", "int", "dec" (one
        decimal) or "pct" (a share 0..1). An int or a float in such a column becomes a number
        cell; anything else, text (None: an empty cell)."""
        kinds = list(kinds or ["text"] * len(columns))
        return cls(
            title,
            list(columns),
            [[_value_cell(v, kind) for v, kind in zip(row, kinds, strict=True)] for row in rows],
            list(grey or []),
            note,
        )


def _value_cell(value: Any, kind: str) -> Cell:
    if value is None:
        return Cell("")
    if kind == "pct" and isinstance(value, float):
        return Cell(format_percent(value), value, number_format=PERCENT_FORMAT)
    if kind == "int" and isinstance(value, int):
        return Cell(format_number(value), value, number_format=INT_FORMAT)
    if kind == "dec" and isinstance(value, int | float):
        return Cell(format_number(value, 1), value, number_format=DECIMAL_FORMAT_1)
    return Cell(str(value))


# ---------------------------------------------------------------------------
# HTML: one Jinja2 environment

TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def jinja_environment(*, trim_blocks: bool = False) -> Any:
    """The environment of every report template (``templates/<report>/<name>``):
    HTML autoescaped, numbers through this module's filters, the publishing
    threshold and marks as globals. ``trim_blocks`` (with ``lstrip_blocks``)
    is the whitespace style a template set was written for."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
    )
    env.filters["number"] = lambda v, d=0: format_number(v, d)
    env.filters["percent"] = lambda v, d=0: format_percent(v, d)
    # A count under the primary rule: 1-4 shown as the mark.
    env.filters["count_cell"] = count_text
    # Our own charts (vl-convert's SVG), never text from data.
    env.filters["safe_svg"] = markupsafe.Markup
    env.globals.update(
        MIN_PUBLISHED=MIN_PUBLISHED, PRIMARY_MARK=PRIMARY_MARK, INSUFFICIENT=INSUFFICIENT
    )
    return env


def render_template(name: str, *, trim_blocks: bool = False, **context: Any) -> str:
    """Render ``templates/<name>`` (e.g. ``annual/report.html``) with ``context``."""
    return jinja_environment(trim_blocks=trim_blocks).get_template(name).render(**context)


# ---------------------------------------------------------------------------
# Charts: one helper

SV_LOCALE = "sv-SE"


def chart_svg(chart: Any, *, locale: str | None = SV_LOCALE) -> str:
    """An Altair chart as SVG text, rendered by vl-convert (no browser), numbers
    in ``locale`` (Swedish by default; None: Vega's default)."""
    import vl_convert

    if locale is None:
        return vl_convert.vegalite_to_svg(chart.to_json())
    return vl_convert.vegalite_to_svg(chart.to_json(), format_locale=locale)


# ---------------------------------------------------------------------------
# Excel: one writer

GREY = "#999999"


class ExcelBook:
    """An in-memory XlsxWriter workbook that writes :class:`Table` s.

    Every cell goes through :meth:`write_cell`: a number cell as a number in
    its format, everything else as a string (never ``write()``, which would
    turn text beginning with "=" into a formula).
    """

    def __init__(self) -> None:
        import xlsxwriter

        self._buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self._buffer, {"in_memory": True})
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}

    def format(self, **properties: Any) -> Any:
        """The workbook format of ``properties``, created once."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(properties)
        return self._formats[key]

    def text(self, sheet: Any, row: int, col: int, text: str, style: str = "") -> None:
        """Text of ours (titles, notes): "title", "bold", "note" or plain."""
        styles = {
            "title": {"bold": True, "font_size": 13},
            "bold": {"bold": True},
            "note": {"italic": True, "font_color": "#666666"},
        }
        if text:
            sheet.write_string(row, col, text, self.format(**styles[style]) if style else None)

    def write_cell(self, sheet: Any, row: int, col: int, cell: Cell, *, grey: bool = False) -> None:
        """One cell: a number as a number, anything else as text."""
        colour = {"font_color": GREY} if grey or cell.css in MUTED else {}
        if cell.is_number:
            sheet.write_number(
                row, col, cell.value, self.format(num_format=cell.number_format, **colour)
            )
        elif cell.text == "":
            sheet.write_blank(row, col, None)
        else:
            sheet.write_string(row, col, cell.text, self.format(**colour) if colour else None)

    def table_sheet(self, table: Table, sheet_name: str, *, note: str = PUBLISHING_NOTE) -> Any:
        """One worksheet holding ``table`` as a formatted Excel table (filter
        buttons, banded rows): its title, the table, its note and ``note``."""
        sheet = self.book.add_worksheet(sheet_name[:31])
        self.text(sheet, 0, 0, table.title, "title")
        first = 2
        for i, cells in enumerate(table.rows):
            grey = bool(table.grey and table.grey[i])
            for j, cell in enumerate(cells):
                self.write_cell(sheet, first + 1 + i, j, cell, grey=grey)
        last = first + max(len(table.rows), 1)
        sheet.add_table(
            first,
            0,
            last,
            len(table.columns) - 1,
            {"columns": [{"header": c} for c in table.columns], "style": "Table Style Light 9"},
        )
        notes = [n for n in (table.note, note) if n]
        for k, text in enumerate(notes):
            self.text(sheet, last + 2 + k, 0, text, "note")
        # The header row and the first column stay in view while scrolling.
        sheet.freeze_panes(first + 1, 1)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, len(table.columns) - 1, 14)
        return sheet

    def stacked_sheet(
        self, sheet_name: str, heading: Sequence[str], tables: Sequence[Table], note: str
    ) -> Any:
        """One worksheet of several tables one under the other: ``heading``
        lines, then each table's title, header, rows and note, then ``note``."""
        sheet = self.book.add_worksheet(sheet_name[:31])
        for row, line in enumerate(heading):
            self.text(sheet, row, 0, line, "bold" if row == 0 else "")
        row = len(heading) + 1
        for table in tables:
            self.text(sheet, row, 0, table.title, "bold")
            row += 1
            for j, column in enumerate(table.columns):
                self.text(sheet, row, j, column, "bold")
            row += 1
            for i, cells in enumerate(table.rows):
                grey = bool(table.grey and table.grey[i])
                for j, cell in enumerate(cells):
                    self.write_cell(sheet, row, j, cell, grey=grey)
                row += 1
            if table.note:
                self.text(sheet, row, 0, table.note, "note")
                row += 1
            row += 1
        self.text(sheet, row, 0, note, "note")
        sheet.set_column(0, 0, 55)
        sheet.set_column(1, 12, 18)
        return sheet

    def close(self) -> bytes:
        """Finish the workbook; its bytes."""
        self.book.close()
        return self._buffer.getvalue()
