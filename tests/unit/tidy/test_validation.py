"""Validation of incoming interchange files: every problem, with file, row, column, reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from painreg.tidy import schema
from painreg.tidy.validation import Known, validate_directory

UNITS = "unit_id,name,region_code,care_level\nu1,Smärtrehab A,01,specialist\n"
PATIENTS = "patient_id,sex,birth_year\n197403168987,F,1974\nEXT-7,M,1980\n"
REGS = (
    "registration_id,patient_id,unit_id,category,first_visit_date,rehab_start_date,"
    "rehab_end_date,discontinued,discontinuation_reason,main_diagnosis,education,work_measures\n"
    "r1,197403168987,u1,rehab,2021-01-10,2021-02-01,2021-04-01,false,,M79.7,university,"
    "ergonomic;rehab_plan\n"
    "r2,EXT-7,u1,assessment,2021-03-01,,,false,,M54.5,,\n"
)
ANSWERS = (
    "registration_id,occasion,item,value,answered_on\n"
    "r1,initial,hads_1,3,2021-01-05\n"
    "r1,end,global_life_1,2,2021-04-10\n"
)


def _write(directory: Path, **files: str) -> Path:
    defaults = {"units": UNITS, "patients": PATIENTS, "registrations": REGS, "answers": ANSWERS}
    defaults.update(files)
    for name, text in defaults.items():
        if text is not None:
            (directory / f"{name}.csv").write_text(text, encoding="utf-8")
    return directory


def _messages(directory: Path, known: Known | None = None) -> list[str]:
    return [str(p) for p in validate_directory(directory, known).sorted_problems()]


def test_it_accepts_valid_files(tmp_path: Path) -> None:
    report = validate_directory(_write(tmp_path))
    assert report.ok, [str(p) for p in report.problems]
    assert report.rows == {"units": 1, "patients": 2, "registrations": 2, "answers": 2}


def test_it_reports_every_bad_answer_with_row_and_reason(tmp_path: Path) -> None:
    answers = ANSWERS + (
        "r1,initial,hads_2,4,2021-01-05\n"  # row 3: outside 0-3
        "r1,initial,nosuch_1,1,2021-01-05\n"  # row 4: unknown item
        "r1,later,hads_4,1,2021-01-05\n"  # row 5: bad occasion
        "r1,initial,hads_1,2,2021-01-05\n"  # row 6: duplicate of row 1
        "r3,initial,hads_5,1,2021-02-30\n"  # row 7: unknown registration and bad date
    )
    assert _messages(_write(tmp_path, answers=answers)) == [
        "answers.csv, row 3, column value: 4 is outside 0-3",
        "answers.csv, row 4, column item: 'nosuch_1' is not an item of the instrument catalogue",
        "answers.csv, row 5, column occasion: 'later' is not one of initial, end, followup_1y",
        "answers.csv, row 6, column item: answered twice: same registration_id, occasion and "
        "item as row 1",
        "answers.csv, row 7, column answered_on: '2021-02-30' is not an ISO date YYYY-MM-DD",
        "answers.csv, row 7, column registration_id: 'r3' is not in registrations (neither in "
        "the files nor in the register)",
    ]


def test_it_checks_personnummer_of_identified_patients_only(tmp_path: Path) -> None:
    patients = PATIENTS + "197403168988,F,1974\n199001011239,M,1991\n"
    messages = _messages(_write(tmp_path, patients=patients))
    assert any("row 3, column patient_id: looks like a personnummer" in m for m in messages)
    assert any("row 4, column birth_year: 1991 does not match" in m for m in messages)
    assert not any("row 2" in m for m in messages)  # EXT-7 is a pseudonym


def test_it_checks_registration_rules_and_codes(tmp_path: Path) -> None:
    regs = REGS + (
        "r3,EXT-7,u1,rehab,2021-05-01,2021-04-01,2021-03-01,no,own_decision,banana,phd,"
        "ergonomic;flying\n"
    )
    messages = _messages(_write(tmp_path, registrations=regs))
    expected = [
        "row 3, column discontinued: 'no' is not true or false",
        "row 3, column main_diagnosis: 'banana' is not an ICD-10 code",
        "row 3, column education: 'phd' is not one of",
        "row 3, column work_measures: 'flying'",
        "row 3, column rehab_end_date: is before rehab_start_date",
        "row 3, column rehab_start_date: is before first_visit_date",
        "row 3, column discontinuation_reason: given but discontinued is not true",
    ]
    for text in expected:
        assert any(text in m for m in messages), text


def test_it_rejects_unknown_and_missing_columns(tmp_path: Path) -> None:
    units = "unit_id,name,care_level,colour\nu1,A,primary,red\n"
    messages = _messages(_write(tmp_path, units=units))
    assert "units.csv, column region_code: required column is missing" in messages
    assert any(m.startswith("units.csv, column colour: unknown column") for m in messages)


def test_references_may_point_into_the_register(tmp_path: Path) -> None:
    _write(tmp_path, units=None, patients=None, registrations=None)
    assert validate_directory(tmp_path, Known(registration_ids={"r1"})).ok
    assert len(_messages(tmp_path)) == 2  # r1 unknown without the register


def test_it_reports_malformed_csv_lines_and_encoding(tmp_path: Path) -> None:
    _write(tmp_path, units=UNITS + "u2,B,01\n")
    assert any("expected 4 fields, found 3" in m for m in _messages(tmp_path))
    (tmp_path / "units.csv").write_bytes(
        "unit_id,name,region_code,care_level\nu1,Sm\xe4rt,01,primary\n".encode("latin-1")
    )
    assert any("not UTF-8" in m for m in _messages(tmp_path))


def test_it_validates_parquet_like_csv(tmp_path: Path) -> None:
    _write(tmp_path)
    bad = pa.table(
        {
            "registration_id": ["r1", "r1"],
            "occasion": ["initial", "initial"],
            "item": ["hads_1", "hads_3"],
            "value": [3.0, 7.0],
            "answered_on": pa.array([None, None], pa.date32()),
        }
    )
    (tmp_path / "answers.csv").unlink()
    pq.write_table(bad, tmp_path / "answers.parquet")
    messages = _messages(tmp_path)
    assert "answers.parquet, row 2, column value: 7 is outside 0-3" in messages
    assert "answers.parquet, row 1, column answered_on: a value is required" in messages


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_a_synthetic_register_is_valid(synthetic_register: Callable[..., Path], fmt: str) -> None:
    report = validate_directory(synthetic_register(0.01, (2021, 2021), fmt))
    assert report.ok, [str(p) for p in report.problems[:5]]


def test_parquet_values_and_dates_are_checked_in_their_own_type(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "answers.csv").unlink()
    answers = {
        "registration_id": ["r1", "r1", "r1", "r2"],
        "occasion": ["initial", "initial", "initial", "end"],
        "item": ["hads_1", "hads_2", "hads_3", "hads_1"],
        "value": [float("nan"), float("inf"), 2.0, 1.0],
        "answered_on": pa.array([19000, 19000, 19000, 19000], pa.date32()),
    }
    pq.write_table(pa.table(answers), tmp_path / "answers.parquet")
    assert _messages(tmp_path) == [
        "answers.parquet, row 1, column value: nan is not a number",
        "answers.parquet, row 2, column value: inf is not a number",
        "answers.parquet, row 4, column occasion: 'end': an assessment registration has only "
        "the initial occasion",
    ]
    # A column of another type is one problem, not one per row.
    answers["answered_on"] = pa.array([True] * 4)
    answers["value"] = [1.0, 2.0, 2.0, 1.0]
    answers["occasion"] = ["initial"] * 4
    pq.write_table(pa.table(answers), tmp_path / "answers.parquet")
    assert _messages(tmp_path) == ["answers.parquet, column answered_on: type bool is not date"]
