"""Signed-off registrations at units A and B for validation rounds (on the cast of
tests/integration/conftest.py), and a validator, Vera, at unit A."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"  # the cast's (tests/integration/conftest.py)

#: Personnummer of the patients at unit A (valid check digits) and unit B.
A_PATIENTS = ("19121212-1212", "19900101-0017", "19800202-0009", "19700303-0009", "19600404-0009")
B_PATIENTS = ("19500505-0009", "19400606-0000")


def signed_off_registration(
    unit: Any, personnummer: str, *, answers: dict[str, int] | None = None, **values: Any
) -> Any:
    """A signed-off rehab registration (first visit 2025) with staff answers at the initial
    occasion. The sign-off is set directly: the tests here are about validation."""
    from django.utils import timezone

    from painreg.registry import actions
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Registration

    fields = {
        "category": "rehab",
        "referral_date": dt.date(2025, 1, 2),
        "first_visit_date": dt.date(2025, 1, 20),
        "rehab_start_date": dt.date(2025, 2, 3),
        "rehab_end_date": dt.date(2025, 4, 25),
        "main_diagnosis": "M79.7",
        "work_measures": ["rehab_plan"],
        **values,
    }
    reg = actions.create_registration(user=None, unit=unit, personnummer=personnummer, **fields)
    if answers:
        actions.save_answers(
            user=None,
            occasion=reg.occasions.get(kind="initial"),
            answers=answers,
            answered_on=fields["first_visit_date"],
        )
    with writes_allowed():
        Registration.objects.filter(pk=reg.pk).update(signed_off_at=timezone.now())
    reg.refresh_from_db()
    return reg


@pytest.fixture
def validation_world(world: SimpleNamespace, django_user_model: Any) -> SimpleNamespace:
    regs_a = [signed_off_registration(world.unit_a, p, answers={"hads_1": 2}) for p in A_PATIENTS]
    regs_b = [signed_off_registration(world.unit_b, p) for p in B_PATIENTS]
    vera = django_user_model.objects.create_user("vera", password=PASSWORD)
    return SimpleNamespace(**vars(world), regs_a=regs_a, regs_b=regs_b, vera=vera)


@pytest.fixture
def make_round(validation_world: SimpleNamespace) -> Any:
    """A function creating a round of units A and B (as Erik, the coordinator)."""
    return lambda **overrides: _round(validation_world, **overrides)


def _round(world: SimpleNamespace, **overrides: Any) -> Any:
    from painreg.verification import actions

    values = {
        "name": "Validering 2025",
        "year_from": 2025,
        "year_to": 2025,
        "units": [world.unit_a, world.unit_b],
        "sample_size": 3,
        "groups": ["dates", "category", "main_diagnosis", "discontinuation", "work_measures"],
        "items": ["hads_1"],
        "seed": 2021,
        **overrides,
    }
    return actions.create_round(user=world.erik, **values)
