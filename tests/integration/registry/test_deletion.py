"""Deletion on request: nothing readable stays in the audit trail, and a restore cannot undo it.

Patientdatalagen 7 kap. 6 §: the patient may have their data removed from a
national quality register. The history purge, the redaction of the audit
payloads (keeping that each event happened, with the digest of what it
said), a unit manager's reach (their unit only), and the tombstone that
``painreg reapply-deletions`` applies again after a restored backup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from painreg import audit
from painreg.audit.models import AccessLog, AuditEvent
from painreg.cli import main
from painreg.registry import actions
from painreg.registry.models import Patient, Registration

from .conftest import HADS_ALL_ONES, REHAB

pytestmark = pytest.mark.django_db


def _answered(world: Any, registration: Any) -> None:
    initial = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=initial, answers=HADS_ALL_ONES, answered_on=dt.date(2025, 1, 20)
    )
    audit.log_access(
        user=world.alice, action="search", patient=registration.patient, unit=world.unit_a,
        detail="sökte 19121212-1212",
    )  # fmt: skip


def test_the_audit_payloads_are_blanked_and_their_digests_kept(world, registration):
    _answered(world, registration)
    patient = registration.patient
    before = {e.pk: audit.payload_digest(e) for e in AuditEvent.objects.filter(patient=patient)}
    views = {v.pk: audit.payload_digest(v) for v in AccessLog.objects.filter(patient=patient)}
    assert any(e.detail for e in AuditEvent.objects.filter(pk__in=before))
    actions.delete_patient(user=world.erik, unit=None, patient=patient, reason="begäran")
    for event in AuditEvent.objects.filter(pk__in=before):
        assert event.detail == {} and event.reason == "", event.action
    assert not AccessLog.objects.filter(pk__in=views).exclude(detail="").exists()
    assert "1212" not in repr(list(AuditEvent.objects.values("detail", "reason")))
    redaction = AuditEvent.objects.get(action="audit.redact")
    digests = redaction.detail["digests"]
    assert digests["access"] == {str(k): v for k, v in views.items()}
    assert digests["events"] == {
        str(k): v for k, v in before.items() if k in map(int, digests["events"])
    }
    assert len(digests["events"]) >= 2  # the registration and the answers at least
    # That each event happened stays: action, time, who and which unit.
    assert AuditEvent.objects.filter(pk__in=before).count() == len(before)


def test_a_unit_manager_deletes_only_what_belongs_to_their_unit(world, registration):
    _answered(world, registration)
    patient = registration.patient
    other = actions.create_registration(
        user=world.bob, unit=world.unit_b, personnummer="19121212-1212", **REHAB
    )
    b_events = {e.pk: (e.reason, e.detail) for e in AuditEvent.objects.filter(unit=world.unit_b)}
    actions.delete_patient(user=world.charlie, unit=world.unit_a, patient=patient, reason="r")
    patient.refresh_from_db()
    assert patient.personnummer == "191212121212" and patient.deleted_at is None
    assert list(Registration.objects.all()) == [other]
    for event in AuditEvent.objects.filter(pk__in=b_events):
        assert (event.reason, event.detail) == b_events[event.pk]
    assert (
        not AuditEvent.objects.filter(unit=world.unit_a, patient=patient)
        .exclude(action__in=["audit.redact", "patient.delete_on_request"])
        .exclude(detail={})
        .exists()
    )
    # No tombstone while the patient is still in the register through unit B.
    assert not settings.PAINREG_DELETIONS_FILE.exists()


def test_a_restored_backup_brings_the_patient_back_until_the_deletions_are_applied_again(
    world, registration, tmp_path, capsys
):
    _answered(world, registration)
    backup = tmp_path / "backup.json"
    call_command("dumpdata", "registry", "audit", output=str(backup), verbosity=0)
    actions.delete_patient(
        user=world.erik, unit=None, patient=registration.patient, reason="begäran"
    )
    tombstones = settings.PAINREG_DELETIONS_FILE.read_text()
    assert "1212" not in tombstones and len(tombstones.splitlines()) == 1
    assert settings.PAINREG_DELETIONS_FILE.stat().st_mode & 0o777 == 0o600

    # The restore: the database as the backup has it.
    from painreg.registry.guard import writes_allowed

    with writes_allowed():
        Registration.objects.all().delete()
        Patient.objects.all().delete()
    call_command("loaddata", str(backup), verbosity=0)
    assert Patient.objects.get(personnummer="191212121212").deleted_at is None

    assert main(["reapply-deletions"]) == 0
    assert "1 patient(s) deleted again" in capsys.readouterr().out
    assert not Patient.objects.filter(personnummer="191212121212").exists()
    assert not Registration.objects.exists()
    assert AuditEvent.objects.filter(
        action="patient.delete_on_request",
        reason="deletion on request applied again after a restore",
    ).exists()
    assert main(["reapply-deletions"]) == 0
    assert "0 patient(s) deleted again" in capsys.readouterr().out
    assert settings.PAINREG_DELETIONS_FILE.read_text() == tombstones  # not written twice


def test_a_patient_registered_anew_after_the_deletion_is_not_deleted_again(world, registration):
    actions.delete_patient(
        user=world.erik, unit=None, patient=registration.patient, reason="begäran"
    )
    again = actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
    )
    assert main(["reapply-deletions"]) == 0
    assert Registration.objects.filter(pk=again.pk).exists()
    assert Patient.objects.get(personnummer="191212121212").deleted_at is None


def test_reapplying_without_the_deletions_file_is_an_error_not_a_no_op(world, capsys):
    assert not settings.PAINREG_DELETIONS_FILE.exists()
    assert main(["reapply-deletions"]) == 2
    assert "no deletions file at" in capsys.readouterr().err
