"""The business rules, stated once (DOMAIN.md: counting rules, registration workflow)."""

from __future__ import annotations

import datetime as dt

from painreg import instruments
from painreg.tidy import rules

D = dt.date


def test_a_rehab_registration_belongs_to_the_year_of_its_end_date() -> None:
    assert (
        rules.counting_year("rehab", first_visit_date=D(2020, 11, 3), rehab_end_date=D(2021, 2, 1))
        == 2021
    )


def test_an_ongoing_rehab_registration_belongs_to_no_year() -> None:
    assert (
        rules.counting_year("rehab", first_visit_date=D(2020, 11, 3), rehab_end_date=None) is None
    )


def test_an_assessment_belongs_to_the_year_of_its_first_visit() -> None:
    assert (
        rules.counting_year("assessment", first_visit_date=D(2020, 11, 3), rehab_end_date=None)
        == 2020
    )
    assert rules.counting_date("assessment", first_visit_date=None, rehab_end_date=None) is None


def _dates(**given: dt.date | None) -> dict[str, dt.date | None]:
    dates: dict[str, dt.date | None] = dict.fromkeys(
        ("referral_date", "first_visit_date", "rehab_start_date", "rehab_end_date")
    )
    dates.update(given)
    return dates


def test_dates_in_order_break_no_rule_and_missing_dates_break_none() -> None:
    assert rules.date_problems(**_dates()) == ()
    in_order = _dates(
        referral_date=D(2021, 1, 1),
        first_visit_date=D(2021, 2, 1),
        rehab_start_date=D(2021, 2, 1),
        rehab_end_date=D(2021, 2, 1),
    )
    assert rules.date_problems(**in_order) == ()


def test_each_date_order_rule_is_found_on_its_own() -> None:
    first = D(2021, 2, 1)
    cases = {
        rules.REFERRAL_AFTER_FIRST_VISIT: _dates(
            referral_date=D(2021, 2, 2), first_visit_date=first
        ),
        rules.REHAB_START_BEFORE_FIRST_VISIT: _dates(
            first_visit_date=first, rehab_start_date=D(2021, 1, 31)
        ),
        rules.REHAB_END_BEFORE_START: _dates(rehab_start_date=first, rehab_end_date=D(2021, 1, 31)),
        rules.REHAB_END_WITHOUT_START: _dates(rehab_end_date=first),
    }
    for code, dates in cases.items():
        assert rules.date_problems(**dates) == (code,)


def test_an_assessment_may_set_no_rehab_field_and_a_rehab_may_set_them_all() -> None:
    kwargs = {"rehab_start_date": D(2021, 1, 1), "rehab_end_date": None, "discontinued": True}
    assert rules.rehab_fields_of_assessment("assessment", **kwargs) == (
        "rehab_start_date",
        "discontinued",
    )
    assert rules.rehab_fields_of_assessment("rehab", **kwargs) == ()


def test_a_discontinuation_reason_needs_a_discontinuation() -> None:
    assert rules.reason_without_discontinuation(discontinued=False, discontinuation_reason="other")
    assert not rules.reason_without_discontinuation(
        discontinued=True, discontinuation_reason="other"
    )
    assert not rules.reason_without_discontinuation(discontinued=False, discontinuation_reason="")


def test_an_occasions_status_follows_its_answers_and_its_sign_off() -> None:
    hads = set(instruments.get_instrument("hads").item_ids)
    lisat = set(instruments.get_instrument("lisat11").item_ids)

    def status(answered: set[str], **marks: str) -> str:
        return rules.occasion_status(answered, not_administered=marks, signed_off=False)

    assert status(set()) == "not_started"
    assert status(hads) == "answered"
    assert status(hads - {"hads_1"}) == "partial"
    # LiSat-11 items 6 and 9 are optional: without them the instrument is complete.
    assert status(lisat - {"lisat11_6", "lisat11_9"}) == "answered"
    # An instrument marked not administered is not asked for.
    assert status(hads - {"hads_1"}, hads="the patient could not read the form") == "answered"
    assert rules.occasion_status(set(), not_administered={}, signed_off=True) == "signed_off"
