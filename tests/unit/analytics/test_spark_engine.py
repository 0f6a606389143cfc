"""The registry indicators on PySpark from files: the same JSON as on DuckDB.

``painreg report indicators --engine pyspark`` loads the interchange files into
Spark temporary views (DuckDB's own SQL is sent to DuckDB only) and runs the
same Ibis expressions. Marked slow: a local Spark session and Spark's planning
of some sixty indicator queries take minutes (tests/unit/contacts/test_engines.py
says why the Spark comparisons are slow-marked).
"""

from __future__ import annotations

import json

import pytest

from painreg.cli import main


@pytest.mark.slow
def test_indicators_on_spark_are_the_json_of_duckdb_and_loading_twice_works(
    synthetic_register, tmp_path, monkeypatch
):
    pytest.importorskip("pyspark")
    from painreg.analytics.load import load_register
    from painreg.contacts.engine import connect

    data = synthetic_register(0.03, (2020, 2021), "parquet")
    monkeypatch.setenv("PAINREG_SPARK_MASTER", "local[2]")
    outputs = {}
    for engine in ("duckdb", "pyspark"):
        out = tmp_path / f"{engine}.json"
        assert main(["report", "indicators", "--data", str(data), "--year", "2021",
                     "--engine", engine, "--output", str(out)]) == 0  # fmt: skip
        outputs[engine] = json.loads(out.read_text())
    assert outputs["pyspark"] == outputs["duckdb"]
    # The same session again (the command's session is still running): the
    # tables are replaced, not written a second time into Spark's warehouse.
    con = connect("pyspark")
    load_register(data, con)
    register = load_register(data, con)
    assert register.units.count().to_pyarrow().as_py() > 0


def test_an_unknown_engine_is_refused_by_the_option(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", "indicators", "--data", str(tmp_path), "--year", "2021",
              "--engine", "sqlite", "--output", str(tmp_path / "x.json")])  # fmt: skip
    assert "invalid choice" in capsys.readouterr().err
