"""Opt-out takes a patient out of every output; deletion on request removes the
identifying data, the answers and their history, and is itself audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from painreg import audit
from painreg.audit.models import AuditEvent
from painreg.registry import access, actions
from painreg.registry.models import Answer, Patient, Registration, Score

from .conftest import HADS_ALL_ONES, REHAB

pytestmark = pytest.mark.django_db


def test_an_opted_out_patient_leaves_every_output_but_stays_visible_to_the_unit(
    world: Any, registration: Any
) -> None:
    patient = registration.patient
    actions.opt_out_patient(user=world.alice, unit=world.unit_a, patient=patient)
    assert not Patient.objects.in_register().exists()
    assert not Registration.objects.in_register().exists()
    assert not access.pseudonymised_registrations(world.erik).exists()
    # Staff still see the patient, so they know not to register them again.
    assert access.get_patient_for_user(world.alice, world.unit_a, patient.pk) == patient
    assert AuditEvent.objects.filter(action="patient.opt_out", patient=patient).exists()


def test_an_opted_out_patient_cannot_be_registered_again(world: Any, registration: Any) -> None:
    actions.opt_out_patient(user=world.alice, unit=world.unit_a, patient=registration.patient)
    with pytest.raises(ValidationError) as exc:
        actions.create_registration(
            user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
        )
    assert "avböjt" in exc.value.message_dict["personnummer"][0]
    assert not registration.patient.can_be_invited


def test_another_unit_cannot_opt_out_a_patient_it_has_no_registration_for(
    world: Any, registration: Any
) -> None:
    with pytest.raises(PermissionDenied):
        actions.opt_out_patient(user=world.bob, unit=world.unit_b, patient=registration.patient)


def test_deletion_on_request_removes_identifying_data_answers_and_history(
    world: Any, registration: Any
) -> None:
    patient = registration.patient
    initial = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=initial, answers=HADS_ALL_ONES, answered_on=dt.date(2025, 1, 20)
    )
    audit.log_access(user=world.alice, action="view_patient", patient=patient, unit=world.unit_a)
    with pytest.raises(PermissionDenied):
        actions.delete_patient(user=world.alice, unit=world.unit_a, patient=patient, reason="x")
    actions.delete_patient(
        user=world.charlie, unit=world.unit_a, patient=patient, reason="begäran 2025-05-02"
    )
    patient.refresh_from_db()
    assert patient.personnummer is None and patient.birth_date is None
    assert patient.deleted_at is not None
    assert not Registration.objects.exists()
    assert not Answer.objects.exists() and not Score.objects.exists()
    assert not Patient.history.exists()
    assert not Registration.history.exists()
    assert not Answer.history.exists()
    event = AuditEvent.objects.get(action="patient.delete_on_request")
    assert event.username == "charlie" and event.reason == "begäran 2025-05-02"
    assert event.detail["registrations"] == 1 and event.detail["answers"] == 14
    assert event.detail["identity_removed"] is True
    assert "191212" not in repr(list(AuditEvent.objects.values()))
    # The unit no longer sees the patient; the log of who looked remains.
    assert not access.patients_for(world.alice, world.unit_a).exists()
    with pytest.raises(LookupError):
        access.access_extract("19121212-1212", requested_by="operator")


def test_deletion_requires_a_reason(world: Any, registration: Any) -> None:
    with pytest.raises(ValidationError):
        actions.delete_patient(
            user=world.charlie, unit=world.unit_a, patient=registration.patient, reason=""
        )
    assert Patient.objects.get().personnummer == "191212121212"


def test_an_imported_patient_with_an_external_id_counts_but_cannot_be_invited(world: Any) -> None:
    patient = actions.create_external_patient(
        user=world.erik, external_id="ab12cd", sex="F", birth_year=1970
    )
    reg = actions.create_registration(
        user=None, unit=world.unit_a, patient=patient, category="assessment"
    )
    assert not patient.can_be_invited
    assert Registration.objects.in_register().get() == reg
    with pytest.raises(ValidationError):
        actions.create_external_patient(user=world.erik, external_id="191212121212")


def test_deletion_also_removes_the_patients_invitations_and_contact_details(
    world: Any, registration: Any
) -> None:
    from django.utils import timezone

    from painreg.eprom.models import Invitation

    Invitation.objects.create(
        occasion=registration.occasions.get(kind="initial"),
        token_hash="h" * 64,
        token_nonce="n",
        valid_until=timezone.now(),
        phone="0701234567",
    )
    actions.delete_patient(
        user=world.erik, unit=None, patient=registration.patient, reason="begäran"
    )
    assert not Invitation.objects.exists()
