"""Scoring entry points: one response, a table of responses, the long answers table.

Design decision: :func:`score` and :func:`score_frame` share one path (validate
item columns -> :func:`painreg.instruments.scoring.compute` -> convert), so a
single response is literally a table of one row and the two cannot disagree.
Tables go in and come out as the same type (pandas, pyarrow, polars if
installed); the vectorized arithmetic is numpy over float64 columns.

The long ``scores`` table (:func:`score_answers`) holds numeric scores only
(booleans as 0/1); category scores are derived from the numbers with
:func:`painreg.instruments.change.category`, so indicators never store words
that a changed cut-off would make stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from painreg.instruments.model import (
    Instrument,
    InstrumentError,
    Item,
    find_item,
    get_instrument,
)
from painreg.instruments.scoring import compute

#: Options that are data of the definition, not choices of a caller.
_FIXED_OPTIONS = frozenset({"value_sets", "same_items_as"})


@dataclass(frozen=True)
class InvalidValue:
    """One rejected answer: where (row position and id), which item, why."""

    row: int
    row_id: object
    item: str
    value: object
    reason: str

    def message(self) -> str:
        if self.row_id is None:
            where = f"row {self.row + 1}"
        elif str(self.row_id).startswith("registration "):
            where = str(self.row_id)
        else:
            where = f"id {self.row_id}"
        return f"{where}: {self.item}: {self.reason}"


# ----------------------------------------------------------------- options & values


def resolve_options(instrument: Instrument, options: Mapping[str, Any]) -> dict[str, Any]:
    allowed = set(instrument.options) - _FIXED_OPTIONS
    unknown = set(options) - allowed
    if unknown:
        hint = f"options: {', '.join(sorted(allowed))}" if allowed else "it takes no options"
        raise InstrumentError(f"{instrument.id}: unknown option(s) {sorted(unknown)}; {hint}")
    merged = {k: v for k, v in instrument.options.items()}
    merged.update({k: v for k, v in options.items() if v is not None})
    if "value_set" in merged:
        sets = instrument.options["value_sets"]
        if merged["value_set"] not in sets:
            raise InstrumentError(
                f"{instrument.id}: unknown value set {merged['value_set']!r}; "
                f"available: {', '.join(sorted(sets))}"
            )
    return merged


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _reason(item: Item, value: float) -> str:
    if value < item.min or value > item.max:
        return f"{_fmt(value)} is outside {item.describe_range()}"
    return f"{_fmt(value)} is not an allowed value ({item.describe_range()})"


def _bad_mask(item: Item, values: np.ndarray) -> np.ndarray | None:
    """Where a present value is not allowed by the catalogue; None when all are fine.

    The common case (every value valid) is checked with a few whole-column
    reductions and no mask allocation; NaN compares false everywhere, so
    missing values pass.
    """
    if item.contiguous_integers:
        with np.errstate(invalid="ignore"):
            if not (
                (values < item.min).any()
                or (values > item.max).any()
                or (values != np.floor(values))[~np.isnan(values)].any()
            ):
                return None
            present = ~np.isnan(values)
            ok = (values >= item.min) & (values <= item.max) & (values == np.floor(values))
            return present & ~ok
    present = ~np.isnan(values)
    if item.values is not None:
        ok = np.isin(values, np.asarray(item.values))
    else:
        ok = (values >= item.min) & (values <= item.max)
    bad = present & ~ok
    return bad if bad.any() else None


def validate_value(item_id: str, value: object) -> float | None:
    """The coded number of one answer, or ``None`` if missing; InstrumentError if invalid.

    >>> validate_value("hads_3", 2)
    2.0
    >>> validate_value("hads_3", 4)
    Traceback (most recent call last):
    ...
    painreg.instruments.model.InstrumentError: hads_3: 4 is outside 0-3
    """
    item = find_item(item_id)
    number = _to_number(item_id, value)
    if number is None:
        return None
    if _bad_mask(item, np.array([number])) is not None:
        raise InstrumentError(f"{item_id}: {_reason(item, number)}")
    return number


def _to_number(item_id: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InstrumentError(f"{item_id}: {value!r} is not a number")
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        try:
            number = float(text)
        except ValueError:
            raise InstrumentError(f"{item_id}: {value!r} is not a number") from None
    else:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InstrumentError(f"{item_id}: {value!r} is not a number") from None
    if np.isnan(number):
        return None
    if np.isinf(number):
        raise InstrumentError(f"{item_id}: {value!r} is not a finite number")
    return number


# ------------------------------------------------------------------------- columns


def _item_for_column(instrument: Instrument, name: str) -> str | None:
    """The item id a column/key feeds, None if it belongs elsewhere (id columns, other items)."""
    if name in instrument.item_ids:
        return name
    alias_of = instrument.options.get("same_items_as")
    if alias_of and name.startswith(f"{alias_of}_"):
        candidate = f"{instrument.id}_{name.removeprefix(alias_of + '_')}"
        if candidate in instrument.item_ids:
            return candidate
    if name.startswith(f"{instrument.id}_"):
        raise InstrumentError(
            f"{name}: not an item of {instrument.id} (version {instrument.version}); "
            f"items are {instrument.item_ids[0]} .. {instrument.item_ids[-1]}"
        )
    return None


def _gather(instrument: Instrument, raw: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map input columns onto item ids; an instrument's own item wins over an alias."""
    columns: dict[str, np.ndarray] = {}
    own: set[str] = set()
    for name, values in raw.items():
        item_id = _item_for_column(instrument, name)
        if item_id is None:
            continue
        if name == item_id:
            own.add(item_id)
            columns[item_id] = values
        elif item_id not in own:
            columns[item_id] = values
    return columns


