"""Every write of the quality app: a run's findings, raising, answering and closing queries.

The registry's habit (``registry.actions``): keyword-only functions, atomic,
checking that the user may do it, writing an audit event in the same
transaction. Corrections of the data themselves are the registry's actions
(``registry.actions.update_registration`` and the occasion actions), reached
from the query's page; they keep their own audit and history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from painreg import audit
from painreg.errors import UserError
from painreg.quality import data
from painreg.quality.models import (
    CloseReason,
    Finding,
    QualityRun,
    Query,
    QueryStatus,
)
from painreg.registry import access
from painreg.registry.models import Registration, Role, Unit

SYSTEM = "system"
MAX_TEXT = 2000


def may_raise(user: Any, unit: Unit) -> bool:
    """The coordinator, or the unit's manager, may raise and close queries of ``unit``."""
    return access.is_national_coordinator(user) or Role.UNIT_MANAGER in access.roles_in(user, unit)


def may_answer(user: Any, unit: Unit) -> bool:
    """The unit's staff (every unit role) answer its queries."""
    return bool(access.roles_in(user, unit))


def _text(value: str, field_name: str, sv: str, en: str) -> str:
    from django.utils.translation import get_language

    text = (value or "").strip()
    if not text:
        message = en if (get_language() or "sv").startswith("en") else sv
        raise ValidationError({field_name: [ValidationError(message, code="required")]})
    return text[:MAX_TEXT]


def _event(*, user: Any, name: str, query: Query, detail: dict[str, Any]) -> None:
    registration = query.registration
    audit.record_event(
        user=user,
        username=None if user else SYSTEM,
        action=name,
        unit=query.unit,
        patient=registration.patient if registration is not None else None,
        obj=query,
        detail=detail,
    )


# --------------------------------------------------------------------------- runs


def run_quality_check(
    *,
    user: Any = None,
    username: str = "",
    rules: Iterable[Any] | None = None,
    today: dt.date | None = None,
) -> QualityRun:
    """Run the rules over the register and update the findings (see ``models``)."""
    from painreg.analytics import quality

    if user is not None and not access.is_national_coordinator(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    started = timezone.now()
    tables = data.register_tables()
    result = quality.run_rules(tables, rules, today=today)
    try:
        with transaction.atomic():
            known = set(tables["registrations"].column("registration_id").to_pylist())
            name = username or (user.get_username() if user else "")
            run = _store(result, started=started, username=name, known=known)
            audit.record_event(
                user=user,
                username=None if user else (username or SYSTEM),
                action="quality_run",
                obj=run,
                detail={
                    "today": today.isoformat(),
                    "found": run.found,
                    "opened": run.opened,
                    "resolved": run.resolved,
                    "not_run": result.not_run,
                },
            )
    except IntegrityError:
        # Two runs stored the same new finding at once (the nightly job and the button):
        # this one is rolled back whole; the other's findings stand.
        raise UserError("another quality check ran at the same time; run it again") from None
    return run


def _store(result: Any, *, started: Any, username: str, known: set[str]) -> QualityRun:
    now = timezone.now()
    units = dict(Unit.objects.values_list("code", "pk"))
    existing = {
        (f.rule, f.unit_id, f.registration_id, f.occasion, f.field): f
        for f in Finding.objects.all()
    }
    seen: set[tuple] = set()
    opened = 0
    for found in result.findings:
        unit_pk = units.get(found.unit_id or "")
        rid = found.registration_id
        if unit_pk is None or (rid is not None and rid not in known):
            continue  # a rule's SQL named a unit or registration the register lacks
        registration_pk = int(rid) if rid is not None else None
        key = (found.rule, unit_pk, registration_pk, found.occasion or "", found.field or "")
        seen.add(key)
        finding = existing.get(key)
        if finding is None:
            Finding.objects.create(
                rule=found.rule,
                severity=found.severity,
                unit_id=unit_pk,
                registration_id=registration_pk,
                occasion=found.occasion or "",
                field=found.field or "",
                detail=found.detail[:200],
                first_found_at=now,
                last_found_at=now,
            )
            opened += 1
            continue
        if finding.resolved_at is not None:
            opened += 1
        finding.severity = found.severity
        finding.detail = found.detail[:200]
        finding.last_found_at = now
        finding.resolved_at = None
        finding.save(update_fields=["severity", "detail", "last_found_at", "resolved_at"])
    # Findings of rules that did not run this time stay as they were.
    resolved = 0
    for key, finding in existing.items():
        if key not in seen and finding.resolved_at is None and finding.rule not in result.not_run:
            finding.resolved_at = now
            finding.save(update_fields=["resolved_at"])
            resolved += 1
    return QualityRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        username=username,
        today=result.today,
        rules=result.counts(),
        not_run=result.not_run,
        found=len(seen),
        opened=opened,
        resolved=resolved,
    )


# --------------------------------------------------------------------------- queries


@transaction.atomic
def raise_query(
    *,
    user: Any,
    unit: Unit,
    question: str,
    finding: Finding | None = None,
    registration: Registration | None = None,
    field: str = "",
) -> Query:
    """A question to ``unit`` on a field of a registration (or on a finding)."""
    if not may_raise(user, unit):
        raise PermissionDenied
    if finding is not None:
        if finding.unit_id != unit.pk:
            raise PermissionDenied
        registration = finding.registration
        field = field or finding.field
    if registration is not None and registration.unit_id != unit.pk:
        raise PermissionDenied
    query = Query.objects.create(
        unit=unit,
        registration=registration,
        finding=finding,
        field=(field or "")[:64],
        question=_text(question, "question", "Skriv frågan.", "Write the question."),
        raised_by=user,
        raised_as_coordinator=access.is_national_coordinator(user),
    )
    _event(
        user=user,
        name="quality_query_raised",
        query=query,
        detail={"field": query.field, "finding": finding.rule if finding else ""},
    )
    return query


@transaction.atomic
def answer_query(*, user: Any, query: Query, answer: str) -> Query:
    """The unit's answer (a correction itself is made through the registry's actions)."""
    query = Query.objects.select_for_update().get(pk=query.pk)
    if not may_answer(user, query.unit):
        raise PermissionDenied
    if query.is_closed:
        _text("", "answer", "Frågan är stängd.", "The query is closed.")
    query.answer = _text(answer, "answer", "Skriv svaret.", "Write the answer.")
    query.answered_by = user
    query.answered_at = timezone.now()
    query.status = QueryStatus.ANSWERED
    query.save()
    _event(user=user, name="quality_query_answered", query=query, detail={"field": query.field})
    return query


@transaction.atomic
def close_query(*, user: Any, query: Query, reason: str, note: str = "") -> Query:
    """Closed with a reason by the register's side (the coordinator or the unit manager)."""
    query = Query.objects.select_for_update().get(pk=query.pk)
    if not may_raise(user, query.unit):
        raise PermissionDenied
    if reason not in CloseReason.values:
        raise ValidationError({"reason": [ValidationError("Choose a reason.", code="choice")]})
    if query.is_closed:
        return query
    query.status = QueryStatus.CLOSED
    query.close_reason = reason
    query.close_note = (note or "").strip()[:MAX_TEXT]
    query.closed_by = user
    query.closed_at = timezone.now()
    query.save()
    _event(
        user=user,
        name="quality_query_closed",
        query=query,
        detail={"reason": reason, "note": query.close_note},
    )
    return query
