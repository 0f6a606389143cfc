"""Score kinds: the arithmetic behind every ``kind:`` a definition may name.

Design decision: one vectorized implementation per kind, working on numpy
float64 columns (NaN = missing), used for one response (arrays of length 1,
:func:`painreg.instruments.score`) and for millions (:func:`score_frame`) alike,
so the two can never disagree. Category scores are carried as float codes into
their ``bands`` (NaN = missing) and turned into words only at the edge;
boolean scores as 1.0/0.0/NaN.

Clinical rules and their sources:

* ``sum``: proration (mean of answered items x number of items, rounded half
  up) when at most ``max_missing`` items are missing (DOMAIN.md; HADS manual,
  PCS manual, TSK, CPAQ). Reversed items count as ``min + max - value``.
* ``mean``: RAND-36 (Hays 1993): items recoded to 0-100, scale = mean of the
  answered items.
* ``sf36_scale`` / ``sf36_bodily_pain`` / ``sf36_summary``: SF-36 v1 (Ware 1993
  manual: recoding, half rule with person-mean substitution, 0-100
  transformation; Ware, Kosinski & Keller 1994: PCS/MCS with 1990 US norms).
* ``eq5d_index``: additive value-set models with optional constant for "any
  problem" and indicators for "any dimension at level >= L" (the shape every
  published 3L/5L model of our value sets has).
* ``mpi_scale`` / ``mpi_profile``: item key and classifier parameters supplied
  by the registry holder; never guessed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from painreg.instruments.model import Instrument, InstrumentError, ScoreDef

Columns = Mapping[str, np.ndarray]
Scores = dict[str, np.ndarray]
Kind = Callable[[Instrument, ScoreDef, Columns, Scores, Mapping[str, Any], int], np.ndarray]

# Exact-half values (10.5) must round up; float error must not turn a true
# 10.5 into 10.4999999. Prorated sums are rationals with small denominators,
# so a tolerance far below 1/(2*items) is safe.
_HALF_UP_EPS = 1e-9


def round_half_up(values: np.ndarray) -> np.ndarray:
    """Round half up (10.5 -> 11), the proration rule of DOMAIN.md."""
    return np.floor(values + 0.5 + _HALF_UP_EPS)


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


def _lookup(values: np.ndarray, mapping: Mapping[float, float]) -> np.ndarray:
    """Map coded values through ``mapping`` (values are validated, so keys cover them)."""
    keys = np.array(sorted(mapping), dtype=float)
    table = np.array([mapping[k] for k in sorted(mapping)], dtype=float)
    idx = np.searchsorted(keys, np.nan_to_num(values, nan=keys[0]))
    idx = np.clip(idx, 0, len(keys) - 1)
    return np.where(np.isnan(values), np.nan, table[idx])


_RECODE_TABLES: dict[tuple[str, int, str], np.ndarray] = {}


def _recode_table(instrument_id: str, version: int, item_id: str) -> np.ndarray:
    key = (instrument_id, version, item_id)
    if key not in _RECODE_TABLES:
        from painreg.instruments.model import get_instrument

        item = get_instrument(instrument_id, version).item(item_id)
        assert item.recode is not None
        table = np.full(int(item.max) + 1, np.nan)
        for code, value in item.recode.items():
            table[int(code)] = value
        _RECODE_TABLES[key] = table
    return _RECODE_TABLES[key]


def item_column(
    instrument: Instrument, item_id: str, columns: Columns, n: int, *, recoded: bool = True
) -> np.ndarray:
    """The scoring value of one item: recoded (definition ``recode``) or reversed."""
    values = columns.get(item_id)
    if values is None:
        return _nan(n)
    item = instrument.item(item_id)
    if recoded and item.recode is not None:
        if item.contiguous_integers and item.min >= 0:
            # Direct table lookup by code (codes are validated integers).
            table = _recode_table(instrument.id, instrument.version, item_id)
            codes = np.nan_to_num(values, nan=0.0).astype(np.intp)
            return np.where(np.isnan(values), np.nan, table[codes])
        return _lookup(values, item.recode)
    if item.reversed:
        return (item.min + item.max) - values
    return values


def _source(score: ScoreDef, columns: Columns, scores: Scores, n: int) -> np.ndarray:
    """The value a category/flag score reads: another score, or an item."""
    name = score.params["of"]
    if name in scores:
        return scores[name]
    if name in columns:
        return columns[name]
    return _nan(n)


def kind_item(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    return item_column(instrument, score.items[0], columns, n, recoded=False).astype(float)


def _sum_answered(
    instrument: Instrument, score: ScoreDef, columns: Columns, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the answered item values and the number answered, column by column.

    Accumulating item by item keeps memory at two columns (no k x n stack) and
    is what makes 1,000,000 HADS responses a second possible.
    """
    total = np.zeros(n)
    answered = np.zeros(n)
    for item_id in score.items:
        values = item_column(instrument, item_id, columns, n)
        missing = np.isnan(values)
        total += np.where(missing, 0.0, values)
        answered += ~missing
    return total, answered


