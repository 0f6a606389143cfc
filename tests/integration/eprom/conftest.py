"""Units, staff of two units and an invited rehab registration (the healthchecks habit).

alice: registrar at unit A (specialist); bob: registrar at unit B (primary).
The patient 19121212-1212 (born 1912-12-12) has a rehab registration at A.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

PERSONNUMMER = "19121212-1212"
BIRTH_DATE = "1912-12-12"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(django_user_model: Any) -> SimpleNamespace:
    from painreg.registry import actions

    unit_a = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    unit_b = actions.create_unit(
        user=None, code="B", name="Vårdcentral B", region="14", care_level="primary"
    )
    alice = django_user_model.objects.create_user("alice", password="x")
    bob = django_user_model.objects.create_user("bob", password="x")
    actions.add_membership(user=None, member=alice, role="registrar", unit=unit_a)
    actions.add_membership(user=None, member=bob, role="registrar", unit=unit_b)
    today = dt.date.today()
    registration = actions.create_registration(
        user=alice,
        unit=unit_a,
        personnummer=PERSONNUMMER,
        category="rehab",
        first_visit_date=today - dt.timedelta(days=5),
        rehab_start_date=today - dt.timedelta(days=2),
        main_diagnosis="M79.7",
    )
    return SimpleNamespace(
        unit_a=unit_a, unit_b=unit_b, alice=alice, bob=bob, registration=registration
    )


@pytest.fixture
def invitation(world: SimpleNamespace) -> SimpleNamespace:
    from painreg.eprom import actions

    occasion = world.registration.occasions.get(kind="initial")
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
