"""The registry tests' cast of staff in two units, plus an invited patient.

alice: registrar at unit A; bob: registrar at unit B; charlie: unit manager
at A; diana: regional analyst; erik: national coordinator (from
``tests/integration/registry/conftest.py``); here also dora, unit manager at
B. The patient 19121212-1212 has a rehab registration at A with an open
invitation.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ..integration.registry.conftest import PASSWORD, fast_password_hashing, world

__all__ = ["PASSWORD", "dora", "fast_password_hashing", "world"]

BIRTH_DATE = "1912-12-12"


@pytest.fixture
def dora(world: SimpleNamespace) -> Any:
    """Unit manager of B (the other unit's manager), also as ``world.dora``."""
    from django.contrib.auth import get_user_model

    from painreg.registry import actions

    world.dora = get_user_model().objects.create_user("dora", password=PASSWORD)
    actions.add_membership(user=None, member=world.dora, role="unit_manager", unit=world.unit_b)
    return world.dora


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
