"""Rendering pieces shared by the reports: proportions under the publishing rules,
suppressed count tables, the charts (Altair specifications).

Decisions (DOMAIN.md, "Publishing rules"), in one place so every report applies
them alike:

- A proportion is shown only for a denominator of 5 or more; below 10 it is
  greyed and marked "otillräckligt underlag". Every shown proportion carries
  its 95% Wilson interval (:func:`painreg.analytics.stats.wilson_interval`).
- Count tables go through :func:`painreg.analytics.stats.suppress_counts`
  (primary "<5", secondary "x").
- The threshold, marks, numbers, table model, SVG conversion and Excel writer
  are :mod:`painreg.reports.publishing`'s; charts use Vega's sv-SE locale
  (decimal comma) and Swedish labels.

This module renders; it computes nothing the analytics core could.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from painreg.analytics.stats import SuppressedTable, suppress_counts, wilson_interval
from painreg.reports.publishing import (
    INSUFFICIENT,
    INT_FORMAT,
    MIN_PUBLISHED,
    MIN_SOLID,
    NOT_SHOWN,
    PUBLISHING_NOTE,
    Cell,
    chart_svg,
    count_text,
    format_interval,
    format_number,
    format_percent,
)

__all__ = [
    "INSUFFICIENT",
    "NOT_SHOWN",
    "PUBLISHING_NOTE",
    "Share",
    "bar_chart",
    "chart_svg",
    "count_text",
    "funnel_chart",
    "share",
    "stacked_share_chart",
    "suppressed_cells",
    "suppressed_table",
]


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
        if not self.shown:
            return ""
        return format_interval(self.low, self.high, decimals, percent=True)


def share(numerator: int, denominator: int) -> Share:
    """A proportion with its Wilson interval and its publishing status."""
    if denominator < MIN_PUBLISHED:
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

    Returns ``{"columns": [...], "rows": [[label, cell, ...], ...]}`` of
    :class:`Cell` (a shown count carries its value; a hidden one reads "<5"
    or "x"), the last row and column being the totals: the keyword
    arguments of a :class:`painreg.reports.publishing.Table`.
    """
    labels = [*row_labels, total_label]
    rows = [
        [Cell(label), *cells]
        for label, cells in zip(labels, suppressed_cells(suppress_counts(counts)), strict=True)
    ]
    if len(row_labels) == 1:  # one row: its column totals would only repeat it
        rows = rows[:1]
    return {"columns": ["", *column_labels, total_label], "rows": rows}


def suppressed_cells(table: SuppressedTable) -> list[list[Cell]]:
    """The cells of a suppressed table with its totals: a shown count carries
    its value, a hidden one reads its mark ("<5" or "x") and has none."""
    display = table.display(lambda v: format_number(v))
    return [
        [
            Cell(text, int(table.counts[i, j]), number_format=INT_FORMAT)
            if not table.hidden[i, j]
            else Cell(text, css="suppressed")
            for j, text in enumerate(cells)
        ]
        for i, cells in enumerate(display)
    ]


# ---------------------------------------------------------------------------
# Charts


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
    ns = np.unique(np.linspace(MIN_PUBLISHED, max_n * 1.05, 120).astype(int))
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
        enc = {"x": value, "y": alt.Y(f"{x}:N", title=None, sort=None, axis=alt.Axis(labelLimit=0))}
    else:
        enc = {
            "x": alt.X(f"{x}:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
            "y": alt.Y(f"{y}:Q", title=None, axis=value_axis),
        }
    if color:
        enc["color"] = alt.Color(
            f"{color}:N", title=None, sort=None, legend=alt.Legend(labelLimit=0)
        )
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
            # labelLimit 0: a long unit or measure name is shown whole, never cut.
            y=alt.Y("grupp:N", title=None, sort=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "kategori:N",
                sort=list(category_order),
                title=None,
                scale=alt.Scale(range=["#1e8449", "#82e0aa", "#f5b041", "#c0392b"]),
                legend=alt.Legend(labelLimit=0),
            ),
            order=alt.Order("ordning:Q"),
        )
        .properties(title=title, width=460, height=height)
    )
