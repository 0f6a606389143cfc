"""A registration to work on, for the cast of tests/integration/conftest.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

REHAB = {
    "category": "rehab",
    "referral_date": dt.date(2025, 1, 2),
    "first_visit_date": dt.date(2025, 1, 20),
    "rehab_start_date": dt.date(2025, 2, 3),
    "rehab_end_date": dt.date(2025, 4, 25),
    "main_diagnosis": "M79.7",
}


@pytest.fixture
def registration(world: SimpleNamespace) -> Any:
    from painreg.registry import actions

    return actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
    )


HADS_ALL_ONES = {f"hads_{i}": 1 for i in range(1, 15)}


def mark_rest_not_administered(user: Any, occasion: Any, reason: str = "ej aktuellt") -> None:
    """Mark every instrument of the occasion's form that has no answers as not
    administered (sign-off needs the whole form answered or marked)."""
    from painreg import instruments
    from painreg.registry import actions, validation

    answered = set(occasion.answers.values_list("item", flat=True))
    for instrument_id in validation.occasion_form(occasion):
        if not answered & set(instruments.get_instrument(instrument_id).item_ids):
            actions.set_not_administered(
                user=user, occasion=occasion, instrument=instrument_id, reason=reason
            )
