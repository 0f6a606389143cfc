"""score_frame: table types, identity with score(), invalid rows, and the long scores table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreg.instruments import (
    InstrumentError,
    get_instrument,
    instrument_ids,
    score,
    score_answers,
    score_frame,
)


def _answer_strategy(instrument_id: str) -> st.SearchStrategy[dict[str, float | None]]:
    instrument = get_instrument(instrument_id)
    fields = {}
    for item in instrument.items:
        if item.values is not None:
            choice = st.sampled_from(item.values)
        elif item.integer:
            choice = st.integers(int(item.min), int(item.max)).map(float)
        else:
            choice = st.floats(item.min, item.max, allow_nan=False)
        fields[item.id] = st.one_of(st.none(), choice) if len(instrument.items) > 1 else choice
    return st.fixed_dictionaries(fields)


SCORED = [i for i in instrument_ids() if i != "mpi"]


@pytest.mark.parametrize("instrument_id", SCORED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_score_frame_gives_exactly_what_score_gives(
    instrument_id: str, data: st.DataObject
) -> None:
    """Property: every row of score_frame equals score() of that row (pandas and Arrow)."""
    rows = data.draw(st.lists(_answer_strategy(instrument_id), min_size=1, max_size=6))
    frame = pd.DataFrame(rows, dtype="float64")
    by_pandas = score_frame(instrument_id, frame)
    by_arrow = score_frame(instrument_id, pa.Table.from_pandas(frame)).to_pylist()
    for position, answers in enumerate(rows):
        single = score(instrument_id, answers)
        assert single
        for name, value in single.items():
            got = by_pandas[name].iloc[position]
            expected = value
            if isinstance(expected, float):
                assert got == pytest.approx(expected, rel=0, abs=0), (name, answers)
            elif expected is None:
                assert got is None or got is pd.NA or (isinstance(got, float) and math.isnan(got))
            else:
                assert got == expected
            assert by_arrow[position][name] == value


@pytest.mark.parametrize("instrument_id", SCORED)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_number_stays_within_its_declared_range(
    instrument_id: str, data: st.DataObject
) -> None:
    """Property: numeric scores lie within the range the definition declares."""
    answers = data.draw(_answer_strategy(instrument_id))
    instrument = get_instrument(instrument_id)
    result = score(instrument_id, answers)
    assert instrument.scores
    for definition in instrument.scores:
        value = result[definition.name]
        if definition.range is not None and isinstance(value, float):
            low, high = definition.range
            assert low - 1e-9 <= value <= high + 1e-9, (definition.name, value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([1, 2, 3, 4, 5]), min_size=5, max_size=5),
    st.sampled_from(["se-5l-2020", "se-5l-2022", "en-5l-2018"]),
)
def test_eq5d5l_index_never_exceeds_full_health(levels: list[int], value_set: str) -> None:
    """Property: no state is valued above 11111 in a monotone value set."""
    dims = ("mo", "sc", "ua", "pd", "ad")
    answers = {f"eq5d5l_{d}": v for d, v in zip(dims, levels, strict=True)}
    best = {f"eq5d5l_{d}": 1 for d in dims}
    assert (
        score("eq5d5l", answers, value_set=value_set)["index"]
        <= score("eq5d5l", best, value_set=value_set)["index"]
    )


def test_it_keeps_the_pandas_index_and_types() -> None:
    frame = pd.DataFrame(
        {"tsk_" + str(i): [1, np.nan] for i in range(1, 18)}, index=pd.Index(["a", "b"], name="id")
    )
    result = score_frame("tsk", frame)
    assert list(result.index) == ["a", "b"]
    assert result["total"].dtype == "float64"
    assert str(result["high"].dtype) == "boolean"
    assert result["high"].tolist()[0] is False
    assert result["high"].isna().iloc[1]


def test_it_returns_an_arrow_table_for_an_arrow_table() -> None:
    table = pa.table({"wai_1": pa.array([10, None], type=pa.int64())})
    result = score_frame("wai", table)
    assert isinstance(result, pa.Table)
    assert result.to_pylist() == [
        {"score": 10.0, "category": "excellent"},
        {"score": None, "category": None},
    ]


def test_it_names_the_row_id_and_item_of_an_invalid_value() -> None:
    frame = pd.DataFrame({"id": ["P1", "P2"], "wai_1": ["7", "11"]})
    with pytest.raises(InstrumentError, match=r"^id P2: wai_1: 11 is outside 0-10$"):
        score_frame("wai", frame, id_column="id")
    with pytest.raises(InstrumentError, match=r"^row 2: wai_1: 11 is outside 0-10$"):
        score_frame("wai", frame)


def test_it_names_a_cell_that_is_not_a_number() -> None:
    frame = pd.DataFrame({"id": ["P1"], "wai_1": ["seven"]})
    with pytest.raises(InstrumentError, match="id P1: wai_1: 'seven' is not a number"):
        score_frame("wai", frame, id_column="id")


def test_it_empties_every_score_of_an_invalid_row_when_skipping() -> None:
    frame = pd.DataFrame({f"hads_{i}": [1, 1] for i in range(1, 15)})
    frame.loc[1, "hads_2"] = 9
    result = score_frame("hads", frame, invalid="skip")
    assert result["anxiety"].tolist()[0] == 7.0
    assert result.iloc[1].isna().all()


def test_it_scores_the_long_answers_table() -> None:
    """ARCHITECTURE.md scores table: numeric only, booleans 0/1, categories derived later."""
    rows = [(1, "initial", f"tsk_{i}", 3) for i in range(1, 18)]
    rows += [(1, "end", "wai_1", 8), (2, "initial", "eq5d5l_vas", 70)]
    rows += [(1, "initial", f"hads_{i}", 1) for i in range(1, 15)]
    answers = pd.DataFrame(rows, columns=["registration_id", "occasion", "item", "value"])
    scores = score_answers(answers)
    assert list(scores.columns) == ["registration_id", "occasion", "instrument", "score", "value"]
    assert scores["value"].dtype == "float64"
    got = {tuple(r[:4]): r[4] for r in scores.itertuples(index=False)}
    assert got[(1, "initial", "tsk", "total")] == 47.0
    assert got[(1, "initial", "tsk", "high")] == 1.0
    assert got[(1, "end", "wai", "score")] == 8.0
    assert got[(2, "initial", "eq5d5l", "vas")] == 70.0
    assert (2, "initial", "eq5d5l", "index") not in got  # not computable: no row
    assert not any(key[3].endswith("category") for key in got)
    assert len(scores) == 6


def test_it_scores_sf36_from_rand36_answers_on_request() -> None:
    rows = [(7, "initial", f"rand36_{i}", 1) for i in range(1, 37)]
    answers = pd.DataFrame(rows, columns=["registration_id", "occasion", "item", "value"])
    scores = score_answers(answers, instruments=["rand36", "sf36"])
    assert set(scores["instrument"]) == {"rand36", "sf36"}
    assert len(scores[scores["instrument"] == "sf36"]) == 10


def test_it_refuses_an_item_answered_twice() -> None:
    answers = pd.DataFrame(
        [(1, "initial", "wai_1", 8), (1, "initial", "wai_1", 9)],
        columns=["registration_id", "occasion", "item", "value"],
    )
    with pytest.raises(InstrumentError, match="item wai_1 answered more than once"):
        score_answers(answers)


def test_it_names_registration_and_occasion_of_an_invalid_answer() -> None:
    answers = pd.DataFrame(
        [(5, "end", "wai_1", 13)], columns=["registration_id", "occasion", "item", "value"]
    )
    with pytest.raises(
        InstrumentError, match=r"^registration 5, occasion end: wai_1: 13 is outside"
    ):
        score_answers(answers)


def test_it_scores_an_arrow_record_batch_into_a_record_batch() -> None:
    """ARCHITECTURE.md: score_frame is vectorized over Arrow batches."""
    batch = pa.RecordBatch.from_pydict({"nprs_1": pa.array([3, None, 10], type=pa.int8())})
    result = score_frame("nprs", batch)
    assert isinstance(result, pa.RecordBatch)
    assert result.column(0).to_pylist() == [3.0, None, 10.0]
