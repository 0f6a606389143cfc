"""SF-36 v1 (Ware) and RAND-36 (Hays) scoring of the same 36 items."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from painreg.instruments import score, score_frame

from .conftest import DATA

# lbscorer tests/sf36tests.Rout.save: the SAS-algorithm sample scored by R package lbscorer.
# Columns PF RP BP GH VT SF RE MH PCS MCS; None = NA.
LBSCORER_EXPECTED = [
    (10, 0, 0, 10, 13.33333, 0.0, 0.00000, 15, 21.57120, 21.80415),
    (80, 25, 64, None, 80.00000, 100.0, 33.33333, 76, None, None),
    (85, 0, 52, 35, 45.00000, 50.0, 0.00000, 72, 38.84769, 36.87770),
    (10, 0, 40, 10, 35.00000, 0.0, 0.00000, 8, 28.11901, 20.70724),
    (60, 0, 41, 87, 50.00000, 50.0, 0.00000, 72, 39.23738, 40.00224),
    (75, 0, 74, 72, 75.00000, 62.5, 0.00000, 72, 44.91013, 41.56973),
    (75, 0, 100, 67, 70.00000, 75.0, 100.00000, 96, 38.92918, 61.08827),
    (95, 50, 100, 72, 75.00000, 75.0, 66.66667, 88, 51.43490, 51.24144),
    (35, 0, 31, 20, 50.00000, 50.0, 0.00000, 64, 25.95036, 41.29078),
    (95, 100, 100, 92, 85.00000, 100.0, 100.00000, 88, 57.22017, 57.77303),
]
SF36_SCORES = ("pf", "rp", "bp", "gh", "vt", "sf", "re", "mh", "pcs", "mcs")


def _sample(prefix: str) -> pd.DataFrame:
    rows = [line.split() for line in (DATA / "sf36_lbscorer_sample.txt").read_text().splitlines()]
    values = [[np.nan if v == "." else float(v) for v in row[1:]] for row in rows]
    return pd.DataFrame(values, columns=[f"{prefix}_{i}" for i in range(1, 37)])


def test_it_scores_the_sas_sample_exactly_as_lbscorer() -> None:
    """Source: R package lbscorer, data-raw/sf36sample.txt and tests/sf36tests.Rout.save.

    The sample includes missing items (half rule) and the joint bodily-pain scoring.
    """
    scored = score_frame("sf36", _sample("sf36"))
    for row, expected in enumerate(LBSCORER_EXPECTED):
        for name, value in zip(SF36_SCORES, expected, strict=True):
            got = scored[name].iloc[row]
            if value is None:
                assert math.isnan(got), (row, name)
            else:
                assert got == pytest.approx(value, abs=6e-6), (row, name)


def test_it_scores_sf36_from_rand36_answers() -> None:
    """The same items: sf36_n is rand36_n (DOMAIN.md, two scorings of the same 36 items)."""
    from_rand = score_frame("sf36", _sample("rand36"))
    from_sf = score_frame("sf36", _sample("sf36"))
    pd.testing.assert_frame_equal(from_rand, from_sf)


def test_it_needs_all_eight_scales_for_pcs_and_mcs() -> None:
    """Source: Ware, Kosinski & Keller 1994 (summary scores need every scale); lbscorer row 2."""
    answers = {f"sf36_{i}": 1 for i in range(1, 37)}
    answers.update({f"sf36_{i}": None for i in (1, 33, 34, 35)})  # GH: 1 of 5 answered
    result = score("sf36", answers)
    assert result["gh"] is None
    assert result["pcs"] is None and result["mcs"] is None


def test_it_applies_the_half_rule_at_exactly_half() -> None:
    """Source: Ware 1993: a scale is scored when at least half of its items are answered."""
    base = {f"sf36_{i}": 3 for i in range(3, 13)}  # PF all 3 = 100
    for i in range(3, 8):
        base[f"sf36_{i}"] = None  # 5 of 10 answered: scored
    assert score("sf36", base)["pf"] == 100.0
    base["sf36_8"] = None  # 4 of 10: not scored
    assert score("sf36", base)["pf"] is None


@pytest.mark.parametrize(
    ("item21", "item22", "expected"),
    [
        (1, 1, 100.0),  # 6 + 6
        (2, 1, 84.0),  # 5.4 + 5
        (6, 5, 0.0),  # 1 + 1
        (3, 2, 62.0),  # 4.2 + 4
        (None, 2, 75.0),  # 4.75 x 2
        (4, None, 42.0),  # 3.1 x 2
    ],
)
def test_it_scores_bodily_pain_jointly(
    item21: int | None, item22: int | None, expected: float
) -> None:
    """Source: Ware 1993 SF-36 manual, bodily pain recoding (items 21 and 22)."""
    result = score("sf36", {"sf36_21": item21, "sf36_22": item22})
    assert result["bp"] == pytest.approx(expected)


def test_it_scores_rand36_row_3_of_the_sample_by_the_rand_table() -> None:
    """Source: RAND 36-Item Health Survey 1.0 scoring instructions, Tables 1-2 (Hays 1993).

    Worked by hand for lbscorer sample row 3: PF 850/10, EF (40+20+60+60)/4,
    EWB (80+100+40+100+40)/5, SF (50+50)/2, pain (60+50)/2, GH (25+50+25+50+25)/5.
    The pain scale differs from SF-36 BP (52) by design.
    """
    answers = _sample("rand36").iloc[2].to_dict()
    assert score("rand36", answers) == {
        "physical_functioning": 85.0,
        "role_physical": 0.0,
        "role_emotional": 0.0,
        "energy_fatigue": 45.0,
        "emotional_wellbeing": 72.0,
        "social_functioning": 50.0,
        "pain": 55.0,
        "general_health": 35.0,
    }


def test_it_scores_a_rand36_scale_from_any_answered_item() -> None:
    """Source: RAND scoring instructions: items left blank are not taken into account.

    lbscorer sample row 2 answers only item 1 of general health (1 = excellent -> 100);
    SF-36 gives no GH there (half rule), RAND-36 gives 100.
    """
    answers = _sample("rand36").iloc[1].to_dict()
    result = score("rand36", answers)
    assert result["general_health"] == 100.0
    assert result["physical_functioning"] == 80.0


def test_it_spans_0_to_100_on_every_rand36_scale() -> None:
    """Source: RAND Table 1: best and worst answers recode to 100 and 0."""
    best = {f"rand36_{i}": 1 for i in range(1, 37)}
    # Items where a high code is the better answer (RAND Table 1 groups).
    for i in [*range(3, 20), 24, 25, 28, 29, 31]:
        best[f"rand36_{i}"] = 3 if 3 <= i <= 12 else 2 if 13 <= i <= 19 else 6
    for i in (32, 33, 35):
        best[f"rand36_{i}"] = 5
    assert set(score("rand36", best).values()) == {100.0}
    worst = {}
    for key, value in best.items():
        item = find_item_values(key)
        worst[key] = item[0] if value == item[-1] else item[-1]
    assert set(score("rand36", worst).values()) == {0.0}


def find_item_values(item_id: str) -> tuple[float, ...]:
    from painreg.instruments import find_item

    values = find_item(item_id).values
    assert values is not None
    return values


def test_rand36_equals_sf36_where_hays_says_the_scorings_agree() -> None:
    """Source: Hays, Sherbourne & Mazel 1993: with complete answers the RAND-36 and SF-36
    scales are the same except bodily pain and general health. Checked against lbscorer's
    SF-36 values for the complete rows of its SAS sample."""
    same = {
        "physical_functioning": 0,  # PF
        "role_physical": 1,  # RP
        "energy_fatigue": 4,  # VT
        "social_functioning": 5,  # SF
        "role_emotional": 6,  # RE
        "emotional_wellbeing": 7,  # MH
    }
    rand = score_frame("rand36", _sample("rand36"))
    complete = [2, 3, 4, 5, 6, 7, 9]
    for row in complete:
        for name, column in same.items():
            expected = LBSCORER_EXPECTED[row][column]
            assert rand[name].iloc[row] == pytest.approx(expected, abs=6e-6), (row, name)
