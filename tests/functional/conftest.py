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
                # While Playwright's event loop runs in this thread, Django keeps
                # the test's own ORM connections apart from the thread's (asgiref
                # Local); close them here, or PostgreSQL refuses to drop the test
                # database ("being accessed by other users") and it is left behind.
                from django.db import connections

                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


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
