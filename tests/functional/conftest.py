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


def answer_current_page(page: Any) -> None:
    """The second answer of every question; a mid-range number in number fields (from the
    field's hint) on the patient's questionnaire page the browser shows."""
    for fieldset in page.locator("fieldset").all():
        fieldset.locator("label.choice").nth(1).click()
    for field in page.locator("input[inputmode]:not(#identity)").all():
        hint = field.evaluate(
            "e => document.getElementById(e.id.replace('-first','-hint')).textContent"
        )
        numbers = [int(s) for s in hint.replace(".", " ").split() if s.isdigit()]
        field.fill(str((numbers[0] + numbers[-1]) // 2) if numbers else "1")


@pytest.fixture
def answer_page() -> Any:
    """``answer_page(page)``: answers every question of the questionnaire page shown."""
    return answer_current_page


# --- A real OpenID Provider -------------------------------------------------------

#: panva's oidc-provider and its start script (tests/oidc/server.mjs); ``npm ci`` in
#: tests/oidc installs it (``make test`` and .ci/run do).
OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"


class OpenIdProvider:
    """A running OpenID Provider (a node process) and how to register painreg at it."""

    def __init__(self, issuer: str, process: Any, scopes: list[str]) -> None:
        self.issuer = issuer
        self.process = process
        self.scopes = scopes

    def settings_for(self, client_id: str, secret: str, claim: str, acr: list[str]) -> dict:
        """The entry of ``settings.PAINREG_OIDC`` that points painreg at this provider."""
        return {
            "ISSUER": self.issuer,
            "CLIENT_ID": client_id,
            "CLIENT_SECRET": secret,
            "SCOPES": " ".join(self.scopes),
            "ACR": acr,
            "CLAIM": claim,
        }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def openid_provider() -> Iterator[Any]:
    """Start real OpenID Providers: ``start(clients=, accounts=, claims=, acr_values=)``.

    Each is panva's certified ``oidc-provider`` on 127.0.0.1 at a free port
    (the app runs on ``localhost``, so the browser keeps their cookies apart),
    with a plain sign-in form that picks the login name and its assurance
    level. ``claims`` maps a scope to the claims it releases; ``accounts`` maps
    a login name to its claims. Stopped at the end of the test.
    """
    import json
    import shutil
    import subprocess
    import time

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the test OpenID Provider runs on Node.js)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"the test OpenID Provider is not installed: run npm ci --prefix {OIDC_DIR}")
    started: list[Any] = []

    def start(
        *, clients: list[dict], accounts: dict, claims: dict, acr_values: list[str]
    ) -> OpenIdProvider:
        issuer = f"http://127.0.0.1:{_free_port()}"
        config = {
            "issuer": issuer,
            "clients": clients,
            "accounts": accounts,
            "claims": claims,
            "acrValues": acr_values,
        }
        process = subprocess.Popen(
            [node, str(OIDC_DIR / "server.mjs")],
            cwd=OIDC_DIR,
            env={**os.environ, "OP_CONFIG": json.dumps(config)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("ready") or time.monotonic() > deadline:
            pytest.fail(f"the test OpenID Provider did not start: {line!r}")
        return OpenIdProvider(issuer, process, ["openid", *claims])

    try:
        yield start
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=10)


# --- axe-core ------------------------------------------------------------------------

#: Deque's axe-core (tests/functional/package.json); ``npm ci`` in tests/functional
#: installs it (``make test`` and .ci/run do).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

#: The rules checked: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def axe() -> Any:
    """``axe(page, name)``: a screenshot ``test-artifacts/<name>.png`` and zero axe violations.

    axe-core is injected into the page as it is (``page.add_script_tag``) and run
    on the whole document; a violation fails the test with each rule, its help
    text and the elements it found.
    """
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed: run npm ci --prefix {AXE.parent.parent.parent}")

    def check(page: Any, name: str) -> None:
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
                .then(r => r.violations.map(v => ({
                    id: v.id, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))""",
            AXE_TAGS,
        )
        report = "\n".join(
            f"{v['id']} ({v['help']}):\n  " + "\n  ".join(v["nodes"]) for v in violations
        )
        assert violations == [], f"{name} ({page.url}): axe-core found\n{report}"

    return check
