"""Indicators on a hand-made register, every JSON key against hand-counted values.

The register (year 2021 unless said):

- S1 (specialist, reported total 10): r1 completed with full answers; r2
  discontinued with an empty reason (= other); r3 discontinued, own decision;
  r4 completed but not signed off (counts nowhere); r5 ongoing (no end date,
  no year); r6 completed in 2020 with a one-year answer; r10 assessment.
- S2 (specialist, no total): r7 completed, answered EQ-5D-3L; r8 completed,
  nothing at end.
- S9 (specialist): only r11, completed in 2020 with a one-year answer.
- P1 (primary, reported total 3): r9 completed with the global questions.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import Filters
from painreg.analytics.indicators import BY_KEY, INDICATORS
from painreg.analytics.load import register_from_arrow
from painreg.analytics.measures import change_expression
from painreg.analytics.reference import render_indicator_reference
from painreg.tidy.schema import get_table

D = dt.date
FIRST_VISIT = D(2020, 10, 1)


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = get_table(name).arrow_schema
    full = [{c: row.get(c) for c in schema.names} for row in rows]
    return pa.Table.from_pylist(full, schema=schema)


def _reg(rid, unit, category="rehab", end=None, first=FIRST_VISIT, **kw):  # type: ignore[no-untyped-def]
    return {
        "registration_id": rid,
        "patient_id": kw.pop("patient", "p" + rid),
        "unit_id": unit,
        "category": category,
        "first_visit_date": first,
        "rehab_start_date": D(2020, 11, 1) if category == "rehab" else None,
        "rehab_end_date": end,
        "discontinued": kw.pop("discontinued", False),
        "main_diagnosis": kw.pop("diagnosis", "M79.7"),
        **kw,
    }


def _answers(rid: str, occasion: str, values: dict[str, float]) -> list[dict]:
    return [
        {"registration_id": rid, "occasion": occasion, "item": k, "value": float(v)}
        for k, v in values.items()
    ]


def _hads(anxiety: list[int], depression: list[int]) -> dict[str, int]:
    out = {}
    for k, v in enumerate(anxiety):
        out[f"hads_{2 * k + 1}"] = v
    for k, v in enumerate(depression):
        out[f"hads_{2 * k + 2}"] = v
    return out


def _pcs(value: int) -> dict[str, int]:
    return {f"pcs_{k}": value for k in range(1, 14)}


@pytest.fixture(scope="module")
def register(tables):  # type: ignore[no-untyped-def]
    return register_from_arrow(tables)


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    units = [
        {
            "unit_id": "S1",
            "name": "Smärtcentrum 1",
            "region_code": "01",
            "care_level": "specialist",
        },
        {
            "unit_id": "S2",
            "name": "Smärtcentrum 2",
            "region_code": "03",
            "care_level": "specialist",
        },
        {"unit_id": "P1", "name": "Vårdcentral 1", "region_code": "01", "care_level": "primary"},
        {"unit_id": "S9", "name": "Inaktiv", "region_code": "01", "care_level": "specialist"},
    ]
    totals = [
        {"unit_id": "S1", "year": 2021, "rehab_patients_total": 10},
        {"unit_id": "P1", "year": 2021, "rehab_patients_total": 3},
        {"unit_id": "S1", "year": 2020, "rehab_patients_total": 4},
    ]
    regs = [
        _reg("r1", "S1", end=D(2021, 3, 1), education="university", programme="act;on_site"),
        _reg("r2", "S1", end=D(2021, 6, 1), discontinued=True),
        _reg(
            "r3", "S1", end=D(2021, 7, 1), discontinued=True, discontinuation_reason="own_decision"
        ),
        _reg("r4", "S1", end=D(2021, 8, 1), signed_off=False),
        _reg("r5", "S1", end=None),
        _reg("r6", "S1", end=D(2020, 12, 31)),
        _reg("r7", "S2", end=D(2021, 5, 5), diagnosis="M54.5"),
        _reg("r8", "S2", end=D(2021, 9, 9)),
        _reg("r9", "P1", end=D(2021, 4, 4)),
        _reg("r10", "S1", category="assessment", first=D(2021, 2, 2)),
        _reg("r11", "S9", end=D(2020, 6, 6)),  # S9 has nothing in 2021
    ]
    patients = [
        {"patient_id": "p" + r["registration_id"], "sex": "F", "birth_year": 1980} for r in regs
    ]
    patients[6]["sex"] = "M"  # r7
    answers = (
        # r1: HADS anxiety 12 (case) -> 5 (normal): improved; depression 9 -> 9: unchanged neg.
        _answers("r1", "initial", _hads([2, 2, 2, 2, 2, 1, 1], [2, 2, 2, 1, 1, 1, 0]))
        + _answers("r1", "end", _hads([1, 1, 1, 1, 1, 0, 0], [2, 2, 2, 1, 1, 1, 0]))
        # r1: EQ-VAS 50 -> 65 improved; WAI 3 -> 8 improved; PCS 39 -> 13 improved.
        + _answers("r1", "initial", {"eq5d5l_vas": 50, "wai_1": 3, **_pcs(3)})
        + _answers("r1", "end", {"eq5d5l_vas": 65, "wai_1": 8, **_pcs(1)})
        # r1: life situation 2 (improved), pain experience 4 (unchanged)
        + _answers("r1", "end", {"global_life_1": 2, "global_pain_1": 4})
        # r1: physical activity none -> 30-60 min a week; very satisfied (5) at end.
        + _answers("r1", "initial", {"activity_1": 0})
        + _answers("r1", "end", {"activity_1": 2, "satisfaction_1": 5})
        # r4 is not signed off: would count everywhere if it were
        + _answers("r4", "end", {"global_life_1": 1, "eq5d5l_vas": 90})
        + _answers("r6", "followup_1y", {"wai_1": 7})
        + _answers("r11", "followup_1y", {"wai_1": 5})
        # r7: EQ-5D-3L VAS 80 -> 75: unchanged positive; HADS only at initial.
        + _answers("r7", "initial", {"eq5d3l_vas": 80, **_hads([3] * 7, [3] * 7)})
        + _answers("r7", "end", {"eq5d3l_vas": 75})
        # RAND-36 emotional well-being at end: r1 best answers (100), r7 all "3" (48).
        + _answers(
            "r1",
            "end",
            {"rand36_24": 6, "rand36_25": 6, "rand36_26": 1, "rand36_28": 6, "rand36_30": 1},
        )
        + _answers("r7", "end", {f"rand36_{i}": 3 for i in (24, 25, 26, 28, 30)})
        # MPI item 1 (the test's item key: pain severity): r1 5 -> 1; r7 only at initial.
        + _answers("r1", "initial", {"mpi_1": 5})
        + _answers("r1", "end", {"mpi_1": 1})
        + _answers("r7", "initial", {"mpi_1": 1})
        + _answers(
            "r9", "end", {"global_life_1": 6, "global_pain_1": 3, "global_painhandling_1": 1}
        )
    )
    return {
        "units": _table("units", units),
        "unit_year_totals": _table("unit_year_totals", totals),
        "patients": _table("patients", patients),
        "registrations": _table("registrations", regs),
        "answers": _table("answers", answers),
    }


@pytest.fixture(scope="module")
def result(register):  # type: ignore[no-untyped-def]
    return compute_indicators(register, 2021, json_only=True)


def test_the_json_has_the_issue_shape_and_is_serialisable(result):
    assert set(result) == {"year", "care_levels"}
    assert set(result["care_levels"]) == {"specialist", "primary"}
    json.dumps(result)
    for level in result["care_levels"].values():
        for key in (
            "completed_rehab", "discontinued", "response_rate_end", "coverage",
            "hads_anxiety_change", "hads_depression_change", "wai_change", "pcs_change",
            "eqvas_change", "global_life_situation", "global_pain_experience",
        ):  # fmt: skip
            assert key in level["national"]


def test_units_listed_are_those_with_a_registration_or_a_total_of_the_year(result):
    units = result["care_levels"]["specialist"]["units"]
    # S9 has registrations of 2020 only: listed for the one-year figures (DOMAIN.md,
    # "One-year outcomes"), with the figures of 2021 at zero (docs/decisions.md).
    assert list(units) == ["S1", "S2", "S9"]
    assert units["S9"]["completed_rehab"] == 0
    assert units["S9"]["coverage"] == {"registered": 0, "reported_total": None}
    assert units["S9"]["response_rate_1y"] == {"numerator": 1, "denominator": 1}
    assert set(units["S9"]) == set(units["S1"])
    assert sorted(result["care_levels"]["primary"]["units"]) == ["P1"]


def test_completed_rehab_skips_unsigned_ongoing_discontinued_and_other_years(result):
    spec = result["care_levels"]["specialist"]
    assert spec["units"]["S1"]["completed_rehab"] == 1  # r1 only
    assert spec["units"]["S2"]["completed_rehab"] == 2
    assert spec["national"]["completed_rehab"] == 3
    assert result["care_levels"]["primary"]["national"]["completed_rehab"] == 1


def test_a_discontinuation_with_an_empty_reason_counts_as_other(result):
    s1 = result["care_levels"]["specialist"]["units"]["S1"]
    assert s1["discontinued"] == {"own_decision": 1, "other_medical": 0, "other": 1}


def test_coverage_is_null_without_a_total_and_national_sums_reporting_units(result):
    spec = result["care_levels"]["specialist"]
    assert spec["units"]["S1"]["coverage"] == {"registered": 3, "reported_total": 10}
    assert spec["units"]["S2"]["coverage"] == {"registered": 2, "reported_total": None}
    assert spec["national"]["coverage"] == {"registered": 3, "reported_total": 10}
    assert result["care_levels"]["primary"]["national"]["coverage"] == {
        "registered": 1,
        "reported_total": 3,
    }


def test_response_rate_at_end_counts_completed_registrations_with_any_end_answer(result):
    spec = result["care_levels"]["specialist"]
    assert spec["units"]["S1"]["response_rate_end"] == {"numerator": 1, "denominator": 1}
    assert spec["units"]["S2"]["response_rate_end"] == {"numerator": 1, "denominator": 2}
    assert spec["national"]["response_rate_end"] == {"numerator": 2, "denominator": 3}


def test_response_rate_at_one_year_uses_the_previous_years_registrations(register):
    res = compute_indicators(register, 2021, keys=["response_rate_1y"])
    s1 = res["care_levels"]["specialist"]["units"]["S1"]
    assert s1["response_rate_1y"] == {"numerator": 1, "denominator": 1}  # r6 (2020)
    # S9 is listed for 2020 only: listed for the one-year figures of 2021 (DOMAIN.md).
    s9 = res["care_levels"]["specialist"]["units"]["S9"]
    assert s9["response_rate_1y"] == {"numerator": 1, "denominator": 1}
    national = res["care_levels"]["specialist"]["national"]["response_rate_1y"]
    assert national == {"numerator": 2, "denominator": 2}


def test_change_measures_count_registrations_complete_at_both_occasions(result):
    spec = result["care_levels"]["specialist"]["national"]
    zero4 = {"unchanged_positive": 0, "unchanged_negative": 0, "worsened": 0}
    assert spec["hads_anxiety_change"] == {"n": 1, "improved": 1, **zero4}
    assert spec["hads_depression_change"] == {
        "n": 1, "improved": 0, "unchanged_positive": 0, "unchanged_negative": 1, "worsened": 0,
    }  # fmt: skip
    assert spec["wai_change"] == {"n": 1, "improved": 1, **zero4}
    assert spec["pcs_change"] == {"n": 1, "improved": 1, **zero4}


def test_eq_vas_uses_the_3l_scale_for_a_registration_that_answered_3l(result):
    spec = result["care_levels"]["specialist"]
    assert spec["units"]["S1"]["eqvas_change"]["improved"] == 1  # 5L 50 -> 65
    assert spec["units"]["S2"]["eqvas_change"] == {
        "n": 1, "improved": 0, "unchanged_positive": 1, "unchanged_negative": 0, "worsened": 0,
    }  # fmt: skip
    assert spec["national"]["eqvas_change"]["n"] == 2


def test_global_questions_count_answers_at_end(result):
    spec = result["care_levels"]["specialist"]["national"]
    assert spec["global_life_situation"] == {"n": 1, "improved": 1, "unchanged": 0, "worsened": 0}
    assert spec["global_pain_experience"] == {"n": 1, "improved": 0, "unchanged": 1, "worsened": 0}
    prim = result["care_levels"]["primary"]["national"]
    assert prim["global_life_situation"] == {"n": 1, "improved": 0, "unchanged": 0, "worsened": 1}
    assert prim["global_pain_handling"]["improved"] == 1
    assert "global_pain_handling" not in spec  # a primary-care question


def test_a_registration_that_is_not_signed_off_counts_nowhere(result):
    s1 = result["care_levels"]["specialist"]["units"]["S1"]
    assert s1["global_life_situation"]["n"] == 1  # r4's answer is not there
    assert s1["coverage"]["registered"] == 3


def test_filters_restrict_the_patient_group(register):
    men = compute_indicators(register, 2021, filters=Filters(sex="M"), json_only=True)
    assert men["care_levels"]["specialist"]["national"]["completed_rehab"] == 1
    m54 = compute_indicators(register, 2021, filters=Filters(diagnosis="m545"), json_only=True)
    assert m54["care_levels"]["specialist"]["national"]["completed_rehab"] == 1
    act = compute_indicators(register, 2021, filters=Filters(programme="act"), json_only=True)
    assert act["care_levels"]["specialist"]["national"]["completed_rehab"] == 1
    uni = compute_indicators(register, 2021, filters=Filters(education="university"))
    assert uni["care_levels"]["specialist"]["national"]["completed_rehab"] == 1
    old = compute_indicators(register, 2021, filters=Filters(age_group="66+"))
    assert old["care_levels"]["specialist"]["national"]["completed_rehab"] == 0


def test_descriptive_indicators_count_the_same_population(register):
    res = compute_indicators(register, 2021)["care_levels"]["specialist"]["national"]
    assert res["assessments"] == 1
    assert res["sex"] == {"n": 3, "F": 2, "M": 1}
    assert res["hads_anxiety_case_initial"] == {"numerator": 2, "denominator": 2}
    assert res["main_diagnosis"] == {"M79.7": 2, "M54.5": 1}
    assert res["selection_women"] == {"numerator": 4, "denominator": 5}
    assert res["wai_category_initial"] == {"n": 1, "poor": 1, "moderate": 0, "good": 0,
                                           "excellent": 0}  # fmt: skip
    assert res["wai_category_end"]["good"] == 1
    assert res["activity_initial"]["none"] == 1 and res["activity_initial"]["n"] == 1
    assert res["activity_end"]["from_30_to_60"] == 1
    assert res["satisfaction_end"] == {"numerator": 1, "denominator": 1}
    # EQ-VAS: r1 50 -> 65 (+15, 5L) and r7 80 -> 75 (-5, 3L).
    assert res["mean_change_eqvas"] == {"n": 2, "sum": 10.0, "sum_sq": 250.0}
    assert res["mean_change_pcs"] == {"n": 1, "sum": -26.0, "sum_sq": 676.0}


def test_mental_wellbeing_is_the_mean_rand36_emotional_wellbeing_at_end(register):
    """Figure 32, second half. RAND-36 scoring (Hays, Sherbourne & Mazel 1993, RAND
    scoring rules): items 24, 25, 28 score 1->0 ... 6->100, items 26 and 30 are
    reversed (1->100); the scale is the mean of its items. All best answers give
    100; all answers "3" give (3 x 40 + 2 x 60) / 5 = 48."""
    res = compute_indicators(register, 2021)["care_levels"]["specialist"]["national"]
    assert res["mental_wellbeing_end"] == {"n": 2, "sum": 148.0, "sum_sq": 100.0**2 + 48.0**2}
    assert BY_KEY["mental_wellbeing_end"].figures == "32"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        [
            ("hads", "anxiety", 0, 21),
            ("wai", "score", 0, 10),
            ("pcs", "total", 0, 52),
            ("eq5d5l", "vas", 0, 100),
            ("global", "global_life_1", 1, 7),
        ]
    ),
    st.data(),
)
def test_engine_change_categories_agree_with_the_instruments_rule(case, data):
    """The vectorised (Ibis) categories equal painreg.instruments.change_category row by row."""
    import ibis

    from painreg.instruments import change_category, change_rule

    instrument, measure, low, high = case
    rule = change_rule(instrument, measure)
    pairs = data.draw(
        st.lists(st.tuples(st.integers(low, high), st.integers(low, high)), min_size=1, max_size=8)
    )
    t = ibis.memtable({"a": [float(a) for a, _ in pairs], "b": [float(b) for _, b in pairs]})
    got = t.select(c=change_expression(rule, t.a, t.b)).to_pandas()["c"].tolist()
    score = rule["score"]
    want = [
        change_category(instrument, measure, {measure: a, score: a}, {measure: b, score: b})
        for a, b in pairs
    ]
    assert got == want


def test_every_indicator_names_its_source_figure_and_the_reference_renders():
    assert INDICATORS
    for indicator in INDICATORS:
        assert indicator.figures and indicator.numerator and indicator.denominator
    text = render_indicator_reference()
    assert "## `eqvas_change`" in text


# --- Analyses on the same register -------------------------------------------------


def test_completeness_counts_required_items_of_administered_forms(register):
    """r1 answered all 14 HADS items at initial and end; r7 all 14 at initial."""
    from painreg.analytics.analyses import completeness

    table = completeness(register, 2021, "specialist").set_index(["instrument", "occasion"])
    hads_initial = table.loc[("hads", "initial")]
    assert hads_initial.forms == 2 and hads_initial.complete_forms == 2
    assert hads_initial.answered_items == 28 and hads_initial.expected_items == 28
    # r1's PCS at end complete; global at end: r1 answered both required items.
    assert table.loc[("global", "end")].form_completeness == 1.0


def test_dropout_analysis_compares_responders_with_non_responders(register):
    """S2's r8 did not answer at end; r1 and r7 did (completed specialist rehab 2021)."""
    from painreg.analytics.analyses import dropout_analysis

    rows = {r.measure: r for r in dropout_analysis(register, 2021, "specialist")}
    women = rows["Kvinnor"]
    assert (women.n_responders, women.n_nonresponders) == (2, 1)
    assert women.method == "fisher"


