"""A request the database dropped is answered 503 with Retry-After, never a traceback."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path


def _database_went_away(request):  # type: ignore[no-untyped-def]
    raise OperationalError("terminating connection due to administrator command")


def _bug(request):  # type: ignore[no-untyped-def]
    raise ValueError("a programming error")


urlpatterns = [path("gone/", _database_went_away), path("bug/", _bug)]
handler500 = "painreg.views.server_error"


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_lost_database_connection_is_a_503_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    monkeypatch.setattr(connection, "is_usable", lambda: False)  # terminated by the server
    response = client.get("/gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    text = response.content.decode()
    assert "Försök igen om en stund" in text
    assert "administrator command" not in text and "Traceback" not in text


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_any_other_error_is_a_plain_500_that_shows_nothing_of_it(client: Client) -> None:
    response = client.get("/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "programming error" not in response.content.decode()


def test_the_project_answers_errors_with_that_view() -> None:
    from painreg import urls

    assert urls.handler500 == "painreg.views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_database_error_on_a_working_connection_is_a_500_not_a_retry(client: Client) -> None:
    """A missing table or a broken query is a fault to fix: asking to retry would loop."""
    response = client.get("/gone/")  # the test database's connection still answers
    assert response.status_code == 500
    assert "Retry-After" not in response
