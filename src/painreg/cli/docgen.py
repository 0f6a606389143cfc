"""Generated references: one table of (file, renderer), one command to write them.

Each reference is rendered from code (the datasette/cog habit): the CLI from
the argument parser, the instrument catalogue from the definitions, the
indicator definitions from the indicator registry. ``python -m painreg.cli.docgen``
(``make docs``) rewrites them; ``tests/unit/test_docs_drift.py`` fails when a
committed file differs from what the code renders.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

from painreg.outputs import write_output

ROOT = Path(__file__).resolve().parents[3]

#: Relative path of the generated file -> "module:function" returning its text.
GENERATED: dict[str, str] = {
    "docs/indicators.md": "painreg.analytics.reference:render_indicator_reference",
    "docs/cli.md": "painreg.cli.docgen:render_cli_reference",
    "docs/instruments.md": "painreg.instruments.catalogue:render_markdown",
    "docs/interchange.md": "painreg.tidy.reference:render_markdown",
    "docs/api-reference.md": "painreg.api.reference:render_markdown",
    "docs/quality-rules.md": "painreg.analytics.quality:render_rule_reference",
}


#: The docs' figures (SVG), drawn from the shipped example data and a small synthetic
#: extract by the same code as the reports. Not compared byte for byte: the text
#: widths in an SVG depend on the fonts installed where it is drawn.
FIGURES = (
    "docs/figures/contacts-health-centres.svg",
    "docs/figures/contacts-run-chart.svg",
    "docs/figures/regional-mmr-series.svg",
)


def render_figures() -> dict[str, str]:
    """``{path: svg}`` of :data:`FIGURES`."""
    import datetime as dt
    import tempfile

    from painreg.contacts.analysis import analyze
    from painreg.contacts.measures import Period
    from painreg.regional.inputs import load_treatment_data
    from painreg.regional.tables import build_tables
    from painreg.reports.contacts_care import charts
    from painreg.reports.regional_report import series_charts
    from painreg.synth.contacts import generate

    with tempfile.TemporaryDirectory() as tmp:
        extract = Path(tmp) / "contacts.parquet"
        generate(extract, patients=30_000, years=(2023, 2023), seed=3, units=4, cohort_share=0.03)
        result = analyze(
            [extract],
            prefixes=("R522",),
            period=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
            by_unit=True,
            monthly=True,
        )
    drawn = {c["title"]: c["svg"] for c in charts(result)}
    units = next(svg for title, svg in drawn.items() if "per vårdcentral" in title)
    run = next(svg for title, svg in drawn.items() if "Fler än en profession" in title)
    example = ROOT / "src/painreg/regional/examples/skr-2020"
    series = series_charts(build_tables(load_treatment_data(example), 2020))["figure3"]
    return dict(zip(FIGURES, (units, run, series), strict=True))


def renderer(spec: str) -> Callable[[], str]:
    module_name, func_name = spec.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def render_cli_reference() -> str:
    """The CLI reference: every subcommand's help, as argparse prints it."""
    from painreg.cli import build_parser

    parser = build_parser()
    lines = [
        "# `painreg` command reference",
        "",
        "Generated from the argument parser by `make docs`; do not edit by hand.",
        "",
        "```text",
        _help(parser, "painreg").rstrip(),
        "```",
        "",
    ]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                lines += _section(f"painreg {name}", sub)
    return "\n".join(lines)


def _section(title: str, parser: argparse.ArgumentParser) -> list[str]:
    lines = [f"## `{title}`", "", "```text", _help(parser, title).rstrip(), "```", ""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                lines += _section(f"{title} {name}", sub)
    return lines


def _help(parser: argparse.ArgumentParser, prog: str) -> str:
    # A fixed width so the text does not depend on the terminal.
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        parser.prog = prog
        return parser.format_help()
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def main() -> None:
    for rel, spec in GENERATED.items():
        write_output(ROOT / rel, renderer(spec)())
        print(f"wrote {rel}")
    for rel, svg in render_figures().items():
        write_output(ROOT / rel, svg)
        print(f"wrote {rel}")


if __name__ == "__main__":
    main()
