"""What an import reads: the folder's own regular files, every other file named, possible dates.

A table that is a symbolic link is refused (it may point anywhere on the
machine); a file that is not an interchange table is listed as ignored
instead of being passed over in silence; a well-formed date the register
cannot hold (0001-01-01, 9999-12-31) is refused like a malformed one
(:func:`painreg.tidy.rules.possible_date`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from painreg.cli import main

from .conftest import set_cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(synthetic_register, tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(synthetic_register(0.003, (2021, 2021)), directory)
    return directory


def test_a_table_that_is_a_symbolic_link_is_refused(files, tmp_path, capsys):
    outside = tmp_path / "elsewhere.csv"
    (files / "units.csv").rename(outside)
    (files / "units.csv").symlink_to(outside)
    assert main(["import", str(files), "--check"]) == 2
    assert "units.csv: is a symbolic link" in capsys.readouterr().out


def test_a_file_that_is_not_a_table_is_named_as_ignored(files, capsys):
    (files / "answers-old.xlsx").write_bytes(b"PK")
    (files / "README").write_text("notes")
    assert main(["import", str(files), "--check"]) == 0
    out = capsys.readouterr().out
    assert "answers-old.xlsx: not an interchange table; ignored" in out
    assert "README: not an interchange table; ignored" in out


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_an_impossible_date_is_refused(files, capsys, value):
    set_cell(files / "registrations.csv", 1, "first_visit_date", value)
    assert main(["import", str(files), "--check"]) == 2
    assert f"{value} is not a possible date" in capsys.readouterr().out


def test_a_parquet_date_past_year_9999_is_refused_not_a_traceback(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from painreg.tidy.validation import validate_directory

    table = pa.table(
        {
            "registration_id": ["1"],
            "occasion": ["initial"],
            "item": ["hads_1"],
            "value": [1.0],
            "answered_on": pa.array([3_000_000], pa.int32()).cast(pa.date32()),
        }
    )
    pq.write_table(table, tmp_path / "answers.parquet")
    outcome = validate_directory(tmp_path)
    assert any("is not a possible date" in p.reason for p in outcome.problems)
