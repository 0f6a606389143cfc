"""The demo shows neutral sample texts with the real response scales, never developer text."""

from __future__ import annotations

import re

import pytest

from painreg import instruments
from painreg.eprom import questionnaire, uitext

from .conftest import verify

pytestmark = pytest.mark.django_db


def _unlicensed_page(invitation):
    return next(
        p
        for p in questionnaire.pages(invitation.instruments)
        if not instruments.has_text(p.items[0], "sv")
    )


@pytest.mark.parametrize(("language", "sample"), [("sv", "exempeltext i demon"), ("en", "sample")])
def test_the_demo_shows_sample_texts_and_the_real_answer_options(
    client, invitation, settings, language: str, sample: str
) -> None:
    settings.DEMO = True
    client.get(f"/enkat/{invitation.token}/?lang={language}")
    verify(client, invitation.token)
    page = _unlicensed_page(invitation.obj)
    html = client.get(f"/enkat/{invitation.token}/sida/{page.number}/").content.decode()
    assert "TEXT NOT LICENSED" not in html and "load-texts" not in html
    shown = re.sub(r"<[^>]+>", " ", html)  # what the patient reads
    assert not any(item_id in shown for item_id in page.items)  # no item id as text
    first = instruments.find_item(page.items[0])
    ids = instruments.get_instrument(first.instrument).item_ids
    number = ids.index(first.id) + 1
    assert uitext.get(language).t("demo_item", number=number, count=len(ids)) in html
    assert sample in html
    assert uitext.get(language).t("demo_note") in html
    if first.values is not None:  # the real scale: one answer per coded value
        assert html.count(f'name="{first.id}"') == len(first.values)


def test_outside_the_demo_nothing_says_demo(client, invitation, settings) -> None:
    settings.DEMO = False
    verify(client, invitation.token)
    page = _unlicensed_page(invitation.obj)
    html = client.get(f"/enkat/{invitation.token}/sida/{page.number}/").content.decode()
    assert "exempeltext i demon" not in html and 'id="demo-note"' not in html
