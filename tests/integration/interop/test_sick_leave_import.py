"""The sick-leave extract through the database: import (all or nothing, unknown patients,
clipping, replacement, idempotence), lossless export, and the pseudonymised path.

The register and its hand-computed figures are ``tests/unit/analytics/sick_leave_fixture``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from painreg.analytics.compute import compute_indicators
from painreg.analytics.load import load_register
from painreg.interop import export, load
from painreg.interop.results import ImportRejected
from painreg.tidy import schema
from tests.unit.analytics import sick_leave_fixture as fx

pytestmark = pytest.mark.django_db

KEY = "a-long-registry-holder-secret-Zq7Vw2KpLx9"
D = dt.date


def _periods() -> list[tuple]:
    from painreg.registry.models import SickLeavePeriod

    return sorted(
        SickLeavePeriod.objects.values_list(
            "patient__external_id", "benefit", "start_date", "end_date", "extent"
        )
    )


def _wipe() -> None:
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import (
        Patient,
        Registration,
        SickLeaveExtract,
        SickLeavePeriod,
        Unit,
    )

    with writes_allowed():
        SickLeavePeriod.objects.all().delete()
        Registration.objects.all().delete()
        Patient.objects.all().delete()
    SickLeaveExtract.objects.all().delete()
    Unit.objects.all().delete()


def _figures(directory: Path) -> dict:
    result = compute_indicators(load_register(directory, cache=False), 2020)
    return {
        level: {
            "national": data["national"]["sick_leave"],
            "units": {u: v["sick_leave"] for u, v in data["units"].items()},
        }
        for level, data in result["care_levels"].items()
    }


def test_imported_clipped_counted_and_exported_the_figures_are_the_hand_computed(
    tmp_path: Path,
) -> None:
    data = fx.write(tmp_path / "in")
    result = load.import_register(data, username="test")
    assert result.report.counts == {"sick_leave_clipped": 1}
    assert result.added["sick_leave"] == 10
    # p1's period 2018-12-01..2019-01-20 is clipped to the covered period
    assert ("p1", "sickness", D(2019, 1, 1), D(2019, 1, 20), 100) in _periods()
    export.export_register(tmp_path / "out", username="test")
    assert _figures(tmp_path / "out") == _figures(data)
    got = _figures(tmp_path / "out")
    for level, expected in fx.EXPECTED_2020.items():
        for window in ("before", "after_1y", "after_2y"):
            assert got[level]["national"][window] == pytest.approx(expected["national"][window])


def test_export_is_lossless(tmp_path: Path) -> None:
    load.import_register(fx.write(tmp_path / "in"), username="test")
    export.export_register(tmp_path / "first", username="test")
    periods = schema.read_table(tmp_path / "first", "sick_leave").num_rows
    assert periods == 10
    _wipe()
    load.import_register(tmp_path / "first", username="test")
    export.export_register(tmp_path / "second", username="test")
    for name in ("sick_leave.csv", "sick_leave_coverage.csv", "patients.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    from painreg.registry.models import Patient, SickLeaveExtract

    data = fx.write(tmp_path)
    with (data / "sick_leave.csv").open("a", encoding="utf-8") as f:
        f.write("p1,sickness,2020-01-10,2020-01-01,100\np1,sickness,2020-01-01,2020-01-02,30\n")
    with pytest.raises(ImportRejected) as err:
        load.import_register(data, username="test")
    messages = [str(p) for p in err.value.report.sorted_problems()]
    assert messages == [
        "sick_leave.csv, row 11, column end_date: is before start_date",
        "sick_leave.csv, row 12, column extent: 30 is not one of 25, 50, 75, 100",
    ]
    assert not Patient.objects.exists()
    assert not SickLeaveExtract.objects.exists()


def test_unknown_patients_are_refused_unless_skipped(tmp_path: Path) -> None:
    from painreg.registry.models import SickLeaveExtract

    data = fx.write(tmp_path)
    with (data / "sick_leave.csv").open("a", encoding="utf-8") as f:
        f.write("stranger,sickness,2020-01-01,2020-01-31,100\n")
    with pytest.raises(ImportRejected):
        load.import_register(data, username="test")
    result = load.import_register(data, username="test", skip_unknown_patients=True)
    assert result.report.counts["sick_leave_unknown_patients"] == 1
    extract = SickLeaveExtract.objects.get()
    assert (extract.periods, extract.clipped, extract.skipped_unknown) == (10, 1, 1)


def test_the_same_extract_twice_changes_nothing_and_a_new_one_replaces_it(
    tmp_path: Path,
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.registry.models import SickLeaveExtract

    data = fx.write(tmp_path / "a")
    load.import_register(data, username="test")
    first = SickLeaveExtract.objects.get()
    before = _periods()
    again = load.import_register(data, username="test")
    assert again.added.get("sick_leave", 0) == 0
    assert SickLeaveExtract.objects.get().pk == first.pk
    assert _periods() == before
    # A new extract (one period fewer, another covered period): the old one is replaced.
    new = tmp_path / "b"
    new.mkdir()
    lines = (data / "sick_leave.csv").read_text(encoding="utf-8").splitlines()
    (new / "sick_leave.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (new / "sick_leave_coverage.csv").write_text(
        "covers_from,covers_to\n2019-01-01,2022-12-31\n", encoding="utf-8"
    )
    load.import_register(new, username="test")
    extract = SickLeaveExtract.objects.get()
    assert (extract.covers_to, extract.periods) == (D(2022, 12, 31), 9)
    assert len(_periods()) == 9
    event = AuditEvent.objects.filter(action="sick_leave.import").order_by("pk").last()
    assert event.detail["replaced"]["digest"] == first.digest
    assert event.detail["replaced"]["covers_to"] == "2022-06-30"


def test_the_pseudonymised_path_gives_the_same_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Export pseudonymised; load the pseudonymised register into an empty database and
    link a pseudonymised extract to it; the figures are those of the identified register."""
    monkeypatch.setenv(export.PSEUDONYM_KEY_ENV, KEY)
    data = fx.write(tmp_path / "in")
    load.import_register(data, username="test")
    export.export_register(tmp_path / "pseudo", username="test", pseudonymised=True)
    ids = set(schema.read_table(tmp_path / "pseudo", "sick_leave").column("patient_id").to_pylist())
    assert all(len(i) == 64 for i in ids) and not ids & {f"p{i}" for i in range(10)}
    expected = _figures(data)
    assert _figures(tmp_path / "pseudo") == expected
    # The register without the extract, then the pseudonymised extract on its own.
    _wipe()
    register_only = tmp_path / "register"
    shutil.copytree(tmp_path / "pseudo", register_only)
    extract_only = tmp_path / "extract"
    extract_only.mkdir()
    for name in ("sick_leave.csv", "sick_leave_coverage.csv"):
        (register_only / name).rename(extract_only / name)
    load.import_register(register_only, username="test")
    load.import_register(extract_only, username="test")
    export.export_register(tmp_path / "again", username="test")
    assert _figures(tmp_path / "again") == expected


