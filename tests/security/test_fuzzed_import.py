"""`painreg import --check` and `painreg import` give the same verdict on any file.

Whatever ``--check`` calls valid imports without a traceback, on SQLite and
on PostgreSQL (which refuses a NUL character in text and a whole number past
32 bits, where SQLite stores both); whatever it refuses, the import refuses
too, with the same one-line error, and writes nothing.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painreg.cli import main

from .conftest import set_cell

pytestmark = pytest.mark.django_db

CELLS = [
    "", "\x00", "a\x00b", "2147483648", "-2147483649", "99999999999999999999", "1e400", "nan",
    "0001-01-01", "9999-12-31", "2021-02-30", "٢٠٢١-٠١-٠١", "１", "=1+1", "x", "-1", "0",
]  # fmt: skip


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from painreg.synth.registry import generate

    out = tmp_path_factory.mktemp("register")
    generate(out, scale=0.003, years=(2021, 2021))
    return out


def _rows() -> dict[str, int]:
    from painreg.registry.models import Answer, Patient, Registration, Unit, UnitYearTotal

    return {
        m.__name__: m.objects.count() for m in (Unit, UnitYearTotal, Patient, Registration, Answer)
    }


def _verdict(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_a_nul_and_a_too_large_number_are_refused_by_the_check(register, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(register, data)
    set_cell(data / "units.csv", 1, "name", "Bad\x00Name")
    set_cell(data / "unit_year_totals.csv", 1, "rehab_patients_total", "99999999999")
    before = _rows()
    code, out = main(["import", str(data), "--check"]), capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err
    assert "units.csv, row 1, column name: contains a NUL character" in out.out + out.err
    assert "rehab_patients_total: 99999999999 is larger than the register stores" in (
        out.out + out.err
    )
    assert _verdict(["import", str(data)], capsys)[0] == 2
    assert _rows() == before


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_whatever_the_check_accepts_imports_and_whatever_it_refuses_writes_nothing(
    register, tmp_path_factory, capsys, data
):
    directory = tmp_path_factory.mktemp("fuzzed") / "data"
    shutil.copytree(register, directory)
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(sorted(p.name for p in directory.glob("*.csv"))))
        path = directory / name
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        if not rows:
            continue
        row = data.draw(st.integers(1, len(rows)))
        column = data.draw(st.sampled_from(list(rows[0])))
        set_cell(path, row, column, data.draw(st.sampled_from(CELLS)))
    before = _rows()
    checked, check_err = _verdict(["import", str(directory), "--check"], capsys)
    imported, import_err = _verdict(["import", str(directory)], capsys)
    assert checked in (0, 2) and imported == checked, (check_err, import_err)
    if checked == 2:
        assert _rows() == before
        assert check_err.splitlines()[-1] == import_err.splitlines()[-1]
