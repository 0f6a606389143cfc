"""Files for people write text as text: no formula reaches a spreadsheet from data.

OWASP, "CSV Injection": a cell that starts with ``= + - @``, a tab or a
carriage return is run as a formula by spreadsheet programs. Every CSV meant
for people (the access extract, the import's problem report, the scores of
``painreg score``) writes such text with a leading apostrophe; plain numbers,
negative ones included, stay numbers. The Excel files are checked in
tests/unit/reports/test_publishing.py; the interchange tables are machine
files and stay lossless (docs/interchange.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.outputs import FORMULA_START, csv_text, spreadsheet_text

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_starts_like_a_formula_is_written_as_text(text: str) -> None:
    assert spreadsheet_text(text) == "'" + text
    cell = next(csv.reader(io.StringIO(csv_text([[text]]))))[0]
    assert not cell.startswith(FORMULA_START)


@pytest.mark.parametrize("value", ["-1.5", "-3", "+4", "1e-3", "Smärtrehab A", "", 5, None])
def test_numbers_and_plain_text_are_left_as_they_are(value: object) -> None:
    assert spreadsheet_text(value) == value


def test_the_import_report_writes_quoted_values_as_text(tmp_path: Path) -> None:
    from painreg.tidy.validation import Problem, ValidationOutcome

    outcome = ValidationOutcome()
    outcome.add(Problem("units.csv", 2, "name", '=HYPERLINK("http://evil") is not valid'))
    report = tmp_path / "report.csv"
    outcome.write_csv(report)
    rows = list(csv.reader(report.open(encoding="utf-8", newline="")))
    assert rows[1][3].startswith("'=HYPERLINK")


def test_score_writes_a_formula_like_id_as_text(tmp_path: Path) -> None:
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    items = ",".join(f"hads_{i}" for i in range(1, 15))
    source.write_text(f"id,{items}\n=cmd|' /C calc'!A0,{','.join('1' * 14)}\n", encoding="utf-8")
    assert main(["score", "hads", "--input", str(source), "--output", str(output)]) == 0
    rows = list(csv.reader(output.open(encoding="utf-8", newline="")))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


@pytest.mark.django_db
def test_the_access_extract_csv_writes_staff_typed_text_as_text(
    world, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from painreg import audit
    from painreg.registry import actions

    registration = actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", category="assessment",
        first_visit_date=dt.date(2025, 1, 20), main_diagnosis="M79.7",
    )  # fmt: skip
    audit.log_access(
        user=world.alice, action="view_patient", patient=registration.patient, unit=world.unit_a,
        detail="=HYPERLINK(\"http://evil\",\"klicka\")",
    )  # fmt: skip
    out = tmp_path / "extract.csv"
    assert main(["access-extract", "19121212-1212", "--format", "csv", "--output", str(out)]) == 0
    details = [row[5] for row in csv.reader(out.open(encoding="utf-8", newline=""))][1:]
    assert '\'=HYPERLINK("http://evil","klicka")' in details
    assert not any(d.startswith(FORMULA_START) for d in details)
