"""Rendering pieces shared by the reports: proportions under the publishing rules,
suppressed count tables, charts as SVG, Excel tables.

Decisions (DOMAIN.md, "Publishing rules"), in one place so every report applies
them alike:

- A proportion is shown only for a denominator of 5 or more; below 10 it is
  greyed and marked "otillräckligt underlag". Every shown proportion carries
  its 95% Wilson interval (:func:`painreg.analytics.stats.wilson_interval`).
- Count tables go through :func:`painreg.analytics.stats.suppress_counts`
  (primary "<5", secondary "x").
- Numbers and percentages are formatted by :mod:`painreg.reports.publishing`; charts
  use Vega's sv-SE locale (decimal comma) and Swedish labels.

This module renders; it computes nothing the analytics core could.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from painreg.analytics.stats import suppress_counts, wilson_interval
from painreg.reports.publishing import format_number, format_percent

MIN_SHOWN = 5  # denominators below this are not shown
MIN_SOLID = 10  # denominators below this are greyed
INSUFFICIENT = "otillräckligt underlag"
NOT_SHOWN = "–"
PUBLISHING_NOTE = (
    "Grupper med färre än 5 patienter i nämnaren visas inte men ingår i totalerna. "
    "Antal 1–4 visas som \u201d<5\u201d; \u201dx\u201d är dolt för att skydda små tal. "
    "Andelar med nämnare 5–9 är gråmarkerade (otillräckligt underlag). "
    "Intervall: 95 % Wilson-konfidensintervall."
)


@dataclass(frozen=True)
class Share:
    """A proportion as it may be published."""

    numerator: int
    denominator: int
    share: float | None
    low: float | None
    high: float | None
    status: str  # "hidden" | "grey" | "ok"

    @property
    def shown(self) -> bool:
        return self.status != "hidden"

    def text(self, decimals: int = 0) -> str:
        if not self.shown or self.share is None:
            return NOT_SHOWN
        return format_percent(self.share, decimals)

    def interval_text(self, decimals: int = 0) -> str:
        if not self.shown or self.low is None or self.high is None:
            return ""
        low = format_number(self.low * 100, decimals)
        high = format_number(self.high * 100, decimals)
        return f"{low}–{high}"


@dataclass
class Cell:
    """One rendered table cell: the text people see, the machine value (for
    Excel), a CSS class (e.g. ``suppressed``) and the Excel number format."""

    text: str
    value: float | int | None = None
    css: str = ""
    number_format: str = "0"


@dataclass
class RenderedTable:
    """A table ready for HTML and Excel: rows of :class:`Cell`."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


def share(numerator: int, denominator: int) -> Share:
    """A proportion with its Wilson interval and its publishing status."""
    if denominator < MIN_SHOWN:
        return Share(numerator, denominator, None, None, None, "hidden")
    low, high = wilson_interval(numerator, denominator)
    status = "grey" if denominator < MIN_SOLID else "ok"
    return Share(numerator, denominator, numerator / denominator, low, high, status)


def suppressed_table(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    *,
    total_label: str = "Totalt",
) -> dict[str, Any]:
    """A count table with totals, cells suppressed per the publishing rules.

    Returns ``{"columns": [...], "rows": [[label, cell, ...], ...]}`` of text,
    the last row and column being the totals.
    """
    table = suppress_counts(counts)
    display = table.display(lambda v: format_number(v))
    labels = [*row_labels, total_label]
    rows = [[labels[i], *cells] for i, cells in enumerate(display)]
    if len(row_labels) == 1:  # one row: its column totals would only repeat it
        rows = rows[:1]
    return {"columns": ["", *column_labels, total_label], "rows": rows}


def count_text(value: int) -> str:
    """A single published count: 1-4 as "<5" (a lone count has no secondary cell)."""
    return "<5" if 0 < value < MIN_SHOWN else format_number(value)


# ---------------------------------------------------------------------------
# Charts

SV_LOCALE = "sv-SE"


