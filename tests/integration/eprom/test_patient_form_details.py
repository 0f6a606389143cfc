"""Details of the patient's form on a phone: the number pad, the decimal comma, the error focus."""

from __future__ import annotations

import re

import pytest

from .conftest import valid_answers, verify

pytestmark = pytest.mark.django_db


def _page_of(invitation, item_id: str):
    from painreg.eprom import questionnaire

    return next(p for p in questionnaire.pages(invitation.instruments) if item_id in p.items)


@pytest.mark.parametrize(("language", "shown"), [("sv", "0,5"), ("en", "0.5")])
def test_a_decimal_typed_with_a_comma_is_shown_back_in_the_pages_language(
    client, invitation, language: str, shown: str
) -> None:
    """ "0,5 för ett halvår": typed 0,5, stored 0.5, shown back 0,5 on a Swedish page."""
    client.get(f"/enkat/{invitation.token}/?lang={language}")
    verify(client, invitation.token)
    page = _page_of(invitation.obj, "background_1")
    data = {**valid_answers(page.items), "background_1": "0,5", "move": "next"}
    url = f"/enkat/{invitation.token}/sida/{page.number}/"
    assert client.post(url, data).status_code == 302
    invitation.obj.refresh_from_db()
    assert invitation.obj.draft["background_1"] == 0.5
    html = client.get(url).content.decode()
    field = re.search(r'<input[^>]*name="background_1"[^>]*>', html, re.S).group(0)
    assert f'value="{shown}"' in field


def test_an_unreadable_number_is_shown_back_as_typed(client, invitation) -> None:
    verify(client, invitation.token)
    page = _page_of(invitation.obj, "background_1")
    data = {**valid_answers(page.items), "background_1": "0,5 år", "move": "next"}
    html = client.post(f"/enkat/{invitation.token}/sida/{page.number}/", data).content.decode()
    assert 'value="0,5 år"' in html
    assert 'id="error-summary"' in html  # painreg.js moves the focus there


def test_the_identity_field_opens_the_number_pad(client, invitation) -> None:
    html = client.get(f"/enkat/{invitation.token}/").content.decode()
    field = re.search(r'<input[^>]*id="identity"[^>]*>', html, re.S).group(0)
    assert 'inputmode="numeric"' in field
    assert 'src="/static/painreg/painreg.js"' in html