def find_invalid(
    instrument: Instrument,
    columns: Mapping[str, np.ndarray],
    *,
    row_ids: Sequence[object] | None = None,
    not_numbers: Mapping[str, np.ndarray] | None = None,
) -> list[InvalidValue]:
    """Every value the catalogue rejects, in row order (vectorized check)."""
    problems: list[InvalidValue] = []
    for item_id, values in columns.items():
        item = instrument.item(item_id)
        bad = _bad_mask(item, values)
        for row in () if bad is None else np.flatnonzero(bad):
            problems.append(
                InvalidValue(
                    int(row),
                    None if row_ids is None else row_ids[row],
                    item_id,
                    float(values[row]),
                    _reason(item, float(values[row])),
                )
            )
        if not_numbers and item_id in not_numbers:
            originals = not_numbers[item_id]
            for row, original in originals:
                problems.append(
                    InvalidValue(
                        int(row),
                        None if row_ids is None else row_ids[row],
                        item_id,
                        original,
                        f"{original!r} is not a number",
                    )
                )
    problems.sort(key=lambda p: (p.row, p.item))
    return problems


# --------------------------------------------------------------------------- score


def score(instrument_id: str, answers: Mapping[str, object], **options: Any) -> dict[str, object]:
    """Scores of one response: ``{score name: number | str | bool | None}``.

    ``answers`` maps item ids to coded values (None, NaN or "" = missing).
    Keys that are items of other instruments are ignored; unknown item ids
    raise :class:`InstrumentError`. Options: ``value_set`` (EQ-5D),
    ``item_key``, ``profile_centroids``, ``profile_classifier`` (MPI).

    >>> score("hads", {f"hads_{i}": 1 for i in range(1, 15)})["anxiety_category"]
    'normal'
    """
    instrument = get_instrument(instrument_id)
    resolved = resolve_options(instrument, options)
    raw: dict[str, np.ndarray] = {}
    for key, value in answers.items():
        item_id = _item_for_column(instrument, key)
        if item_id is None:
            find_item(key)  # an unknown id anywhere is an error; other instruments' are not
            continue
        number = _to_number(key, value)
        raw[key] = np.array([np.nan if number is None else number])
    columns = _gather(instrument, raw)
    problems = find_invalid(instrument, columns)
    if problems:
        raise InstrumentError(f"{problems[0].item}: {problems[0].reason}")
    computed = compute(instrument, columns, 1, resolved)
    return {name: _python_value(instrument, name, computed[name][0]) for name in computed}


