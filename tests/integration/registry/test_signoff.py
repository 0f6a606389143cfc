"""Sign-off (klarmarkering) of occasions and registrations (DOMAIN.md, registration workflow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from painreg.audit.models import AuditEvent
from painreg.registry import actions

from .conftest import HADS_ALL_ONES, mark_rest_not_administered

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 20)


def _answer_initial(world: Any, registration: Any, answers: dict[str, int] | None = None) -> Any:
    """HADS answered; the rest of the form marked not administered."""
    initial = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=initial, answers=answers or HADS_ALL_ONES, answered_on=DAY
    )
    mark_rest_not_administered(world.alice, initial)
    return initial


def _codes(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e.code for errors in exc.value.error_dict.values() for e in errors}


def test_an_occasion_without_answers_cannot_be_signed_off(world: Any, registration: Any) -> None:
    initial = registration.occasions.get(kind="initial")
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_occasion(user=world.alice, occasion=initial)
    assert _codes(exc) == {"no_answers"}


def test_an_occasion_with_a_missing_required_item_cannot_be_signed_off(
    world: Any, registration: Any
) -> None:
    answers = dict(HADS_ALL_ONES)
    del answers["hads_14"]
    initial = _answer_initial(world, registration, answers)
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_occasion(user=world.alice, occasion=initial)
    assert "hads_14" in exc.value.message_dict["hads"][0]


def test_an_instrument_not_administered_needs_a_reason_and_then_counts_as_done(
    world: Any, registration: Any
) -> None:
    initial = registration.occasions.get(kind="initial")
    with pytest.raises(ValidationError):
        actions.set_not_administered(
            user=world.alice, occasion=initial, instrument="hads", reason=" "
        )
    actions.set_not_administered(
        user=world.alice, occasion=initial, instrument="hads", reason="patienten orkade inte"
    )
    mark_rest_not_administered(world.alice, initial)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    initial.refresh_from_db()
    assert initial.status == "signed_off"


def test_every_instrument_of_the_configured_form_must_be_answered_or_marked(
    world: Any, registration: Any
) -> None:
    """DOMAIN.md: every required item of the occasion's form (specialist care,
    initial: registry/data/forms.yaml) answered, or the instrument marked not
    administered; an instrument of the form with no answers is not skipped."""
    from painreg.registry import form_config

    initial = registration.occasions.get(kind="initial")
    actions.save_answers(user=world.alice, occasion=initial, answers=HADS_ALL_ONES, answered_on=DAY)
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_occasion(user=world.alice, occasion=initial)
    form = form_config.form_instruments("specialist", "initial")
    # MPI has no required items, so nothing of it is required for sign-off.
    assert set(exc.value.message_dict) == set(form) - {"hads", "mpi"}
    assert _codes(exc) == {"not_answered"}
    actions.set_not_administered(
        user=world.alice, occasion=initial, instrument="tsk", reason="tidsbrist"
    )
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_occasion(user=world.alice, occasion=initial)
    assert "tsk" not in exc.value.message_dict
    mark_rest_not_administered(world.alice, initial)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    initial.refresh_from_db()
    assert initial.signed_off


def test_an_instrument_outside_the_form_with_answers_must_be_complete_too(
    world: Any, registration: Any
) -> None:
    """EQ-5D-3L is not in the specialist initial form; once answered in part it
    is checked like the form's instruments."""
    initial = _answer_initial(world, registration)
    actions.save_answers(
        user=world.alice, occasion=initial, answers={"eq5d3l_mo": 1}, answered_on=DAY
    )
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_occasion(user=world.alice, occasion=initial)
    assert set(exc.value.message_dict) == {"eq5d3l"}
    assert _codes(exc) == {"missing_items"}


def test_a_complete_occasion_is_signed_off_and_audited(world: Any, registration: Any) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    initial.refresh_from_db()
    assert initial.signed_off and initial.signed_off_by == world.alice
    assert AuditEvent.objects.filter(action="occasion.sign_off").count() == 1


def test_changing_a_signed_off_occasion_requires_a_reason(world: Any, registration: Any) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    with pytest.raises(ValidationError) as exc:
        actions.save_answers(
            user=world.alice, occasion=initial, answers={"hads_1": 2}, answered_on=DAY
        )
    assert _codes(exc) == {"reason_required"}
    actions.save_answers(
        user=world.alice,
        occasion=initial,
        answers={"hads_1": 2},
        answered_on=DAY,
        reason="felinmatning från pappersformulär",
    )
    answer = initial.answers.get(item="hads_1")
    assert answer.value == 2
    assert answer.history.first().history_change_reason == "felinmatning från pappersformulär"


def test_a_signed_off_occasion_cannot_be_made_incomplete(world: Any, registration: Any) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    with pytest.raises(ValidationError):
        actions.save_answers(
            user=world.alice, occasion=initial, answers={"hads_1": None}, answered_on=DAY,
            reason="ta bort",
        )  # fmt: skip
    assert initial.answers.filter(item="hads_1").exists()


def test_a_registration_lists_every_missing_field_before_sign_off(world: Any) -> None:
    reg = actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", category="rehab"
    )
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_registration(user=world.alice, registration=reg)
    assert set(exc.value.message_dict) == {
        "first_visit_date",
        "main_diagnosis",
        "rehab_start_date",
        "rehab_end_date",
        "__all__",  # initial occasion not signed off
    }
    reg.refresh_from_db()
    assert not reg.signed_off


def test_a_discontinued_rehab_needs_a_reason_to_be_signed_off(
    world: Any, registration: Any
) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    actions.update_registration(user=world.alice, registration=registration, discontinued=True)
    with pytest.raises(ValidationError) as exc:
        actions.sign_off_registration(user=world.alice, registration=registration)
    assert set(exc.value.message_dict) == {"discontinuation_reason"}
    actions.update_registration(
        user=world.alice, registration=registration, discontinuation_reason="own_decision"
    )
    actions.sign_off_registration(user=world.alice, registration=registration)


def test_a_change_after_registration_sign_off_requires_a_reason_and_keeps_the_rules(
    world: Any, registration: Any
) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    actions.sign_off_registration(user=world.alice, registration=registration)
    with pytest.raises(ValidationError) as exc:
        actions.update_registration(
            user=world.alice, registration=registration, main_diagnosis="R52.2"
        )
    assert _codes(exc) == {"reason_required"}
    with pytest.raises(ValidationError):
        actions.update_registration(
            user=world.alice, registration=registration, main_diagnosis="", reason="fel"
        )
    registration.refresh_from_db()
    assert registration.main_diagnosis == "M79.7"
    actions.update_registration(
        user=world.alice, registration=registration, main_diagnosis="R52.2", reason="ny bedömning"
    )
    assert AuditEvent.objects.get(action="registration.update").reason == "ny bedömning"


def test_the_initial_occasion_cannot_be_reopened_under_a_signed_off_registration(
    world: Any, registration: Any
) -> None:
    initial = _answer_initial(world, registration)
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    actions.sign_off_registration(user=world.alice, registration=registration)
    with pytest.raises(ValidationError):
        actions.reopen_occasion(user=world.alice, occasion=initial, reason="fel")
    actions.reopen_registration(user=world.alice, registration=registration, reason="fel")
    actions.reopen_occasion(user=world.alice, occasion=initial, reason="fel")
    initial.refresh_from_db()
    assert initial.status == "answered"
