"""Writes go through registry.actions: validated, audited in the same transaction,
never half-saved; scores stored with the answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from painreg.audit.models import AuditEvent
from painreg.registry import actions
from painreg.registry.guard import DirectWriteError
from painreg.registry.models import Answer, Patient, Registration, Score

from .conftest import HADS_ALL_ONES, REHAB

pytestmark = pytest.mark.django_db


def test_it_creates_the_patient_with_derived_sex_and_birth_date(registration: Any) -> None:
    patient = registration.patient
    assert patient.personnummer == "191212121212"
    assert patient.sex == "M"
    assert patient.birth_date == dt.date(1912, 12, 12)
    assert patient.birth_year == 1912
    assert [o.kind for o in registration.occasions.all()] == ["initial", "end", "followup_1y"]


def test_it_writes_the_audit_event_and_the_history_row_with_the_user(
    world: Any, registration: Any
) -> None:
    event = AuditEvent.objects.get(action="registration.create")
    assert event.user == world.alice and event.username == "alice"
    assert event.patient == registration.patient and event.unit == world.unit_a
    assert registration.history.get().history_user == world.alice


def test_an_assessment_gets_only_the_initial_occasion(world: Any) -> None:
    reg = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="assessment",
        first_visit_date=dt.date(2025, 1, 20),
    )
    assert [o.kind for o in reg.occasions.all()] == ["initial"]


def test_it_rejects_an_invalid_personnummer_and_an_impossible_date_order_together(
    world: Any,
) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.create_registration(
            user=world.alice,
            unit=world.unit_a,
            personnummer="19121212-1213",
            category="rehab",
            rehab_start_date=dt.date(2025, 3, 1),
            rehab_end_date=dt.date(2025, 2, 1),
            main_diagnosis="M79-7",
        )
    errors = exc.value.message_dict
    assert errors["personnummer"] == [
        "Kontrollsiffran stämmer inte. Kontrollera att numret är rätt inskrivet."
    ]
    assert errors["rehab_end_date"] == [
        "Avslutsdatum för rehabiliteringen kan inte vara före startdatum."
    ]
    assert "ICD-10" in errors["main_diagnosis"][0]
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action="registration.create").exists()


def test_nothing_is_saved_when_the_audit_event_fails(world: Any, monkeypatch: Any) -> None:
    """The audit event is in the same transaction: if it cannot be written, the write is undone."""

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("painreg.audit.record_event", broken)
    with pytest.raises(RuntimeError):
        actions.create_registration(
            user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
        )
    assert not Patient.objects.exists()
    assert not Registration.objects.exists()


def test_it_refuses_a_user_of_another_unit(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_registration(
            user=world.bob, unit=world.unit_a, personnummer="19121212-1212", **REHAB
        )


def test_a_regional_analyst_cannot_enter_data(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_registration(
            user=world.diana, unit=world.unit_a, personnummer="19121212-1212", **REHAB
        )


def test_direct_writes_that_bypass_the_actions_are_refused(registration: Any) -> None:
    with pytest.raises(DirectWriteError):
        Registration.objects.filter(pk=registration.pk).update(main_diagnosis="R52.2")
    with pytest.raises(DirectWriteError):
        registration.save()
    with pytest.raises(DirectWriteError):
        Patient.objects.all().delete()
    with pytest.raises(DirectWriteError):
        Patient.objects.bulk_create([Patient(external_id="x")])


def test_update_records_old_and_new_values(world: Any, registration: Any) -> None:
    actions.update_registration(user=world.alice, registration=registration, main_diagnosis="r52.2")
    registration.refresh_from_db()
    assert registration.main_diagnosis == "R52.2"
    event = AuditEvent.objects.get(action="registration.update")
    assert event.detail["changes"] == {"main_diagnosis": ["M79.7", "R52.2"]}
    latest, previous = registration.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("main_diagnosis", "M79.7", "R52.2")
    ]


def test_saving_answers_stores_their_scores(world: Any, registration: Any) -> None:
    """HADS with every item 1: each subscale sums seven items to 7 (Zigmond & Snaith 1983)."""
    initial = registration.occasions.get(kind="initial")
    warnings = actions.save_answers(
        user=world.alice, occasion=initial, answers=HADS_ALL_ONES, answered_on=dt.date(2025, 1, 20)
    )
    assert warnings == []
    assert Answer.objects.filter(occasion=initial).count() == 14
    scores = dict(Score.objects.filter(occasion=initial).values_list("score", "value"))
    assert scores["anxiety"] == 7.0 and scores["depression"] == 7.0
    initial.refresh_from_db()
    assert initial.status == "answered"


def test_a_partial_form_is_partial_and_its_prorated_score_is_stored(
    world: Any, registration: Any
) -> None:
    """One HADS anxiety item missing: prorated (DOMAIN.md); 6 answered ones -> 6/6*7 = 7."""
    initial = registration.occasions.get(kind="initial")
    answers = dict(HADS_ALL_ONES)
    del answers["hads_1"]
    actions.save_answers(
        user=world.alice, occasion=initial, answers=answers, answered_on=dt.date(2025, 1, 20)
    )
    initial.refresh_from_db()
    assert initial.status == "partial"
    assert initial.scores.get(score="anxiety").value == 7.0


def test_one_invalid_answer_saves_none_of_them(world: Any, registration: Any) -> None:
    initial = registration.occasions.get(kind="initial")
    answers = dict(HADS_ALL_ONES, hads_3=4)
    with pytest.raises(ValidationError) as exc:
        actions.save_answers(
            user=world.alice, occasion=initial, answers=answers, answered_on=dt.date(2025, 1, 20)
        )
    assert "hads_3" in exc.value.message_dict
    assert not Answer.objects.exists()
    assert not Score.objects.exists()
    assert not AuditEvent.objects.filter(action="answers.save").exists()


def test_an_answer_outside_the_occasions_window_is_kept_with_a_warning(
    world: Any, registration: Any
) -> None:
    initial = registration.occasions.get(kind="initial")
    warnings = actions.save_answers(
        user=world.alice, occasion=initial, answers={"hads_1": 2}, answered_on=dt.date(2025, 6, 1)
    )
    assert [w.code for w in warnings] == ["outside_window"]
    assert Answer.objects.get().value == 2.0


def test_removing_an_answer_removes_its_scores(world: Any, registration: Any) -> None:
    initial = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=initial, answers={"wai_1": 8}, answered_on=dt.date(2025, 1, 20)
    )
    assert initial.scores.filter(instrument="wai").exists()
    actions.save_answers(
        user=world.alice,
        occasion=initial,
        answers={"wai_1": None},
        answered_on=dt.date(2025, 1, 20),
    )
    assert not initial.scores.exists()
    initial.refresh_from_db()
    assert initial.status == "not_started"


def test_unit_year_totals_are_the_managers_or_the_coordinators(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.set_unit_year_total(user=world.alice, unit=world.unit_a, year=2025, total=40)
    actions.set_unit_year_total(user=world.charlie, unit=world.unit_a, year=2025, total=40)
    row = actions.set_unit_year_total(user=world.erik, unit=world.unit_a, year=2025, total=42)
    assert row.rehab_patients_total == 42
    event = AuditEvent.objects.filter(action="unit_year_total.set").first()
    assert event.detail == {"year": 2025, "old": 40, "new": 42}


def test_switching_to_assessment_drops_the_empty_later_occasions(
    world: Any, registration: Any
) -> None:
    actions.update_registration(
        user=world.alice,
        registration=registration,
        category="assessment",
        rehab_start_date=None,
        rehab_end_date=None,
    )
    assert [o.kind for o in registration.occasions.all()] == ["initial"]


def test_switching_to_assessment_is_refused_while_a_later_occasion_has_answers(
    world: Any, registration: Any
) -> None:
    end = registration.occasions.get(kind="end")
    actions.save_answers(
        user=world.alice, occasion=end, answers={"wai_1": 5}, answered_on=dt.date(2025, 4, 25)
    )
    with pytest.raises(ValidationError) as exc:
        actions.update_registration(
            user=world.alice,
            registration=registration,
            category="assessment",
            rehab_start_date=None,
            rehab_end_date=None,
        )
    assert "category" in exc.value.message_dict
    registration.refresh_from_db()
    assert registration.category == "rehab"
    assert registration.occasions.count() == 3
