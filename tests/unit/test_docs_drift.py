"""Every generated reference in docs/ matches what the code renders now."""

from __future__ import annotations

import pytest

from painreg.cli.docgen import FIGURES, GENERATED, ROOT, renderer


@pytest.mark.parametrize("rel", sorted(GENERATED))
def test_generated_reference_is_up_to_date(rel: str) -> None:
    committed = (ROOT / rel).read_text(encoding="utf-8")
    assert committed == renderer(GENERATED[rel])(), f"{rel} is stale: run `make docs`"


@pytest.mark.parametrize("rel", FIGURES)
def test_every_docs_figure_is_there_and_shown(rel: str) -> None:
    """The figures are drawn by `make docs`; their bytes depend on the installed fonts, so
    this checks that each is an SVG and that a page of docs/ shows it."""
    assert (ROOT / rel).read_text(encoding="utf-8").lstrip().startswith("<svg")
    name = rel.removeprefix("docs/")
    assert any(name in page.read_text(encoding="utf-8") for page in (ROOT / "docs").glob("*.md"))
