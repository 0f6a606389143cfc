"""What every action shares: the atomic wrapper, role checks, history stamps, audit events.

Private to :mod:`painreg.registry.actions`; the names keep their leading underscore.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from painreg import audit
from painreg.registry import access, validation
from painreg.registry.guard import writes_allowed
from painreg.registry.models import (
    Patient,
    Registration,
    Unit,
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


def _registration_event(
    *,
    user: Any,
    name: str,
    registration: Registration,
    obj: Any,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> None:
    """The audit event of a write to ``registration`` or one of its occasions."""
    _event(
        user=user,
        name=name,
        unit=registration.unit,
        patient=registration.patient,
        obj=obj,
        reason=reason,
        detail=detail,
        username=username,
    )


def _refuse(problems: list[validation.Issue]) -> None:
    """Refuse the write (``ValidationError`` keyed by field) when a check found ``problems``."""
    if problems:
        validation.raise_errors(validation.Findings(errors=problems))


def _language() -> str:
    from django.utils.translation import get_language

    return get_language() or "sv"
