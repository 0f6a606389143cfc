"""The same Ibis expressions on DuckDB and on PySpark (local mode) give the same follow-up."""

from __future__ import annotations

import datetime as dt
import math

import pytest

pytest.importorskip("pyspark")

from painreg.contacts.analysis import analyze
from painreg.contacts.engine import connect
from painreg.contacts.measures import Period
from painreg.synth.contacts import generate

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
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


def extract(tmp_path):
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
    # A CSV input with a duplicate and a rejected row, read alongside the Parquet one.
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "patient_id,sex,birth_year,contact_date,unit_id,caregiver_id,profession,diagnoses\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x2,F,1970,2021-05-05,VC0000,VG0000000,Trollkarl,R52.2\n",
        encoding="utf-8",
    )
    return [contacts, extra], [certificates]


def compare_engines(tmp_path, spark, **kwargs):
    files, certificates = extract(tmp_path)
    kwargs = dict(prefixes=("R522",), certificates=certificates, **kwargs)
    duck = analyze(files, con=connect("duckdb"), **kwargs)
    spark_result = analyze(files, con=connect("pyspark", spark_session=spark), **kwargs)
    assert duck.pop("engine") == "duckdb"
    assert spark_result.pop("engine") == "pyspark"
    assert duck["patients"] > 20
    assert duck["validation"]["contacts"]["rejected"] == 1
    same(duck, spark_result)
    return duck


def test_duckdb_and_pyspark_give_the_same_follow_up_per_health_centre(tmp_path, spark):
    result = compare_engines(
        tmp_path, spark, period=Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31)), by_unit=True
    )
    assert result["validation"]["contacts"]["duplicate_rows"] == 1
    assert len(result["units"]) == 3


@pytest.mark.slow
def test_duckdb_and_pyspark_give_the_same_before_after_comparison(tmp_path, spark):
    compare_engines(
        tmp_path,
        spark,
        period=Period(dt.date(2024, 1, 1), dt.date(2024, 10, 31)),
        compare=Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31)),
        by_unit=True,
    )
