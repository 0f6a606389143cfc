"""Audit: change history, audit events and the access log (append-only).

Entry points (models are imported inside the functions so that importing
this package does not need Django to be set up):

* :func:`record_event` - called by ``registry.actions`` inside each write's
  transaction (field-level old/new values come from django-simple-history).
* :func:`log_access` - called by every view or export that shows
  identifiable patient data.
* :func:`access_log_for_unit` - the unit manager's browse of the unit's log
  (itself logged).
* :func:`access_extract` - a patient's "loggutdrag": who looked at or changed
  their data, and when (itself logged). ``painreg access-extract`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import Model, QuerySet

    from painreg.audit.models import AccessLog, AuditEvent
    from painreg.registry.models import Patient, Unit

__all__ = [
    "AccessExtractRow",
    "access_extract",
    "access_log_for_unit",
    "log_access",
    "record_event",
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
    from painreg.audit.models import AuditEvent

    return AuditEvent.objects.create(
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
    from painreg.audit.models import AccessAction, AccessLog

    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}; one of {AccessAction.values}")
    return AccessLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=username if username is not None else _username(user),
        action=action,
        unit=unit,
        patient=patient,
        detail=detail[:500],
    )


def access_log_for_unit(*, user: Any, unit: Unit) -> QuerySet[AccessLog]:
    """The unit's access log, for its unit manager only (PermissionDenied otherwise).

    Browsing the log is itself logged.
    """
    from painreg.audit.models import AccessAction, AccessLog
    from painreg.registry import access
    from painreg.registry.models import Role

    access.require_role(user, unit, Role.UNIT_MANAGER)
    log_access(user=user, action=AccessAction.BROWSE_ACCESS_LOG, unit=unit)
    return AccessLog.objects.filter(unit=unit).select_related("patient", "unit")


@dataclass(frozen=True)
class AccessExtractRow:
    at: dt.datetime
    username: str
    unit: str
    kind: str  # "access" | "change"
    action: str
    detail: str


def access_extract(
    personnummer: str, *, requested_by: str, user: Any = None, unit: Unit | None = None
) -> list[AccessExtractRow]:
    """The loggutdrag for one personnummer: every logged view and every change.

    ``unit`` limits it to one unit: a unit manager's extract (``user`` must be
    the unit's manager). Without it the extract covers the whole register: the
    operator's command only (``user=None``; a signed-in user gets
    PermissionDenied). Raises ``PersonnummerError`` for an invalid number and
    ``LookupError`` when the register holds no such patient. The extract
    itself is logged.
    """
    from django.core.exceptions import PermissionDenied

    from painreg.audit.models import AccessAction, AccessLog, AuditEvent
    from painreg.registry import access
    from painreg.registry import personnummer as pnr
    from painreg.registry.models import Patient, Role

    if user is not None:
        if unit is None:
            raise PermissionDenied
        access.require_role(user, unit, Role.UNIT_MANAGER)

    number = pnr.parse(personnummer)
    patients = Patient.objects.filter(personnummer=number.digits)
    if unit is not None:
        # A unit learns nothing about patients it has never registered.
        patients = patients.filter(registrations__unit=unit)
    patient = patients.first()
    if patient is None:
        raise LookupError(f"no patient with personnummer {number.formatted} in the register")
    views = AccessLog.objects.filter(patient=patient).select_related("unit")
    changes = AuditEvent.objects.filter(patient=patient).select_related("unit")
    if unit is not None:
        views, changes = views.filter(unit=unit), changes.filter(unit=unit)
    rows = [
        AccessExtractRow(
            at=v.at,
            username=v.username,
            unit=v.unit.name if v.unit_id and v.unit else "",
            kind="access",
            action=str(v.get_action_display()),
            detail=v.detail,
        )
        for v in views
    ] + [
        AccessExtractRow(
            at=c.at,
            username=c.username,
            unit=c.unit.name if c.unit_id and c.unit else "",
            kind="change",
            action=c.action,
            detail=c.reason,
        )
        for c in changes
    ]
    rows.sort(key=lambda r: (r.at, r.kind, r.action))
    log_access(
        user=user,
        username=requested_by,
        action=AccessAction.ACCESS_EXTRACT,
        patient=patient,
        unit=unit,
        detail=f"{len(rows)} rader",
    )
    return rows
