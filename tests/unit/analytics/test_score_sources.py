"""Where the indicators' scores come from: stored, cached or computed (analytics.load).

The stored ``scores`` table of an interchange directory is used only if it
equals what :func:`painreg.instruments.score_answers` gives for the answers;
the cache must give exactly the computed scores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from painreg.analytics.load import CACHE_DIR, CACHE_FILE, RegisterDataError, load_register
from painreg.cli import main
from painreg.instruments import score_answers
from painreg.tidy.schema import read_table

KEY = ["registration_id", "occasion", "instrument", "score"]


@pytest.fixture(scope="module")
def synthetic(synthetic_register) -> Path:  # type: ignore[no-untyped-def]
    """Shared: each test works on a copy (``_copy``)."""
    return synthetic_register(0.01, (2021, 2021), "parquet")


def _sorted(frame):  # type: ignore[no-untyped-def]
    return frame.sort_values(KEY).reset_index(drop=True)[[*KEY, "value"]]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(CACHE_DIR))
    return dst


def test_cached_scores_equal_score_answers_of_the_answers(synthetic, tmp_path):
    directory = _copy(synthetic, tmp_path / "d")
    expected = _sorted(score_answers(read_table(directory, "answers")))
    first = _sorted(load_register(directory).scores.to_pandas())
    assert (directory / CACHE_DIR / CACHE_FILE).exists()
    second = _sorted(load_register(directory).scores.to_pandas())  # from the cache
    assert len(expected) > 1000
    for got in (first, second):
        assert got[KEY].equals(expected[KEY])
        assert (got["value"] - expected["value"]).abs().max() < 1e-12


def test_a_stale_cache_is_recomputed_when_the_answers_change(synthetic, tmp_path):
    directory = _copy(synthetic, tmp_path / "d")
    load_register(directory)
    answers = read_table(directory, "answers")
    fewer = answers.slice(0, answers.num_rows // 2)
    pq.write_table(fewer, directory / "answers.parquet")
    got = _sorted(load_register(directory).scores.to_pandas())
    assert got.equals(_sorted(score_answers(fewer)))


def test_stored_scores_equal_to_the_definitions_are_used(synthetic, tmp_path):
    directory = _copy(synthetic, tmp_path / "d")
    stored = pa.Table.from_pandas(score_answers(read_table(directory, "answers")))
    pq.write_table(stored, directory / "scores.parquet")
    got = load_register(directory).scores.to_pandas()
    assert _sorted(got).equals(_sorted(stored.to_pandas()))
    assert not (directory / CACHE_DIR).exists()  # stored scores need no cache


def test_stored_scores_that_disagree_are_refused_unless_rescored(synthetic, tmp_path):
    directory = _copy(synthetic, tmp_path / "d")
    stored = pa.Table.from_pandas(score_answers(read_table(directory, "answers")))
    # Shift every HADS anxiety score: as if the definitions changed after the export.
    shifted = pc.if_else(
        pc.and_(pc.equal(stored["instrument"], "hads"), pc.equal(stored["score"], "anxiety")),
        pc.add(stored["value"], 1.0),
        stored["value"],
    )
    stored = stored.set_column(stored.schema.get_field_index("value"), "value", shifted)
    pq.write_table(stored, directory / "scores.parquet")
    with pytest.raises(RegisterDataError, match=r"hads\.anxiety.*--rescore"):
        load_register(directory)
    got = _sorted(load_register(directory, rescore=True).scores.to_pandas())
    assert got.equals(_sorted(score_answers(read_table(directory, "answers"))))


def test_the_command_says_stored_scores_disagree_in_one_line(synthetic, tmp_path, capsys):
    directory = _copy(synthetic, tmp_path / "d")
    stored = score_answers(read_table(directory, "answers"))
    stored = stored[~((stored["instrument"] == "pcs") & (stored["score"] == "total"))]
    pq.write_table(pa.Table.from_pandas(stored), directory / "scores.parquet")
    out = tmp_path / "i.json"
    args = ["report", "indicators", "--data", str(directory), "--year", "2021", "--output"]
    assert main([*args, str(out)]) == 2
    assert "--rescore" in capsys.readouterr().err
    assert not out.exists()
    assert main([*args, str(out), "--rescore"]) == 0


def test_reading_parquet_directly_gives_the_same_indicators_as_reading_through_arrow(
    synthetic, tmp_path
):
    """The DuckDB fast path for Parquet files equals the typed Arrow reader of interop."""
    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.load import register_from_arrow
    from painreg.tidy.schema import read_tables

    directory = _copy(synthetic, tmp_path / "d")
    fast = compute_indicators(load_register(directory), 2021)
    arrow = compute_indicators(register_from_arrow(read_tables(directory)), 2021)
    assert fast == arrow
    assert fast["care_levels"]["specialist"]["national"]["completed_rehab"] > 0


def test_a_missing_directory_is_one_clear_error(tmp_path):
    with pytest.raises(RegisterDataError, match="no such directory"):
        load_register(tmp_path / "absent")


def test_stored_mpi_profiles_pass_the_spot_check_and_are_used(synthetic, tmp_path):
    """A stored profile (the holder's classifier's, coded as in the definition) is
    not re-derivable here: it is kept, not compared."""
    from painreg.analytics.load import mpi_profile_code

    directory = _copy(synthetic, tmp_path / "d")
    stored = score_answers(read_table(directory, "answers"))
    first = stored.iloc[0]
    profile = {"registration_id": first["registration_id"], "occasion": first["occasion"],
               "instrument": "mpi", "score": "profile",
               "value": mpi_profile_code("adaptive_coper")}  # fmt: skip
    stored.loc[len(stored)] = profile
    pq.write_table(pa.Table.from_pandas(stored, preserve_index=False), directory / "scores.parquet")
    s = load_register(directory).scores
    got = s.filter((s.instrument == "mpi") & (s.score == "profile")).to_pandas()
    assert got["value"].tolist() == [2.0]
