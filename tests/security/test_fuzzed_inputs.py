"""Fuzzed input files for the commands that read people's files.

The rule for every input path: a clear error naming the file (and where it
can, the row and column), exit code 2, no traceback, and nothing written.
Hypothesis generates the files: text CSVs built from awkward cells (NUL,
numbers past 64 bits, non-ASCII digits, formulas, quotes, stray line
breaks, invalid UTF-8) and extracts mutated from a valid synthetic one.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painreg.cli import main

CELLS = [
    "", "1", "2", "0", "-1", "1.5", "1,5", "99999999999999999999", "2147483648", "1e400",
    "nan", "inf", "\x00", "a\x00b", '"', 'a"b', "=1+1", "@SUM(A1)", " ", "\ufeff1", "\r",
    "\n", "٣", "２", "é", "2023-02-30", "0001-01-01", "9999-12-31", "٢٠٢٣-٠١-٠١", "24:61",
]  # fmt: skip

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def _assert_clean(code: int, err: str, output: Path) -> None:
    assert "Traceback" not in err
    assert code in (0, 2), err
    if code == 2:
        lines = [line for line in err.splitlines() if line.startswith("painreg: error:")]
        assert len(lines) == 1, err
        assert not output.exists(), "a failed run must write nothing"


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


@FUZZ
@given(
    columns=st.lists(
        st.sampled_from(["id", *[f"hads_{i}" for i in range(1, 15)], "hads_15", "x", ""]),
        max_size=17,
    ),
    cells=st.lists(st.lists(st.sampled_from(CELLS), max_size=17), max_size=4),
    tail=st.sampled_from([b"", b"\xff\xfe", b"\x00", b"\n\n\n"]),
    skip=st.booleans(),
)
def test_score_never_tracebacks_on_a_fuzzed_csv(tmp_path, capsys, columns, cells, tail, skip):
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    output.unlink(missing_ok=True)
    source.write_bytes(_csv([columns, *cells]) + tail)
    args = ["score", "hads", "--input", str(source), "--output", str(output)]
    code, err = _run([*args, "--skip-invalid"] if skip else args, capsys)
    _assert_clean(code, err, output)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[list[str]]]:
    path = tmp_path_factory.mktemp("extract") / "extract.csv"
    assert main(["synth", "contacts", str(path), "--patients", "200", "--years", "2022-2023",
                 "--seed", "3"]) == 0  # fmt: skip
    rows = list(csv.reader(path.open(encoding="utf-8")))
    return rows[0], rows[1:]


@FUZZ
@given(data=st.data(), strict=st.booleans(), header_cut=st.booleans())
def test_contacts_analyze_never_tracebacks_on_a_fuzzed_extract(
    tmp_path, capsys, extract, data, strict, header_cut
):
    header, rows = extract
    picked = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=40))
    mutated = []
    for row in picked:
        row = list(row)
        for _ in range(data.draw(st.integers(0, 2))):
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(st.sampled_from(CELLS))
        mutated.append(row[: data.draw(st.integers(len(row) - 1, len(row)))])
    head = header[:-1] if header_cut else header
    source, output = tmp_path / "extract.csv", tmp_path / "result.json"
    output.unlink(missing_ok=True)
    source.write_bytes(_csv([head, *mutated]))
    args = ["contacts", "analyze", str(source), "--diagnosis", "R52", "--from", "2022-01-01",
            "--to", "2023-12-31", "--json", str(output)]  # fmt: skip
    code, err = _run([*args, "--strict"] if strict else args, capsys)
    _assert_clean(code, err, output)


@pytest.mark.parametrize("content", [b"", b"x", b"PAR1", b"PAR1\x00\x00\x00\x00PAR1"])
def test_a_file_that_is_not_parquet_is_one_clear_error(tmp_path, capsys, content):
    source, output = tmp_path / "extract.parquet", tmp_path / "result.json"
    source.write_bytes(content)
    args = ["contacts", "analyze", str(source), "--diagnosis", "R52", "--from", "2022-01-01",
            "--to", "2023-12-31", "--json", str(output)]  # fmt: skip
    code, err = _run(args, capsys)
    assert code == 2 and "not a readable Parquet file" in err and "Traceback" not in err
    assert not output.exists()


def test_score_names_a_folder_given_as_input(tmp_path, capsys):
    code, err = _run(["score", "hads", "--input", str(tmp_path)], capsys)
    assert code == 2 and f"cannot read {tmp_path}" in err
