"""A rehab registration in progress at unit A and its invitation, for the cast of
tests/integration/conftest.py.

The patient 19121212-1212 (born 1912-12-12) has the registration; alice entered it.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

PERSONNUMMER = "19121212-1212"
BIRTH_DATE = "1912-12-12"


@pytest.fixture
def registration(world: SimpleNamespace) -> Any:
    """Rehab started two days ago, first visit five days ago: invitations are due."""
    from painreg.registry import actions

    today = dt.date.today()
    return actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer=PERSONNUMMER,
        category="rehab",
        first_visit_date=today - dt.timedelta(days=5),
        rehab_start_date=today - dt.timedelta(days=2),
        main_diagnosis="M79.7",
    )


@pytest.fixture
def invitation(world: SimpleNamespace, registration: Any) -> SimpleNamespace:
    from painreg.eprom import actions

    occasion = registration.occasions.get(kind="initial")
    invitation, token = actions.create_invitation(
        user=world.alice, occasion=occasion, email="patient@example.org"
    )
    return SimpleNamespace(obj=invitation, token=token, occasion=occasion)


def valid_answers(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """A valid answer to each item: its second coded value, or the middle of its range."""
    from painreg import instruments

    out = {}
    for item_id in items:
        item = instruments.find_item(item_id)
        if item.values is not None:
            value = item.values[min(1, len(item.values) - 1)]
        else:
            value = round((item.min + item.max) / 2)
        out[item_id] = str(int(value)) if float(value).is_integer() else str(value)
    return out


def verify(client: Any, token: str, answer: str = BIRTH_DATE) -> Any:
    return client.post(f"/enkat/{token}/", {"identity": answer})


def answer_pages(client: Any, token: str, invitation: Any, upto: int | None = None) -> dict:
    """Answer pages 1..upto (all by default) through the web form; returns what was sent."""
    from painreg.eprom import questionnaire

    sent: dict[str, str] = {}
    pages = questionnaire.pages(invitation.instruments)
    for page in pages[: upto or len(pages)]:
        data = valid_answers(page.items)
        response = client.post(f"/enkat/{token}/sida/{page.number}/", {**data, "move": "next"})
        assert response.status_code == 302, response.content[:2000]
        sent.update(data)
    return sent