def test_regions_and_healthcare_regions_sum_their_units(result):
    spec = result["care_levels"]["specialist"]
    assert spec["regions"]["01"]["completed_rehab"] == 1  # S1
    assert spec["regions"]["03"]["completed_rehab"] == 2  # S2
    assert spec["regions"]["01"]["coverage"] == {"registered": 3, "reported_total": 10}
    assert spec["regions"]["03"]["coverage"] == {"registered": None, "reported_total": None}
    assert spec["healthcare_regions"]["mellansverige"]["completed_rehab"] == 2
    assert spec["healthcare_regions"]["stockholm_gotland"]["response_rate_end"] == {
        "numerator": 1,
        "denominator": 1,
    }


def _toy_classifier(scales):  # type: ignore[no-untyped-def]
    # Not the MPI-S classifier (the holder's, not published): a stand-in to inject.
    return ["adaptive_coper" if v <= 2 else "dysfunctional" for v in scales["pain_severity"]]


def test_mpi_adaptive_copers_are_counted_only_with_the_holders_classifier(tables):
    """Figure 22. Without the registry holder's classifier no profile exists and the
    indicator is empty (never guessed); with one injected, adaptive copers are
    counted among registrations classified at initial and end (r1 only: r7 has no
    end answer)."""
    plain = compute_indicators(register_from_arrow(tables), 2021)
    nat = plain["care_levels"]["specialist"]["national"]
    assert nat["mpi_adaptive_coper_initial"] == {"numerator": 0, "denominator": 0}
    options = {"item_key": {"pain_severity": ["mpi_1"]}, "profile_classifier": _toy_classifier}
    classified = compute_indicators(register_from_arrow(tables, mpi_options=options), 2021)
    nat = classified["care_levels"]["specialist"]["national"]
    assert nat["mpi_adaptive_coper_initial"] == {"numerator": 0, "denominator": 1}
    assert nat["mpi_adaptive_coper_end"] == {"numerator": 1, "denominator": 1}
    # Other indicators are unchanged by the profiles.
    assert (
        nat["hads_anxiety_change"]
        == plain["care_levels"]["specialist"]["national"]["hads_anxiety_change"]
    )
