"""The units' ``connected`` and ``pain_care_level`` through import, export and the
update paths (DOMAIN.md, "Unit coverage", "Care levels 1-4")."""

from __future__ import annotations

from pathlib import Path

import pytest

from painreg.interop import export, load
from painreg.tidy.schema import read_tables

pytestmark = pytest.mark.django_db

HEADER = "unit_id,name,region_code,care_level,active_from,active_to,connected,pain_care_level\n"


def _units(directory: Path, *rows: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "units.csv").write_text(HEADER + "".join(r + "\n" for r in rows))
    return directory


def test_the_columns_round_trip_losslessly(tmp_path: Path) -> None:
    source = _units(
        tmp_path / "in",
        "S1,Smärtcentrum,01,specialist,2015-01-01,,true,4",
        "S2,Smärtklinik,03,specialist,,2020-06-30,false,3",
        "P1,Vårdcentral,01,primary,,,,2",
        "P2,Hälsocentral,01,primary,,,,",
    )
    load.import_register(source, username="test")
    export.export_register(tmp_path / "out", username="test")
    units = read_tables(tmp_path / "out")["units"].to_pylist()
    by_id = {u["unit_id"]: u for u in units}
    assert by_id["S1"]["connected"] is True and by_id["S1"]["pain_care_level"] == 4
    assert by_id["S2"]["connected"] is False and by_id["S2"]["pain_care_level"] == 3
    # An empty cell means connected (the column's default); no level stays empty.
    assert by_id["P1"]["connected"] is True and by_id["P1"]["pain_care_level"] == 2
    assert by_id["P2"]["pain_care_level"] is None
    # Exported again after a second import: the same bytes.
    load.import_register(tmp_path / "out", username="test")
    export.export_register(tmp_path / "again", username="test")
    assert (tmp_path / "out" / "units.csv").read_bytes() == (
        tmp_path / "again" / "units.csv"
    ).read_bytes()


def test_a_level_that_contradicts_the_care_level_is_refused(tmp_path: Path) -> None:
    source = _units(tmp_path, "P1,Vårdcentral,01,primary,,,,3", "S1,Smärt,01,specialist,,,,5")
    with pytest.raises(load.ImportRejected) as rejected:
        load.import_register(source, username="test")
    problems = [str(p) for p in rejected.value.report.problems]
    text = "\n".join(problems)
    assert "pain_care_level" in text and "is specialist care but care_level is primary" in text
    assert "5 is not 1, 2, 3 or 4" in text


def test_an_update_import_changes_an_existing_unit_and_audits_each_change(
    tmp_path: Path,
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.registry.models import Unit

    load.import_register(
        _units(tmp_path / "first", "S1,Smärtcentrum,01,specialist,2015-01-01,,,3"),
        username="test",
    )
    changed = _units(
        tmp_path / "second", "S1,Smärtcentrum,01,specialist,2015-01-01,2021-06-30,false,4"
    )
    # A plain import leaves an existing unit as it is.
    load.import_register(changed, username="test")
    assert Unit.objects.get(code="S1").connected is True
    result = load.import_register(changed, username="operator", update_units=True)
    unit = Unit.objects.get(code="S1")
    assert (unit.connected, unit.pain_care_level, str(unit.active_to)) == (
        False, 4, "2021-06-30"
    )  # fmt: skip
    assert result.updated == {"units": 1}
    event = AuditEvent.objects.filter(action="unit.update").get()
    assert event.username == "operator"
    assert event.detail["via"] == "import"
    assert event.detail["changes"]["connected"] == {"old": True, "new": False}
    assert event.detail["changes"]["pain_care_level"] == {"old": 3, "new": 4}
    # Again: nothing changes, no new event.
    assert load.import_register(changed, username="operator", update_units=True).updated == {
        "units": 0
    }
    assert AuditEvent.objects.filter(action="unit.update").count() == 1


def test_an_update_import_does_not_move_a_unit_to_another_care_level(tmp_path: Path) -> None:
    load.import_register(
        _units(tmp_path / "first", "S1,Smärtcentrum,01,specialist,,,,"), username="test"
    )
    moved = _units(tmp_path / "second", "S1,Smärtcentrum,01,primary,,,,")
    with pytest.raises(load.ImportRejected) as rejected:
        load.import_register(moved, username="test", update_units=True)
    assert "care_level" in "\n".join(str(p) for p in rejected.value.report.problems)


def test_only_the_national_coordinator_updates_a_unit_and_each_change_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied, ValidationError

    from painreg.audit.models import AuditEvent
    from painreg.registry.actions.units import update_unit

    with pytest.raises(PermissionDenied):
        update_unit(user=world.charlie, unit=world.unit_a, connected=False)
    # Unit A is specialist care: level 2 (primary care) contradicts it.
    with pytest.raises(ValidationError):
        update_unit(user=world.erik, unit=world.unit_a, pain_care_level=2)
    assert update_unit(user=world.erik, unit=world.unit_a, pain_care_level=4, reason="nivå")
    world.unit_a.refresh_from_db()
    assert world.unit_a.pain_care_level == 4
    event = AuditEvent.objects.filter(action="unit.update").get()
    assert event.detail["changes"] == {"pain_care_level": {"old": None, "new": 4}}
    assert event.username == "erik"
