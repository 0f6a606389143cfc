"""actions.import_register: interchange rows into the register, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from painreg.audit.models import AuditEvent
from painreg.registry import actions
from painreg.registry.models import Answer, Occasion, Patient, Registration, Score, Unit

pytestmark = pytest.mark.django_db


def _tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "units": [
            {"unit_id": "X1", "name": "Import-enheten", "region_code": "12",
             "care_level": "specialist"},
        ],
        "unit_year_totals": [{"unit_id": "X1", "year": 2024, "rehab_patients_total": 30}],
        "patients": [
            {"patient_id": "191212121212", "sex": "M", "birth_year": 1912},
            {"patient_id": "9f2c1e", "sex": "F", "birth_year": 1975},
        ],
        "registrations": [
            {"registration_id": "r1", "patient_id": "191212121212", "unit_id": "X1",
             "category": "rehab", "first_visit_date": dt.date(2024, 1, 10),
             "rehab_start_date": dt.date(2024, 2, 1), "rehab_end_date": dt.date(2024, 4, 1),
             "discontinued": False, "main_diagnosis": "M79.7",
             "work_measures": "ergonomic;rehab_plan", "programme": None, "signed_off": None},
            {"registration_id": "r2", "patient_id": "9f2c1e", "unit_id": "X1",
             "category": "assessment", "first_visit_date": dt.date(2024, 3, 1),
             "discontinued": False, "main_diagnosis": "R52.2", "signed_off": False},
        ],
        "answers": [
            *({"registration_id": "r1", "occasion": "initial", "item": f"hads_{i}", "value": 1.0,
               "answered_on": dt.date(2024, 1, 10), "source": None} for i in range(1, 15)),
            {"registration_id": "r1", "occasion": "end", "item": "wai_1", "value": 7.0,
             "answered_on": dt.date(2024, 4, 2), "source": "patient"},
        ],
    }  # fmt: skip


def test_it_imports_every_table_with_scores_and_audit(world: Any) -> None:
    counts = actions.import_register(user=world.erik, tables=_tables())
    assert counts["registrations"]["created"] == 2
    assert counts["answers"]["created"] == 15
    r1 = Registration.objects.get(ref="r1")
    assert r1.public_id == "r1" and r1.signed_off
    assert r1.work_measures == ["ergonomic", "rehab_plan"]
    assert not Registration.objects.get(ref="r2").signed_off
    assert Patient.objects.get(external_id="9f2c1e").birth_year == 1975
    initial = r1.occasions.get(kind="initial")
    assert initial.status == "answered"
    assert dict(initial.scores.values_list("score", "value"))["anxiety"] == 7.0
    assert Score.objects.filter(occasion__kind="end", instrument="wai").exists()
    assert Answer.objects.get(item="wai_1").source == "patient"
    assert Answer.objects.filter(item="hads_1").get().source == "import"
    assert AuditEvent.objects.filter(action="registration.import").count() == 2
    assert AuditEvent.objects.get(action="register.import").detail == counts
    assert r1.history.get().history_user == world.erik
    hads_1 = Answer.history.get(item="hads_1")
    assert (hads_1.history_type, hads_1.history_user, hads_1.value) == ("+", world.erik, 1.0)
    assert Answer.history.count() == 15


def test_importing_the_same_tables_again_changes_nothing(world: Any) -> None:
    actions.import_register(user=world.erik, tables=_tables())
    counts = actions.import_register(user=world.erik, tables=_tables())
    assert counts["registrations"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert counts["answers"] == {"created": 0, "updated": 0, "unchanged": 15}
    assert Occasion.objects.count() == 4


def test_a_changed_row_is_updated_with_history(world: Any) -> None:
    actions.import_register(user=world.erik, tables=_tables())
    tables = _tables()
    tables["registrations"][0]["main_diagnosis"] = "M54.5"
    tables["answers"][0]["value"] = 3.0
    counts = actions.import_register(user=world.erik, tables=tables)
    assert counts["registrations"]["updated"] == 1 and counts["answers"]["updated"] == 1
    r1 = Registration.objects.get(ref="r1")
    assert r1.main_diagnosis == "M54.5"
    assert r1.history.count() == 2
    assert r1.occasions.get(kind="initial").scores.get(score="anxiety").value == 9.0


def test_one_bad_row_rejects_the_whole_import_and_every_problem_is_listed(world: Any) -> None:
    tables = _tables()
    tables["registrations"][0]["rehab_end_date"] = dt.date(2024, 1, 1)
    tables["answers"][3]["value"] = 9.0
    tables["answers"].append(
        {"registration_id": "r2", "occasion": "end", "item": "wai_1", "value": 5.0,
         "answered_on": dt.date(2024, 3, 1)}
    )  # fmt: skip
    with pytest.raises(actions.ImportRejected) as exc:
        actions.import_register(user=world.erik, tables=tables)
    found = {(p.table, p.row, p.column) for p in exc.value.problems}
    assert found == {
        ("registrations", 1, "rehab_end_date"),
        ("answers", 4, "value"),
        ("answers", 16, "occasion"),
    }
    assert not Unit.objects.filter(code="X1").exists()
    assert not Patient.objects.exists()


def test_a_file_exported_from_this_database_maps_back_to_the_same_registrations(
    world: Any, registration: Any
) -> None:
    tables = {
        "patients": [{"patient_id": "191212121212", "sex": "M", "birth_year": 1912}],
        "registrations": [
            {"registration_id": registration.public_id, "patient_id": "191212121212",
             "unit_id": "A", "category": "rehab", "referral_date": dt.date(2025, 1, 2),
             "first_visit_date": dt.date(2025, 1, 20), "rehab_start_date": dt.date(2025, 2, 3),
             "rehab_end_date": dt.date(2025, 4, 25), "discontinued": False,
             "main_diagnosis": "M79.7", "signed_off": False},
        ],
    }  # fmt: skip
    counts = actions.import_register(user=None, tables=tables, username="operator")
    assert counts["registrations"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Registration.objects.count() == 1


def test_only_the_coordinator_imports(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.import_register(user=world.charlie, tables=_tables())