def chart_svg(chart: Any) -> str:
    """An Altair chart as SVG text (vl-convert, Swedish number format)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_json(), format_locale=SV_LOCALE)


def funnel_chart(
    points: Sequence[dict[str, Any]], target: float, title: str, *, highlight: str | None = None
) -> Any:
    """Funnel plot: unit proportions against their denominators, national line,
    95% and 99.8% exact binomial limits (Spiegelhalter 2005)."""
    import altair as alt
    import numpy as np
    import pandas as pd

    from painreg.analytics.stats import funnel_limits

    max_n = max([p["n"] for p in points] + [20])
    ns = np.unique(np.linspace(MIN_SHOWN, max_n * 1.05, 120).astype(int))
    rows = []
    for confidence, label in ((0.95, "95 %"), (0.998, "99,8 %")):
        low, high = funnel_limits(target, ns, confidence)
        for n, lo, hi in zip(ns, low, high, strict=True):
            rows.append({"n": int(n), "gräns": f"{label} nedre", "andel": float(lo)})
            rows.append({"n": int(n), "gräns": f"{label} övre", "andel": float(hi)})
    limits = pd.DataFrame(rows)
    data = pd.DataFrame(
        [
            {
                "enhet": p["label"],
                "n": p["n"],
                "andel": p["share"],
                "markerad": p["label"] == highlight,
            }
            for p in points
        ]
    )
    y = alt.Y("andel:Q", title="Andel", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]))
    lines = (
        alt.Chart(limits)
        .mark_line(strokeDash=[4, 3], color="#888888", strokeWidth=1)
        .encode(x=alt.X("n:Q", title="Antal patienter (nämnare)"), y=y, detail="gräns:N")
    )
    national = (
        alt.Chart(pd.DataFrame({"andel": [target]})).mark_rule(color="#1f4e79").encode(y="andel:Q")
    )
    dots = (
        alt.Chart(data)
        .mark_circle(size=45, opacity=0.85)
        .encode(
            x="n:Q",
            y=y,
            color=alt.condition(alt.datum.markerad, alt.value("#c0392b"), alt.value("#2e86c1")),
            tooltip=["enhet", "n", alt.Tooltip("andel:Q", format=".1%")],
        )
    )
    return (lines + national + dots).properties(title=title, width=460, height=260)


def bar_chart(
    rows: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    percent: bool = True,
    horizontal: bool = False,
) -> Any:
    """A grouped or simple bar chart of shares (or counts) with Swedish labels."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(list(rows))
    value_axis = alt.Axis(format=".0%") if percent else alt.Axis(format="d")
    value = alt.X(f"{y}:Q", title=None, axis=value_axis) if horizontal else None
    if horizontal:
        enc = {"x": value, "y": alt.Y(f"{x}:N", title=None, sort=None)}
    else:
        enc = {
            "x": alt.X(f"{x}:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
            "y": alt.Y(f"{y}:Q", title=None, axis=value_axis),
        }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, sort=None)
        if not horizontal:
            enc["xOffset"] = alt.XOffset(f"{color}:N", sort=None)
    return alt.Chart(data).mark_bar().encode(**enc).properties(title=title, width=460, height=220)


def stacked_share_chart(
    rows: Sequence[dict[str, Any]], *, category_order: Sequence[str], title: str
) -> Any:
    """Horizontal 100% stacked bars (one bar per group) of category shares."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(list(rows))
    data["ordning"] = data["kategori"].map({c: i for i, c in enumerate(category_order)})
    height = max(60, 18 * data["grupp"].nunique())
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("andel:Q", stack="normalize", title=None, axis=alt.Axis(format=".0%")),
            y=alt.Y("grupp:N", title=None, sort=None),
            color=alt.Color(
                "kategori:N",
                sort=list(category_order),
                title=None,
                scale=alt.Scale(range=["#1e8449", "#82e0aa", "#f5b041", "#c0392b"]),
            ),
            order=alt.Order("ordning:Q"),
        )
        .properties(title=title, width=460, height=height)
    )


# ---------------------------------------------------------------------------
# Excel


def excel_formats(book: Any) -> dict[str, Any]:
    """The formats every appendix uses (percent with Swedish display via the workbook locale)."""
    return {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "note": book.add_format({"italic": True, "font_color": "#666666"}),
        "int": book.add_format({"num_format": "# ##0"}),
        "pct": book.add_format({"num_format": "0%"}),
        "grey_pct": book.add_format({"num_format": "0%", "font_color": "#999999"}),
        "grey": book.add_format({"font_color": "#999999"}),
    }


def write_excel_table(
    book: Any,
    sheet_name: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    kinds: Sequence[str] | None = None,
    grey_rows: Sequence[bool] | None = None,
    note: str = PUBLISHING_NOTE,
) -> Any:
    """One worksheet holding a formatted Excel table (filter buttons, banded rows).

    ``kinds`` per column: "text", "int" or "pct" (a share 0..1); None cells
    stay empty, text cells are written as text.
    """
    formats = excel_formats(book)
    sheet = book.add_worksheet(sheet_name[:31])
    sheet.write(0, 0, title, formats["title"])
    kinds = list(kinds or ["text"] * len(columns))
    first = 2
    for i, row in enumerate(rows):
        grey = bool(grey_rows and grey_rows[i])
        for j, value in enumerate(row):
            r = first + 1 + i
            if value is None:
                sheet.write_blank(r, j, None)
            elif kinds[j] == "pct" and isinstance(value, float):
                sheet.write_number(r, j, value, formats["grey_pct" if grey else "pct"])
            elif kinds[j] == "int" and isinstance(value, int):
                sheet.write_number(r, j, value, formats["int"])
            else:
                sheet.write_string(r, j, str(value), formats["grey"] if grey else None)
    sheet.add_table(
        first,
        0,
        first + max(len(rows), 1),
        len(columns) - 1,
        {"columns": [{"header": c} for c in columns], "style": "Table Style Light 9"},
    )
    sheet.write(first + max(len(rows), 1) + 2, 0, note, formats["note"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(columns) - 1, 14)
    return sheet
