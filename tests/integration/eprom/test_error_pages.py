"""A patient who hits a broken link or a fault gets a calm patient page, never the staff's.

The broken-link page (404) and the 500 page speak the patient's language and
carry no staff menu; the staff's 500 page speaks the staff member's language.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from painreg import views
from painreg.eprom import uitext

pytestmark = pytest.mark.django_db

UNKNOWN = "/enkat/" + "A" * 43 + "/"
STAFF_MENU = 'href="/patienter/"'


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(UNKNOWN, id="unknown token"),
        pytest.param(UNKNOWN + "sida/1/", id="unknown token, a page"),
        pytest.param("/enkat/" + "A" * 43, id="cut short (no slash)"),
        pytest.param("/enkat/abc/def/ghi/", id="no such address"),
    ],
)
def test_a_broken_link_gets_the_patient_page_in_swedish(client: Client, path: str) -> None:
    response = client.get(path, follow=True)
    assert response.status_code == 404
    page = response.content.decode()
    sv = uitext.get("sv")
    assert '<html lang="sv"' in page
    assert sv.t("unknown_title") in page and sv.t("unknown_text") in page
    assert STAFF_MENU not in page and "Logga in" not in page
    assert response["Cache-Control"] == "no-store"


def test_a_broken_link_is_in_english_when_the_patient_chose_english(client: Client) -> None:
    client.get(UNKNOWN + "?lang=en")
    page = client.get(UNKNOWN).content.decode()
    assert '<html lang="en"' in page
    assert uitext.get("en").t("unknown_title") in page
    assert uitext.get("sv").t("unknown_title") not in page


def test_a_page_number_beyond_the_form_gets_the_patient_page(client: Client, invitation) -> None:
    from painreg.eprom import questionnaire

    from .conftest import verify

    verify(client, invitation.token)
    pages = len(questionnaire.pages(invitation.obj.instruments))
    response = client.get(f"/enkat/{invitation.token}/sida/{pages + 1}/")
    assert response.status_code == 404
    assert uitext.get("sv").t("unknown_title") in response.content.decode()


def test_the_staff_404_is_unchanged_outside_the_questionnaire(client: Client) -> None:
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert uitext.get("sv").t("unknown_title") not in response.content.decode()


def _server_error(path: str, *, cookies: dict | None = None, session: dict | None = None) -> str:
    request = RequestFactory().get(path)
    request.COOKIES.update(cookies or {})
    request.session = session or {}
    response = views.server_error(request)
    assert response.status_code == 500
    return response.content.decode()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_patient_500_page_speaks_the_patients_language(language: str) -> None:
    from painreg.eprom.views_patient import SESSION_LANGUAGE

    page = _server_error(UNKNOWN, session={SESSION_LANGUAGE: language})
    ui = uitext.get(language)
    assert f'<html lang="{language}"' in page
    assert ui.t("error_title") in page and ui.t("error_text") in page
    assert STAFF_MENU not in page


def test_the_patient_500_page_is_swedish_when_the_session_cannot_be_read() -> None:
    class Broken:
        def get(self, key: str) -> Any:
            raise RuntimeError("the session store is down")

    page = _server_error(UNKNOWN, session=Broken())
    assert uitext.get("sv").t("error_title") in page


@pytest.mark.parametrize(
    ("language", "title"), [("sv", "Något gick fel"), ("en", "Something went wrong")]
)
def test_the_staff_500_page_speaks_the_staff_members_language(
    settings: Any, language: str, title: str
) -> None:
    page = _server_error("/patienter/", cookies={settings.LANGUAGE_COOKIE_NAME: language})
    assert f'<html lang="{language}"' in page
    assert f"<h1>{title}</h1>" in page
