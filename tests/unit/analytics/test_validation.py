"""Source-data validation's pure rules against a hand-computed fixture (DOMAIN.md,
"Source-data validation")."""

from __future__ import annotations

import random

import pytest

from painreg.analytics import validation as v

#: (unit, sample, variable, registered, recorded, not found, the outcome worked out by hand)
FIXTURE = [
    ("A", "1", "category", "rehab", "rehab", False, v.AGREE),
    ("A", "1", "first_visit_date", "2025-01-20", "2025-01-20", False, v.AGREE),
    ("A", "1", "item.initial.hads_1", 2, "3", False, v.NEIGHBOURING),  # HADS 0-3: one step
    ("A", "1", "item.initial.hads_2", 0, "3", False, v.OTHER),  # three steps
    ("A", "2", "category", "rehab", "rehab", False, v.AGREE),
    ("A", "2", "discontinuation_reason", "", None, True, v.AGREE),  # missing in both
    ("A", "2", "main_diagnosis", "M79.7", "m797", False, v.AGREE),  # same code, written apart
    ("B", "3", "referral_date", "2025-01-02", None, True, v.MISSING_IN_RECORD),
    ("B", "3", "rehab_end_date", None, "2025-04-25", False, v.MISSING_IN_REGISTER),
    ("B", "3", "category", "assessment", "assessment", False, v.AGREE),
]
HADS = (0.0, 1.0, 2.0, 3.0)


def _checks() -> list[v.Check]:
    out = []
    for unit, sample, variable, registered, recorded, not_found, _expected in FIXTURE:
        ordered = HADS if variable.startswith("item.") else None
        outcome = v.classify(
            v.normalise(variable, registered),
            v.normalise(variable, recorded),
            not_found=not_found,
            ordered_values=ordered,
        )
        out.append(v.Check(unit, sample, variable, outcome))
    return out


def test_each_variable_is_classified_as_worked_out_by_hand() -> None:
    assert [c.outcome for c in _checks()] == [row[-1] for row in FIXTURE]


def test_agreement_overall_per_unit_and_variable_with_wilson_intervals() -> None:
    results = v.summarise(_checks(), ["category", "main_diagnosis"])
    overall = results.overall
    # 6 of 10 agree; Wilson 95 % for 6/10 is 0.3127-0.8318 (worked out by hand:
    # centre (0.6 + 1.96²/20) / (1 + 1.96²/10), half-width 1.96/(1 + 0.3841) ×
    # sqrt(0.024 + 1.96²/400)).
    assert (overall.checked, overall.agreed) == (10, 6)
    assert overall.low == pytest.approx(0.3127, abs=5e-5)
    assert overall.high == pytest.approx(0.8318, abs=5e-5)
    assert overall.errors == {
        v.NEIGHBOURING: 1,
        v.OTHER: 1,
        v.MISSING_IN_RECORD: 1,
        v.MISSING_IN_REGISTER: 1,
    }
    assert (results.by_unit["A"].checked, results.by_unit["A"].agreed) == (7, 5)
    assert (results.by_unit["B"].checked, results.by_unit["B"].agreed) == (3, 1)
    category = results.by_variable["category"]
    assert (category.checked, category.agreed) == (3, 3)
    assert (category.low, category.high) == (pytest.approx(0.4385, abs=5e-5), 1.0)
    assert list(results.by_variable)[:2] == ["category", "main_diagnosis"]
    assert results.registrations == 3 and results.units == 2


def test_the_sample_is_random_random_seed_over_the_sorted_ids_per_unit() -> None:
    ids = [str(i) for i in range(1, 30)]
    drawn = v.draw_sample({"B": ["2", "1"], "A": list(reversed(ids))}, 5, 42)
    assert drawn["A"] == random.Random(42).sample(sorted(ids), 5)
    # Pinned: the documented algorithm keeps giving this sample (text order of the ids).
    assert drawn["A"] == ["28", "12", "1", "4", "17"]
    assert drawn["B"] == ["1", "2"]  # fewer than the sample size: all, sorted
    assert v.draw_sample({"A": ids}, 5, 42) == {"A": drawn["A"]}  # same seed, same sample
    assert v.draw_sample({"A": ids}, 5, 43)["A"] != drawn["A"]
    with pytest.raises(ValueError, match="at least 1"):
        v.draw_sample({"A": ids}, 0, 42)


def test_values_are_normalised_or_refused() -> None:
    assert v.normalise("first_visit_date", " 2025-01-20 ") == "2025-01-20"
    assert v.normalise("discontinued", True) == "yes"
    assert v.normalise("work_measures.ergonomic", "NO") == "no"
    assert v.normalise("item.end.hads_1", "2,0") == "2"
    assert v.normalise("main_diagnosis", "") is None
    for variable, bad in (("first_visit_date", "2025-02-30"), ("category", "x"),
                          ("discontinued", "maybe"), ("item.end.hads_1", "two")):  # fmt: skip
        with pytest.raises(ValueError):
            v.normalise(variable, bad)


def test_a_neighbouring_option_needs_an_ordered_item() -> None:
    assert v.classify("2", "3", not_found=False, ordered_values=None) == v.OTHER
    assert v.classify("2", "3", not_found=False, ordered_values=(0, 1, 2, 3)) == v.NEIGHBOURING
    assert v.classify("2", "9", not_found=False, ordered_values=(0, 1, 2, 3)) == v.OTHER


def test_variable_groups_and_labels() -> None:
    assert v.registration_variables(["category", "dates"]) == (*v.DATE_VARIABLES, "category")
    assert len(v.GROUPS["work_measures"]) == len(v.WORK_MEASURE_VARIABLES) > 1
    assert v.variable_label("item.followup_1y.hads_1") == "hads_1 (1-årsuppföljning)"
    with pytest.raises(ValueError, match="unknown variable groups"):
        v.registration_variables(["weather"])


def test_values_are_shown_with_their_labels() -> None:
    assert v.display_value("category", "rehab") == "multimodal rehabilitering"
    assert v.display_value("discontinued", "yes", "en") == "yes"
    assert v.display_value("work_measures.ergonomic", "no") == "nej"
    assert v.display_value("first_visit_date", "2025-01-20") == "2025-01-20"
    assert v.display_value("main_diagnosis", None) == ""
