"""The casts of the security tests.

From the registry tests: alice, registrar at unit A; bob, registrar at unit B;
charlie, unit manager at A; diana, regional analyst; erik, national
coordinator (``tests/integration/registry/conftest.py``); here also dora, unit
manager at B, and ``invitation``: the patient 19121212-1212 with a rehab
registration at A and an open invitation.

``sec2_world``, for the identifier, output-file, access-log and key-rotation
tests: unit A (Smärtrehab A) with its manager alice (who may also register and
invite), and one patient, 19121212-1212 (born 1912-12-12), with a rehab
registration whose initial occasion holds an answer.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ..integration.conftest import PASSWORD, fast_password_hashing, world

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


PERSONNUMMER = "19121212-1212"


def _register_patient(world: SimpleNamespace, personnummer: str, unit: Any = None) -> Any:
    """A rehab registration of ``personnummer`` at ``unit`` (default: unit A), its
    initial answers saved."""
    from painreg.registry import actions

    today = dt.date.today()
    registration = actions.create_registration(
        user=None if unit else world.alice,
        unit=unit or world.unit,
        personnummer=personnummer,
        category="rehab",
        first_visit_date=today - dt.timedelta(days=60),
        rehab_start_date=today - dt.timedelta(days=50),
        main_diagnosis="M79.7",
    )
    actions.save_answers(
        user=None,
        occasion=registration.occasions.get(kind="initial"),
        answers={"hads_1": 1},
        answered_on=today - dt.timedelta(days=60),
    )
    return registration


@pytest.fixture
def sec2_world(django_user_model: Any, settings: Any) -> SimpleNamespace:
    from painreg.registry import actions

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = SimpleNamespace()
    world.unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    world.alice = django_user_model.objects.create_user("alice", password="x")
    actions.add_membership(user=None, member=world.alice, role="unit_manager", unit=world.unit)
    world.registration = _register_patient(world, PERSONNUMMER)
    world.register_patient = lambda number, unit=None: _register_patient(world, number, unit)
    return world


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Write ``value`` into one cell (data rows from 1) of an interchange CSV file."""
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[row - 1][column] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
