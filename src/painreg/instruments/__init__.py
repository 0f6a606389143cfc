"""painreg.instruments: every questionnaire of the register, defined as data and scored exactly.

Pure Python (no Django). This module is the one declared extension point (the
datasette habit): definitions live in ``definitions/<id>.v<n>.yaml`` (one
uniform shape), the arithmetic a definition names by ``kind`` in
:mod:`painreg.instruments.scoring`, change rules in
:mod:`painreg.instruments.change`, item texts in text packs
(:mod:`painreg.instruments.texts`). Nothing else in painreg may re-implement a
score; capture, reports and synthetic data call these functions.

>>> score("wai", {"wai_1": 8})
{'score': 8.0, 'category': 'good'}
"""

from __future__ import annotations

from painreg.instruments.change import category, change_category, change_rule
from painreg.instruments.engine import (
    InvalidValue,
    invalid_values,
    score,
    score_answers,
    score_frame,
    validate_value,
)
from painreg.instruments.model import (
    Instrument,
    InstrumentError,
    Item,
    ScoreDef,
    find_item,
    get_instrument,
    instrument_ids,
)
from painreg.instruments.texts import has_text, item_text, option_labels

__all__ = [
    "Instrument",
    "InstrumentError",
    "InvalidValue",
    "Item",
    "ScoreDef",
    "category",
    "change_category",
    "change_rule",
    "find_item",
    "get_instrument",
    "has_text",
    "instrument_ids",
    "invalid_values",
    "item_text",
    "option_labels",
    "score",
    "score_answers",
    "score_frame",
    "validate_value",
]
