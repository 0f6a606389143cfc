"""Test-wide options: slow tests run only with PAINREG_SLOW=1 (``make test-all``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PAINREG_SLOW") == "1":
        return
    skip_slow = pytest.mark.skip(reason="slow: run with PAINREG_SLOW=1 (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each test run its own PostgreSQL test database (name + process id).

    Several runs may share one server (developers working side by side, CI next
    to a developer); the default name ``test_<db>`` would make them collide.
    """
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"].endswith("postgresql"):
            test = db.setdefault("TEST", {})
            base = test.get("NAME") or f"test_{db['NAME']}"
            test["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A test that switches the language (a patient choosing English, say) must
    not leave it switched for the next test: messages are asserted in Swedish."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _deletions_file_in_tmp(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[None]:
    """Tombstones of deletions on request go to a file of the test's own, never var/."""
    if "django_db" not in request.keywords and "settings" not in request.fixturenames:
        yield
        return
    from django.conf import settings

    old = settings.PAINREG_DELETIONS_FILE
    settings.PAINREG_DELETIONS_FILE = tmp_path_factory.mktemp("deletions") / "deletions.log"
    yield
    settings.PAINREG_DELETIONS_FILE = old
