"""Audit: change history, audit events and the access log (append-only).

Entry points (models are imported inside the functions so that importing
this package does not need Django to be set up):

* :func:`record_event` - called by ``registry.actions`` inside each write's
  transaction (field-level old/new values come from django-simple-history).
* :func:`log_access` - called by every view or export that shows
  identifiable patient data; :func:`log_access_many` when one page or one
  file shows several patients: one entry per patient, so each patient's
  access extract (loggutdrag) lists it.
* :func:`redact_patient` - deletion on request: blanks what the patient's
  audit events and access-log rows say (their payloads), keeps that they
  happened, and records the keyed digest of every payload it blanked.

Every row is a link of its table's hash chain (:mod:`painreg.audit.chain`:
``append`` when written, ``verify`` for ``painreg audit verify``).

The scoped reads of the log (a unit manager's browse of the unit's log, a
patient's access extract) are in :mod:`painreg.registry.access`, with every
other scoped read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import Model

    from painreg.audit.models import AccessLog, AuditEvent
    from painreg.registry.models import Patient, Unit

__all__ = [
    "log_access",
    "log_access_many",
    "record_event",
    "redact_patient",
]


def _username(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "get_username", lambda: str(user))() or ""


def record_event(
    *,
    user: Any,
    action: str,
    unit: Unit | None = None,
    patient: Patient | None = None,
    obj: Model | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Write one audit event. Call inside the transaction of the write it records."""
    from painreg.audit import chain
    from painreg.audit.models import AuditEvent

    event = AuditEvent(
        user=user if getattr(user, "pk", None) else None,
        username=username if username is not None else _username(user),
        action=action,
        unit=unit,
        patient=patient,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        detail=detail or {},
    )
    chain.append("events", [event])
    return event


def log_access(
    *,
    user: Any,
    action: str,
    patient: Patient | None = None,
    unit: Unit | None = None,
    detail: str = "",
    username: str | None = None,
) -> AccessLog:
    """Record that ``user`` saw identifiable data (``action``: an ``AccessAction`` value)."""
    from painreg.audit import chain

    entry = _access_entry(user=user, action=action, unit=unit, detail=detail, username=username)
    entry.patient = patient
    chain.append("access", [entry])
    return entry


def log_access_many(
    *,
    user: Any,
    action: str,
    patient_ids: Iterable[int],
    unit: Unit | None = None,
    detail: str = "",
    username: str | None = None,
) -> int:
    """One access-log entry per distinct patient in ``patient_ids`` (a list page, an
    export file); returns how many were written."""
    from painreg.audit import chain

    entries = []
    for pk in sorted(set(patient_ids)):
        entry = _access_entry(user=user, action=action, unit=unit, detail=detail, username=username)
        entry.patient_id = pk
        entries.append(entry)
    chain.append("access", entries)
    return len(entries)


def _access_entry(
    *, user: Any, action: str, unit: Unit | None, detail: str, username: str | None
) -> AccessLog:
    from painreg.audit.models import AccessAction, AccessLog

    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}; one of {AccessAction.values}")
    return AccessLog(
        user=user if getattr(user, "pk", None) else None,
        username=username if username is not None else _username(user),
        action=action,
        unit=unit,
        detail=detail[:500],
    )


def payload_digest(row: AuditEvent | AccessLog) -> str:
    """Keyed SHA-256 (HMAC with the secret key) of what an audit row says beyond the
    fact (reason and detail), canonical JSON.

    Each row's hash commits to this digest (``payload_hash``, :mod:`painreg.audit.chain`),
    so the chain still verifies after a redaction: the redaction event keeps the
    digest of every payload it blanked.
    Keyed, because an answer value or a personnummer has few enough candidates
    that a plain hash of the blanked payload could be reversed by guessing.
    """
    from painreg.audit.chain import payload_digest as digest

    return digest(getattr(row, "reason", ""), row.detail)


def _written_digest(row: AuditEvent | AccessLog) -> str:
    """The digest a redaction records for ``row``: the one it was written with
    (``payload_hash``) while its payload is still that one, under the secret key or
    a fallback of it; otherwise the digest of what it holds now, which the chain
    then shows as edited before the redaction."""
    from painreg.audit.chain import payload_digest as digest
    from painreg.audit.chain import secret_keys

    reason = getattr(row, "reason", "")
    if any(digest(reason, row.detail, key=k) == row.payload_hash for k in secret_keys()):
        return row.payload_hash
    return payload_digest(row)


def redact_patient(*, user: Any, patient: Patient, unit: Unit | None, reason: str) -> AuditEvent:
    """Blank the payloads of the patient's audit rows (of ``unit`` only, when given).

    Deletion on request (patientdatalagen 7 kap. 6 §) must not leave answer
    values, diagnoses and dates in the audit events of the anonymous row that
    remains. Who did what to which record and when stays; the reason and the
    detail become empty. The redaction is itself an audit event, whose detail
    lists the digest (:func:`payload_digest`) of every payload it blanked.
    Call inside the deletion's transaction, under ``audit.history.purge_allowed``.
    """
    from painreg.audit.models import AccessLog, AuditEvent

    events = AuditEvent.objects.filter(patient=patient)
    views = AccessLog.objects.filter(patient=patient)
    if unit is not None:
        events, views = events.filter(unit=unit), views.filter(unit=unit)
    digests = {
        "events": {str(e.pk): _written_digest(e) for e in events.exclude(reason="", detail={})},
        "access": {str(v.pk): _written_digest(v) for v in views.exclude(detail="")},
    }
    events.filter(pk__in=[int(k) for k in digests["events"]]).update(reason="", detail={})
    views.filter(pk__in=[int(k) for k in digests["access"]]).update(detail="")
    return record_event(
        user=user,
        action="audit.redact",
        unit=unit,
        patient=patient,
        reason=reason,
        detail={"digests": digests},
    )
