"""The generated indicator reference (docs/indicators.md), from the definitions themselves."""

from __future__ import annotations

from painreg.analytics.analyses import describe_analyses
from painreg.analytics.indicators import INDICATORS, Indicator


def render_indicator_reference() -> str:
    """docs/indicators.md: every indicator's definition, from :data:`INDICATORS`."""
    lines = [
        "# Indicator definitions",
        "",
        "Generated from `painreg.analytics.indicators.INDICATORS` by `make docs`; do not edit",
        "by hand. Counting rules (year attribution, sign-off, discontinuation) are in",
        "DOMAIN.md; every indicator is counted per unit and summed per care level",
        "(the two care levels are never pooled). Filters (sex, age group, education,",
        "diagnosis group, programme) restrict the registrations first.",
        "",
        "| key | indicator | figure (2021 report) | in JSON | care levels |",
        "|---|---|---|---|---|",
    ]
    for i in INDICATORS:
        lines.append(
            f"| `{i.key}` | {i.title_sv} ({i.title_en}) | {i.figures} | "
            f"{'yes' if i.in_json else 'no'} | {', '.join(i.levels)} |"
        )
    lines.append("")
    for i in INDICATORS:
        lines += [
            f"## `{i.key}`: {i.title_sv}",
            "",
            f"*{i.title_en}.* Figure(s) of the 2021 annual report: {i.figures}.",
            "",
            f"- **Numerator:** {i.numerator}",
            f"- **Denominator:** {i.denominator}",
            f"- **Population:** {i.population}",
            f"- **Value per unit:** {_shape(i)}",
            "",
        ]
    lines += ["# Analyses", ""]
    for title, doc in describe_analyses():
        lines += [f"## {title}", "", doc, ""]
    lines += [
        "See `painreg.analytics.analyses` for the definitions (completeness, dropout analysis,",
        "case-mix) and `painreg.analytics.stats` for the statistics and their sources.",
        "",
    ]
    return "\n".join(lines)


def _shape(i: Indicator) -> str:
    if i.kind == "count":
        return "an integer"
    if i.kind == "rate":
        return "`{numerator, denominator}`"
    if i.kind == "coverage":
        return "`{registered, reported_total}` (reported_total null when unknown)"
    if i.kind == "long":
        return "`{code: count}`"
    if i.kind == "sums":
        return "`{n, sum, sum_sq}` of the change or score (mean = sum / n)"
    keys = (["n"] if i.has_total else []) + list(i.categories)
    return "`{" + ", ".join(keys) + "}`"