def kind_sum(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    total, answered = _sum_answered(instrument, score, columns, n)
    k = len(score.items)
    max_missing = int(score.params.get("max_missing", 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        prorated = np.where(answered < k, round_half_up(total * k / answered), total)
    return np.where((k - answered <= max_missing) & (answered > 0), prorated, np.nan)


def kind_mean(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    total, answered = _sum_answered(instrument, score, columns, n)
    min_answered = int(score.params.get("min_answered", 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / answered
    return np.where(answered >= max(min_answered, 1), mean, np.nan)


def kind_total(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    parts = [scores[name] for name in score.params["of"]]
    return np.sum(np.vstack(parts), axis=0)  # NaN in any part -> NaN


def band_index(score: ScoreDef, values: np.ndarray) -> np.ndarray:
    """Code of the first band whose ``max`` is >= the value (NaN stays NaN)."""
    maxes = np.array([float(b["max"]) for b in score.params["bands"]])
    idx = np.searchsorted(maxes, np.nan_to_num(values, nan=0.0), side="left")
    idx = np.minimum(idx, len(maxes) - 1).astype(float)
    return np.where(np.isnan(values), np.nan, idx)


def kind_category(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    return band_index(score, _source(score, columns, scores, n))


_FLAG_TESTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "above": lambda v, t: v > t,
    "at_least": lambda v, t: v >= t,
    "below": lambda v, t: v < t,
    "at_most": lambda v, t: v <= t,
}


def kind_flag(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    values = _source(score, columns, scores, n)
    tests = [k for k in _FLAG_TESTS if k in score.params]
    if len(tests) != 1:
        raise InstrumentError(f"{instrument.id}.{score.name}: a flag needs exactly one test")
    with np.errstate(invalid="ignore"):
        result = _FLAG_TESTS[tests[0]](values, float(score.params[tests[0]])).astype(float)
    return np.where(np.isnan(values), np.nan, result)


# ----------------------------------------------------------------------------- EQ-5D


def value_set(instrument: Instrument, options: Mapping[str, Any]) -> Mapping[str, Any]:
    name = options.get("value_set") or instrument.options["value_set"]
    sets = instrument.options["value_sets"]
    if name not in sets:
        raise InstrumentError(
            f"{instrument.id}: unknown value set {name!r}; available: {', '.join(sorted(sets))}"
        )
    return sets[name]


def kind_eq5d_index(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    model = value_set(instrument, options)
    dims = [columns.get(item_id, _nan(n)) for item_id in score.items]
    levels = np.vstack(dims)
    complete = ~np.isnan(levels).any(axis=0)
    safe = np.where(complete, levels, 1).astype(np.intp)
    index = np.full(n, float(model["full_health"]))
    for row, item_id in enumerate(score.items):
        coefficients = np.asarray(model["dimensions"][item_id.rsplit("_", 1)[1]], dtype=float)
        index += coefficients[safe[row] - 1]
    worst = safe.max(axis=0)
    index += np.where(worst > 1, float(model["any_problem"]), 0.0)
    for level, coefficient in (model.get("level_at_least") or {}).items():
        index += np.where(worst >= int(level), float(coefficient), 0.0)
    return np.where(complete, index, np.nan)


# ---------------------------------------------------------------------------- SF-36


def kind_sf36_scale(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    total, answered = _sum_answered(instrument, score, columns, n)
    k = len(score.items)
    # Half rule (Ware 1993): a scale is scored when at least half of its items
    # are answered; each missing item takes the mean of the answered ones.
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = total / answered * k
    lo, hi = float(score.params["raw_min"]), float(score.params["raw_max"])
    transformed = (raw - lo) / (hi - lo) * 100.0
    return np.where(answered >= math.ceil(k / 2), transformed, np.nan)


# Item 22 (pain interference) scored jointly with item 21 (Ware 1993, table 6.3).
_SF36_BP22_ALONE = {1.0: 6.0, 2.0: 4.75, 3.0: 3.5, 4.0: 2.25, 5.0: 1.0}


def kind_sf36_bodily_pain(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    id21, id22 = score.items
    raw21 = columns.get(id21, _nan(n))
    raw22 = columns.get(id22, _nan(n))
    r21 = item_column(instrument, id21, columns, n)  # 6.0, 5.4, 4.2, 3.1, 2.2, 1.0
    with_21 = np.where(raw22 == 1, np.where(raw21 == 1, 6.0, 5.0), 6.0 - raw22)
    r22 = np.where(np.isnan(raw21), _lookup(raw22, _SF36_BP22_ALONE), with_21)
    # One item missing: it takes the value of the other (person-mean substitution).
    r21_filled = np.where(np.isnan(r21), r22, r21)
    r22_filled = np.where(np.isnan(raw22), r21, r22)
    raw = r21_filled + r22_filled
    return (raw - 2.0) / 10.0 * 100.0  # NaN when both are missing


def kind_sf36_summary(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    norms = score.params["norms"]
    coefficients = score.params["coefficients"]
    total = np.zeros(n)
    for scale, coefficient in coefficients.items():
        z = (scores[scale] - float(norms[scale]["mean"])) / float(norms[scale]["sd"])
        total = total + z * float(coefficient)  # NaN propagates: all 8 scales needed
    return 50.0 + 10.0 * total


# ------------------------------------------------------------------------------ MPI


def mpi_item_key(options: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The MPI item key: option ``item_key``, else the file named by PAINREG_MPI_KEY."""
    key = options.get("item_key")
    if key is None and os.environ.get("PAINREG_MPI_KEY"):
        path = Path(os.environ["PAINREG_MPI_KEY"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InstrumentError(f"PAINREG_MPI_KEY: cannot read {path}: {exc}") from exc
        import yaml

        key = yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else json.loads(text)
    return key


def mpi_parameters(path: Path) -> dict[str, Any]:
    """The registry holder's MPI-S parameters from a YAML or JSON file, checked.

    The file holds ``profile_centroids`` (profile label -> scale -> mean; the
    nearest centroid classifies) and, unless ``PAINREG_MPI_KEY`` names the key
    file, ``item_key`` (scale -> item ids, or ``{items: [...], reversed:
    [...]}``). Every label, scale and item id is checked against the MPI
    definition; the result is the ``options`` of :func:`score` and
    :func:`painreg.analytics.load.load_register`'s ``mpi_options``. Raises
    :class:`InstrumentError` naming the file and what is wrong.
    """
    from painreg.errors import read_yaml
    from painreg.instruments.model import get_instrument

    data = read_yaml(path, "the MPI parameters", InstrumentError)
    mpi = get_instrument("mpi")
    scales = {s.name for s in mpi.scores if s.kind == "mpi_scale"}
    labels = set(mpi.score_def("profile").labels) - {"not_classified"}
    if not isinstance(data, dict) or not isinstance(data.get("profile_centroids"), dict):
        raise InstrumentError(
            f"{path}: needs a mapping 'profile_centroids' (profile -> scale means)"
        )
    unknown = set(data) - {"item_key", "profile_centroids"}
    if unknown:
        raise InstrumentError(f"{path}: unknown entries {', '.join(sorted(map(str, unknown)))}")
    for label, centroid in data["profile_centroids"].items():
        if label not in labels:
            raise InstrumentError(
                f"{path}: profile_centroids: {label!r} is not an MPI profile "
                f"({', '.join(sorted(labels))})"
            )
        if not isinstance(centroid, dict) or not centroid:
            raise InstrumentError(f"{path}: profile_centroids.{label}: needs scale means")
        for scale, value in centroid.items():
            if scale not in scales:
                raise InstrumentError(
                    f"{path}: profile_centroids.{label}: {scale!r} is not an MPI scale"
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InstrumentError(
                    f"{path}: profile_centroids.{label}.{scale}: {value!r} is not a number"
                )
    key = data.get("item_key")
    if key is None and not os.environ.get("PAINREG_MPI_KEY"):
        raise InstrumentError(f"{path}: needs 'item_key' (or PAINREG_MPI_KEY naming the key file)")
    for scale, entry in (key or {}).items():
        items = entry.get("items") if isinstance(entry, dict) else entry
        if scale not in scales:
            raise InstrumentError(f"{path}: item_key: {scale!r} is not an MPI scale")
        if not isinstance(items, list) or not items:
            raise InstrumentError(f"{path}: item_key.{scale}: needs a list of item ids")
        extra = set(items) | set(entry.get("reversed", ()) if isinstance(entry, dict) else ())
        wrong = sorted(map(str, extra - set(mpi.item_ids)))
        if wrong:
            raise InstrumentError(f"{path}: item_key.{scale}: not MPI items: {', '.join(wrong)}")
    return {k: v for k, v in data.items() if v is not None}


def kind_mpi_scale(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    key = mpi_item_key(options)
    if not key or score.name not in key:
        return _nan(n)
    entry = key[score.name]
    item_ids = entry["items"] if isinstance(entry, Mapping) else entry
    reversed_ids = set(entry.get("reversed", ())) if isinstance(entry, Mapping) else set()
    parts = []
    for item_id in item_ids:
        values = columns.get(item_id, _nan(n))
        if item_id not in instrument.item_ids:
            raise InstrumentError(f"mpi item key: {item_id} is not an MPI item")
        parts.append(6.0 - values if item_id in reversed_ids else values)
    stacked = np.vstack(parts)
    answered = (~np.isnan(stacked)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(stacked, axis=0) / answered
    return np.where(answered > 0, mean, np.nan)


def kind_mpi_profile(instrument, score, columns, scores, options, n):  # type: ignore[no-untyped-def]
    labels = list(score.labels)
    not_classified = float(labels.index("not_classified"))
    any_answer = np.zeros(n, dtype=bool)
    for item_id in instrument.item_ids:
        if item_id in columns:
            any_answer |= ~np.isnan(columns[item_id])
    classifier = options.get("profile_classifier")
    centroids = options.get("profile_centroids")
    if classifier is not None:
        scale_scores = {name: scores[name] for name in scores}
        result = np.asarray(classifier(scale_scores), dtype=object)
        codes = np.array([np.nan if r is None else float(labels.index(r)) for r in result])
        return np.where(any_answer, codes, np.nan)
    if not centroids:
        return np.where(any_answer, not_classified, np.nan)
    # Nearest centroid (Euclidean) over the scales the holder's parameters name.
    names = sorted({s for c in centroids.values() for s in c})
    matrix = np.vstack([scores[s] for s in names])  # (scales, n)
    best = np.full(n, np.nan)
    best_distance = np.full(n, np.inf)
    for label, centroid in centroids.items():
        point = np.array([float(centroid[s]) for s in names])[:, None]
        distance = np.sqrt(((matrix - point) ** 2).sum(axis=0))
        closer = distance < best_distance
        best = np.where(closer, float(labels.index(label)), best)
        best_distance = np.where(closer, distance, best_distance)
    return np.where(np.isnan(matrix).any(axis=0), np.nan, best)


KINDS: dict[str, Kind] = {
    "item": kind_item,
    "sum": kind_sum,
    "mean": kind_mean,
    "total": kind_total,
    "category": kind_category,
    "flag": kind_flag,
    "eq5d_index": kind_eq5d_index,
    "sf36_scale": kind_sf36_scale,
    "sf36_bodily_pain": kind_sf36_bodily_pain,
    "sf36_summary": kind_sf36_summary,
    "mpi_scale": kind_mpi_scale,
    "mpi_profile": kind_mpi_profile,
}


def compute(instrument: Instrument, columns: Columns, n: int, options: Mapping[str, Any]) -> Scores:
    """Every score of ``instrument`` over validated item columns (float64, NaN = missing)."""
    scores: Scores = {}
    for score in instrument.scores:
        try:
            kind = KINDS[score.kind]
        except KeyError:
            raise InstrumentError(
                f"{instrument.id}.{score.name}: unknown kind {score.kind}"
            ) from None
        scores[score.name] = np.asarray(kind(instrument, score, columns, scores, options, n))
    return scores
