"""Every generated reference in docs/ matches what the code renders now."""

from __future__ import annotations

import pytest

from painreg.cli.docgen import GENERATED, ROOT, renderer


@pytest.mark.parametrize("rel", sorted(GENERATED))
def test_generated_reference_is_up_to_date(rel: str) -> None:
    committed = (ROOT / rel).read_text(encoding="utf-8")
    assert committed == renderer(GENERATED[rel])(), f"{rel} is stale: run `make docs`"
