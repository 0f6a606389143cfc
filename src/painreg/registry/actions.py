"""Every write to the register: one function per create/update/delete.

The opensafely job-server habit: each action is ``@transaction.atomic``,
takes keyword-only arguments, checks that the user may do it, validates
(errors raise ``django.core.exceptions.ValidationError`` keyed by field, so a
form shows each next to its field; nothing is written), writes, and records
an audit event in the same transaction. Field-level history (old/new values,
who, reason) is kept by django-simple-history on the models; patient-data
models refuse writes made outside these functions (``registry.guard``).

When answers are saved the occasion's scores are recomputed with
``painreg.instruments.score_answers`` and stored (ARCHITECTURE.md, "where
scores are computed").

``user=None`` means the system itself (the demo loader, a command run by an
operator); role checks then do not apply and the audit row names
``username``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from painreg import audit
from painreg.audit.history import purge_allowed
from painreg.registry import access, validation
from painreg.registry import personnummer as pnr
from painreg.registry.guard import writes_allowed
from painreg.registry.models import (
    ENTRY_ROLES,
    Answer,
    AnswerSource,
    Category,
    Membership,
    Occasion,
    OccasionKind,
    OccasionStatus,
    Patient,
    Region,
    Registration,
    Role,
    Score,
    Unit,
    UnitYearTotal,
)

P = ParamSpec("P")
R = TypeVar("R")

SYSTEM = "system"


def action(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` atomically with patient-data writes allowed."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), writes_allowed():
            return func(*args, **kwargs)

    return wrapper


# --- helpers -----------------------------------------------------------------


def _require(user: Any, unit: Unit, *roles: str) -> None:
    if user is None:
        return
    if not access.units_for(user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    access.require_role(user, unit, *roles)


def _require_coordinator(user: Any) -> None:
    if user is not None and not access.is_national_coordinator(user):
        raise PermissionDenied


def _stamp(instance: Any, user: Any, reason: str = "") -> None:
    # simple-history reads these when it writes the history row of the save.
    instance._history_user = user if getattr(user, "pk", None) else None
    instance._change_reason = reason or None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _field_error(field_name: str, message: str, code: str) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def _need_reason(signed_off: bool, reason: str) -> None:
    if signed_off and not (reason or "").strip():
        raise _field_error(
            "reason",
            validation.Issue(
                "reason",
                "reason_required",
                "Uppgiften är klarmarkerad. Ange en orsak till ändringen.",
                "This is signed off. Give a reason for the change.",
            ).message,
            "reason_required",
        )


def _event(
    *,
    user: Any,
    name: str,
    unit: Unit | None,
    patient: Patient | None,
    obj: Any,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> None:
    audit.record_event(
        user=user,
        username=username if username is not None else (None if user else SYSTEM),
        action=name,
        unit=unit,
        patient=patient,
        obj=obj,
        reason=reason,
        detail=detail,
    )


# --- units and memberships ---------------------------------------------------


@action
def create_unit(
    *,
    user: Any,
    code: str,
    name: str,
    region: Region | str,
    care_level: str,
    active_from: dt.date | None = None,
    active_to: dt.date | None = None,
    hsa_id: str | None = None,
) -> Unit:
    _require_coordinator(user)
    region_obj = region if isinstance(region, Region) else Region.objects.get(code=region)
    unit = Unit(
        code=code,
        name=name,
        region=region_obj,
        care_level=care_level,
        active_from=active_from,
        active_to=active_to,
        hsa_id=hsa_id or None,
    )
    unit.full_clean()
    _stamp(unit, user)
    unit.save()
    _event(user=user, name="unit.create", unit=unit, patient=None, obj=unit)
    return unit


@action
def add_membership(
    *,
    user: Any,
    member: Any,
    role: str,
    unit: Unit | None = None,
    region: Region | None = None,
) -> Membership:
    """Give ``member`` a role. A unit manager may add unit roles in their unit;
    regional and national roles are the national coordinator's."""
    if unit is not None:
        if user is not None and not access.is_national_coordinator(user):
            _require(user, unit, Role.UNIT_MANAGER)
    else:
        _require_coordinator(user)
    membership, created = Membership.objects.get_or_create(
        user=member, role=role, unit=unit, region=region
    )
    if created:
        _event(
            user=user,
            name="membership.add",
            unit=unit,
            patient=None,
            obj=membership,
            detail={"member": member.get_username(), "role": role},
        )
    return membership


@action
def remove_membership(*, user: Any, membership: Membership) -> None:
    if membership.unit is not None:
        if user is not None and not access.is_national_coordinator(user):
            _require(user, membership.unit, Role.UNIT_MANAGER)
    else:
        _require_coordinator(user)
    _event(
        user=user,
        name="membership.remove",
        unit=membership.unit,
        patient=None,
        obj=membership,
        detail={"member": membership.user.get_username(), "role": membership.role},
    )
    _stamp(membership, user)
    membership.delete()


