"""The demo data loads through the actions and gives every role something to see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from painreg.audit.models import AuditEvent
from painreg.cli import demo
from painreg.registry import access
from painreg.registry.models import Registration, Role, Score, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings: Any) -> list[demo.DemoLogin]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert demo.is_empty()
    return demo.load_demo(today=dt.date(2026, 11, 22))


def test_the_demo_has_both_care_levels_every_role_and_scored_registrations(
    loaded: list[demo.DemoLogin], django_user_model: Any
) -> None:
    assert {u.care_level for u in Unit.objects.all()} == {"primary", "specialist"}
    assert {login.role for login in loaded} == set(Role.values)
    assert Registration.objects.count() == 16
    assert Registration.objects.signed_off().exists()
    assert Registration.objects.filter(signed_off_at=None).exists()
    assert Score.objects.filter(instrument="hads").exists()
    assert AuditEvent.objects.filter(action="registration.create").count() == 16
    assert not demo.is_empty()


def test_demo_users_log_in_with_the_printed_password_and_see_their_units(
    loaded: list[demo.DemoLogin], django_user_model: Any
) -> None:
    registrar = django_user_model.objects.get(username="registrerare")
    assert registrar.check_password(demo.DEMO_PASSWORD)
    assert access.units_for(registrar).count() == 2
    analyst = django_user_model.objects.get(username="analytiker")
    assert access.pseudonymised_registrations(analyst).exists()
    assert access.is_national_coordinator(django_user_model.objects.get(username="koordinator"))


def test_demo_personnummer_are_valid_and_distinct() -> None:
    import random

    from painreg.tidy.personnummer import parse

    numbers = demo.demo_personnummer(random.Random(1), 30)
    assert len({parse(n).digits for n in numbers}) == 30


def test_the_demo_runs_a_validation_round_with_results_to_read(
    loaded: list[demo.DemoLogin], django_user_model: Any
) -> None:
    from painreg.analytics import validation
    from painreg.verification import access as verification_access
    from painreg.verification import results
    from painreg.verification.models import ValidationRound

    round_ = ValidationRound.objects.get()
    assert round_.drawn and round_.samples.exists()
    vera = django_user_model.objects.get(username="validerare")
    assert verification_access.samples_for_validator(vera, round_).count() == round_.samples.count()
    summary = validation.summarise(results.round_checks(round_))
    assert summary.registrations == 1 and summary.overall.checked > 0
    assert summary.overall.errors[validation.NEIGHBOURING] == 1
    assert round_.samples.filter(completed_at=None).exists()  # the rest for the validator
