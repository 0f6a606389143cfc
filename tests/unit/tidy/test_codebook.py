"""The codebook: a Data Package descriptor the frictionless library accepts and
checks files with, and the same content as an Excel sheet."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import frictionless
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from painreg.cli import main
from painreg.reports.codebook import codebook_workbook
from painreg.tidy import codebook, schema, vocabulary


@pytest.mark.parametrize("format", ["csv", "parquet"])
@pytest.mark.parametrize("pseudonymised", [False, True])
def test_the_descriptor_is_a_valid_data_package(format: str, pseudonymised: bool) -> None:
    descriptor = codebook.datapackage(format, pseudonymised=pseudonymised)
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, [e.message for e in report.errors]
    assert [r["name"] for r in descriptor["resources"]] == list(schema.TABLES)
    assert {r["path"] for r in descriptor["resources"]} == {
        f"{name}.{format}" for name in schema.TABLES
    }


def test_every_column_is_described_with_its_type_key_and_references() -> None:
    resources = {r["name"]: r for r in codebook.datapackage()["resources"]}
    for table in schema.TABLES.values():
        fields = resources[table.name]["schema"]["fields"]
        assert [f["name"] for f in fields] == table.column_names
        assert resources[table.name]["schema"]["primaryKey"] == list(table.key)
        for column, field in zip(table.columns, fields, strict=True):
            assert field["type"] == codebook.FIELD_TYPES[column.type]
            assert field.get("constraints", {}).get("required", False) is not column.nullable
    registrations = resources["registrations"]["schema"]
    assert {"fields": ["unit_id"], "reference": {"resource": "units", "fields": ["unit_id"]}} in (
        registrations["foreignKeys"]
    )


def test_every_code_carries_its_swedish_and_english_label() -> None:
    fields = {
        (r["name"], f["name"]): f
        for r in codebook.datapackage()["resources"]
        for f in r["schema"]["fields"]
    }
    sex = fields["patients", "sex"]
    assert sex["constraints"]["enum"] == ["F", "M"]
    assert sex["categories"][0] == {
        "value": "F",
        "label": "kvinna",
        "labels": {"sv": "kvinna", "en": "female"},
    }
    education = {
        c["value"]: c["labels"] for c in fields["registrations", "education"]["categories"]
    }
    assert education["university"] == {"sv": "universitet eller högskola", "en": "university"}
    region = {c["value"]: c["label"] for c in fields["units", "region_code"]["categories"]}
    assert region["01"] == vocabulary.REGIONS["01"].sv
    for (table, name), field in fields.items():
        column = schema.get_table(table).column(name)
        if column.choices is not None:
            assert [c["value"] for c in field["categories"]] == list(column.choices), name
        else:
            assert "categories" not in field, name


def test_the_descriptor_text_is_stable() -> None:
    text = codebook.datapackage_json("parquet", pseudonymised=True)
    assert text == codebook.datapackage_json("parquet", pseudonymised=True)
    assert json.loads(text)["resources"][0]["format"] == "parquet"
    assert "pseudonyms" in json.loads(text)["description"]


def _with_descriptor(source: Path, target: Path) -> Path:
    """A copy of an interchange directory with its descriptor (scores and the sick-leave
    extract left out: the synthetic register has neither)."""
    shutil.copytree(source, target)
    descriptor = codebook.datapackage("csv", without=("sick_leave", "sick_leave_coverage"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "scores"]
    (target / codebook.DESCRIPTOR_NAME).write_text(json.dumps(descriptor), encoding="utf-8")
    return target / codebook.DESCRIPTOR_NAME


def test_frictionless_accepts_a_valid_register_with_the_descriptor(
    synthetic_register: Callable[..., Path], tmp_path: Path
) -> None:
    path = _with_descriptor(synthetic_register(0.003, (2021, 2021)), tmp_path / "data")
    report = frictionless.validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [
        ("units", "care_level", "tertiary"),
        ("registrations", "work_measures", "ergonomic;flying"),
        ("registrations", "first_visit_date", "01/02/2021"),
        ("registrations", "discontinued", "yes"),
    ],
)
def test_frictionless_finds_a_bad_code_type_or_list_element(
    synthetic_register: Callable[..., Path], tmp_path: Path, table: str, column: str, bad: str
) -> None:
    path = _with_descriptor(synthetic_register(0.003, (2021, 2021)), tmp_path / "data")
    file = path.parent / f"{table}.csv"
    data = pacsv.read_csv(file, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    data = data.cast(pa.schema([(n, "string") for n in data.column_names]))
    rows = data.to_pylist()
    rows[0][column] = bad
    pacsv.write_csv(pa.Table.from_pylist(rows), file)
    report = frictionless.validate(path)
    assert not report.valid
    problems = report.flatten(["fieldName", "rowNumber"])
    assert [column, 2] in problems


def test_the_workbook_lists_every_column_and_code_as_text() -> None:
    with zipfile.ZipFile(io.BytesIO(codebook_workbook())) as book:
        names = book.namelist()
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert 'name="Kodbok"' in book.read("xl/workbook.xml").decode()
    assert "xl/worksheets/sheet1.xml" in names
    assert "<f>" not in sheet  # no formula anywhere
    for table in schema.TABLES.values():
        for column in table.columns:
            assert f">{column.name}<" in strings
    for code in vocabulary.WORK_MEASURES:
        assert code.sv in strings and code.en in strings
    assert codebook_workbook() == codebook_workbook()  # the same bytes each time


def test_the_rows_follow_each_column_with_its_codes() -> None:
    rows = codebook.rows()
    sex = [r for r in rows if (r.table, r.column) == ("patients", "sex")]
    assert [(r.code, r.label_sv, r.label_en) for r in sex] == [
        ("", "", ""),
        ("F", "kvinna", "female"),
        ("M", "man", "male"),
    ]
    described = {(r.table, r.column) for r in rows}
    assert described == {(t.name, c.name) for t in schema.TABLES.values() for c in t.columns}


def test_the_codebook_command_needs_no_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["codebook", str(tmp_path / "book"), "--format", "parquet"]) == 0
    assert sorted(p.name for p in (tmp_path / "book").iterdir()) == [
        "codebook.xlsx",
        "datapackage.json",
    ]
    descriptor = json.loads((tmp_path / "book" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["resources"][0]["path"] == "units.parquet"
