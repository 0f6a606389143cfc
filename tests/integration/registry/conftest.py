"""Users of different units (the healthchecks habit) and a registration to work on.

alice: registrar at unit A (specialist, Stockholm); bob: registrar at unit B
(primary, Västra Götaland); charlie: unit manager at unit A; diana: regional
analyst of Stockholm; erik: national coordinator.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def world(django_user_model: Any) -> SimpleNamespace:
    from painreg.registry import actions

    unit_a = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    unit_b = actions.create_unit(
        user=None, code="B", name="Vårdcentral B", region="14", care_level="primary"
    )
    users = {}
    for name in ("alice", "bob", "charlie", "diana", "erik"):
        users[name] = django_user_model.objects.create_user(name, password=PASSWORD)
    actions.add_membership(user=None, member=users["alice"], role="registrar", unit=unit_a)
    actions.add_membership(user=None, member=users["bob"], role="registrar", unit=unit_b)
    actions.add_membership(user=None, member=users["charlie"], role="unit_manager", unit=unit_a)
    from painreg.registry.models import Region

    actions.add_membership(
        user=None,
        member=users["diana"],
        role="regional_analyst",
        region=Region.objects.get(code="01"),
    )
    actions.add_membership(user=None, member=users["erik"], role="national_coordinator")
    return SimpleNamespace(unit_a=unit_a, unit_b=unit_b, **users)


REHAB = {
    "category": "rehab",
    "referral_date": dt.date(2025, 1, 2),
    "first_visit_date": dt.date(2025, 1, 20),
    "rehab_start_date": dt.date(2025, 2, 3),
    "rehab_end_date": dt.date(2025, 4, 25),
    "main_diagnosis": "M79.7",
}


@pytest.fixture
def registration(world: SimpleNamespace) -> Any:
    from painreg.registry import actions

    return actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
    )


HADS_ALL_ONES = {f"hads_{i}": 1 for i in range(1, 15)}


def mark_rest_not_administered(user: Any, occasion: Any, reason: str = "ej aktuellt") -> None:
    """Mark every instrument of the occasion's form that has no answers as not
    administered (sign-off needs the whole form answered or marked)."""
    from painreg import instruments
    from painreg.registry import actions, validation

    answered = set(occasion.answers.values_list("item", flat=True))
    for instrument_id in validation.occasion_form(occasion):
        if not answered & set(instruments.get_instrument(instrument_id).item_ids):
            actions.set_not_administered(
                user=user, occasion=occasion, instrument=instrument_id, reason=reason
            )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at the production work factor is slow by design; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
