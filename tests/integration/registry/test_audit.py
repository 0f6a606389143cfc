"""Audit: append-only history and records, the access log, the unit manager's
browse and the patient's access extract (loggutdrag)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from painreg import audit, cli
from painreg.audit.models import AccessLog, AppendOnlyError, AuditEvent
from painreg.registry import access, actions
from painreg.registry.models import Registration

pytestmark = pytest.mark.django_db


def test_history_rows_cannot_be_changed_or_deleted(world: Any, registration: Any) -> None:
    row = registration.history.get()
    row.main_diagnosis = "R52.2"
    with pytest.raises(AppendOnlyError):
        row.save()
    # Each refusal inside its own savepoint: a delete runs in a transaction the
    # refusal rolls back, as it would in a request.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        row.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        Registration.history.all().delete()
    assert registration.history.count() == 1


def test_audit_records_cannot_be_changed_or_deleted(world: Any, registration: Any) -> None:
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="x")
    log = audit.log_access(user=world.alice, action="view_patient", patient=registration.patient)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log.pk).delete()


def test_log_access_refuses_an_unknown_action(world: Any) -> None:
    with pytest.raises(ValueError):
        audit.log_access(user=world.alice, action="peek")


def test_only_the_unit_manager_browses_the_units_access_log_and_the_browse_is_logged(
    world: Any, registration: Any
) -> None:
    patient = registration.patient
    audit.log_access(user=world.alice, action="view_patient", patient=patient, unit=world.unit_a)
    audit.log_access(user=world.bob, action="view_patient", unit=world.unit_b)
    with pytest.raises(PermissionDenied):
        access.access_log_for_unit(user=world.alice, unit=world.unit_a)
    with pytest.raises(PermissionDenied):
        access.access_log_for_unit(user=world.bob, unit=world.unit_a)
    rows = list(access.access_log_for_unit(user=world.charlie, unit=world.unit_a))
    assert [(r.username, r.action) for r in rows] == [
        ("charlie", "browse_access_log"),
        ("alice", "view_patient"),
    ]


def test_the_access_extract_lists_who_looked_and_who_changed(world: Any, registration: Any) -> None:
    patient = registration.patient
    audit.log_access(user=world.alice, action="view_patient", patient=patient, unit=world.unit_a)
    rows = access.access_extract("121212+1212", requested_by="operator")
    assert [(r.username, r.kind, r.action) for r in rows] == [
        ("alice", "change", "registration.create"),
        ("alice", "access", "visade patient"),
    ]
    assert rows[0].unit == "Smärtrehab A"
    # The extract is itself logged.
    assert AccessLog.objects.filter(action="access_extract", username="operator").exists()


def test_the_access_extract_command_prints_rows_and_rejects_a_bad_number(
    world: Any, registration: Any, capsys: Any
) -> None:
    audit.log_access(
        user=world.alice, action="view_patient", patient=registration.patient, unit=world.unit_a
    )
    assert cli.main(["access-extract", "19121212-1212", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "time,user,unit,kind,action,detail"
    assert "alice,Smärtrehab A,access,visade patient" in out
    assert cli.main(["access-extract", "19121212-1213"]) == 2
    assert "Kontrollsiffran" in capsys.readouterr().err


def test_membership_changes_by_a_unit_manager_are_limited_to_their_unit(world: Any) -> None:
    actions.add_membership(
        user=world.charlie, member=world.bob, role="clinician", unit=world.unit_a
    )
    with pytest.raises(PermissionDenied):
        actions.add_membership(
            user=world.charlie, member=world.alice, role="clinician", unit=world.unit_b
        )
    with pytest.raises(PermissionDenied):
        actions.add_membership(user=world.charlie, member=world.alice, role="national_coordinator")
    assert AuditEvent.objects.filter(action="membership.add", username="charlie").count() == 1


def test_a_unit_managers_extract_covers_only_their_unit(world: Any, registration: Any) -> None:
    audit.log_access(
        user=world.alice, action="view_patient", patient=registration.patient, unit=world.unit_a
    )
    actions.create_registration(
        user=world.bob, unit=world.unit_b, personnummer="19121212-1212", category="assessment"
    )
    rows = access.access_extract(
        "19121212-1212", requested_by="charlie", user=world.charlie, unit=world.unit_a
    )
    assert {r.unit for r in rows} == {"Smärtrehab A"}
    with pytest.raises(PermissionDenied):
        access.access_extract(
            "19121212-1212", requested_by="alice", user=world.alice, unit=world.unit_a
        )
    with pytest.raises(PermissionDenied):
        access.access_extract("19121212-1212", requested_by="charlie", user=world.charlie)


def test_a_unit_manager_cannot_probe_for_patients_of_other_units(world: Any) -> None:
    actions.create_registration(
        user=world.bob, unit=world.unit_b, personnummer="19121212-1212", category="assessment"
    )
    with pytest.raises(LookupError):
        access.access_extract(
            "19121212-1212", requested_by="charlie", user=world.charlie, unit=world.unit_a
        )
