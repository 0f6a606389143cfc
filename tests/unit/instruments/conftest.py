"""Shared helpers for the instrument tests."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _no_holder_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see a developer's loaded text packs or MPI key."""
    monkeypatch.setenv("PAINREG_TEXT_PACK_DIR", str(tmp_path / "textpacks"))
    monkeypatch.delenv("PAINREG_MPI_KEY", raising=False)
