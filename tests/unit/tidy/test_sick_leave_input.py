"""A sick-leave extract as input: validation (file, row, column, reason) and the mapping of
Försäkringskassan's own shape."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from painreg.errors import UserError
from painreg.tidy import schema
from painreg.tidy.sick_leave_extract import convert_extract, parse_date
from painreg.tidy.validation import Known, format_report, validate_directory

D = dt.date
UNITS = "unit_id,name,region_code,care_level\nu1,Smärtrehab A,01,specialist\n"
PATIENTS = "patient_id,sex,birth_year\n197403168987,F,1974\nEXT-7,M,1980\n"
COVERAGE = "covers_from,covers_to\n2019-01-01,2022-12-31\n"
HEADER = "patient_id,benefit,start_date,end_date,extent\n"


def _write(directory: Path, **files: str | None) -> Path:
    defaults: dict[str, str | None] = {
        "units": UNITS, "patients": PATIENTS, "sick_leave_coverage": COVERAGE,
        "sick_leave": HEADER + "EXT-7,sickness,2020-01-01,2020-01-31,100\n",
    }  # fmt: skip
    defaults.update(files)
    for name, text in defaults.items():
        if text is not None:
            (directory / f"{name}.csv").write_text(text, encoding="utf-8")
    return directory


def _messages(directory: Path, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in validate_directory(directory, **kw).sorted_problems()]


def test_a_good_extract_passes(tmp_path: Path) -> None:
    report = validate_directory(_write(tmp_path))
    assert report.ok, list(format_report(report))
    assert report.rows["sick_leave"] == 1


def test_every_bad_cell_and_row_is_named(tmp_path: Path) -> None:
    rows = HEADER + (
        "EXT-7,sickness,2020-01-01,2020-01-31,100\n"  # 1 fine
        "EXT-7,sjukpenning,2020-01-01,2020-01-31,100\n"  # 2 unknown code
        "EXT-7,sickness,2020-02-30,2020-03-01,100\n"  # 3 impossible date
        "EXT-7,sickness,2020-03-10,2020-03-01,50\n"  # 4 end before start
        "EXT-7,sickness,2020-04-01,2020-04-10,60\n"  # 5 extent
        "EXT-7,sickness,2020-04-01,2020-04-10,half\n"  # 6 not an integer
        "EXT-7,sickness,2017-01-01,2018-12-31,100\n"  # 7 wholly before the covered period
        "EXT-7,sickness,2023-01-01,2023-01-31,100\n"  # 8 wholly after
        "EXT-7,sickness,2020-01-01,2020-01-31,100\n"  # 9 the same as row 1
        ",sickness,2020-01-01,2020-01-31,100\n"  # 10 no patient
        "EXT-7,rehabilitation,2020-01-01,2020-01-31,100\n"  # 11 overlapping: allowed
    )
    messages = _messages(_write(tmp_path, sick_leave=rows))
    for expected in (
        "sick_leave.csv, row 2, column benefit: 'sjukpenning' is not one of",
        "sick_leave.csv, row 3, column start_date:",
        "sick_leave.csv, row 4, column end_date: is before start_date",
        "sick_leave.csv, row 5, column extent: 60 is not one of 25, 50, 75, 100",
        "sick_leave.csv, row 6, column extent:",
        "sick_leave.csv, row 7, column end_date: the period 2017-01-01..2018-12-31 lies wholly "
        "outside the extract's covered period 2019-01-01..2022-12-31",
        "sick_leave.csv, row 8, column start_date: the period 2023-01-01..2023-01-31 lies wholly",
        "sick_leave.csv, row 9, column extent: duplicate of row 1 (patient_id=EXT-7",
        "sick_leave.csv, row 10, column patient_id:",
    ):
        assert any(m.startswith(expected) for m in messages), (expected, messages)
    assert not any("row 1," in m or "row 11," in m for m in messages)


def test_unknown_patients_are_refused_or_skipped_and_counted(tmp_path: Path) -> None:
    rows = HEADER + "NOBODY,sickness,2020-01-01,2020-01-31,100\n"
    _write(tmp_path, sick_leave=rows)
    assert _messages(tmp_path) == [
        "sick_leave.csv, row 1, column patient_id: 'NOBODY' is not in patients (neither in the "
        "files nor in the register); import with --skip-unknown-patients to skip such periods"
    ]
    report = validate_directory(tmp_path, skip_unknown_patients=True)
    assert report.ok
    assert report.counts == {"sick_leave_unknown_patients": 1}
    # patients the register holds are known
    (tmp_path / "patients.csv").unlink()
    report = validate_directory(tmp_path, Known(unit_ids={"u1"}, patient_ids={"NOBODY"}))
    assert report.ok


def test_partly_outside_is_clipped_and_counted(tmp_path: Path) -> None:
    rows = HEADER + (
        "EXT-7,sickness,2018-12-01,2019-01-31,100\n"
        "EXT-7,sickness,2022-12-01,2023-01-31,100\n"
        "EXT-7,sickness,2019-01-01,2022-12-31,25\n"
    )
    report = validate_directory(_write(tmp_path, sick_leave=rows))
    assert report.ok
    assert report.counts == {"sick_leave_clipped": 2}
    assert "note: sick_leave: 2 period(s) partly outside the covered period, clipped to it" in (
        list(format_report(report))
    )


@pytest.mark.parametrize(
    ("coverage", "expected"),
    [
        ("covers_from,covers_to\n", "sick_leave_coverage.csv: must hold exactly one row"),
        (
            "covers_from,covers_to\n2019-01-01,2020-01-01\n2020-01-02,2021-01-01\n",
            "sick_leave_coverage.csv: must hold exactly one row",
        ),
        (
            "covers_from,covers_to\n2022-01-01,2019-01-01\n",
            "sick_leave_coverage.csv, row 1, column covers_to: is before covers_from",
        ),
        (None, "sick_leave.csv: a sick-leave extract needs both"),
    ],
)
def test_the_covered_period(tmp_path: Path, coverage: str | None, expected: str) -> None:
    messages = _messages(_write(tmp_path, sick_leave_coverage=coverage))
    assert any(m.startswith(expected) for m in messages), messages


def test_a_forsakringskassan_extract_is_mapped(tmp_path: Path) -> None:
    source = tmp_path / "fk.csv"
    source.write_text(
        "LopNr;Förmån;FOM;TOM;Omfattning\n"
        "EXT-7;SJP;20200101;20200131;1/1\n"
        "EXT-7;RHP;2020-02-01;2020-02-10;halv\n"
        "EXT-7;SA;20210101;20211231;0,75\n"
        "EXT-7;AE;20210101;20210131;25 %\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = convert_extract(source, out, covers_from=D(2019, 1, 1), covers_to=D(2022, 12, 31))
    assert result.rows == 4
    rows = schema.read_table(out, "sick_leave").to_pylist()
    assert [(r["benefit"], r["start_date"], r["extent"]) for r in rows] == [
        ("sickness", D(2020, 1, 1), 100),
        ("rehabilitation", D(2020, 2, 1), 50),
        ("sickness_compensation", D(2021, 1, 1), 75),
        ("activity_compensation", D(2021, 1, 1), 25),
    ]
    coverage = schema.read_table(out, "sick_leave_coverage").to_pylist()
    assert coverage == [{"covers_from": D(2019, 1, 1), "covers_to": D(2022, 12, 31)}]
    _write(out, sick_leave=None, sick_leave_coverage=None)
    assert validate_directory(out).ok


def test_a_user_mapping_adds_codes_and_unknown_codes_are_named(tmp_path: Path) -> None:
    source = tmp_path / "fk.csv"
    source.write_text(
        "pnr,typ,från,till,grad\nEXT-7,X1,20200101,20200131,100\nEXT-7,X2,2020013,20200131,2\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {pnr: patient_id, typ: benefit, från: start_date, till: end_date, "
        "grad: extent}\nvalues: {benefit: {X1: sickness}}\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as err:
        convert_extract(source, tmp_path / "out", covers_from=D(2019, 1, 1),
                        covers_to=D(2022, 12, 31), mapping_path=mapping)  # fmt: skip
    text = str(err.value)
    assert "fk.csv, row 2, column typ: 'X2' is not a known code" in text
    assert "fk.csv, row 2, column från: '2020013' is not a date" in text
    assert "fk.csv, row 2, column grad: '2' is not a known code" in text
    assert "row 1" not in text
    assert not (tmp_path / "out").exists()


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    source = tmp_path / "fk.csv"
    source.write_text("personnummer,förmån,fom,tom\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"missing column\(s\) extent"):
        convert_extract(source, tmp_path, covers_from=D(2019, 1, 1), covers_to=D(2020, 1, 1))


def test_dates_in_both_shapes() -> None:
    assert parse_date("20200229") == D(2020, 2, 29)
    assert parse_date("2020-02-29") == D(2020, 2, 29)
    assert parse_date("20190229") is None
    assert parse_date("29/02/2020") is None


def test_the_convert_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from painreg.cli import main

    source = tmp_path / "fk.csv"
    source.write_text("Personnummer;Förmån;FOM;TOM;Grad\nEXT-7;SJP;20200101;20200131;1/2\n")
    args = ["sick-leave", "convert", str(source), "--covers-from", "2019-01-01",
            "--covers-to", "2022-12-31", "--output", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 0
    assert "wrote 1 period(s)" in capsys.readouterr().out
    assert schema.read_table(tmp_path / "out", "sick_leave").column("extent").to_pylist() == [50]
    source.write_text("Personnummer;Förmån;FOM;TOM;Grad\nEXT-7;XX;20200101;20200131;1/2\n")
    assert main(args) == 2
    assert "fk.csv, row 1, column Förmån: 'XX' is not a known code" in capsys.readouterr().err
