"""Test-wide options: slow tests run only with PAINREG_SLOW=1 (``make test-all``)."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PAINREG_SLOW") == "1":
        return
    skip_slow = pytest.mark.skip(reason="slow: run with PAINREG_SLOW=1 (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
