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
from painreg.contacts.units import read_units
from painreg.synth.contacts import generate
from painreg.synth.primary_care import Outputs

BY_HEALTH_CENTRE = {
    "period": Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31)),
    "by_unit": True,
}
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
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list, dict]:
    """1 500 synthetic patients at three health centres, plus a CSV input with a duplicate
    and a rejected row, read alongside the Parquet one; prescriptions, listings and
    referrals of the same patients."""
    tmp_path = tmp_path_factory.mktemp("extract")
    contacts = tmp_path / "contacts.parquet"
    certificates = tmp_path / "certificates.csv"
    care = Outputs(
        tmp_path / "prescriptions.parquet",
        tmp_path / "listings.csv",
        tmp_path / "referrals.parquet",
        tmp_path / "units.csv",
    )
    generate(
        contacts,
        patients=1500,
        swedish=False,
        years=(2020, 2024),
        seed=11,
        units=3,
        cohort_share=0.05,
        sick_leave=certificates,
        care=care,
    )
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "patient_id,sex,birth_year,contact_date,unit_id,caregiver_id,profession,diagnoses\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x1,F,1970,2021-05-05,VC0000,VG0000000,physician,R52.2\n"
        "x2,F,1970,2021-05-05,VC0000,VG0000000,Trollkarl,R52.2\n",
        encoding="utf-8",
    )
    side = {
        "prescriptions": [care.prescriptions],
        "listings": [care.listings],
        "referrals": [care.referrals],
        "units_reference": read_units(care.units),
    }
    return [contacts, extra], [certificates], side


def follow_up(extract: tuple[list, list, dict], con, **kwargs) -> dict:
    files, certificates, side = extract
    return analyze(files, con=con, prefixes=("R522",), certificates=certificates, **side, **kwargs)


@pytest.fixture(scope="module")
def on_duckdb(extract: tuple[list, list]) -> dict:
    """The follow-up per health centre on DuckDB (shared by the checks and the comparison)."""
    return follow_up(extract, connect("duckdb"), **BY_HEALTH_CENTRE)


def test_the_optional_tables_leave_the_contact_extract_unchanged(tmp_path, extract) -> None:
    plain = tmp_path / "plain.parquet"
    generate(plain, patients=1500, swedish=False, years=(2020, 2024), seed=11, units=3,
             cohort_share=0.05)  # fmt: skip
    assert plain.read_bytes() == extract[0][0].read_bytes()


def test_the_synthetic_extract_gives_a_follow_up_per_health_centre_on_duckdb(
    on_duckdb: dict,
) -> None:
    assert on_duckdb["engine"] == "duckdb"
    assert on_duckdb["patients"] > 20
    assert on_duckdb["validation"]["contacts"]["rejected"] == 1  # the unknown profession
    assert on_duckdb["validation"]["contacts"]["duplicate_rows"] == 1
    assert len(on_duckdb["units"]) == 3
    # The optional tables of the same patients: every part of the JSON present.
    assert on_duckdb["prescriptions"]["cohort"]["any"]["patients"] > 0
    assert on_duckdb["named_contacts"]["listed"] > 0
    assert on_duckdb["referrals"]["sent"] > 0
    assert {f["to_level"] for f in on_duckdb["referral_flows"]["units"]} <= {2, 3, 4}


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
