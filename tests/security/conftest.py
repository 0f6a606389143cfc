"""A cast of staff in two units and an invited patient, for the security tests.

alice: registrar at unit A; bob: registrar at unit B; charlie: unit manager
at A; dora: unit manager at B; erik: national coordinator. The patient
19121212-1212 has a rehab registration at A with an open invitation.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"
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
    users = {
        name: django_user_model.objects.create_user(name, password=PASSWORD)
        for name in ("alice", "bob", "charlie", "dora", "erik")
    }
    actions.add_membership(user=None, member=users["alice"], role="registrar", unit=unit_a)
    actions.add_membership(user=None, member=users["bob"], role="registrar", unit=unit_b)
    actions.add_membership(user=None, member=users["charlie"], role="unit_manager", unit=unit_a)
    actions.add_membership(user=None, member=users["dora"], role="unit_manager", unit=unit_b)
    actions.add_membership(user=None, member=users["erik"], role="national_coordinator")
    return SimpleNamespace(unit_a=unit_a, unit_b=unit_b, **users)


@pytest.fixture
def invitation(world: SimpleNamespace) -> SimpleNamespace:
    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    today = dt.date.today()
    registration = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=today - dt.timedelta(days=5),
        rehab_start_date=today - dt.timedelta(days=2),
        main_diagnosis="M79.7",
    )
    occasion = registration.occasions.get(kind="initial")
    obj, token = eprom_actions.create_invitation(user=world.alice, occasion=occasion)
    return SimpleNamespace(obj=obj, token=token)
