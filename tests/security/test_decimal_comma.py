"""Staff number fields read a decimal comma and a decimal point alike, on any browser.

The browser test (tests/functional/test_staff_main_path.py) types "2,5" key by
key; these check the forms behind it without a browser.
"""

from __future__ import annotations

import pytest

from painreg import instruments
from painreg.registry.forms import InstrumentAnswersForm, UnitYearTotalForm


def _background(value: str) -> InstrumentAnswersForm:
    return InstrumentAnswersForm(
        {"answered_on": "2025-01-20", "background_1": value},
        instrument=instruments.get_instrument("background"),
    )


@pytest.mark.parametrize("typed", ["2,5", "2.5", " 2,5 "])
def test_years_with_pain_typed_with_a_comma_or_a_point_are_two_and_a_half(typed: str) -> None:
    form = _background(typed)
    assert form.is_valid(), form.errors
    assert form.answers()["background_1"] == 2.5


def test_number_fields_are_text_fields_the_browser_does_not_parse() -> None:
    html = str(_background("")["background_1"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'type="number"' not in str(UnitYearTotalForm()["rehab_patients_total"])


@pytest.mark.parametrize(("typed", "stored"), [("120", 120), ("120,0", 120), ("120.0", 120)])
def test_a_whole_number_field_reads_both_separators(typed: str, stored: int) -> None:
    form = UnitYearTotalForm({"year": "2025", "rehab_patients_total": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rehab_patients_total"] == stored


def test_a_whole_number_field_refuses_a_fraction_instead_of_storing_ten_times_it() -> None:
    form = UnitYearTotalForm({"year": "2025", "rehab_patients_total": "2,5"})
    assert not form.is_valid() and "rehab_patients_total" in form.errors
