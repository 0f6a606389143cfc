"""The cast of the integration tests, ``world``: users of different units (the healthchecks habit).

One fixture for every module that needs users and units; what a
module needs beyond it (a registration, an invitation, an imported register)
is a fixture of its own built on the cast.

=======  ==================================================================
unit_a   ``A``, Smärtrehab A: specialist care, Stockholm (region ``01``)
unit_b   ``B``, Vårdcentral B: primary care, Västra Götaland (region ``14``)
alice    registrar at unit A
bob      registrar at unit B
charlie  unit manager at unit A
diana    regional analyst of Stockholm (``01``)
erik     national coordinator
fiona    regional analyst of Västra Götaland (``14``)
=======  ==================================================================

Everyone's password is :data:`PASSWORD`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at its production work factor costs a noticeable time per user; tests need
    no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(django_user_model: Any) -> SimpleNamespace:
    """Units A and B and the six users of the table above."""
    from painreg.registry import actions
    from painreg.registry.models import Region

    unit_a = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    unit_b = actions.create_unit(
        user=None, code="B", name="Vårdcentral B", region="14", care_level="primary"
    )
    users = {
        name: django_user_model.objects.create_user(name, password=PASSWORD)
        for name in ("alice", "bob", "charlie", "diana", "erik", "fiona")
    }
    actions.add_membership(user=None, member=users["alice"], role="registrar", unit=unit_a)
    actions.add_membership(user=None, member=users["bob"], role="registrar", unit=unit_b)
    actions.add_membership(user=None, member=users["charlie"], role="unit_manager", unit=unit_a)
    for name, region in (("diana", "01"), ("fiona", "14")):
        actions.add_membership(
            user=None,
            member=users[name],
            role="regional_analyst",
            region=Region.objects.get(code=region),
        )
    actions.add_membership(user=None, member=users["erik"], role="national_coordinator")
    return SimpleNamespace(unit_a=unit_a, unit_b=unit_b, **users)
