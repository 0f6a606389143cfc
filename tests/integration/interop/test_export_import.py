"""Export and bulk import of interchange tables against the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from painreg.interop import answers as answer_writer
from painreg.interop import bulk, export, load
from painreg.tidy.schema import read_tables

pytestmark = pytest.mark.django_db

KEY = "a-long-registry-holder-secret-Zq7Vw2KpLx9"


@pytest.fixture(scope="module")
def synthetic(synthetic_register: Callable[..., Path]) -> Path:
    return synthetic_register(0.01, (2021, 2021))


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _wipe_register() -> None:
    """Empty the registry tables (as a fresh database would be)."""
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Patient, Registration, Unit, UnitYearTotal

    with writes_allowed():
        Registration.objects.all().delete()
        Patient.objects.all().delete()
    UnitYearTotal.objects.all().delete()
    Unit.objects.all().delete()


def test_export_import_into_an_empty_database_export_gives_identical_files(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exercise the large-load path (foreign keys checked in one pass on PostgreSQL).
    monkeypatch.setattr(bulk, "BULK_LOAD_THRESHOLD", 0)
    load.import_register(synthetic, username="test")
    first = export.export_register(tmp_path / "first", username="test")
    assert first.rows["answers"] > 1000 and first.rows["scores"] > 100
    _wipe_register()
    load.import_register(tmp_path / "first", username="test")
    export.export_register(tmp_path / "second", username="test")
    assert _files(tmp_path / "first") == _files(tmp_path / "second")


@pytest.mark.never(["sqlite"], reason="ANALYZE and the planner's statistics are PostgreSQL's")
def test_on_postgresql_an_import_leaves_planner_statistics_for_every_table_it_wrote(
    synthetic: Path,
) -> None:
    from django.db import connection

    load.import_register(synthetic, username="test")
    tables = ("unit", "unityeartotal", "patient", "registration", "occasion", "answer", "score")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[f"registry_{t}" for t in tables]],
        )
        # reltuples is -1 until a table is first analysed (or vacuumed).
        estimates = dict(cursor.fetchall())
        for name, estimate in estimates.items():
            cursor.execute(f"SELECT count(*) FROM {name}")
            assert estimate == cursor.fetchone()[0] > 0, name
    assert len(estimates) == len(tables)


def test_export_keeps_every_column_of_the_imported_files(synthetic: Path, tmp_path: Path) -> None:
    load.import_register(synthetic, username="test")
    export.export_register(tmp_path, username="test", format="parquet")
    original, exported = read_tables(synthetic), read_tables(tmp_path)
    for name in ("units", "unit_year_totals", "patients", "registrations", "answers"):
        key = original[name].column_names[0]
        a = (
            original[name]
            .to_pandas()
            .sort_values(list(original[name].column_names))
            .reset_index(drop=True)
        )
        b = (
            exported[name]
            .to_pandas()
            .sort_values(list(original[name].column_names))
            .reset_index(drop=True)
        )
        assert a.equals(b), (name, key)


def test_reimporting_the_same_files_adds_nothing(synthetic: Path) -> None:
    from painreg.registry.models import Answer, Score

    first = load.import_register(synthetic, username="test")
    answers, scores = Answer.objects.count(), Score.objects.count()
    second = load.import_register(synthetic, username="test")
    assert first.added["answers"] == answers > 0
    assert sum(second.added.values()) == 0
    assert second.already_present["answers"] == answers
    assert (Answer.objects.count(), Score.objects.count()) == (answers, scores)


def _indexes_and_constraints() -> dict[str, dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            table: connection.introspection.get_constraints(cursor, table)
            for table in ("registry_answer", "registry_score")
        }


def test_a_large_load_in_two_steps_gives_the_same_register_and_keeps_every_index(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path into empty tables, then into tables with rows (incremental)."""
    import pyarrow.compute as pc

    from painreg.registry.models import Answer, Occasion, Score
    from painreg.tidy.schema import write_table

    monkeypatch.setattr(bulk, "BULK_LOAD_THRESHOLD", 0)
    monkeypatch.setattr(answer_writer, "SCORE_CHUNK", 50)  # many chunks, read ahead by a thread
    before = _indexes_and_constraints()
    half = tmp_path / "half"
    half.mkdir()
    tables = read_tables(synthetic)
    for name, table in tables.items():
        if name == "answers":
            ids = sorted(set(table.column("registration_id").to_pylist()))
            keep = pc.is_in(table.column("registration_id"), pa.array(ids[: len(ids) // 2]))
            table = table.filter(keep)
        write_table(half, name, [table], "csv")
    first = load.import_register(half, username="test")
    assert 0 < first.added["answers"] < tables["answers"].num_rows
    second = load.import_register(synthetic, username="test")
    assert second.already_present["answers"] == first.added["answers"]
    assert Answer.objects.count() == tables["answers"].num_rows
    assert _indexes_and_constraints() == before
    stepwise = sorted(
        Score.objects.values_list(
            "occasion__registration__ref", "occasion__kind", "instrument", "score", "value"
        )
    )
    statuses = sorted(Occasion.objects.values_list("registration__ref", "kind", "status"))
    _wipe_register()
    load.import_register(synthetic, username="test")
    assert (
        sorted(
            Score.objects.values_list(
                "occasion__registration__ref", "occasion__kind", "instrument", "score", "value"
            )
        )
        == stepwise
    )
    assert sorted(Occasion.objects.values_list("registration__ref", "kind", "status")) == statuses


def test_an_import_with_one_bad_row_writes_nothing(synthetic: Path, tmp_path: Path) -> None:
    from painreg.registry.models import Patient, Unit

    for f in synthetic.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    answers = tmp_path / "answers.csv"
    lines = answers.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    lines.append(",".join([first[0], '"initial"', '"hads_1"', "9", *first[4:]]))
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(load.ImportRejected) as rejected:
        load.import_register(tmp_path, username="test")
    problems = [str(p) for p in rejected.value.report.problems]
    assert any(f"row {len(lines) - 1}, column value: 9 is outside 0-3" in p for p in problems)
    assert Unit.objects.count() == 0 and Patient.objects.count() == 0


def test_an_import_stores_scores_statuses_and_one_audit_event(synthetic: Path) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.instruments import score
    from painreg.registry.models import Answer, Occasion, Score

    load.import_register(synthetic, username="importer")
    events = AuditEvent.objects.filter(action="register.import")
    assert events.count() == 1 and events.get().username == "importer"
    occasion = Occasion.objects.filter(answers__item="hads_1").first()
    answers = dict(Answer.objects.filter(occasion=occasion).values_list("item", "value"))
    hads = {k: v for k, v in answers.items() if k.startswith("hads_")}
    stored = dict(
        Score.objects.filter(occasion=occasion, instrument="hads").values_list("score", "value")
    )
    expected = score("hads", hads)
    assert stored["anxiety"] == expected["anxiety"]
    assert occasion.status in ("answered", "partial")
    assert not Occasion.objects.filter(answers__isnull=False, status="not_started").exists()
    # The import's vectorised statuses are the rule of registry.validation, occasion by occasion.
    from painreg.registry.validation import status_from_items

    statuses = set()
    for occ in Occasion.objects.prefetch_related("answers"):
        expected = status_from_items(
            {a.item for a in occ.answers.all()},
            not_administered=occ.not_administered or {},
            signed_off=occ.signed_off_at is not None,
        )
        assert occ.status == expected, (occ.pk, occ.status, expected)
        statuses.add(expected)
    assert {"answered", "partial"} <= statuses


def test_opted_out_patients_never_appear_in_exports(synthetic: Path, tmp_path: Path) -> None:
    from django.utils import timezone

    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Patient

    load.import_register(synthetic, username="test")
    patient = Patient.objects.filter(personnummer__isnull=False).first()
    with writes_allowed():
        Patient.objects.filter(pk=patient.pk).update(opted_out_at=timezone.now())
    export.export_register(tmp_path, username="test")
    # Every file but the codebook's workbook (compressed, and the same in every export).
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.suffix != ".xlsx")
    assert patient.personnummer not in text
    regs = read_tables(tmp_path, ["registrations"])["registrations"]
    own = [r for r in patient.registrations.values_list("ref", flat=True)]
    assert not set(own) & set(regs.column("registration_id").to_pylist())


def test_a_pseudonymised_export_is_a_stable_keyed_hash(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ARCHITECTURE.md: patient_id = HMAC-SHA256 of the 12-digit personnummer, hex."""
    from painreg.registry.models import Patient

    monkeypatch.setenv(export.PSEUDONYM_KEY_ENV, KEY)
    load.import_register(synthetic, username="test")
    export.export_register(tmp_path / "a", username="test", pseudonymised=True)
    export.export_register(tmp_path / "b", username="test", pseudonymised=True)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    ids = read_tables(tmp_path / "a", ["patients"])["patients"].column("patient_id").to_pylist()
    number = Patient.objects.filter(personnummer__isnull=False).first().personnummer
    expected = hmac.new(KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
    assert expected in ids
    files = (tmp_path / "a").iterdir()
    text = "".join(p.read_text(encoding="utf-8") for p in files if p.suffix != ".xlsx")
    assert number not in text


def test_a_pseudonymised_export_needs_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from painreg.errors import UserError

    monkeypatch.delenv(export.PSEUDONYM_KEY_ENV, raising=False)
    with pytest.raises(UserError, match="PAINREG_PSEUDONYM_KEY"):
        export.export_register(tmp_path, username="test", pseudonymised=True)


def test_exports_are_written_to_the_access_log(synthetic: Path, tmp_path: Path) -> None:
    from painreg.audit.models import AccessLog

    load.import_register(synthetic, username="test")
    result = export.export_register(
        tmp_path, username="anna", units=["S001", "S002"], date_from=dt.date(2021, 1, 1)
    )
    entry = AccessLog.objects.get(action="export", patient=None)
    assert entry.username == "anna"
    assert f"{result.patients} patients" in entry.detail and "S001,S002" in entry.detail
    # and one entry per patient in the files, for each patient's access extract
    per_patient = AccessLog.objects.filter(action="export", patient__isnull=False)
    assert per_patient.count() == result.patients > 0
    units = read_tables(tmp_path, ["units"])["units"].column("unit_id").to_pylist()
    assert units == ["S001", "S002"]


def test_registrations_entered_in_the_app_round_trip(tmp_path: Path) -> None:
    from painreg.registry import actions
    from painreg.registry.models import Occasion

    unit = actions.create_unit(
        user=None, code="U1", name="Smärtrehab U", region="01", care_level="specialist"
    )
    reg = actions.create_registration(
        user=None,
        unit=unit,
        personnummer="19740316-8987",
        category="rehab",
        first_visit_date=dt.date(2021, 1, 10),
        rehab_start_date=dt.date(2021, 2, 1),
        rehab_end_date=dt.date(2021, 4, 1),
        main_diagnosis="M79.7",
    )
    initial = Occasion.objects.get(registration=reg, kind="initial")
    actions.save_answers(
        user=None,
        occasion=initial,
        answers={f"hads_{i}": 1 for i in range(1, 15)},
        answered_on=dt.date(2021, 1, 9),
    )
    export.export_register(tmp_path / "first", username="test")
    regs = read_tables(tmp_path / "first", ["registrations"])["registrations"].to_pylist()
    assert regs[0]["registration_id"] == str(reg.pk)
    _wipe_register()
    load.import_register(tmp_path / "first", username="test")
    export.export_register(tmp_path / "second", username="test")
    assert _files(tmp_path / "first") == _files(tmp_path / "second")


def test_the_commands_check_import_and_export(synthetic: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from painreg.cli import main
    from painreg.registry.models import Registration

    assert main(["import", str(synthetic), "--check"]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert Registration.objects.count() == 0
    assert main(["import", str(synthetic)]) == 0
    assert main(["export", str(tmp_path), "--format", "parquet"]) == 0
    assert (tmp_path / "answers.parquet").exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "units.csv").write_text("unit_id,name,region_code,care_level\nX,Y,99,primary\n")
    report = tmp_path / "problems.csv"
    assert main(["import", str(bad), "--report", str(report)]) == 2
    assert "units.csv, row 1, column region_code" in capsys.readouterr().out
    assert "region_code" in report.read_text()


def test_it_rejects_a_file_naming_another_patients_registration(tmp_path: Path) -> None:
    """A database id in a file from elsewhere must not attach answers to our registration."""
    from painreg.registry import actions
    from painreg.registry.models import Answer

    unit = actions.create_unit(
        user=None, code="U1", name="Smärtrehab U", region="01", care_level="specialist"
    )
    reg = actions.create_registration(
        user=None,
        unit=unit,
        personnummer="19740316-8987",
        category="assessment",
        first_visit_date=dt.date(2021, 1, 10),
        main_diagnosis="M79.7",
    )
    (tmp_path / "patients.csv").write_text("patient_id,sex,birth_year\nEXT-1,F,1980\n")
    (tmp_path / "registrations.csv").write_text(
        "registration_id,patient_id,unit_id,category,first_visit_date,rehab_start_date,"
        "rehab_end_date,discontinued,discontinuation_reason,main_diagnosis,education,"
        f"work_measures\n{reg.pk},EXT-1,U1,assessment,2021-02-01,,,false,,M54.5,,\n"
    )
    (tmp_path / "answers.csv").write_text(
        f"registration_id,occasion,item,value,answered_on\n{reg.pk},initial,hads_1,2,2021-02-01\n"
    )
    with pytest.raises(load.ImportRejected) as rejected:
        load.import_register(tmp_path, username="test")
    assert f"{reg.pk} is the id of another patient's registration in the register" in str(
        rejected.value.report.problems[0]
    )
    assert not Answer.objects.exists()
    # The same patient at another unit: the message names both units.
    (tmp_path / "patients.csv").write_text("patient_id,sex,birth_year\n197403168987,F,1974\n")
    (tmp_path / "registrations.csv").write_text(
        "registration_id,patient_id,unit_id,category,first_visit_date,rehab_start_date,"
        "rehab_end_date,discontinued,discontinuation_reason,main_diagnosis,education,"
        f"work_measures\n{reg.pk},197403168987,U2,assessment,2021-02-01,,,false,,M54.5,,\n"
    )
    (tmp_path / "units.csv").write_text(
        "unit_id,name,region_code,care_level\nU2,Smärtrehab U2,01,specialist\n"
    )
    with pytest.raises(load.ImportRejected) as rejected:
        load.import_register(tmp_path, username="test")
    assert f"{reg.pk} is this patient's registration at unit U1 in the register, not at U2" in (
        "\n".join(str(p) for p in rejected.value.report.problems)
    )


def test_an_export_carries_a_codebook_that_frictionless_checks_the_files_with(
    synthetic: Path, tmp_path: Path
) -> None:
    import frictionless

    from painreg.tidy.codebook import DESCRIPTOR_NAME, WORKBOOK_NAME

    load.import_register(synthetic, username="test")
    export.export_register(tmp_path / "out", username="test")
    assert (tmp_path / "out" / WORKBOOK_NAME).stat().st_size > 0
    report = frictionless.validate(tmp_path / "out" / DESCRIPTOR_NAME)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]
    # An import of the export's folder reads the tables and passes over the codebook.
    outcome = load.import_register(tmp_path / "out", username="test", check_only=True)
    assert not [n for n in outcome.report.notes if "not an interchange table" in n]
