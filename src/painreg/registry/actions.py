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
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from painreg import audit
from painreg.audit.history import purge_allowed
from painreg.registry import access, validation
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
from painreg.tidy import personnummer as pnr

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
    _ensure_occasions(registration, user, reason)
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


def _occasion_status(occasion: Occasion, items: set[str] | None = None) -> str:
    """``items``: the occasion's answered items when the caller has them (read otherwise)."""
    if items is None:
        items = set(occasion.answers.values_list("item", flat=True))
    return validation.status_from_items(
        items,
        not_administered=occasion.not_administered or {},
        signed_off=occasion.signed_off_at is not None,
    )


def recompute_scores(occasion: Occasion, answers: Mapping[str, float] | None = None) -> list[Score]:
    """Replace the occasion's stored scores with what the instrument library computes.

    One occasion is one response, so each instrument present is scored with
    the single-response path ``instruments.score`` (numpy over arrays of
    length one). The batch path ``instruments.score_answers`` gives the same
    numbers (tested) but pivots a pandas frame per instrument, too slow for
    every saved form (docs/eprom.md, "Load"). Like the batch path,
    only number and boolean scores are stored (booleans as 0/1); category
    labels are derived from the numbers when needed.

    ``answers``: all of the occasion's stored answers when the caller has them
    (``save_answers`` does; read from the database otherwise).

    Call only from actions (inside their transaction).
    """
    from painreg import instruments

    if answers is None:
        answers = dict(occasion.answers.values_list("item", "value"))
    by_instrument: dict[str, dict[str, float]] = {}
    for item, value in answers.items():
        by_instrument.setdefault(instruments.find_item(item).instrument, {})[item] = value
    occasion.scores.all().delete()
    scores = []
    for instrument_id in sorted(by_instrument):
        definition = instruments.get_instrument(instrument_id)
        stored = {d.name for d in definition.scores if d.type in {"number", "boolean"}}
        computed = instruments.score(instrument_id, by_instrument[instrument_id])
        for name, value in computed.items():
            if name not in stored or value is None:
                continue
            number = float(value)
            if math.isnan(number):
                continue
            scores.append(
                Score(occasion=occasion, instrument=instrument_id, score=name, value=number)
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
        # the same rows locked as before (occasion, registration); unit and
        # patient read for the audit event (no lazy query per submit)
        Occasion.objects.select_for_update(of=("self", "registration"))
        .select_related("registration__unit", "registration__patient")
        .get(pk=occasion.pk)
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
    _write_answers(occasion, existing, diff, answered_on, source, user, reason)
    # What is stored now: the earlier answers with the diff applied (no re-read).
    stored = {item: answer.value for item, answer in existing.items()}
    for item, (_old, value) in diff.items():
        if value is None:
            stored.pop(item, None)
        else:
            stored[item] = value
    recompute_scores(occasion, stored)
    if occasion.signed_off:
        problems = validation.occasion_signoff_problems(occasion)
        if problems:
            validation.raise_errors(validation.Report(errors=problems))
    _set_status(occasion, user, reason, set(stored))
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


def _write_answers(
    occasion: Occasion,
    existing: Mapping[str, Answer],
    diff: Mapping[str, list[Any]],
    answered_on: dt.date,
    source: str,
    user: Any,
    reason: str,
) -> None:
    """Write the changed answers, each with its history row, in the caller's transaction.

    New and changed answers go in two bulk statements with their history rows
    in two more (:func:`_insert_history` for the new ones, simple-history's
    ``bulk_update_with_history`` for the changed), instead of two INSERTs and
    a history manager per answer, which made the final submit of a whole
    form (about 200 items) slow (docs/eprom.md, "Load"). The history rows are
    the same as a ``save()`` writes: who (``_history_user``), when, the new
    values (the previous row holds the old ones), the reason, ``+`` for
    created and ``~`` for changed. Removed answers are few and keep the
    per-row delete (history type ``-``).
    """
    from simple_history.utils import bulk_update_with_history

    created: list[Answer] = []
    changed: list[Answer] = []
    for item, (_old_value, value) in diff.items():
        old = existing.get(item)
        if value is None:
            assert old is not None  # diff lists a removal only for a stored answer
            _stamp(old, user, reason)
            old.delete()
            continue
        answer = old or Answer(occasion=occasion, item=item)
        answer.value = value
        answer.answered_on = answered_on
        answer.source = source
        _stamp(answer, user, reason)
        (changed if old is not None else created).append(answer)
    if changed:
        bulk_update_with_history(
            changed, Answer, ["value", "answered_on", "source"], batch_size=500
        )
    if created:
        Answer.objects.bulk_create(created, batch_size=500)
        if any(a.pk is None for a in created):  # a database that returns no ids
            ids = dict(occasion.answers.values_list("item", "pk"))
            for answer in created:
                answer.pk = ids[answer.item]
        _insert_history(Answer, [a.pk for a in created], "+", user, reason)


def _insert_history(model: Any, ids: list[int], history_type: str, user: Any, reason: str) -> None:
    """History rows of the just-written rows ``ids`` of ``model``, set-based.

    One ``INSERT INTO <history> SELECT ... FROM <table>`` per 500 rows: the
    same columns and values simple-history's ``bulk_history_create`` writes
    (the tracked fields as stored now, one ``history_date``, the user, the
    reason or NULL, the type) without building a historical model instance per
    row, which for a whole form's answers was a large part of the final
    submit (docs/eprom.md, "Load").
    """
    from django.db import connection

    history = model.history.model
    tracked = [connection.ops.quote_name(f.column) for f in history.tracked_fields]
    extra = ["history_date", "history_type", "history_user_id", "history_change_reason"]
    columns = ", ".join(tracked + [connection.ops.quote_name(c) for c in extra])
    fixed = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        history_type,
        user.pk if getattr(user, "pk", None) else None,
        reason or None,  # as _stamp leaves it for simple-history: NULL without a reason
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} ({columns}) "
                f"SELECT {', '.join(tracked)}, %s, %s, %s, %s "
                f"FROM {connection.ops.quote_name(model._meta.db_table)} "
                f"WHERE {connection.ops.quote_name(model._meta.pk.column)} "
                f"IN ({', '.join(['%s'] * len(chunk))})",
                [*fixed, *chunk],
            )


def _set_status(
    occasion: Occasion, user: Any, reason: str = "", items: set[str] | None = None
) -> None:
    status = _occasion_status(occasion, items)
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
