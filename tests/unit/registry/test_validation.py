"""registry.validation: which findings are errors (block saving) and which are
warnings (kept and listed). No database needed."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from painreg.registry.validation import check_registration, normalize_registration

TODAY = dt.date(2026, 11, 22)
BASE = {
    "category": "rehab",
    "first_visit_date": dt.date(2026, 1, 10),
    "rehab_start_date": dt.date(2026, 2, 1),
    "rehab_end_date": dt.date(2026, 4, 1),
    "main_diagnosis": "M79.7",
}


def _codes(values: dict, **kw: object) -> tuple[set[str], set[str]]:
    report = check_registration(values, today=TODAY, **kw)  # type: ignore[arg-type]
    return {i.code for i in report.errors}, {i.code for i in report.warnings}


def test_a_complete_rehab_registration_has_no_findings() -> None:
    assert _codes(BASE) == (set(), set())


def test_impossible_date_orders_are_errors() -> None:
    errors, _ = _codes({**BASE, "rehab_end_date": dt.date(2026, 1, 31)})
    assert errors == {"rehab_end_before_start"}
    errors, _ = _codes({**BASE, "referral_date": dt.date(2026, 2, 1)})
    assert errors == {"referral_after_first_visit"}
    errors, _ = _codes({**BASE, "rehab_start_date": dt.date(2026, 1, 1)})
    assert errors == {"rehab_start_before_first_visit"}
    errors, _ = _codes(BASE, birth_date=dt.date(2026, 3, 1))
    assert "before_birth" in errors


def test_a_future_date_and_a_discontinuation_without_reason_are_warnings() -> None:
    errors, warnings = _codes({**BASE, "rehab_end_date": dt.date(2027, 1, 1), "discontinued": True})
    assert errors == set()
    assert warnings == {"future_date", "discontinued_without_reason"}


def test_an_assessment_with_rehab_dates_is_an_error() -> None:
    errors, _ = _codes({**BASE, "category": "assessment"})
    assert errors == {"assessment_with_rehab"}


def test_unknown_codes_in_lists_and_malformed_diagnoses_are_errors() -> None:
    values = normalize_registration(
        {**BASE, "secondary_diagnoses": "m545; X", "work_measures": ["yoga"], "main_diagnosis": "7"}
    )
    assert values["secondary_diagnoses"] == ["M54.5", "X"]
    report = check_registration(values, today=TODAY)
    assert {(i.field, i.code) for i in report.errors} == {
        ("secondary_diagnoses", "icd10"),
        ("work_measures", "choice"),
        ("main_diagnosis", "icd10"),
    }


def test_messages_follow_the_active_language() -> None:
    report = check_registration({**BASE, "rehab_end_date": dt.date(2026, 1, 1)}, today=TODAY)
    with translation.override("sv"):
        assert report.errors[0].message.startswith("Avslutsdatum")
    with translation.override("en"):
        assert report.errors[0].message.startswith("The rehab end date")
