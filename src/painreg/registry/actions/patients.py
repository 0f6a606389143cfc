"""Patients: identified by personnummer or an external id; opt-out and deletion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from painreg import audit
from painreg.audit.history import purge_allowed
from painreg.registry import tombstones
from painreg.registry.actions._common import (
    _event,
    _field_error,
    _language,
    _need_reason,
    _require,
    _require_coordinator,
    _stamp,
    action,
)
from painreg.registry.models import (
    ENTRY_ROLES,
    Answer,
    Occasion,
    Patient,
    Registration,
    Role,
    Unit,
)
from painreg.tidy import personnummer as pnr


def _patient_from_personnummer(user: Any, text: str) -> Patient:
    try:
        number = pnr.parse(text)
    except pnr.PersonnummerError as exc:
        raise _field_error("personnummer", exc.message(_language()), exc.code) from None
    patient = Patient.objects.filter(personnummer=number.digits).first()
    if patient is None:
        patient = Patient(
            personnummer=number.digits,
            sex=number.sex,
            birth_date=number.birth_date,
            birth_year=number.birth_year,
        )
        _stamp(patient, user)
        patient.save()
    return patient


@action
def create_external_patient(
    *, user: Any, external_id: str, sex: str = "", birth_year: int | None = None
) -> Patient:
    """An imported patient known only by another register's pseudonymous id."""
    _require_coordinator(user)
    if pnr.is_valid(external_id):
        raise _field_error(
            "external_id",
            "Id:t är ett giltigt personnummer; registrera patienten med personnummer.",
            "is_personnummer",
        )
    patient = Patient(external_id=external_id, sex=sex or "", birth_year=birth_year)
    patient.full_clean()
    _stamp(patient, user)
    patient.save()
    _event(user=user, name="patient.create_external", unit=None, patient=patient, obj=patient)
    return patient


@action
def opt_out_patient(*, user: Any, unit: Unit, patient: Patient, reason: str = "") -> Patient:
    """The patient declines the register: their data leaves every output."""
    _require(user, unit, *ENTRY_ROLES)
    _patient_in_unit(patient, unit)
    if patient.opted_out_at is None:
        patient.opted_out_at = timezone.now()
        _stamp(patient, user, reason)
        patient.save(update_fields=["opted_out_at"])
        _event(
            user=user,
            name="patient.opt_out",
            unit=unit,
            patient=patient,
            obj=patient,
            reason=reason,
        )
    return patient


@action
def cancel_opt_out(*, user: Any, unit: Unit, patient: Patient, reason: str) -> Patient:
    _require(user, unit, *ENTRY_ROLES)
    _patient_in_unit(patient, unit)
    _need_reason(True, reason)
    if patient.opted_out_at is not None:
        patient.opted_out_at = None
        _stamp(patient, user, reason)
        patient.save(update_fields=["opted_out_at"])
        _event(
            user=user, name="patient.cancel_opt_out", unit=unit, patient=patient, obj=patient,
            reason=reason,
        )  # fmt: skip
    return patient


@action
def delete_patient(
    *,
    user: Any,
    unit: Unit | None,
    patient: Patient,
    reason: str,
    deletions_file: Path | None = None,
) -> Patient:
    """Deletion on the patient's request (patientdatalagen 7 kap. 6 §).

    A unit manager deletes what belongs to their unit: its registrations with
    their occasions, answers, scores and change history, and the payloads of
    the unit's audit rows about the patient (:func:`painreg.audit.redact_patient`).
    When no registration of the patient remains, or when the national
    coordinator deletes (``unit=None``: every unit's), the identity goes too:
    the personnummer, external id and date of birth are removed, the patient
    row stays as an anonymous row that the audit trail points at, and a
    tombstone (:mod:`painreg.registry.tombstones`) is written so the deletion
    can be applied again after a restored backup. The deletion itself is
    audited, without the identifier. ``deletions_file``: where the tombstone is
    written (default: the setting).
    """
    # Locked, so a registration another unit adds meanwhile waits for the decision
    # below (whether anything of the patient remains) instead of slipping past it.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if unit is None:
        _require_coordinator(user)
    else:
        _require(user, unit, Role.UNIT_MANAGER)
        _patient_in_unit(patient, unit)
    _need_reason(True, reason)
    registrations = patient.registrations.all()
    if unit is not None:
        registrations = registrations.filter(unit=unit)
    counts = _delete_registrations(list(registrations))
    whole = unit is None or not patient.registrations.exists()
    tombstone = ""
    if whole:
        value = tombstones.identifier(patient)
        tombstone = tombstones.digest(value) if value else ""
        # The benefit periods from Försäkringskassan are the person's, not a unit's.
        counts["sick_leave_periods"] = patient.sick_leave.all().delete()[0]
        patient.personnummer = None
        patient.external_id = None
        patient.birth_date = None
        patient.deleted_at = timezone.now()
        _stamp(patient, user, "deleted on request")
        patient.save()
        # The history rows hold the identifying values; the purge is the one
        # lawful exception to append-only history (audit.history).
        with purge_allowed():
            Patient.history.filter(id=patient.pk).delete()
    with purge_allowed():
        audit.redact_patient(
            user=user, patient=patient, unit=None if whole else unit, reason=reason
        )
    _event(
        user=user,
        name="patient.delete_on_request",
        unit=unit,
        patient=patient,
        obj=patient,
        reason=reason,
        detail={**counts, "identity_removed": whole, "tombstone": tombstone},
    )
    if tombstone:
        # Before the commit: a tombstone whose deletion then failed only makes
        # ``reapply-deletions`` finish what the patient asked for.
        tombstones.append(tombstone, deletions_file)
    return patient


def _delete_registrations(registrations: list[Registration]) -> dict[str, int]:
    """Delete registrations with their occasions, answers, scores and change history."""
    reg_ids = [r.pk for r in registrations]
    occ_ids = list(
        Occasion.objects.filter(registration_id__in=reg_ids).values_list("pk", flat=True)
    )
    counts = {
        "registrations": len(reg_ids),
        "answers": Answer.objects.filter(occasion_id__in=occ_ids).count(),
    }
    for reg in registrations:
        for occasion in reg.occasions.all():
            occasion.scores.all().delete()
            for answer in occasion.answers.all():
                answer.delete()
            occasion.delete()
        reg.delete()
    with purge_allowed():
        Answer.history.filter(occasion_id__in=occ_ids).delete()
        Occasion.history.filter(registration_id__in=reg_ids).delete()
        Registration.history.filter(id__in=reg_ids).delete()
    return counts


@action
def reapply_deletions(*, path: Path | None = None) -> int:
    """Delete again every patient whose identifier has a tombstone (after a restore).

    One transaction: all of them or none. Returns how many patients were
    deleted; running it again deletes none.
    """
    found = tombstones.read(path)
    if not found:
        return 0
    deleted = 0
    for patient in Patient.objects.filter(deleted_at__isnull=True).iterator():
        value = tombstones.identifier(patient)
        when = tombstones.deleted_at(value, found) if value else None
        # A patient registered anew after the deletion (a new row: the deleted one
        # lost its identity) asked to be in the register again: not deleted.
        if when is not None and patient.created_at <= when:
            delete_patient(
                user=None, unit=None, patient=patient, deletions_file=path,
                reason="deletion on request applied again after a restore",
            )  # fmt: skip
            deleted += 1
    return deleted


def _patient_in_unit(patient: Patient, unit: Unit) -> None:
    if not patient.registrations.filter(unit=unit).exists() or patient.deleted_at is not None:
        raise PermissionDenied
