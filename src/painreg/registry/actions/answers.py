"""Answers of an occasion and the scores stored with them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from painreg.registry import validation
from painreg.registry.actions._common import (
    _need_reason,
    _refuse,
    _registration_event,
    _require,
    _stamp,
    action,
)
from painreg.registry.actions.occasions import _set_status
from painreg.registry.models import (
    ENTRY_ROLES,
    Answer,
    AnswerSource,
    Occasion,
    Score,
)


def recompute_scores(occasion: Occasion, answers: Mapping[str, float] | None = None) -> list[Score]:
    """Replace the occasion's stored scores with what the instrument library computes.

    One occasion is one response, so each instrument present is scored with
    the single-response path ``instruments.score`` (numpy over arrays of
    length one). The batch path ``instruments.score_answers`` gives the same
    numbers (tested) but pivots a pandas frame per instrument, too slow for
    one saved form (docs/eprom.md, "Load"). Like the batch path,
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
    report = validation.Findings()
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
        _refuse(validation.occasion_signoff_problems(occasion))
    _set_status(occasion, user, reason, set(stored))
    _registration_event(
        user=user,
        name="answers.save",
        registration=registration,
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
    a history manager per answer, which dominated the final submit of a
    whole form (docs/eprom.md, "Load"). The history rows are the same as a ``save()`` writes: who
    (``_history_user``), when, the new values (the previous row holds the
    old ones), the reason, ``+`` for created and ``~`` for changed. Removed
    answers are few and keep the per-row delete (history type ``-``).
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
