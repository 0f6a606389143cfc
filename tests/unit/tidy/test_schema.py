"""The interchange schema: typed reading and streaming writing of tidy tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from painreg.tidy import schema

UNIT = {
    "unit_id": "u1",
    "name": "Smärtcentrum, Lund",
    "region_code": "12",
    "care_level": "specialist",
}
REG = {
    "registration_id": "r1",
    "patient_id": "p1",
    "unit_id": "u1",
    "category": "rehab",
    "first_visit_date": dt.date(2021, 1, 4),
    "discontinued": False,
    "work_measures": "rehab_plan;ergonomic;rehab_plan",
}


def test_it_declares_every_table_of_the_architecture() -> None:
    assert list(schema.TABLES) == [
        "units", "unit_year_totals", "patients", "registrations", "answers", "scores",
        "sick_leave_coverage", "sick_leave",
    ]  # fmt: skip
    assert "scores" not in schema.IMPORTED_TABLES
    assert schema.get_table("registrations").column("patient_id").references == (
        "patients.patient_id"
    )


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_it_round_trips_a_table_in_both_formats(tmp_path: Path, fmt: str) -> None:
    schema.write_table(tmp_path, "units", [UNIT], fmt)
    schema.write_table(tmp_path, "registrations", [REG], fmt)
    tables = schema.read_tables(tmp_path)
    assert set(tables) == {"units", "registrations"}
    reg = tables["registrations"].to_pylist()[0]
    assert reg["work_measures"] == "ergonomic;rehab_plan"  # canonical: sorted, unique
    assert reg["signed_off"] is True  # absent optional column means true
    assert reg["rehab_end_date"] is None
    assert tables["units"].to_pylist()[0]["region_code"] == "12"
    assert tables["registrations"].schema == schema.get_table("registrations").arrow_schema


def test_it_writes_csv_with_iso_dates_lowercase_booleans_and_empty_missing(tmp_path: Path) -> None:
    schema.write_table(tmp_path, "registrations", [REG])
    row = (tmp_path / "registrations.csv").read_text().splitlines()[1]
    assert ",2021-01-04,,,false," in row


def test_it_fills_absent_optional_columns_when_reading(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(
        "unit_id,name,region_code,care_level\nu1,A,01,primary\n", encoding="utf-8"
    )
    units = schema.read_tables(tmp_path)["units"]
    assert units.column("hsa_id").to_pylist() == [None]


def test_it_rejects_a_file_missing_a_required_column(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("unit_id,name\nu1,A\n", encoding="utf-8")
    with pytest.raises(schema.InterchangeError, match=r"missing column.*region_code"):
        schema.read_tables(tmp_path)


def test_it_refuses_a_table_present_in_both_formats(tmp_path: Path) -> None:
    schema.write_table(tmp_path, "units", [UNIT], "csv")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([UNIT]), tmp_path / "units.parquet")
    with pytest.raises(schema.InterchangeError, match="keep one"):
        schema.read_tables(tmp_path)


def test_it_streams_many_batches_into_one_file(tmp_path: Path) -> None:
    batches = (
        pa.table({"unit_id": ["u1"], "year": [2013 + i], "rehab_patients_total": [10]})
        for i in range(5)
    )
    assert schema.write_table(tmp_path, "unit_year_totals", batches, "parquet") == 5
    assert schema.read_tables(tmp_path)["unit_year_totals"].num_rows == 5


def test_list_helpers_split_and_join_canonically() -> None:
    assert schema.split_list("cbt; act;") == ["cbt", "act"]
    assert schema.split_list(None) == []
    assert schema.join_list(["cbt", "act", "cbt"]) == "act;cbt"
    assert schema.join_list([]) is None
