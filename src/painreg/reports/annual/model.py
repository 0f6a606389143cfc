"""The annual report's content model (sections, levels, the report) and the
small helpers every part of it uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painreg.reports import render
from painreg.reports.publishing import NOT_SHOWN, PUBLISHING_NOTE, Table, chart_svg


class UnknownUnit(LookupError):
    """The unit asked for is not in the register (message for people)."""


@dataclass
class Section:
    """One heading of the report: its text, charts (SVG) and tables."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def add_bars(self, rows: list[dict[str, Any]], **chart: Any) -> None:
        """A bar chart of ``rows`` (``render.bar_chart``'s options), as SVG."""
        self.charts.append(chart_svg(render.bar_chart(rows, **chart)))


@dataclass
class LevelReport:
    """One care level's sections and its Excel appendix."""

    level: str
    label: str
    sections: list[Section]
    appendix: bytes


@dataclass
class Report:
    """The whole report, as the template renders it."""

    title: str
    subtitle: str
    year: int
    levels: list[LevelReport]
    note: str = PUBLISHING_NOTE
    #: Before the care levels: the summary and the method section.
    front: list[Section] = field(default_factory=list)
    #: The cover's lines under the title (publisher, data cut-off).
    cover: list[str] = field(default_factory=list)


def pct(x: int, n: int) -> str:
    """A share under the publishing rules, or the not-shown mark."""
    s = render.share(x, n)
    return s.text() if s.shown else NOT_SHOWN


def unit_rows(data: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    """``(unit_id, value of key)`` of every unit, in unit order."""
    return [(u, v[key]) for u, v in sorted(data["units"].items())]


def unit_labels(names: dict[str, str]) -> dict[str, str]:
    """How units are named for people: their name; a name two units share gets
    the unit's code after it (so no two rows read alike)."""
    from collections import Counter

    counts = Counter(names.values())
    return {u: (n if counts[n] == 1 else f"{n} ({u})") for u, n in names.items()}


def mean_ci(v: dict[str, Any]) -> tuple[float, float, float]:
    """Mean and 95 % t interval from summable ``n, sum, sum_sq``."""
    import math

    from scipy import stats as sps

    n = v["n"]
    mean = v["sum"] / n
    var = max(v["sum_sq"] - v["sum"] ** 2 / n, 0.0) / (n - 1)
    half = float(sps.t.ppf(0.975, n - 1)) * math.sqrt(var / n)
    return mean, mean - half, mean + half