@action
def set_unit_year_total(*, user: Any, unit: Unit, year: int, total: int) -> UnitYearTotal:
    """Record the unit's reported MMR total for ``year`` (unit manager or coordinator)."""
    if user is not None and not access.is_national_coordinator(user):
        _require(user, unit, Role.UNIT_MANAGER)
    if total < 0:
        raise _field_error(
            "rehab_patients_total",
            "Antalet kan inte vara negativt.",
            "negative",
        )
    row = UnitYearTotal.objects.filter(unit=unit, year=year).first()
    old = row.rehab_patients_total if row else None
    if row is None:
        row = UnitYearTotal(unit=unit, year=year, rehab_patients_total=total)
    row.rehab_patients_total = total
    row.full_clean()
    _stamp(row, user)
    row.save()
    _event(
        user=user,
        name="unit_year_total.set",
        unit=unit,
        patient=None,
        obj=row,
        detail={"year": year, "old": old, "new": total},
    )
    return row


# --- patients ----------------------------------------------------------------


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


def _language() -> str:
    from django.utils.translation import get_language

    return get_language() or "sv"


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
def delete_patient(*, user: Any, unit: Unit | None, patient: Patient, reason: str) -> Patient:
    """Deletion on the patient's request: removes the identifying data, every
    registration with its occasions, answers and scores, and their change
    history; the patient row stays as an anonymous tombstone so the audit
    trail still has something to point at. The deletion itself is audited
    (without the personnummer). Unit manager of a unit with a registration
    for the patient, or the national coordinator (``unit=None``).
    """
    if unit is None:
        _require_coordinator(user)
    else:
        _require(user, unit, Role.UNIT_MANAGER)
        _patient_in_unit(patient, unit)
    _need_reason(True, reason)
    registrations = list(patient.registrations.all())
    counts = {
        "registrations": len(registrations),
        "answers": Answer.objects.filter(occasion__registration__patient=patient).count(),
    }
    reg_ids = [r.pk for r in registrations]
    occ_ids = list(
        Occasion.objects.filter(registration_id__in=reg_ids).values_list("pk", flat=True)
    )
    for reg in registrations:
        for occasion in reg.occasions.all():
            occasion.scores.all().delete()
            for answer in occasion.answers.all():
                answer.delete()
            occasion.delete()
        reg.delete()
    patient.personnummer = None
    patient.external_id = None
    patient.birth_date = None
    patient.deleted_at = timezone.now()
    _stamp(patient, user, "deleted on request")
    patient.save()
    # The history rows hold the identifying values; the purge is the one
    # lawful exception to append-only history (audit.history).
    with purge_allowed():
        Answer.history.filter(occasion_id__in=occ_ids).delete()
        Occasion.history.filter(registration_id__in=reg_ids).delete()
        Registration.history.filter(patient_id=patient.pk).delete()
        Patient.history.filter(id=patient.pk).delete()
    _event(
        user=user,
        name="patient.delete_on_request",
        unit=unit,
        patient=patient,
        obj=patient,
        reason=reason,
        detail=counts,
    )
    return patient


def _patient_in_unit(patient: Patient, unit: Unit) -> None:
    if not patient.registrations.filter(unit=unit).exists() or patient.deleted_at is not None:
        raise PermissionDenied


# --- registrations -----------------------------------------------------------


def _occasion_kinds(category: str) -> list[str]:
    if category == Category.REHAB:
        return [OccasionKind.INITIAL, OccasionKind.END, OccasionKind.FOLLOWUP_1Y]
    return [OccasionKind.INITIAL]


