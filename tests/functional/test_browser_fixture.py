"""The browser fixture's teardown (conftest.py): what the ORM opened meanwhile is closed."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import close_connections_opened_in_the_loop, open_connections

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_transaction_left_open_while_playwright_ran_does_not_lock_the_next_write(
    django_user_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite's shared-cache in-memory test database, the second connection's open
    transaction holds a table lock: without the teardown, the write after it fails with
    "database table is locked", as the next functional test's setup did."""
    from django.db import transaction
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ours = open_connections()
    with sync_playwright():
        django_user_model.objects.create_user("in-the-loop")
        transaction.atomic().__enter__()  # never left: the teardown must release it
        assert django_user_model.objects.count() == 1
        close_connections_opened_in_the_loop(ours)
    django_user_model.objects.create_user("after-the-loop")
    assert django_user_model.objects.count() == 2
