"""ICD-10 format check and the bundled pain-diagnosis list (registry.diagnoses)."""

from __future__ import annotations

import pytest

from painreg.tidy.diagnoses import (
    DiagnosisCodeError,
    name_of,
    normalize_icd10,
    pain_diagnoses,
    search,
)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("M79.7", "M79.7"),
        ("m797", "M79.7"),
        (" r52.2 ", "R52.2"),
        ("R51", "R51"),
        ("F43.8A", "F43.8A"),
    ],
)
def test_it_writes_codes_in_normal_form(text: str, normal: str) -> None:
    assert normalize_icd10(text) == normal


@pytest.mark.parametrize("text", ["", "M7", "797", "MM79.7", "M79.777", "M79-7", "M79."])
def test_it_rejects_a_malformed_code_with_a_swedish_message(text: str) -> None:
    with pytest.raises(DiagnosisCodeError) as exc:
        normalize_icd10(text)
    assert "ICD-10" in str(exc.value)
    assert "M79.7" in exc.value.message_en


def test_the_bundled_list_has_the_issues_examples_and_only_well_formed_unique_codes() -> None:
    codes = [d.code for d in pain_diagnoses()]
    assert {"M79.7", "M54.5", "R52.2"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(normalize_icd10(c) == c for c in codes)
    assert name_of("M79.7") == "Fibromyalgi"


def test_it_finds_diagnoses_by_code_prefix_or_swedish_name() -> None:
    assert [d.code for d in search("M54.5")] == ["M54.5"]
    assert "M79.7" in [d.code for d in search("fibromyalgi")]
    assert "R52.2" in [d.code for d in search("kronisk smärta")]
    assert search("") == []