def _ensure_occasions(registration: Registration, user: Any) -> None:
    existing = set(registration.occasions.values_list("kind", flat=True))
    for kind in _occasion_kinds(registration.category):
        if kind not in existing:
            occasion = Occasion(registration=registration, kind=kind)
            _stamp(occasion, user)
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
        raise _field_error(
            "personnummer",
            validation.Issue(
                "personnummer",
                "opted_out",
                "Patienten har avböjt att registreras i registret.",
                "The patient has declined to be in the register.",
            ).message,
            "opted_out",
        )
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
    _ensure_occasions(registration, user)
    if registration.signed_off:
        problems = validation.registration_signoff_problems(registration)
        if problems:
            validation.raise_errors(validation.Report(errors=problems))
    _event(
        user=user,
        name="registration.update",
        unit=registration.unit,
        patient=registration.patient,
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
    problems = validation.registration_signoff_problems(registration)
    if problems:
        validation.raise_errors(validation.Report(errors=problems))
    registration.signed_off_at = timezone.now()
    registration.signed_off_by = user if getattr(user, "pk", None) else None
    _stamp(registration, user)
    registration.save()
    _event(
        user=user,
        name="registration.sign_off",
        unit=registration.unit,
        patient=registration.patient,
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
    _event(
        user=user,
        name="registration.reopen",
        unit=registration.unit,
        patient=registration.patient,
        obj=registration,
        reason=reason,
    )
    return registration


# --- occasions, answers and scores ------------------------------------------


def _occasion_status(occasion: Occasion) -> str:
    return validation.status_from_items(
        set(occasion.answers.values_list("item", flat=True)),
        not_administered=occasion.not_administered or {},
        signed_off=occasion.signed_off_at is not None,
    )


def recompute_scores(occasion: Occasion) -> list[Score]:
    """Replace the occasion's stored scores with what the instrument library computes.

    Call only from actions (inside their transaction).
    """
    import pandas as pd

    from painreg import instruments

    rows = list(occasion.answers.values_list("item", "value"))
    occasion.scores.all().delete()
    if not rows:
        return []
    frame = pd.DataFrame(
        {
            "registration_id": [occasion.registration_id] * len(rows),
            "occasion": [occasion.kind] * len(rows),
            "item": [item for item, _ in rows],
            "value": [value for _, value in rows],
        }
    )
    scored = instruments.score_answers(frame)
    scores = []
    for rec in scored.itertuples(index=False):
        value = rec.value
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue  # category labels are recomputed from the numbers when needed
        scores.append(
            Score(occasion=occasion, instrument=rec.instrument, score=rec.score, value=number)
        )
    return Score.objects.bulk_create(scores)


@action
def save_answers(
    *,
    user: Any,
    occasion: Occasion,
    answers: Mapping[str, Any],
    answered_on: dt.date,
    source: str = AnswerSource.STAFF,
    reason: str = "",
) -> list[validation.Issue]:
    """Save item answers of one occasion (``None`` removes an answer); store the scores.

    All answers are checked first: one error and nothing is saved. Returns the
    warnings (kept, to be listed). After sign-off a ``reason`` is required and
    the occasion must still be complete.
    """
    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    registration = occasion.registration
    if source != AnswerSource.PATIENT:
        _require(user, registration.unit, *ENTRY_ROLES)
    if source not in AnswerSource.values:
        raise ValueError(f"unknown answer source {source!r}")
    report = validation.Report()
    clean: dict[str, float | None] = {}
    from painreg import instruments

    for item, value in answers.items():
        if value is None or value == "":
            clean[item] = None
            continue
        item_report = validation.check_answer(
            item, value, answered_on=answered_on, occasion=occasion
        )
        report.extend(item_report)
        if item_report.ok:
            clean[item] = float(instruments.validate_value(item, value))
    validation.raise_errors(report)
    existing = {a.item: a for a in occasion.answers.all()}
    diff: dict[str, list[Any]] = {}
    for item, value in clean.items():
        old = existing.get(item)
        if value is None:
            if old is not None:
                diff[item] = [old.value, None]
        elif old is None or old.value != value or old.answered_on != answered_on:
            diff[item] = [old.value if old else None, value]
    if not diff:
        return report.warnings
    _need_reason(occasion.signed_off, reason)
    for item, value in clean.items():
        old = existing.get(item)
        if value is None:
            if old is not None:
                _stamp(old, user, reason)
                old.delete()
            continue
        answer = old or Answer(occasion=occasion, item=item)
        if old is not None and old.value == value and old.answered_on == answered_on:
            continue
        answer.value = value
        answer.answered_on = answered_on
        answer.source = source
        _stamp(answer, user, reason)
        answer.save()
    recompute_scores(occasion)
    if occasion.signed_off:
        problems = validation.occasion_signoff_problems(occasion)
        if problems:
            validation.raise_errors(validation.Report(errors=problems))
    _set_status(occasion, user, reason)
    _event(
        user=user,
        name="answers.save",
        unit=registration.unit,
        patient=registration.patient,
        obj=occasion,
        reason=reason,
        detail={"occasion": occasion.kind, "source": source, "changes": diff},
        username=None if user is not None or source != AnswerSource.PATIENT else "patient",
    )
    return report.warnings


def _set_status(occasion: Occasion, user: Any, reason: str = "") -> None:
    status = _occasion_status(occasion)
    if status != occasion.status:
        occasion.status = status
        _stamp(occasion, user, reason)
        occasion.save(update_fields=["status"])


@action
def set_not_administered(
    *, user: Any, occasion: Occasion, instrument: str, reason: str | None
) -> Occasion:
    """Mark an instrument as not administered at the occasion (``reason=None`` unmarks)."""
    from painreg import instruments

    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    try:
        instruments.get_instrument(instrument)
    except instruments.InstrumentError as exc:
        raise _field_error("instrument", str(exc), "instrument") from None
    marks = dict(occasion.not_administered or {})
    if reason is None:
        marks.pop(instrument, None)
    else:
        if not reason.strip():
            raise _field_error(
                "reason",
                validation.Issue(
                    "reason",
                    "not_administered_reason",
                    "Ange varför instrumentet inte administrerades.",
                    "Give the reason the instrument was not administered.",
                ).message,
                "not_administered_reason",
            )
        marks[instrument] = reason.strip()
    if marks == (occasion.not_administered or {}):
        return occasion
    if occasion.signed_off:
        raise _field_error(
            "instrument",
            validation.Issue(
                "instrument",
                "signed_off",
                "Tillfället är klarmarkerat; öppna det först.",
                "The occasion is signed off; reopen it first.",
            ).message,
            "signed_off",
        )
    occasion.not_administered = marks
    _stamp(occasion, user)
    occasion.save(update_fields=["not_administered"])
    _set_status(occasion, user)
    _event(
        user=user,
        name="occasion.not_administered",
        unit=occasion.registration.unit,
        patient=occasion.registration.patient,
        obj=occasion,
        detail={"instrument": instrument, "reason": reason},
    )
    return occasion


@action
def sign_off_occasion(*, user: Any, occasion: Occasion) -> Occasion:
    """Klarmarkering of an occasion; refused (ValidationError) with every reason."""
    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    if occasion.signed_off:
        return occasion
    problems = validation.occasion_signoff_problems(occasion)
    if problems:
        validation.raise_errors(validation.Report(errors=problems))
    occasion.signed_off_at = timezone.now()
    occasion.signed_off_by = user if getattr(user, "pk", None) else None
    occasion.status = OccasionStatus.SIGNED_OFF
    _stamp(occasion, user)
    occasion.save()
    _event(
        user=user,
        name="occasion.sign_off",
        unit=occasion.registration.unit,
        patient=occasion.registration.patient,
        obj=occasion,
        detail={"occasion": occasion.kind},
    )
    return occasion


@action
def reopen_occasion(*, user: Any, occasion: Occasion, reason: str) -> Occasion:
    """Undo an occasion's sign-off (with a reason)."""
    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    _need_reason(True, reason)
    if not occasion.signed_off:
        return occasion
    if occasion.kind == OccasionKind.INITIAL and occasion.registration.signed_off:
        # A signed-off registration needs its initial occasion signed off.
        raise _field_error(
            validation.NON_FIELD,
            validation.Issue(
                validation.NON_FIELD,
                "registration_signed_off",
                "Registreringen är klarmarkerad; öppna den först.",
                "The registration is signed off; reopen it first.",
            ).message,
            "registration_signed_off",
        )
    occasion.signed_off_at = None
    occasion.signed_off_by = None
    occasion.status = OccasionStatus.NOT_STARTED
    _stamp(occasion, user, reason)
    occasion.save()
    _set_status(occasion, user, reason)
    _event(
        user=user,
        name="occasion.reopen",
        unit=occasion.registration.unit,
        patient=occasion.registration.patient,
        obj=occasion,
        reason=reason,
        detail={"occasion": occasion.kind},
    )
    return occasion


# --- import of interchange tables --------------------------------------------


class ImportProblem(NamedTuple):
    """One rejected cell: table, 1-based data row, column, reason."""

    table: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}, {self.column}: {self.reason}"


class ImportRejected(ValueError):
    """The import wrote nothing; ``problems`` lists every rejected cell."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{len(problems)} problem(s): {head}{more}")


_REG_FIELDS = (
    "category",
    "referral_date",
    "first_visit_date",
    "rehab_start_date",
    "rehab_end_date",
    "discontinued",
    "discontinuation_reason",
    "main_diagnosis",
    "secondary_diagnoses",
    "education",
    "work_measures",
    "programme",
)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return sorted({v.strip() for v in value.split(";") if v.strip()})
    return sorted({str(v) for v in value if v})


def _chunks(values: list[Any], size: int = 900) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@action
def import_register(
    *,
    user: Any,
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    username: str | None = None,
) -> dict[str, dict[str, int]]:
    """Write interchange tables (``units``, ``unit_year_totals``, ``patients``,
    ``registrations``, ``answers``; rows as dicts of Python values, list cells as
    lists or ``;``-joined strings) into the register, all or nothing.

    Every row is checked first (references, registry validation, the instrument
    catalogue); any problem raises :class:`ImportRejected` listing them all, and
    nothing is written. Rows that exist already are updated where they differ
    (units by ``unit_id`` = unit code; patients by personnummer or external id;
    registrations by the imported ``registration_id``, or by database id for a
    file exported from this database; answers by registration, occasion and
    item). Scores of every touched occasion are recomputed. Each created or
    changed registration gets an audit event, the import one more with counts.

    National coordinator (or ``user=None``, an operator's command) only.
    """
    _require_coordinator(user)
    actor = username if username is not None else (None if user else SYSTEM)
    reason = "import"
    problems: list[ImportProblem] = []
    rows = {name: list(tables.get(name) or []) for name in (
        "units", "unit_year_totals", "patients", "registrations", "answers"
    )}  # fmt: skip
    counts: dict[str, dict[str, int]] = {
        name: {"created": 0, "updated": 0, "unchanged": 0} for name in rows
    }

    # --- phase 1: check everything, resolve references; no writes ----------
    regions = set(Region.objects.values_list("code", flat=True))
    units_in_file: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(rows["units"], start=1):
        code = r.get("unit_id")
        if not code:
            problems.append(ImportProblem("units", i, "unit_id", "missing"))
            continue
        if r.get("region_code") not in regions:
            problems.append(
                ImportProblem("units", i, "region_code", f"unknown region {r.get('region_code')!r}")
            )
        if r.get("care_level") not in ("primary", "specialist"):
            problems.append(
                ImportProblem(
                    "units", i, "care_level", f"unknown care level {r.get('care_level')!r}"
                )
            )
        af, at = r.get("active_from"), r.get("active_to")
        if af and at and at < af:
            problems.append(ImportProblem("units", i, "active_to", "before active_from"))
        units_in_file[code] = r
    known_units = set(Unit.objects.values_list("code", flat=True)) | set(units_in_file)
    for i, r in enumerate(rows["unit_year_totals"], start=1):
        if r.get("unit_id") not in known_units:
            problems.append(ImportProblem("unit_year_totals", i, "unit_id", "unknown unit"))
        total = r.get("rehab_patients_total")
        if total is None or int(total) < 0:
            problems.append(
                ImportProblem("unit_year_totals", i, "rehab_patients_total", "missing or negative")
            )

    patient_info: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(rows["patients"], start=1):
        pid = str(r.get("patient_id") or "")
        if not pid:
            problems.append(ImportProblem("patients", i, "patient_id", "missing"))
            continue
        try:
            number = pnr.parse(pid)
        except pnr.PersonnummerError:
            number = None
        if number is None and len(pid) > 64:
            problems.append(ImportProblem("patients", i, "patient_id", "longer than 64 characters"))
        patient_info[pid] = {
            "personnummer": number,
            "sex": r.get("sex") or (number.sex if number else ""),
            "birth_year": r.get("birth_year") or (number.birth_year if number else None),
        }
    digits_of = {
        pid: info["personnummer"].digits
        for pid, info in patient_info.items()
        if info["personnummer"] is not None
    }

    # registrations: resolve the existing ones
    reg_rows = rows["registrations"]
    ids = [str(r.get("registration_id") or "") for r in reg_rows]
    existing_by_ref: dict[str, Registration] = {}
    for chunk in _chunks([x for x in ids if x]):
        for reg in Registration.objects.filter(ref__in=chunk):
            existing_by_ref[reg.ref] = reg
    numeric = [int(x) for x in ids if x.isdigit() and x not in existing_by_ref]
    existing_by_pk: dict[str, Registration] = {}
    for chunk in _chunks(numeric):
        for reg in Registration.objects.filter(pk__in=chunk, ref__isnull=True):
            existing_by_pk[str(reg.pk)] = reg
    db_patients_known = set()
    wanted_digits = [d for d in digits_of.values()]
    for chunk in _chunks(wanted_digits):
        db_patients_known |= set(
            Patient.objects.filter(personnummer__in=chunk).values_list("personnummer", flat=True)
        )
    reg_values: dict[str, dict[str, Any]] = {}
    reg_category: dict[str, str] = {}
    for i, r in enumerate(reg_rows, start=1):
        rid = ids[i - 1]
        if not rid:
            problems.append(ImportProblem("registrations", i, "registration_id", "missing"))
            continue
        if rid in reg_values:
            problems.append(ImportProblem("registrations", i, "registration_id", "duplicate"))
            continue
        pid = str(r.get("patient_id") or "")
        existing = existing_by_ref.get(rid) or existing_by_pk.get(rid)
        if pid not in patient_info:
            problems.append(
                ImportProblem("registrations", i, "patient_id", "not in the patients table")
            )
        if r.get("unit_id") not in known_units:
            problems.append(ImportProblem("registrations", i, "unit_id", "unknown unit"))
        values = {
            "category": r.get("category"),
            "referral_date": r.get("referral_date"),
            "first_visit_date": r.get("first_visit_date"),
            "rehab_start_date": r.get("rehab_start_date"),
            "rehab_end_date": r.get("rehab_end_date"),
            "discontinued": bool(r.get("discontinued")),
            "discontinuation_reason": r.get("discontinuation_reason") or "",
            "main_diagnosis": r.get("main_diagnosis") or "",
            "secondary_diagnoses": _as_list(r.get("secondary_diagnoses")),
            "education": r.get("education") or "",
            "work_measures": _as_list(r.get("work_measures")),
            "programme": _as_list(r.get("programme")),
        }
        values = validation.normalize_registration(values)
        info = patient_info.get(pid)
        birth = info["personnummer"].birth_date if info and info["personnummer"] else None
        for issue in validation.check_registration(values, birth_date=birth).errors:
            column = issue.field if issue.field != validation.NON_FIELD else "registration_id"
            problems.append(ImportProblem("registrations", i, column, issue.en))
        signed = r.get("signed_off")
        reg_values[rid] = {
            "values": values,
            "patient_id": pid,
            "unit_id": r.get("unit_id"),
            "signed_off": True if signed is None else bool(signed),
            "existing": existing,
        }
        reg_category[rid] = values["category"]

    from painreg import instruments

    answer_rows: list[tuple[str, str, str, float, dt.date, str]] = []
    seen_answers: set[tuple[str, str, str]] = set()
    for i, r in enumerate(rows["answers"], start=1):
        rid = str(r.get("registration_id") or "")
        kind = r.get("occasion")
        item = r.get("item") or ""
        if rid not in reg_values:
            problems.append(
                ImportProblem("answers", i, "registration_id", "not in the registrations table")
            )
            continue
        allowed = _occasion_kinds(reg_category[rid]) if reg_category[rid] else []
        if kind not in allowed:
            problems.append(
                ImportProblem(
                    "answers", i, "occasion", f"{kind!r} is not an occasion of this registration"
                )
            )
            continue
        key = (rid, kind, item)
        if key in seen_answers:
            problems.append(ImportProblem("answers", i, "item", "duplicate answer"))
            continue
        seen_answers.add(key)
        try:
            value = instruments.validate_value(item, r.get("value"))
        except instruments.InstrumentError as exc:
            problems.append(ImportProblem("answers", i, "value", str(exc)))
            continue
        if value is None:
            problems.append(ImportProblem("answers", i, "value", "missing"))
            continue
        answered_on = r.get("answered_on")
        if not isinstance(answered_on, dt.date):
            problems.append(ImportProblem("answers", i, "answered_on", "missing or not a date"))
            continue
        source = r.get("source") or AnswerSource.IMPORT
        if source not in AnswerSource.values:
            problems.append(ImportProblem("answers", i, "source", f"unknown source {source!r}"))
            continue
        answer_rows.append((rid, kind, item, float(value), answered_on, source))
    if problems:
        raise ImportRejected(problems)

    # --- phase 2: write -------------------------------------------------------
    history_user = user if getattr(user, "pk", None) else None
    unit_by_code: dict[str, Unit] = {u.code: u for u in Unit.objects.all()}
    region_by_code = {r.code: r for r in Region.objects.all()}
    for code, r in units_in_file.items():
        fields = {
            "name": r.get("name") or code,
            "region": region_by_code[r["region_code"]],
            "care_level": r["care_level"],
            "active_from": r.get("active_from"),
            "active_to": r.get("active_to"),
            "hsa_id": r.get("hsa_id") or None,
        }
        unit = unit_by_code.get(code)
        if unit is None:
            unit = Unit(code=code, **fields)
            counts["units"]["created"] += 1
        elif any(getattr(unit, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(unit, k, v)
            counts["units"]["updated"] += 1
        else:
            counts["units"]["unchanged"] += 1
            continue
        _stamp(unit, user, reason)
        unit.save()
        unit_by_code[code] = unit
    existing_totals = {
        (t.unit.code, t.year): t for t in UnitYearTotal.objects.select_related("unit")
    }
    for r in rows["unit_year_totals"]:
        key = (r["unit_id"], int(r["year"]))
        total = int(r["rehab_patients_total"])
        row = existing_totals.get(key)
        if row is not None and row.rehab_patients_total == total:
            counts["unit_year_totals"]["unchanged"] += 1
            continue
        if row is None:
            row = UnitYearTotal(unit=unit_by_code[key[0]], year=key[1])
            counts["unit_year_totals"]["created"] += 1
        else:
            counts["unit_year_totals"]["updated"] += 1
        row.rehab_patients_total = total
        _stamp(row, user, reason)
        row.save()

    # patients
    patient_by_pid: dict[str, Patient] = {}
    digits = list(digits_of.values())
    externals = [pid for pid in patient_info if pid not in digits_of]
    by_digits: dict[str, Patient] = {}
    for chunk in _chunks(digits):
        by_digits |= {p.personnummer: p for p in Patient.objects.filter(personnummer__in=chunk)}
    by_external: dict[str, Patient] = {}
    for chunk in _chunks(externals):
        by_external |= {p.external_id: p for p in Patient.objects.filter(external_id__in=chunk)}
    new_patients: list[Patient] = []
    for pid, info in patient_info.items():
        number = info["personnummer"]
        found = by_digits.get(number.digits) if number else by_external.get(pid)
        if found is not None:
            patient_by_pid[pid] = found
            counts["patients"]["unchanged"] += 1
            continue
        if number is not None:
            patient = Patient(
                personnummer=number.digits,
                sex=number.sex,
                birth_date=number.birth_date,
                birth_year=number.birth_year,
            )
        else:
            patient = Patient(external_id=pid, sex=info["sex"] or "", birth_year=info["birth_year"])
        new_patients.append(patient)
        patient_by_pid[pid] = patient
    if new_patients:
        bulk_create_with_history(
            new_patients, Patient, default_user=history_user, default_change_reason=reason
        )
        counts["patients"]["created"] = len(new_patients)

    # registrations
    now = timezone.now()
    new_regs: list[Registration] = []
    changed_regs: list[Registration] = []
    reg_by_rid: dict[str, Registration] = {}
    for rid, spec in reg_values.items():
        values = spec["values"]
        existing = spec["existing"]
        patient = patient_by_pid[spec["patient_id"]]
        unit = unit_by_code[spec["unit_id"]]
        if existing is None:
            reg = Registration(
                ref=rid,
                patient=patient,
                unit=unit,
                signed_off_at=now if spec["signed_off"] else None,
                **values,
            )
            new_regs.append(reg)
            reg_by_rid[rid] = reg
            continue
        reg_by_rid[rid] = existing
        before = validation.registration_values(existing)
        diff = {k: v for k, v in values.items() if before[k] != v}
        if existing.patient_id != patient.pk or existing.unit_id != unit.pk:
            diff["patient"], diff["unit"] = patient, unit
        if spec["signed_off"] != existing.signed_off:
            diff["signed_off_at"] = now if spec["signed_off"] else None
        if not diff:
            counts["registrations"]["unchanged"] += 1
            continue
        for k, v in diff.items():
            setattr(existing, k, v)
        _stamp(existing, user, reason)
        existing.save()
        changed_regs.append(existing)
    if new_regs:
        bulk_create_with_history(
            new_regs, Registration, default_user=history_user, default_change_reason=reason
        )
        occasions = [
            Occasion(registration=reg, kind=kind)
            for reg in new_regs
            for kind in _occasion_kinds(reg.category)
        ]
        bulk_create_with_history(
            occasions, Occasion, default_user=history_user, default_change_reason=reason
        )
    for reg in changed_regs:
        _ensure_occasions(reg, user)
    counts["registrations"]["created"] = len(new_regs)
    counts["registrations"]["updated"] = len(changed_regs)

    # answers
    reg_pks = [reg.pk for reg in reg_by_rid.values()]
    occasion_by_key: dict[tuple[int, str], Occasion] = {}
    for chunk in _chunks(reg_pks):
        for occ in Occasion.objects.filter(registration_id__in=chunk):
            occasion_by_key[(occ.registration_id, occ.kind)] = occ
    touched_rids = {a[0] for a in answer_rows}
    touched_pks = [reg_by_rid[rid].pk for rid in touched_rids]
    existing_answers: dict[tuple[int, str], Answer] = {}
    for chunk in _chunks(touched_pks):
        for ans in Answer.objects.filter(occasion__registration_id__in=chunk):
            existing_answers[(ans.occasion_id, ans.item)] = ans
    new_answers: list[Answer] = []
    touched_occasions: set[int] = set()
    for rid, kind, item, value, answered_on, source in answer_rows:
        occ = occasion_by_key[(reg_by_rid[rid].pk, kind)]
        old = existing_answers.get((occ.pk, item))
        if old is None:
            new_answers.append(
                Answer(occasion=occ, item=item, value=value, answered_on=answered_on, source=source)
            )
            touched_occasions.add(occ.pk)
        elif (old.value, old.answered_on, old.source) != (value, answered_on, source):
            old.value, old.answered_on, old.source = value, answered_on, source
            _stamp(old, user, reason)
            old.save()
            touched_occasions.add(occ.pk)
            counts["answers"]["updated"] += 1
        else:
            counts["answers"]["unchanged"] += 1
    if new_answers:
        _insert_answers_with_history(new_answers, history_user=history_user, reason=reason)
        counts["answers"]["created"] = len(new_answers)
    _rescore_occasions(sorted(touched_occasions), user)

    # audit: one event per created or changed registration, one for the import
    from painreg.audit.models import AuditEvent

    audit_user = history_user
    audit_name = actor if actor is not None else audit._username(user)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=audit_user,
                username=audit_name,
                action="registration.import",
                unit_id=reg.unit_id,
                patient_id=reg.patient_id,
                object_type="registration",
                object_id=str(reg.pk),
                reason=reason,
            )
            for reg in [*new_regs, *changed_regs]
        ],
        batch_size=2000,
    )
    _event(user=user, name="register.import", unit=None, patient=None, obj=None,
           reason=reason, detail=counts, username=actor)  # fmt: skip
    return counts


def _insert_answers_with_history(answers: list[Answer], *, history_user: Any, reason: str) -> None:
    """Insert many new answers and their "created" history rows with ``executemany``.

    Imports bring answers by the ten thousand; Django's ``bulk_create`` spends
    most of its time building SQL per row, a plain ``executemany`` (pipelined on
    PostgreSQL) is an order of magnitude faster. Same rows as ``save()`` plus
    simple-history would write; only actions call this.
    """
    from django.db import connection

    ops = connection.ops
    qn = ops.quote_name
    table = Answer._meta.db_table
    cols = ["occasion_id", "item", "value", "answered_on", "source"]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {qn(table)} ({', '.join(map(qn, cols))}) "
            f"VALUES ({', '.join(['%s'] * len(cols))})",
            [
                (a.occasion_id, a.item, a.value, ops.adapt_datefield_value(a.answered_on), a.source)
                for a in answers
            ],
        )
    by_key = {(a.occasion_id, a.item): a for a in answers}
    occasion_ids = sorted({a.occasion_id for a in answers})
    for chunk in _chunks(occasion_ids):
        for pk, occ_id, item in Answer.objects.filter(occasion_id__in=chunk).values_list(
            "pk", "occasion_id", "item"
        ):
            answer = by_key.get((occ_id, item))
            if answer is not None:
                answer.pk = pk
    history = Answer.history.model._meta.db_table
    hcols = [
        "id", "occasion_id", "item", "value", "answered_on", "source",
        "history_change_reason", "history_date", "history_type", "history_user_id",
    ]  # fmt: skip
    when = ops.adapt_datetimefield_value(timezone.now())
    user_id = getattr(history_user, "pk", None)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {qn(history)} ({', '.join(map(qn, hcols))}) "
            f"VALUES ({', '.join(['%s'] * len(hcols))})",
            [
                (
                    a.pk, a.occasion_id, a.item, a.value, ops.adapt_datefield_value(a.answered_on),
                    a.source, reason, when, "+", user_id,
                )
                for a in answers
            ],
        )  # fmt: skip


def _rescore_occasions(occasion_pks: list[int], user: Any) -> None:
    """Recompute stored scores and statuses of many occasions with one scoring call."""
    import pandas as pd

    from painreg import instruments

    if not occasion_pks:
        return
    occasions = {}
    for chunk in _chunks(occasion_pks):
        occasions |= {o.pk: o for o in Occasion.objects.filter(pk__in=chunk)}
    answers = []
    for chunk in _chunks(occasion_pks):
        answers += list(
            Answer.objects.filter(occasion_id__in=chunk).values_list("occasion_id", "item", "value")
        )
    for chunk in _chunks(occasion_pks):
        Score.objects.filter(occasion_id__in=chunk).delete()
    if answers:
        frame = pd.DataFrame(answers, columns=["registration_id", "item", "value"])
        # score_answers groups by (registration_id, occasion): the occasion's pk is
        # unique on its own, so it stands in for both.
        frame["occasion"] = "x"
        scored = instruments.score_answers(frame)
        scored = scored[scored["value"].notna()]
        Score.objects.bulk_create(
            [
                Score(
                    occasion_id=int(rec.registration_id),
                    instrument=rec.instrument,
                    score=rec.score,
                    value=float(rec.value),
                )
                for rec in scored.itertuples(index=False)
            ],
            batch_size=2000,
        )
    items_by_occasion: dict[int, set[str]] = {}
    for occ_id, item, _value in answers:
        items_by_occasion.setdefault(occ_id, set()).add(item)
    for pk, occ in occasions.items():
        status = validation.status_from_items(
            items_by_occasion.get(pk, set()),
            not_administered=occ.not_administered or {},
            signed_off=occ.signed_off,
        )
        if status != occ.status:
            occ.status = status
            _stamp(occ, user, "import")
            occ.save(update_fields=["status"])