def _python_value(instrument: Instrument, name: str, value: float) -> object:
    if np.isnan(value):
        return None
    definition = instrument.score_def(name)
    if definition.type == "category":
        return definition.labels[int(value)]
    if definition.type == "boolean":
        return bool(value)
    return float(value)


# --------------------------------------------------------------------- score_frame


def _table_kind(table: object) -> str:
    module = type(table).__module__.split(".")[0]
    if module == "pandas":
        return "pandas"
    if module == "pyarrow":
        return "arrow"
    if module == "polars":
        return "polars"
    raise InstrumentError(
        f"score_frame takes a pandas DataFrame, a pyarrow Table or a polars DataFrame, "
        f"not {type(table).__name__}"
    )


def _numeric(name: str, values: Any) -> tuple[np.ndarray, list[tuple[int, object]]]:
    """float64 column and the (row, original) pairs that were not numbers."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype.kind in "biuf":
        return series.to_numpy(dtype="float64", na_value=np.nan), []
    if str(series.dtype) == "boolean" or series.dtype.kind == "b":
        raise InstrumentError(f"{name}: true/false is not a coded number")
    text = series.astype("string").str.strip()
    numbers = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
    array = numbers.to_numpy(dtype="float64", na_value=np.nan)
    failed = np.flatnonzero(np.isnan(array) & text.notna().to_numpy() & (text != "").to_numpy())
    return array, [(int(row), series.iloc[row]) for row in failed]


def _columns_of(table: Any, kind: str) -> dict[str, Any]:
    if kind == "pandas":
        return {str(name): table[name] for name in table.columns}
    if kind == "arrow":
        import pyarrow as pa

        out: dict[str, Any] = {}
        for name in table.column_names:
            column = table.column(name)
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                as_float = column.cast(pa.float64())  # nulls become NaN below
                out[name] = (
                    as_float.to_numpy()
                    if isinstance(as_float, pa.ChunkedArray)
                    else as_float.to_numpy(zero_copy_only=False)
                )
            elif pa.types.is_null(column.type):
                out[name] = np.full(table.num_rows, np.nan)
            else:
                out[name] = column.to_pandas()
        return out
    return {name: table.get_column(name).to_pandas() for name in table.columns}


def prepare(
    instrument: Instrument, table: Any
) -> tuple[dict[str, np.ndarray], dict[str, list[tuple[int, object]]], int, str]:
    """Item columns (float64) of a table, the non-numbers found, row count, table kind."""
    kind = _table_kind(table)
    raw = _columns_of(table, kind)
    numeric: dict[str, np.ndarray] = {}
    not_numbers: dict[str, list[tuple[int, object]]] = {}
    relevant = {name for name in raw if _item_for_column(instrument, name) is not None}
    for name in relevant:
        values = raw[name]
        if isinstance(values, np.ndarray):
            numeric[name] = values
        else:
            numeric[name], failed = _numeric(name, values)
            if failed:
                not_numbers[name] = failed
    n = len(table) if kind != "arrow" else table.num_rows
    columns = _gather(instrument, numeric)
    renamed = {_item_for_column(instrument, name): failed for name, failed in not_numbers.items()}
    return columns, {k: v for k, v in renamed.items() if k is not None}, n, kind


def score_frame(
    instrument_id: str,
    table: Any,
    *,
    id_column: str | None = None,
    invalid: str = "raise",
    **options: Any,
) -> Any:
    """Scores of many responses: one row per input row, one column per score.

    ``table`` is a pandas DataFrame, a pyarrow Table or a polars DataFrame
    with one column per item id (other columns are ignored); the result has
    the same type (pandas keeps the index). Numbers are float64 (NaN/null =
    missing), categories strings, booleans nullable booleans. Identical to
    :func:`score` row by row.

    Invalid values raise :class:`InstrumentError` naming the row (its
    ``id_column`` value when given) and the item; with ``invalid="skip"`` the
    rows with invalid values get empty scores instead (see
    :func:`invalid_values` for the list).
    """
    if invalid not in {"raise", "skip"}:
        raise InstrumentError(f"invalid must be 'raise' or 'skip', not {invalid!r}")
    instrument = get_instrument(instrument_id)
    resolved = resolve_options(instrument, options)
    columns, not_numbers, n, kind = prepare(instrument, table)
    row_ids = _row_ids(table, kind, id_column)
    problems = find_invalid(instrument, columns, row_ids=row_ids, not_numbers=not_numbers)
    if problems and invalid == "raise":
        raise InstrumentError(problems[0].message())
    if problems:
        bad_rows = np.zeros(n, dtype=bool)
        bad_rows[[p.row for p in problems]] = True
        columns = {k: np.where(bad_rows, np.nan, v) for k, v in columns.items()}
    computed = compute(instrument, columns, n, resolved)
    if problems:
        # A row with an invalid answer gets no score at all (not a partial one).
        computed = {k: np.where(bad_rows, np.nan, v) for k, v in computed.items()}
    return _to_table(instrument, computed, kind, table)


def invalid_values(
    instrument_id: str, table: Any, *, id_column: str | None = None
) -> list[InvalidValue]:
    """Every invalid answer in ``table`` (row, id, item, reason), for reports."""
    instrument = get_instrument(instrument_id)
    columns, not_numbers, _, kind = prepare(instrument, table)
    row_ids = _row_ids(table, kind, id_column)
    return find_invalid(instrument, columns, row_ids=row_ids, not_numbers=not_numbers)


def _row_ids(table: Any, kind: str, id_column: str | None) -> list[object] | None:
    if id_column is None:
        return None
    if kind == "pandas":
        if id_column not in table.columns:
            raise InstrumentError(f"no column {id_column!r} in the table")
        return table[id_column].tolist()
    if kind == "arrow":
        return table.column(id_column).to_pylist()
    return table.get_column(id_column).to_list()


def _to_table(instrument: Instrument, computed: Mapping[str, np.ndarray], kind: str, like: Any):  # type: ignore[no-untyped-def]
    if kind == "pandas":
        import pandas as pd

        data = {}
        for name, values in computed.items():
            definition = instrument.score_def(name)
            if definition.type == "category":
                data[name] = pd.Series(_labels(definition.labels, values), index=like.index)
            elif definition.type == "boolean":
                array = pd.array(values == 1.0, dtype="boolean")
                array[np.isnan(values)] = pd.NA
                data[name] = pd.Series(array, index=like.index)
            else:
                data[name] = pd.Series(values, index=like.index, dtype="float64")
        return pd.DataFrame(data, index=like.index)
    if kind == "arrow":
        import pyarrow as pa

        arrays = {}
        for name, values in computed.items():
            definition = instrument.score_def(name)
            mask = np.isnan(values)
            if definition.type == "category":
                arrays[name] = pa.array(_labels(definition.labels, values), type=pa.string())
            elif definition.type == "boolean":
                arrays[name] = pa.array(values == 1.0, mask=mask, type=pa.bool_())
            else:
                arrays[name] = pa.array(values, mask=mask, type=pa.float64())
        if isinstance(like, pa.RecordBatch):
            return pa.RecordBatch.from_pydict(arrays)
        return pa.table(arrays)
    import polars as pl

    series = []
    for name, values in computed.items():
        definition = instrument.score_def(name)
        mask = np.isnan(values)
        if definition.type == "category":
            series.append(pl.Series(name, _labels(definition.labels, values), dtype=pl.String))
        elif definition.type == "boolean":
            series.append(pl.Series(name, values == 1.0).set(pl.Series(mask), None))
        else:
            series.append(pl.Series(name, values).fill_nan(None))
    return pl.DataFrame(series)


def _labels(labels: Sequence[str], codes: np.ndarray) -> np.ndarray:
    lookup = np.array([*labels, None], dtype=object)
    index = np.where(np.isnan(codes), len(labels), np.nan_to_num(codes)).astype(np.intp)
    return lookup[index]


# ------------------------------------------------------------------- score_answers

LONG_ANSWER_COLUMNS = ("registration_id", "occasion", "item", "value")
LONG_SCORE_COLUMNS = ("registration_id", "occasion", "instrument", "score", "value")


def instrument_of(item_id: str) -> str:
    return find_item(item_id).instrument


def score_answers(answers: Any, *, instruments: Iterable[str] | None = None) -> Any:
    """Long answers -> long scores, for every instrument present (default options).

    ``answers`` has the interchange columns ``registration_id, occasion, item,
    value`` (pandas DataFrame or pyarrow Table); the result is a pandas
    DataFrame ``registration_id, occasion, instrument, score, value`` with
    numeric scores only (``value`` float64; booleans 0/1). Category scores are
    not stored: derive them with :func:`painreg.instruments.category`. A score
    that cannot be computed (missing items) has no row.

    ``instruments`` restricts or extends the set scored; naming ``sf36`` scores
    SF-36 from RAND-36 answers (the same 36 items).
    """
    import pandas as pd

    frame = (
        answers.to_pandas()
        if hasattr(answers, "to_pandas") and not isinstance(answers, pd.DataFrame)
        else answers
    )
    missing = [c for c in LONG_ANSWER_COLUMNS if c not in frame.columns]
    if missing:
        raise InstrumentError(f"answers table lacks column(s) {missing}")
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in LONG_SCORE_COLUMNS}).astype(
        {"value": "float64"}
    )
    if len(frame) == 0:
        return empty
    items = frame["item"].astype(str)
    owner = {item: instrument_of(item) for item in items.unique()}
    frame = frame.assign(_instrument=items.map(owner), item=items)
    duplicated = frame.duplicated(["registration_id", "occasion", "item"], keep=False)
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise InstrumentError(
            f"registration {row['registration_id']}, occasion {row['occasion']}: "
            f"item {row['item']} answered more than once"
        )
    present = sorted(set(owner.values()))
    wanted = present if instruments is None else list(instruments)
    pieces = []
    for instrument_id in wanted:
        instrument = get_instrument(instrument_id)
        alias = instrument.options.get("same_items_as")
        sources = {instrument_id} | ({alias} if alias else set())
        subset = frame[frame["_instrument"].isin(sources)]
        if subset.empty:
            continue
        wide = subset.pivot(index=["registration_id", "occasion"], columns="item", values="value")
        wide.columns = [str(c) for c in wide.columns]
        # Errors name the registration and occasion, not a row of the pivot.
        wide["_where"] = [f"registration {r}, occasion {o}" for r, o in wide.index]
        problems = invalid_values(instrument_id, wide, id_column="_where")
        if problems:
            first = problems[0]
            raise InstrumentError(f"{first.row_id}: {first.item}: {first.reason}")
        scored = score_frame(instrument_id, wide.drop(columns="_where"))
        numeric = [d.name for d in instrument.scores if d.type in {"number", "boolean"}]
        if not numeric:
            continue
        values = scored[numeric].astype("float64")
        values.index = wide.index
        long = values.stack(future_stack=True).rename("value").reset_index()
        long.columns = ["registration_id", "occasion", "score", "value"]
        long = long[long["value"].notna()]
        long.insert(2, "instrument", instrument_id)
        pieces.append(long)
    if not pieces:
        return empty
    result = pd.concat(pieces, ignore_index=True)
    return result[list(LONG_SCORE_COLUMNS)]
