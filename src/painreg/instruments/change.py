"""Categories of a score and change categories between two occasions.

Design decision: the rules are data (the ``change:`` section of each
definition) and the cut-offs are the bands of the category scores, so the
annual report, the dashboard and the individual profile all read one source
(DOMAIN.md, "Change categories"). Three rule shapes cover every measure:

* ``category_shift`` (HADS, WAI): compare the band at ``initial`` and ``end``;
  same band: unchanged positive if the band is listed as positive.
* ``threshold`` (PCS, EQ-VAS): a change counts when |end - initial| reaches
  ``min_change``; otherwise unchanged positive/negative by the end value.
* ``end_category`` (global questions): the band of the answer at ``end``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from painreg.instruments.model import Instrument, InstrumentError, ScoreDef, get_instrument
from painreg.instruments.scoring import band_index

# Differences such as 45.1 - 30.0 carry float error; a change "of 15.1" must count.
_EPS = 1e-9


def _category_def(instrument: Instrument, score_name: str) -> ScoreDef:
    for definition in instrument.scores:
        if definition.type != "category" or "bands" not in definition.params:
            continue
        if definition.name == score_name or definition.params.get("of") == score_name:
            return definition
    raise InstrumentError(f"{instrument.id}: {score_name!r} has no categories")


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InstrumentError(f"{value!r} is not a number") from None
    return None if math.isnan(number) else number


def category(instrument_id: str, score_name: str, value: object) -> str | None:
    """The category word of a score value (None when the value is missing).

    >>> category("hads", "anxiety", 9)
    'borderline'
    >>> category("wai", "score", 8)
    'good'
    """
    instrument = get_instrument(instrument_id)
    definition = _category_def(instrument, score_name)
    number = _number(value)
    if number is None:
        return None
    code = band_index(definition, np.array([number]))[0]
    return definition.labels[int(code)]


def change_rule(instrument_id: str, measure: str) -> dict[str, Any]:
    """The change rule of a measure as plain data, for engines that cannot call Python
    per row (Ibis/SQL indicators): rule shape, the score it reads, bands
    ``[(label, max), ...]`` in order, ``better`` ("lower"/"higher") and thresholds.

    >>> change_rule("pcs", "total")["min_change"]
    15.1
    """
    instrument = get_instrument(instrument_id)
    if measure not in instrument.change:
        raise InstrumentError(f"{instrument_id}: no change rule for {measure!r}")
    rule = dict(instrument.change[measure])
    result: dict[str, Any] = {"rule": rule.pop("rule"), "measure": measure}
    category_name = rule.pop("category", None)
    if category_name is not None:
        definition = instrument.score_def(category_name)
        result["score"] = definition.params["of"]
        result["bands"] = [(b["label"], float(b["max"])) for b in definition.params["bands"]]
    else:
        result["score"] = measure
    result.update(rule)
    return result


def _lookup(scores: Mapping[str, Any] | None, *names: str) -> float | None:
    if scores is None:
        return None
    for name in names:
        if name in scores:
            return _number(scores[name])
    return None


def change_category(
    instrument_id: str,
    measure: str,
    initial_scores: Mapping[str, Any] | None,
    end_scores: Mapping[str, Any] | None,
) -> str | None:
    """DOMAIN.md change category of ``measure`` between ``initial`` and ``end``.

    Returns ``"improved" | "worsened" | "unchanged_positive" |
    "unchanged_negative"`` (``"improved" | "unchanged" | "worsened"`` for the
    global questions, whose ``initial_scores`` may be None), or None when the
    measure is missing at an occasion it needs.

    >>> change_category("hads", "anxiety", {"anxiety": 12}, {"anxiety": 6})
    'improved'
    >>> change_category("global", "global_life_1", None, {"global_life_1": 2})
    'improved'
    """
    instrument = get_instrument(instrument_id)
    rule = instrument.change.get(measure)
    if rule is None:
        measures = ", ".join(instrument.change) or "none"
        raise InstrumentError(
            f"{instrument_id}: no change rule for {measure!r} (measures: {measures})"
        )
    kind = rule["rule"]
    if kind == "end_category":
        definition = instrument.score_def(rule["category"])
        end = _lookup(end_scores, measure, definition.params["of"])
        if end is None:
            return None
        return definition.labels[int(band_index(definition, np.array([end]))[0])]
    initial = _lookup(initial_scores, measure)
    end = _lookup(end_scores, measure)
    if initial is None or end is None:
        return None
    lower_is_better = rule["better"] == "lower"
    if kind == "category_shift":
        definition = instrument.score_def(rule["category"])
        before = int(band_index(definition, np.array([initial]))[0])
        after = int(band_index(definition, np.array([end]))[0])
        if before != after:
            got_better = (after < before) if lower_is_better else (after > before)
            return "improved" if got_better else "worsened"
        positive = definition.labels[after] in rule["positive"]
        return "unchanged_positive" if positive else "unchanged_negative"
    if kind == "threshold":
        difference = end - initial
        step = float(rule["min_change"]) - _EPS
        if (lower_is_better and difference <= -step) or (
            not lower_is_better and difference >= step
        ):
            return "improved"
        if (lower_is_better and difference >= step) or (
            not lower_is_better and difference <= -step
        ):
            return "worsened"
        if "positive_below" in rule:
            positive = end < float(rule["positive_below"])
        else:
            positive = end >= float(rule["positive_at_least"])
        return "unchanged_positive" if positive else "unchanged_negative"
    raise InstrumentError(f"{instrument_id}.{measure}: unknown change rule {kind!r}")
