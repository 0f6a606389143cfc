"""The same Ibis expressions on DuckDB and on PySpark (local mode) give the same follow-up.

The comparisons with Spark are marked slow: starting a local Spark session and
running the follow-up's queries on it took about 197 s in CI, most of the test
run's budget, and no extract small enough to matter makes it fit in the ~30 s
a default-run test may take (the session's start and Spark's planning of each
of the many queries cost the time, not the rows). The default run checks the
synthetic extract's follow-up on DuckDB; ``make test-all`` (PAINREG_SLOW=1)
compares the two engines.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from painreg.contacts.analysis import analyze
from painreg.contacts.engine import connect
from painreg.contacts.measures import Period
from painreg.synth.contacts import generate

BY_HEALTH_CENTRE = {"period": Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31)), "by_unit": True}
BEFORE_AFTER = {
    "period": Period(dt.date(2024, 1, 1), dt.date(2024, 10, 31)),
    "compare": Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31)),
    "by_unit": True,
}


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("painreg-test")
        .config("spark.ui.enabled", "false")
        # Small data: one partition, no whole-stage code generation (compiling it
        # costs more than it saves here).
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


def same(a, b, path="$"):
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not math.isnan(a):
        assert b == pytest.approx(a, rel=1e-9), path
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list]:
    """1 500 synthetic patients at three health centres, plus a CSV input with a duplicate
    and a rejected row, read alongside the Parquet one."""
    tmp_path = tmp_path_factory.mktemp("extract")
    contacts = tmp_path / "contacts.parquet"
    certificates = tmp_path / "certificates.csv"
    generate(
        contacts,
        patients=1500,
        swedish=False,
        years=(2020, 2024),
        seed=11,
        units=3,
        cohort_share=0.05,
        sick_leave=certificates,
    )
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "patient_id,sex,birth_year,contact_date,unit_id,caregiver_id,profession,diagnoses\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x2,F,1970,2021-05-05,VC0000,VG0000000,Trollkarl,R52.2\n",
        encoding="utf-8",
    )
    return [contacts, extra], [certificates]


def follow_up(extract: tuple[list, list], con, **kwargs) -> dict:
    files, certificates = extract
    return analyze(files, con=con, prefixes=("R522",), certificates=certificates, **kwargs)


@pytest.fixture(scope="module")
def on_duckdb(extract: tuple[list, list]) -> dict:
    """The follow-up per health centre on DuckDB (shared by the checks and the comparison)."""
    return follow_up(extract, connect("duckdb"), **BY_HEALTH_CENTRE)


def test_the_synthetic_extract_gives_a_follow_up_per_health_centre_on_duckdb(
    on_duckdb: dict,
) -> None:
    assert on_duckdb["engine"] == "duckdb"
    assert on_duckdb["patients"] > 20
    assert on_duckdb["validation"]["contacts"]["rejected"] == 1  # the unknown profession
    assert on_duckdb["validation"]["contacts"]["duplicate_rows"] == 1
    assert len(on_duckdb["units"]) == 3


def compare_engines(duck: dict, spark_result: dict) -> None:
    duck, spark_result = dict(duck), dict(spark_result)
    assert duck.pop("engine") == "duckdb"
    assert spark_result.pop("engine") == "pyspark"
    assert duck["patients"] > 20
    same(duck, spark_result)


@pytest.mark.slow
@pytest.mark.spark
def test_duckdb_and_pyspark_give_the_same_follow_up_per_health_centre(
    extract: tuple[list, list], on_duckdb: dict, spark
) -> None:
    on_spark = follow_up(extract, connect("pyspark", spark_session=spark), **BY_HEALTH_CENTRE)
    compare_engines(on_duckdb, on_spark)


@pytest.mark.slow
@pytest.mark.spark
def test_duckdb_and_pyspark_give_the_same_before_after_comparison(
    extract: tuple[list, list], spark
) -> None:
    compare_engines(
        follow_up(extract, connect("duckdb"), **BEFORE_AFTER),
        follow_up(extract, connect("pyspark", spark_session=spark), **BEFORE_AFTER),
    )
