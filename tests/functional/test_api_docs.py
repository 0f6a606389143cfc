"""The API's documentation page in a real browser: it renders, and every request it
makes goes to this server (no CDN, no validator badge), under the site's CSP."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_docs_page_renders_from_this_server_only(live_server: Any, browser_page: Any) -> None:
    page = browser_page
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector("text=painreg API")
    page.get_by_text("/api/v1/registrations/{registration_id}", exact=True).first.wait_for()
    page.wait_for_load_state("networkidle")
    outside = [url for url in requests if not url.startswith(live_server.url)]
    assert not outside, outside
    assert any(url.endswith("/api/v1/openapi.json") for url in requests)
    assert not [p for p in problems if "Content Security Policy" in p], problems
