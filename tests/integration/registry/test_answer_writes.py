"""Saving a whole form: bulk writes of answers keep the per-answer history, and
the single-response scoring stores exactly what the batch scoring computes."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest

from painreg import audit, instruments
from painreg.audit.models import AuditEvent
from painreg.registry import actions
from painreg.registry.models import Answer, Score

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 4, 25)  # the rehab end date of the conftest registration


def _random_answers(rng: random.Random, drop: float) -> dict[str, float]:
    """A valid value for every item of every instrument (a share dropped as missing)."""
    out: dict[str, float] = {}
    for instrument_id in instruments.instrument_ids():
        instrument = instruments.get_instrument(instrument_id)
        if instrument.options.get("same_items_as"):
            continue  # SF-36 scores RAND-36's items
        for item in instrument.items:
            if rng.random() < drop:
                continue
            if item.values is not None:
                out[item.id] = float(rng.choice(list(item.values)))
            else:
                out[item.id] = float(rng.randint(int(item.min), int(item.max)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_scores_equal_the_batch_scoring_of_the_same_answers(
    world: Any, registration: Any, seed: int
) -> None:
    """The external value is the instrument library's batch path
    (``instruments.score_answers``, itself tested against the manuals)."""
    import pandas as pd

    occasion = registration.occasions.get(kind="end")
    answers = _random_answers(random.Random(seed), drop=0.1 * seed)
    actions.save_answers(user=world.alice, occasion=occasion, answers=answers, answered_on=ON)
    stored = {(s.instrument, s.score): s.value for s in Score.objects.filter(occasion=occasion)}
    frame = pd.DataFrame(
        {
            "registration_id": registration.pk,
            "occasion": "end",
            "item": list(answers),
            "value": list(answers.values()),
        }
    )
    batch = {
        (r.instrument, r.score): r.value
        for r in instruments.score_answers(frame).itertuples(index=False)
        if not math.isnan(r.value)
    }
    assert batch and stored.keys() == batch.keys()
    for key, value in batch.items():
        assert stored[key] == pytest.approx(value, abs=1e-12), key


def test_every_saved_answer_has_a_history_row_with_who_when_and_reason(
    world: Any, registration: Any
) -> None:
    occasion = registration.occasions.get(kind="initial")
    answers = {f"hads_{i}": 1 for i in range(1, 15)}
    actions.save_answers(
        user=world.alice, occasion=occasion, answers=answers, answered_on=dt.date(2025, 1, 20),
        reason="paper form",
    )  # fmt: skip
    rows = Answer.history.filter(occasion_id=occasion.pk)
    assert rows.count() == 14
    assert {r.item for r in rows} == set(answers)
    assert {(r.history_type, r.history_user_id, r.history_change_reason) for r in rows} == {
        ("+", world.alice.pk, "paper form")
    }
    assert all(r.history_date is not None and r.value == 1.0 for r in rows)
    # history_id links each row to its answer
    assert {r.id for r in rows} == set(Answer.objects.values_list("pk", flat=True))


def test_a_changed_answer_keeps_old_and_new_values_in_its_history(
    world: Any, registration: Any
) -> None:
    occasion = registration.occasions.get(kind="initial")
    first = {f"hads_{i}": 1 for i in range(1, 15)}
    actions.save_answers(
        user=world.alice, occasion=occasion, answers=first, answered_on=dt.date(2025, 1, 20)
    )
    actions.save_answers(
        user=None, occasion=occasion, answers={"hads_2": 3, "hads_3": 1, "hads_4": None},
        answered_on=dt.date(2025, 1, 20), source="patient",
    )  # fmt: skip
    answer = Answer.objects.get(occasion=occasion, item="hads_2")
    latest, previous = answer.history.all()[:2]
    assert (previous.value, latest.value) == (1.0, 3.0)
    assert (latest.history_type, latest.history_user_id, latest.source) == ("~", None, "patient")
    assert previous.history_change_reason is None  # no reason given: NULL, as save() writes
    # unchanged answers get no new row; the removed one gets a deletion row
    assert Answer.history.filter(item="hads_3").count() == 1
    assert list(Answer.history.filter(item="hads_4").values_list("history_type", flat=True)) == [
        "-",
        "+",
    ]


def test_a_failure_after_the_bulk_write_leaves_no_answer_and_no_history(
    world: Any, registration: Any, monkeypatch: Any
) -> None:
    """Answers, their history and the audit event are one transaction."""
    occasion = registration.occasions.get(kind="initial")

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_event", broken)
    with pytest.raises(RuntimeError):
        actions.save_answers(
            user=world.alice,
            occasion=occasion,
            answers={f"hads_{i}": 1 for i in range(1, 15)},
            answered_on=dt.date(2025, 1, 20),
        )
    assert not Answer.objects.exists()
    assert not Answer.history.exists()
    assert not Score.objects.exists()
    assert not AuditEvent.objects.filter(action="answers.save").exists()
