"""One-year outcomes, sustained improvement, outcomes in context and unit coverage,
every number against values counted by hand (DOMAIN.md, "One-year outcomes",
"Unit coverage").

The register (the report's year is 2021; its one-year outcomes are those of the
completed rehab registrations of 2020):

- A (specialist, region 01, active from 2015): a1 completed 2020 (HADS anxiety
  12 -> 5 -> 6, PCS 39 -> 13 -> 26, EQ-VAS 50 -> 65 -> 45, life situation 2
  at one year); a2 completed 2020 (HADS anxiety 9 -> 9 -> 12, PCS 26 -> none ->
  52, life situation 4 at one year); a3 discontinued 2020 (counts nowhere);
  a4 completed 2021.
- B (specialist, region 03, active from 2019, total 5 for 2021): b1 completed
  2020 (HADS only at one year: not counted; pain experience 6 at one year);
  b2 completed 2021.
- C (specialist, region 01, not connected): c1 completed 2020 with HADS
  12 -> 5 at one year: counts nowhere.
- D (specialist, region 01, active until 30 June 2020): not providing in 2021.
- P (primary, region 01, level 2, no active period): p1 completed 2020,
  handling of pain 1 at one year.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from painreg.analytics.compute import compute_indicators
from painreg.analytics.indicators import (
    BY_KEY,
    CHANGE_SOURCES,
    INDICATORS,
    MEAN_CHANGES,
    MEAN_CHANGES_1Y,
    ONE_YEAR_CHANGES,
    SUSTAINED_CHANGES,
    one_year_key,
)
from painreg.analytics.load import register_from_arrow
from painreg.tidy.schema import get_table

D = dt.date


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = get_table(name).arrow_schema
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)


def _reg(rid: str, unit: str, end: dt.date, discontinued: bool = False) -> dict:
    return {
        "registration_id": rid, "patient_id": "p" + rid, "unit_id": unit, "category": "rehab",
        "first_visit_date": D(end.year - 1, 10, 1), "rehab_start_date": D(end.year - 1, 11, 1),
        "rehab_end_date": end, "discontinued": discontinued, "main_diagnosis": "M79.7",
    }  # fmt: skip


ANXIETY = {  # HADS anxiety items (odd items) giving each total
    5: [1, 1, 1, 1, 1, 0, 0], 6: [1, 1, 1, 1, 1, 1, 0], 9: [2, 2, 2, 1, 1, 1, 0],
    12: [2, 2, 2, 2, 2, 1, 1],
}  # fmt: skip


def _answers(rid: str, occasion: str, *, anxiety=None, pcs=None, **items) -> list[dict]:  # type: ignore[no-untyped-def]
    values = dict(items)
    if anxiety is not None:
        values.update({f"hads_{2 * k + 1}": v for k, v in enumerate(ANXIETY[anxiety])})
    if pcs is not None:
        values.update({f"pcs_{k}": pcs // 13 for k in range(1, 14)})
    return [
        {"registration_id": rid, "occasion": occasion, "item": k, "value": float(v)}
        for k, v in values.items()
    ]


@pytest.fixture(scope="module")
def register():  # type: ignore[no-untyped-def]
    units = [
        {"unit_id": "A", "name": "A", "region_code": "01", "care_level": "specialist",
         "active_from": D(2015, 1, 1)},
        {"unit_id": "B", "name": "B", "region_code": "03", "care_level": "specialist",
         "active_from": D(2019, 1, 1)},
        {"unit_id": "C", "name": "C", "region_code": "01", "care_level": "specialist",
         "connected": False},
        {"unit_id": "D", "name": "D", "region_code": "01", "care_level": "specialist",
         "active_to": D(2020, 6, 30)},
        {"unit_id": "P", "name": "P", "region_code": "01", "care_level": "primary",
         "pain_care_level": 2},
    ]  # fmt: skip
    regs = [
        _reg("a1", "A", D(2020, 5, 1)),
        _reg("a2", "A", D(2020, 9, 1)),
        _reg("a3", "A", D(2020, 10, 1), discontinued=True),
        _reg("a4", "A", D(2021, 2, 1)),
        _reg("b1", "B", D(2020, 3, 1)),
        _reg("b2", "B", D(2021, 3, 1)),
        _reg("c1", "C", D(2020, 3, 1)),
        _reg("d1", "D", D(2020, 3, 1)),
        _reg("p1", "P", D(2020, 4, 1)),
    ]
    answers = (
        _answers("a1", "initial", anxiety=12, pcs=39, eq5d5l_vas=50, eq5d5l_pd=4, background_6=1)
        + _answers("a1", "end", anxiety=5, pcs=13, eq5d5l_vas=65)
        + _answers("a1", "followup_1y", anxiety=6, pcs=26, eq5d5l_vas=45, global_life_1=2)
        + _answers("a2", "initial", anxiety=9, pcs=26, eq5d5l_pd=2, background_6=3)
        + _answers("a2", "end", anxiety=9)
        + _answers("a2", "followup_1y", anxiety=12, pcs=52, global_life_1=4)
        + _answers("a3", "initial", anxiety=12)
        + _answers("a3", "followup_1y", anxiety=5, global_life_1=1)
        + _answers("b1", "initial", eq5d5l_pd=5, background_6=1)
        + _answers("b1", "followup_1y", anxiety=5, global_pain_1=6)
        + _answers("c1", "initial", anxiety=12)
        + _answers("c1", "followup_1y", anxiety=5, global_life_1=1)
        + _answers("p1", "followup_1y", global_painhandling_1=1)
    )
    tables = {
        "units": _table("units", units),
        "unit_year_totals": _table(
            "unit_year_totals", [{"unit_id": "B", "year": 2021, "rehab_patients_total": 5}]
        ),
        "patients": _table(
            "patients",
            [
                {"patient_id": "p" + r["registration_id"], "sex": "F", "birth_year": 1970}
                for r in regs
            ],
        ),
        "registrations": _table("registrations", regs),
        "answers": _table("answers", answers),
    }
    return register_from_arrow(tables)


@pytest.fixture(scope="module")
def result(register):  # type: ignore[no-untyped-def]
    return compute_indicators(register, 2021)


def _cats(n, improved=0, pos=0, neg=0, worsened=0):  # type: ignore[no-untyped-def]
    return {"n": n, "improved": improved, "unchanged_positive": pos,
            "unchanged_negative": neg, "worsened": worsened}  # fmt: skip


def test_one_year_change_categories_count_last_years_registrations(result):
    spec = result["care_levels"]["specialist"]
    nat = spec["national"]
    # a1: case -> normal (improved); a2: borderline -> case (worsened); b1 has no
    # initial; a3 is discontinued; c1's unit is not connected.
    assert nat["hads_anxiety_change_1y"] == _cats(2, improved=1, worsened=1)
    # PCS a1: 39 -> 26 is a change of 13 (< 15.1), 26 < 30: unchanged positive;
    # a2: 26 -> 52 worsened.
    assert nat["pcs_change_1y"] == _cats(2, pos=1, worsened=1)
    # EQ-VAS a1: 50 -> 45, below 70 at one year: unchanged negative.
    assert nat["eqvas_change_1y"] == _cats(1, neg=1)
    assert nat["wai_change_1y"] == _cats(0)
    assert spec["units"]["A"]["hads_anxiety_change_1y"] == _cats(2, improved=1, worsened=1)
    assert spec["units"]["B"]["hads_anxiety_change_1y"] == _cats(0)
    assert nat["global_life_situation_1y"] == {"n": 2, "improved": 1, "unchanged": 1,
                                               "worsened": 0}  # fmt: skip
    assert nat["global_pain_experience_1y"] == {"n": 1, "improved": 0, "unchanged": 0,
                                                "worsened": 1}  # fmt: skip
    assert "global_pain_handling_1y" not in nat
    prim = result["care_levels"]["primary"]
    handling = prim["national"]["global_pain_handling_1y"]
    assert handling == {"n": 1, "improved": 1, "unchanged": 0, "worsened": 0}
    # P has registrations of 2020 only: listed for the one-year figures, those
    # of 2021 at zero.
    assert prim["units"]["P"]["global_pain_handling_1y"]["n"] == 1
    assert prim["units"]["P"]["completed_rehab"] == 0


def test_sustained_improvement_is_improved_at_end_and_still_at_one_year(result):
    nat = result["care_levels"]["specialist"]["national"]
    # a1 improved at end on HADS (12 -> 5) and still at one year (12 -> 6).
    assert nat["hads_anxiety_change_sustained"] == {"n": 1, "sustained": 1}
    # a1 improved on PCS at end (39 -> 13) but not at one year (39 -> 26);
    # a2 has no PCS at end.
    assert nat["pcs_change_sustained"] == {"n": 1, "sustained": 0}
    assert nat["eqvas_change_sustained"] == {"n": 1, "sustained": 0}
    assert nat["wai_change_sustained"] == {"n": 0, "sustained": 0}


def test_mean_change_at_one_year(result):
    nat = result["care_levels"]["specialist"]["national"]
    # HADS anxiety: a1 6 - 12 = -6, a2 12 - 9 = 3.
    assert nat["mean_change_1y_hads_anxiety"] == {"n": 2, "sum": -3.0, "sum_sq": 45.0}
    # PCS: a1 26 - 39 = -13, a2 52 - 26 = 26.
    assert nat["mean_change_1y_pcs"] == {"n": 2, "sum": 13.0, "sum_sq": 845.0}


def test_unit_coverage_counts_providing_connected_delivering_and_reporting_units(result):
    spec = result["care_levels"]["specialist"]
    # Providing in 2021: A, B, C (D ended in 2020); connected A, B; delivering
    # (a registration of 2021) A, B; reporting a total: B.
    assert spec["national"]["unit_coverage"] == {
        "providing": 3, "connected": 2, "delivering": 2, "reporting_totals": 1
    }  # fmt: skip
    assert spec["regions"]["01"]["unit_coverage"] == {
        "providing": 2, "connected": 1, "delivering": 1, "reporting_totals": 0
    }  # fmt: skip
    assert spec["regions"]["03"]["unit_coverage"] == {
        "providing": 1, "connected": 1, "delivering": 1, "reporting_totals": 1
    }  # fmt: skip
    assert result["care_levels"]["primary"]["national"]["unit_coverage"] == {
        "providing": 1, "connected": 1, "delivering": 0, "reporting_totals": 0
    }  # fmt: skip
    # Never per unit; a unit not connected is listed nowhere.
    assert all("unit_coverage" not in v for v in spec["units"].values())
    assert "C" not in spec["units"]


def test_outcomes_in_context_at_end(register):
    nat = compute_indicators(register, 2020)["care_levels"]["specialist"]["national"]
    # Baseline categories of those the change counts: a1 initial 12 (case), a2 9.
    assert nat["hads_anxiety_change_baseline"] == {"n": 2, "normal": 0, "borderline": 1,
                                                   "case": 1}  # fmt: skip
    assert nat["pcs_change_baseline"] == {"n": 1, "positive": 0, "negative": 1}
    # Free of catastrophizing (PCS < 30): a1 39 -> 13.
    assert nat["pcs_free"] == {"n": 1, "initial": 0, "end": 1}


def test_free_of_catastrophizing_at_one_year(result):
    # a1 39 -> 26 (free at one year), a2 26 -> 52 (free before only).
    nat = result["care_levels"]["specialist"]["national"]
    assert nat["pcs_free_1y"] == {"n": 2, "initial": 1, "followup_1y": 1}


def test_json_holds_exactly_the_one_year_keys_of_the_interface(register):
    level = compute_indicators(register, 2021, json_only=True)["care_levels"]["specialist"]
    expected = {
        "hads_anxiety_change_1y", "hads_depression_change_1y", "pcs_change_1y",
        "wai_change_1y", "eqvas_change_1y", "global_life_situation_1y",
        "global_pain_experience_1y", "hads_anxiety_change_sustained",
        "hads_depression_change_sustained", "pcs_change_sustained", "wai_change_sustained",
        "eqvas_change_sustained",
    }  # fmt: skip
    added = {k for k in level["national"] if k.endswith(("_1y", "_sustained"))}
    assert added == expected | {"response_rate_1y"}
    assert "unit_coverage" in level["national"]


def test_one_year_twins_only_for_measures_asked_at_one_year():
    """Every one-year indicator's instrument is in the one-year form of each of its
    care levels (registry/data/forms.yaml)."""
    import yaml

    forms_file = __import__("pathlib").Path(__file__).parents[3] / "src/painreg/registry/data"
    forms = yaml.safe_load((forms_file / "forms.yaml").read_text())["forms"]
    instrument_of = {"eqvas": "eq5d5l", "eq5d": "eq5d5l"}
    for key in ONE_YEAR_CHANGES + SUSTAINED_CHANGES:
        instrument = CHANGE_SOURCES[key][0]
        for level in BY_KEY[one_year_key(key)].levels:
            assert instrument_of.get(instrument, instrument) in forms[level]["followup_1y"]
    for suffix, instrument, *_ in MEAN_CHANGES:
        asked = {lvl: instrument_of.get(instrument, instrument) in forms[lvl]["followup_1y"]
                 for lvl in forms}  # fmt: skip
        assert (suffix in MEAN_CHANGES_1Y) == asked["specialist"], suffix
    assert all(i.years_back in (0, 1) for i in INDICATORS)


def test_dropout_analysis_has_the_reports_own_variables(register):
    from painreg.analytics.analyses import dropout_analysis

    rows = {r.measure: r for r in dropout_analysis(register, 2020, "specialist")}
    # Responders at end: a1 (severe pain 4, not at all convinced), a2 (2, 3);
    # non-responders: b1 (5, not at all convinced) and d1 (nothing at baseline).
    pain = rows["Svår smärta/besvär (EQ-5D)"]
    assert (pain.n_responders, pain.n_nonresponders) == (2, 1)
    assert (pain.responders, pain.nonresponders) == (0.5, 1.0)
    belief = rows["Inte alls övertygad om att bli återställd"]
    assert (belief.responders, belief.nonresponders) == (0.5, 1.0)