def test_deleting_a_patient_deletes_their_periods(tmp_path: Path, world) -> None:  # type: ignore[no-untyped-def]
    from painreg.registry.actions.patients import delete_patient
    from painreg.registry.models import Patient

    load.import_register(fx.write(tmp_path), username="test")
    patient = Patient.objects.get(external_id="p1")
    delete_patient(user=world.erik, unit=None, patient=patient, reason="on request")
    assert not [p for p in _periods() if p[0] == "p1"]
    assert patient.sick_leave.count() == 0


def test_the_import_command_reports_clipped_and_skipped_periods(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from painreg.cli import main

    data = fx.write(tmp_path)
    with (data / "sick_leave.csv").open("a", encoding="utf-8") as f:
        f.write("stranger,sickness,2020-01-01,2020-01-31,100\n")
    assert main(["import", str(data)]) == 2
    out = capsys.readouterr()
    assert "sick_leave.csv, row 11, column patient_id: 'stranger' is not in patients" in out.out
    assert main(["import", str(data), "--skip-unknown-patients"]) == 0
    out = capsys.readouterr().out
    assert "note: sick_leave: 1 period(s) partly outside the covered period, clipped to it" in out
    assert "note: sick_leave: 1 period(s) of patients not in the register, skipped" in out
    assert "sick_leave 10" in out
