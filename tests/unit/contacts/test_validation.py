"""Validation: every rejected row named with file, row, column and reason; --strict."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from painreg.contacts.analysis import validate_files
from painreg.errors import UserError

from .helpers import YEAR, contact, run, write_csv


def problems(result, row):
    listed = {r["row"]: r for r in result["validation"]["contacts"]["rejected_rows"]}
    return {(p["column"], p["reason"].split(" (")[0]) for p in listed[row]["problems"]}


def test_rejected_rows_are_reported_with_their_reasons_and_not_counted(tmp_path):
    rows = [
        contact("p1", diagnoses="R52.2"),
        contact("p2", day="2020-02-30", diagnoses="R52.2"),
        contact("p3", profession="Trollkarl", diagnoses="R52.2"),
        contact("p4", diagnoses="R52.2, M54.5"),
        contact("p5", sex="X", birth_year="19x0", diagnoses="R52.2"),
        contact("", diagnoses="R52.2"),
        contact("p6", birth_year=2021, diagnoses="R52.2"),
        contact("p7", contact_type="Brevduva", diagnoses="R52.2"),
    ]
    r = run(tmp_path, rows)
    assert r["patients"] == 1
    report = r["validation"]["contacts"]
    assert report["rows"] == 8
    assert report["rejected"] == 7
    assert problems(r, 2) == {("contact_date", "not a date")}
    assert problems(r, 3) == {("profession", "unknown profession")}
    assert problems(r, 4) == {("diagnoses", "malformed diagnosis code")}
    assert problems(r, 5) == {("sex", "unknown value"), ("birth_year", "not a four-digit year")}
    assert problems(r, 6) == {("patient_id", "missing")}
    assert problems(r, 7) == {("birth_year", "before 1880 or after the contact date")}
    assert problems(r, 8) == {("contact_type", "unknown contact type")}
    listed = report["rejected_rows"][1]
    assert listed["file"] == "contacts.csv"
    assert listed["problems"][0]["value"] == "Trollkarl"


def test_strict_makes_any_rejection_fatal(tmp_path):
    rows = [contact("p1", diagnoses="R52.2"), contact("p2", profession="Trollkarl")]
    with pytest.raises(UserError, match="row 2, column profession"):
        run(tmp_path, rows, strict=True)


def test_a_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path / "c.csv", [{"patient_id": "p1", "sex": "F"}])
    with pytest.raises(UserError, match=r"missing column.*birth_year"):
        validate_files([path])


def test_swedish_headers_and_values_and_semicolons_are_read_through_the_mapping(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Personnummer;Kön;Födelseår;Kontaktdatum;Vårdenhet;Vårdgivare;Yrkeskategori;Diagnoser\n"
        'p1;K;1960;2020-03-01;VC1;d1;Läkare;"R52.2;M54.5"\n'
        "p1;K;1960;2020-04-01;VC1;f1;Fysioterapeut/sjukgymnast;R522\n",
        encoding="utf-8",
    )
    from painreg.contacts.analysis import analyze

    r = analyze([path], prefixes=("R522",), period=YEAR)
    assert r["validation"]["contacts"]["rejected"] == 0
    assert r["patients_by_sex"] == {"F": 1, "M": 0}
    assert r["profession_combinations"] == [
        {"professions": ["physician", "physiotherapist"], "patients": 1}
    ]


def test_typed_parquet_is_read_as_well_as_csv(tmp_path):
    import datetime as dt

    table = pa.table(
        {
            "patient_id": ["p1", "p1"],
            "sex": ["F", "F"],
            "birth_year": pa.array([1960, 1960], pa.int32()),
            "contact_date": pa.array([dt.date(2020, 3, 1), dt.date(2020, 3, 2)]),
            "unit_id": ["U1", "U1"],
            "caregiver_id": ["d1", None],
            "profession": ["physician", None],
            "diagnoses": ["R52.2", None],
        }
    )
    pq.write_table(table, tmp_path / "c.parquet")
    from painreg.contacts.analysis import analyze

    r = analyze([tmp_path / "c.parquet"], prefixes=("R522",), period=YEAR)
    assert r["validation"]["contacts"]["rejected"] == 0
    assert r["top_contacts"] == [2]


def test_validate_lists_every_exact_duplicate(tmp_path):
    rows = [contact("p1"), contact("p1"), contact("p1"), contact("p2")]
    result = validate_files([write_csv(tmp_path / "c.csv", rows)])
    report = result["contacts"]
    assert report["duplicate_rows"] == 2
    assert report["duplicates"][0]["first"] == {"file": "c.csv", "row": 1}
    assert report["duplicates"][0]["copies"] == 3


def test_certificates_are_validated(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            {
                "patient_id": "p1",
                "unit_id": "U1",
                "start_date": "2020-02-01",
                "end_date": "2020-01-01",
                "extent": "60",
                "diagnosis": "R52.2",
            },
        ],
    )
    result = validate_files([write_csv(tmp_path / "c.csv", [contact()])], certificates=[path])
    assert result["certificates"]["by_reason"] == {
        "end_date: before start_date": 1,
        "extent: not 25, 50, 75 or 100": 1,
    }


def test_typed_parquet_gives_the_same_rejections_and_measures_as_csv(tmp_path):
    """A typed date or year is checked row by row (no lookup): same result as the text."""
    import datetime as dt

    from painreg.contacts.analysis import analyze

    rows = [
        contact("p1", diagnoses="R52.2", caregiver="d1"),
        contact("p1", day="2020-03-02", caregiver="d2", profession="nurse"),
        contact("p1", day="2020-03-03", caregiver="d1", diagnoses="R522"),
        contact("p2", day=None, diagnoses="R52.2"),
        contact("p3", birth_year=None, diagnoses="R52.2"),
        contact("p4", birth_year=2021, diagnoses="R52.2"),
        contact("p5", birth_year=1870, diagnoses="R52.2"),
        contact("p6", diagnoses="R52.2"),
        contact("p6", day="2021-01-05", diagnoses="R52.2"),
    ]
    from_csv = run(tmp_path, rows)
    columns = list(rows[0])
    table = pa.table({c: [r[c] for r in rows] for c in columns})
    table = table.set_column(
        columns.index("birth_year"),
        "birth_year",
        pa.array([r["birth_year"] for r in rows], pa.int32()),
    )
    days = [
        None if r["contact_date"] is None else dt.date.fromisoformat(r["contact_date"])
        for r in rows
    ]
    table = table.set_column(columns.index("contact_date"), "contact_date", pa.array(days))
    pq.write_table(table, tmp_path / "contacts.parquet")
    typed = analyze([tmp_path / "contacts.parquet"], prefixes=("R522",), period=YEAR)
    report = typed["validation"]["contacts"]
    assert report["by_reason"] == {
        "contact_date: missing": 1,
        "birth_year: missing": 1,
        "birth_year: before 1880 or after the contact date": 2,
    }
    assert [r["row"] for r in report["rejected_rows"]] == [4, 5, 6, 7]
    assert typed["patients"] == 2
    for key in ("patients", "continuity", "diagnosed_by_profession", "top_contacts"):
        assert typed[key] == from_csv[key], key
    assert from_csv["validation"]["contacts"]["by_reason"] == report["by_reason"]


def test_a_value_first_seen_after_the_sample_is_still_checked(tmp_path, monkeypatch):
    """distinct_values reads a sample, then the other values by exception: nothing is missed."""
    from painreg.contacts import screen

    monkeypatch.setattr(screen, "SAMPLE_ROWS", 2)
    rows = [contact(f"p{i}", diagnoses="R52.2") for i in range(5)]
    rows += [contact("p9", sex="X", diagnoses="R52.2"), contact("p8", profession="Trollkarl")]
    r = run(tmp_path, rows)
    report = r["validation"]["contacts"]
    assert report["by_reason"] == {
        "sex: unknown value (not F/M or mapped)": 1,
        "profession: unknown profession (not in the mapping file)": 1,
    }
    assert [x["row"] for x in report["rejected_rows"]] == [6, 7]
    assert r["patients"] == 5


def test_every_duplicate_is_counted_even_beyond_the_listing(tmp_path, monkeypatch):
    from painreg.contacts import analysis

    monkeypatch.setattr(analysis, "LIST_LIMIT", 2)
    rows = []
    for i in range(4):
        rows += [contact("p1", day=f"2020-03-0{i + 1}", diagnoses="R52.2")] * (i + 2)
    r = run(tmp_path, rows)
    report = r["validation"]["contacts"]
    assert report["duplicate_rows"] == 1 + 2 + 3 + 4
    assert report["duplicates"] == [
        {"first": {"file": "contacts.csv", "row": 1}, "copies": 2},
        {"first": {"file": "contacts.csv", "row": 3}, "copies": 3},
    ]
    assert r["top_contacts"] == [4]


def test_ids_written_with_white_space_are_the_same_patient(tmp_path):
    rows = [
        contact("p1", diagnoses="R52.2"),
        contact(" p1", day="2020-04-01"),
        contact("p1 ", day="2020-05-01", unit=" U1"),
        contact("p2 ", day="2020-05-01", diagnoses="R52.2", caregiver=" d2"),
        contact("p2", day="2020-05-02", caregiver="d2"),
    ]
    r = run(tmp_path, rows)
    assert r["patients"] == 2
    assert r["top_contacts"] == [3, 2]
    # p2's two contacts are with one caregiver, written with and without a space
    # (as two caregivers p2's UPC would be 1/2 and the mean 0.75).
    assert r["continuity"]["patients"] == 2
    assert r["continuity"]["upc"] == pytest.approx(1.0)
