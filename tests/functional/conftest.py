"""Browser fixtures shared by the functional tests (the one place for them).

Playwright drives Debian's chromium (``/usr/bin/chromium``, or
``PAINREG_CHROMIUM``), never a browser it downloads; without that binary the
tests are skipped, saying why. Screenshots go to ``test-artifacts/``
(git-ignored) for review.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PAINREG_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless chromium for one test."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not installed (apt-get install chromium); Playwright never downloads one"
        )
    from playwright.sync_api import sync_playwright

    (Path(__file__).resolve().parents[2] / "test-artifacts").mkdir(exist_ok=True)

    # Playwright's sync API runs an event loop in this thread; the ORM calls a
    # test makes between browser steps are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    test_connections = open_connections()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                yield browser
            finally:
                browser.close()
                close_connections_opened_in_the_loop(test_connections)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def open_connections() -> dict[str, Any]:
    """The database connections of the code running now, by alias."""
    from django.db import connections

    return {c.alias: c for c in connections.all(initialized_only=True)}


def close_connections_opened_in_the_loop(test_connections: dict[str, Any]) -> None:
    """Close the database connections the ORM opened while Playwright's event loop ran.

    While that loop runs in this thread, Django keeps the ORM connections of the
    code a test runs apart from the thread's own (asgiref ``Local``): a second
    connection to the same database. Left open, on PostgreSQL it stops the test
    database from being dropped ("being accessed by other users"); on SQLite's
    shared-cache in-memory test database it keeps table locks that fail the
    next transactional test's flush ("database table is locked"). SQLite's
    ``close()`` keeps an in-memory database's connection open (closing the last
    one would drop the database), so that second connection is closed with the
    base class's ``close()``; the test's own connection (``test_connections``)
    keeps the database alive.
    """
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    for connection in connections.all(initialized_only=True):
        if connection is test_connections.get(connection.alias):
            continue
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            BaseDatabaseWrapper.close(connection)
        else:
            connection.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A desktop-sized Swedish page (staff screens), downloads accepted."""
    context = browser.new_context(
        locale="sv-SE", viewport={"width": 1200, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
