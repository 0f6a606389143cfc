"""Registrations and the occasions each category has."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from painreg.registry import validation
from painreg.registry.actions._common import (
    _event,
    _field_error,
    _jsonable,
    _language,
    _need_reason,
    _refuse,
    _registration_event,
    _require,
    _stamp,
    action,
)
from painreg.registry.actions.patients import _patient_from_personnummer
from painreg.registry.models import (
    ENTRY_ROLES,
    Category,
    Occasion,
    OccasionKind,
    Patient,
    Registration,
    Unit,
)
from painreg.tidy import personnummer as pnr


def _occasion_kinds(category: str) -> list[str]:
    if category == Category.REHAB:
        return [OccasionKind.INITIAL, OccasionKind.END, OccasionKind.FOLLOWUP_1Y]
    return [OccasionKind.INITIAL]


def _ensure_occasions(registration: Registration, user: Any, reason: str = "") -> None:
    """Give the registration exactly the occasions of its category.

    Switching rehab -> assessment removes the ``end`` and ``followup_1y``
    occasions, refused while they hold answers (those would silently vanish).
    """
    kinds = _occasion_kinds(registration.category)
    for occasion in registration.occasions.exclude(kind__in=kinds):
        if occasion.answers.exists() or occasion.signed_off:
            raise _field_error(
                "category",
                validation.Issue(
                    "category",
                    "occasion_has_answers",
                    f"Tillfället {occasion.get_kind_display()} har svar; en registrering med "
                    "endast utredning har bara det initiala tillfället. Ta bort svaren först.",
                    f"The {occasion.kind} occasion has answers; an assessment-only registration "
                    "has only the initial occasion. Remove the answers first.",
                ).message,
                "occasion_has_answers",
            )
        _stamp(occasion, user, reason)
        occasion.delete()
    existing = set(registration.occasions.values_list("kind", flat=True))
    for kind in kinds:
        if kind not in existing:
            occasion = Occasion(registration=registration, kind=kind)
            _stamp(occasion, user, reason)
            occasion.save()


@action
def create_registration(
    *,
    user: Any,
    unit: Unit,
    personnummer: str | None = None,
    patient: Patient | None = None,
    **values: Any,
) -> Registration:
    """Register a patient at ``unit`` (by personnummer, or an existing ``patient``).

    ``values`` are the registration fields (``validation.REGISTRATION_FIELDS``).
    Creates the occasions (``initial``; also ``end`` and ``followup_1y`` for rehab).
    """
    _require(user, unit, *ENTRY_ROLES)
    unknown = set(values) - set(validation.REGISTRATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown registration fields: {sorted(unknown)}")
    if (personnummer is None) == (patient is None):
        raise TypeError("give exactly one of personnummer= and patient=")
    values = validation.normalize_registration(values)
    if personnummer is not None:
        # Validate the number before anything else, so its message comes first.
        try:
            number = pnr.parse(personnummer)
        except pnr.PersonnummerError as exc:
            report = validation.check_registration(values)
            errors = {"personnummer": [ValidationError(exc.message(_language()), code=exc.code)]}
            for issue in report.errors:
                errors.setdefault(issue.field, []).append(
                    ValidationError(issue.message, code=issue.code)
                )
            raise ValidationError(errors) from None
        birth_date = number.birth_date
    else:
        birth_date = patient.birth_date
    validation.raise_errors(validation.check_registration(values, birth_date=birth_date))
    if personnummer is not None:
        patient = _patient_from_personnummer(user, personnummer)
    assert patient is not None
    if patient.deleted_at is not None:
        raise PermissionDenied
    if patient.opted_out_at is not None:
        raise _opted_out(patient, unit)
    registration = Registration(patient=patient, unit=unit, **values)
    _stamp(registration, user)
    registration.save()
    _ensure_occasions(registration, user)
    _event(
        user=user,
        name="registration.create",
        unit=unit,
        patient=patient,
        obj=registration,
        detail={k: _jsonable(v) for k, v in values.items()},
    )
    return registration


@action
def update_registration(
    *, user: Any, registration: Registration, reason: str = "", **changes: Any
) -> Registration:
    """Change registration fields; after sign-off a ``reason`` is required and the
    registration must still meet the sign-off rules."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _require(user, registration.unit, *ENTRY_ROLES)
    unknown = set(changes) - set(validation.REGISTRATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown registration fields: {sorted(unknown)}")
    changes = validation.normalize_registration(changes)
    before = validation.registration_values(registration)
    after = {**before, **changes}
    diff = {
        k: [_jsonable(before[k]), _jsonable(after[k])] for k in changes if before[k] != after[k]
    }
    if not diff:
        return registration
    _need_reason(registration.signed_off, reason)
    validation.raise_errors(
        validation.check_registration(after, birth_date=registration.patient.birth_date)
    )
    for name, value in changes.items():
        setattr(registration, name, value)
    _stamp(registration, user, reason)
    registration.save()
    _ensure_occasions(registration, user, reason)
    if registration.signed_off:
        _refuse(validation.registration_signoff_problems(registration))
    _registration_event(
        user=user,
        name="registration.update",
        registration=registration,
        obj=registration,
        reason=reason,
        detail={"changes": diff},
    )
    return registration


@action
def sign_off_registration(*, user: Any, registration: Registration) -> Registration:
    """Klarmarkering of a registration; refused (ValidationError) with every reason."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _require(user, registration.unit, *ENTRY_ROLES)
    if registration.signed_off:
        return registration
    _refuse(validation.registration_signoff_problems(registration))
    registration.signed_off_at = timezone.now()
    registration.signed_off_by = user if getattr(user, "pk", None) else None
    _stamp(registration, user)
    registration.save()
    _registration_event(
        user=user,
        name="registration.sign_off",
        registration=registration,
        obj=registration,
    )
    return registration


@action
def reopen_registration(*, user: Any, registration: Registration, reason: str) -> Registration:
    """Undo a sign-off (with a reason): the registration counts nowhere until signed off again."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _require(user, registration.unit, *ENTRY_ROLES)
    _need_reason(True, reason)
    if not registration.signed_off:
        return registration
    registration.signed_off_at = None
    registration.signed_off_by = None
    _stamp(registration, user, reason)
    registration.save()
    _registration_event(
        user=user,
        name="registration.reopen",
        registration=registration,
        obj=registration,
        reason=reason,
    )
    return registration


def _opted_out(patient: Patient, unit: Unit) -> ValidationError:
    """The refusal to register a patient who opted out of the register.

    A unit that has registered the patient already sees the opt-out on the
    patient's page and is told why. Any other unit is told only that the
    person cannot be registered here: staff typing numbers must not learn
    who has opted out. The attempt is written to the access log with the
    patient (``registry.views``, after this transaction), so it shows in the
    patient's access extract.
    """
    if patient.registrations.filter(unit=unit).exists():
        issue = validation.Issue(
            "personnummer",
            "opted_out",
            "Patienten har avböjt att registreras i registret.",
            "The patient has declined to be in the register.",
        )
    else:
        issue = validation.Issue(
            "personnummer",
            "opted_out",
            "Personen kan inte registreras här. Kontakta registrets koordinator.",
            "This person cannot be registered here. Contact the register's coordinator.",
        )
    error = _field_error("personnummer", issue.message, "opted_out")
    error.patient = patient  # type: ignore[attr-defined]
    return error
