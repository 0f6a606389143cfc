"""Test-wide options: slow tests run only with PAINREG_SLOW=1 (``make test-all``);
``never`` marks what an engine cannot do (ibis's habit).

A test compared across engines names the engine it runs on in its ``engine``
parameter (``duckdb``, ``pyspark``), or, for a database test, it runs on the
configured database (``sqlite``, ``postgresql``). ``@pytest.mark.never(["sqlite"],
reason="...")`` skips it on the engines listed, with the reason in the report,
instead of a skip or an ``if`` inside the test.

``synthetic_register`` gives the synthetic registers, each generated once per
test run and shared by every test that asks for the same one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: Django's database backends by the engine names the ``never`` marker uses.
_DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}


def _engine_of(item: pytest.Item) -> str | None:
    """The engine ``item`` runs on: its ``engine`` parameter, else the test database's."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "engine" in callspec.params:
        return str(callspec.params["engine"])
    if item.get_closest_marker("django_db") is not None:
        from django.conf import settings

        return _DATABASE_ENGINES[settings.DATABASES["default"]["ENGINE"]]
    return None


def _skip_where_never(item: pytest.Item) -> None:
    for mark in item.iter_markers("never"):
        engine = _engine_of(item)
        reason = mark.kwargs.get("reason")
        if engine is None or not reason or len(mark.args) != 1:
            raise pytest.UsageError(
                f"{item.nodeid}: never(engines, reason=...) needs a reason and a test that "
                "runs on an engine (an engine parameter, or the database)"
            )
        if engine in mark.args[0]:
            item.add_marker(pytest.mark.skip(reason=f"never on {engine}: {reason}"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        _skip_where_never(item)
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


@pytest.fixture(scope="session")
def synthetic_register(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``synthetic_register(scale, years, format)``: the directory of the synthetic register
    (:func:`painreg.synth.registry.generate`, default seed) of that scale, (first, last)
    years and format (``csv`` or ``parquet``), generated on first use and shared.

    Tests only read it; a test that changes files works on a copy. (Loading it with
    :func:`painreg.analytics.load.load_register` may add its scores cache, which is
    read back only while it matches the answers.)
    """
    from painreg.synth.registry import generate

    built: dict[tuple[float, tuple[int, int], str], Path] = {}

    def register(scale: float, years: tuple[int, int], format: str = "csv") -> Path:
        key = (scale, years, format)
        if key not in built:
            directory = tmp_path_factory.mktemp(f"register-{scale}-{years[0]}-{years[1]}-{format}")
            generate(directory, scale=scale, years=years, format=format)
            built[key] = directory
        return built[key]

    return register
