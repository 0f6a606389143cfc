"""HADS, PCS, TSK, ISI, CPAQ, WAI, LiSat-11 and the register's own questions."""

from __future__ import annotations

import pytest

from painreg.instruments import InstrumentError, score


def _items(prefix: str, values: list[int | None]) -> dict[str, int | None]:
    return {f"{prefix}_{i}": v for i, v in enumerate(values, start=1)}


# ------------------------------------------------------------------------- HADS


def test_it_scores_the_awell_hads_random_response() -> None:
    """Source: awell-score hads __testdata__ random_response: anxiety ("fear") 11, depression 7."""
    answers = _items("hads", [3, 1, 1, 0, 0, 2, 1, 3, 2, 0, 1, 1, 3, 0])
    result = score("hads", answers)
    assert (result["anxiety"], result["depression"]) == (11.0, 7.0)
    assert (result["anxiety_category"], result["depression_category"]) == ("case", "normal")


def test_it_scores_the_awell_hads_median_response() -> None:
    """Source: awell-score hads __testdata__ median_response: 10 on both subscales."""
    answers = _items("hads", [2, 1, 2, 1, 2, 1, 1, 1, 1, 2, 1, 2, 1, 2])
    result = score("hads", answers)
    assert (result["anxiety"], result["depression"]) == (10.0, 10.0)
    assert result["anxiety_category"] == "borderline"


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (0, "normal"),
        (7, "normal"),
        (8, "borderline"),
        (10, "borderline"),
        (11, "case"),
        (21, "case"),
    ],
)
def test_it_puts_hads_cut_off_edges_in_the_right_category(total: int, category: str) -> None:
    """Source: DOMAIN.md / Zigmond & Snaith 1983: 0-7, 8-10, 11-21."""
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (7 - len(values))
    answers = {f"hads_{2 * i + 1}": v for i, v in enumerate(values)}
    result = score("hads", answers)
    assert result["anxiety"] == total
    assert result["anxiety_category"] == category
    assert result["depression"] is None  # no even item answered


def test_it_prorates_one_missing_hads_item_rounding_half_up() -> None:
    """Source: DOMAIN.md: mean x 7 rounded half up (10.5 -> 11); 1 of 7 may be missing.

    Anxiety items 1,3,...,11 answered 2,2,2,1,1,1 (sum 9, mean 1.5): 1.5 x 7 = 10.5 -> 11.
    """
    answers = {"hads_1": 2, "hads_3": 2, "hads_5": 2, "hads_7": 1, "hads_9": 1, "hads_11": 1}
    result = score("hads", answers)
    assert result["anxiety"] == 11.0
    assert result["anxiety_category"] == "case"


def test_it_gives_no_hads_subscale_with_two_items_missing() -> None:
    """Source: DOMAIN.md: HADS subscale 1 of 7 missing at most."""
    answers = {"hads_1": 3, "hads_3": 3, "hads_5": 3, "hads_7": 3, "hads_9": 3}
    assert score("hads", answers)["anxiety"] is None


def test_it_rounds_a_prorated_hads_score_below_half_down() -> None:
    """Source: DOMAIN.md proration: depression 2,2,2,2,2,1 -> 11/6 x 7 = 12.83 -> 13;
    1,1,1,1,1,2 -> 7/6 x 7 = 8.17 -> 8."""
    up = {f"hads_{i}": v for i, v in zip((2, 4, 6, 8, 10, 12), (2, 2, 2, 2, 2, 1), strict=True)}
    down = {f"hads_{i}": v for i, v in zip((2, 4, 6, 8, 10, 12), (1, 1, 1, 1, 1, 2), strict=True)}
    assert score("hads", up)["depression"] == 13.0
    assert score("hads", down)["depression"] == 8.0


def test_it_rejects_a_hads_answer_stored_as_option_position() -> None:
    """Source: DOMAIN.md: HADS items are stored as scores 0-3, never as option positions 1-4."""
    with pytest.raises(InstrumentError, match="hads_2: 4 is outside 0-3"):
        score("hads", {"hads_2": 4})


# -------------------------------------------------------------------------- PCS


def test_it_scores_the_awell_pcs_random_response() -> None:
    """Source: awell-score pcs __testdata__ random_response: total 21, rumination 10,
    magnification 5, helplessness 6."""
    answers = _items("pcs", [0, 1, 2, 3, 0, 0, 1, 4, 2, 1, 3, 0, 4])
    assert score("pcs", answers) == {
        "total": 21.0,
        "rumination": 10.0,
        "magnification": 5.0,
        "helplessness": 6.0,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, (0, 0, 0, 0)), (2, (26, 8, 6, 12)), (4, (52, 16, 12, 24))],
)
def test_it_scores_awell_pcs_min_median_max(value: int, expected: tuple[int, ...]) -> None:
    """Source: awell-score pcs tests (min 0, median 26/8/6/12, max 52/16/12/24)."""
    result = score("pcs", _items("pcs", [value] * 13))
    assert tuple(result.values()) == tuple(float(e) for e in expected)


def test_it_prorates_pcs_total_with_two_missing_but_not_three() -> None:
    """Source: DOMAIN.md: PCS total 2 of 13 missing; subscales 1 missing each."""
    answers = _items("pcs", [3] * 13)
    answers["pcs_1"] = None
    answers["pcs_8"] = None
    result = score("pcs", answers)
    assert result["total"] == 39.0  # 33/11 x 13 = 39
    assert result["rumination"] == 12.0 and result["helplessness"] == 18.0
    answers["pcs_6"] = None
    answers["pcs_7"] = None
    result = score("pcs", answers)
    assert result["total"] is None
    assert result["magnification"] is None  # 2 of 3 missing


# -------------------------------------------------------------------------- TSK


@pytest.mark.parametrize(
    ("values", "total", "high"),
    [
        ([1, 1, 1, 4, 1, 1, 1, 4, 1, 1, 1, 4, 1, 1, 1, 4, 1], 17, False),
        ([2, 2, 2, 3, 2, 2, 2, 3, 3, 3, 3, 2, 3, 3, 3, 2, 3], 43, True),
        ([4, 4, 4, 1, 4, 4, 4, 1, 4, 4, 4, 1, 4, 4, 4, 1, 4], 68, True),
        ([1, 3, 3, 2, 2, 3, 2, 2, 3, 2, 3, 3, 2, 3, 3, 3, 3], 43, True),
    ],
)
def test_it_scores_the_awell_tampa_responses(values: list[int], total: int, high: bool) -> None:
    """Source: awell-score tampa __testdata__ (min 17, median 43, max 68, random 43);
    items 4, 8, 12, 16 reversed."""
    assert score("tsk", _items("tsk", values)) == {"total": float(total), "high": high}


@pytest.mark.parametrize(("total", "high"), [(37, False), (38, True)])
def test_it_calls_tsk_high_only_above_37(total: int, high: bool) -> None:
    """Source: DOMAIN.md / Vlaeyen 1995: high kinesiophobia is total > 37."""
    values = [2] * 17  # non-reversed 2, reversed items 5-2 = 3: 13x2 + 4x3 = 38
    if total == 37:
        values[0] = 1
    result = score("tsk", _items("tsk", values))
    assert result == {"total": float(total), "high": high}


def test_it_prorates_tsk_with_two_missing_items() -> None:
    """Source: DOMAIN.md: TSK total 2 of 17 missing, prorated half up."""
    values: list[int | None] = [3] * 17
    values[0] = None
    values[3] = None  # a reversed item
    # answered: 12 x 3 + 3 reversed x (5-3=2) = 42 over 15 items -> 42/15 x 17 = 47.6 -> 48
    assert score("tsk", _items("tsk", values))["total"] == 48.0
    values[5] = None
    assert score("tsk", _items("tsk", values)) == {"total": None, "high": None}


# -------------------------------------------------------------------------- ISI


@pytest.mark.parametrize(
    ("value", "total", "band"),
    [(0, 0, "none"), (2, 14, "subthreshold"), (4, 28, "severe")],
)
def test_it_scores_the_awell_isi_responses(value: int, total: int, band: str) -> None:
    """Source: awell-score isi tests: best 0 (no insomnia), median 14 (subthreshold),
    worst 28 (severe)."""
    assert score("isi", _items("isi", [value] * 7)) == {"total": float(total), "band": band}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (7, "none"),
        (8, "subthreshold"),
        (14, "subthreshold"),
        (15, "moderate"),
        (21, "moderate"),
        (22, "severe"),
    ],
)
def test_it_puts_isi_band_edges_right(total: int, band: str) -> None:
    """Source: Bastien, Vallières & Morin 2001: 0-7, 8-14, 15-21, 22-28."""
    values = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    values += [0] * (7 - len(values))
    assert score("isi", _items("isi", values))["band"] == band


def test_it_needs_every_isi_item() -> None:
    """DOMAIN.md gives ISI no proration rule: one missing item, no total."""
    assert score("isi", _items("isi", [2, 2, 2, 2, 2, 2, None])) == {"total": None, "band": None}


# ------------------------------------------------------------------------- CPAQ


def test_it_reverses_cpaq_pain_willingness() -> None:
    """Source: McCracken 2004 / DOMAIN.md: pain willingness items are 6 - x."""
    answers = _items("cpaq", [6] * 20)
    assert score("cpaq", answers) == {
        "activity_engagement": 66.0,
        "pain_willingness": 0.0,
        "total": 66.0,
    }
    answers = _items("cpaq", [0] * 20)
    assert score("cpaq", answers)["pain_willingness"] == 54.0


def test_it_prorates_a_cpaq_subscale_with_two_missing_but_not_three() -> None:
    """Source: DOMAIN.md: CPAQ subscale 2 missing at most; total needs both subscales."""
    answers = _items("cpaq", [3] * 20)
    answers["cpaq_1"] = answers["cpaq_2"] = None
    result = score("cpaq", answers)
    assert result["activity_engagement"] == 33.0
    answers["cpaq_3"] = None
    result = score("cpaq", answers)
    assert result["activity_engagement"] is None and result["total"] is None
    assert result["pain_willingness"] == 27.0


def test_it_scores_cpaq8_with_items_4_5_7_8_reversed() -> None:
    """Source: Fish et al. 2010 CPAQ-8 key (activity engagement 1, 2, 3, 6; pain willingness
    4, 5, 7, 8 reversed), as in Stanford CHOIR's CPAQ-8 scorer."""
    answers = _items("cpaq8", [6, 5, 4, 0, 1, 3, 2, 6])
    assert score("cpaq8", answers) == {
        "activity_engagement": 18.0,
        "pain_willingness": 15.0,
        "total": 33.0,
    }


# ----------------------------------------------------------------- WAI and others


@pytest.mark.parametrize(
    ("value", "category"),
    [
        (0, "poor"),
        (5, "poor"),
        (6, "moderate"),
        (7, "moderate"),
        (8, "good"),
        (9, "good"),
        (10, "excellent"),
    ],
)
def test_it_puts_wai_edges_in_the_right_category(value: int, category: str) -> None:
    """Source: DOMAIN.md: poor 0-5, moderate 6-7, good 8-9, excellent 10."""
    assert score("wai", {"wai_1": value}) == {"score": float(value), "category": category}


def test_it_reports_lisat_satisfaction_per_domain() -> None:
    """Source: Fugl-Meyer et al. 2002: satisfied = 5-6; not applicable left empty."""
    answers = _items("lisat11", [5, 4, 6, 1, 2, 3, 5, 6, None, 4, 5])
    result = score("lisat11", answers)
    assert result["life_as_a_whole"] == 5.0
    assert result["life_as_a_whole_satisfied"] is True
    assert result["vocation_satisfied"] is False
    assert result["economy_satisfied"] is True
    assert result["partner_satisfied"] is None


def test_it_counts_pain_sites() -> None:
    answers = _items("painsites", [1, 0, 1, 1, 0, 0, 0, 1, 1, 0])
    assert score("painsites", answers) == {"count": 5.0}


def test_it_classifies_global_change_answers() -> None:
    """Source: DOMAIN.md: 1-3 improved, 4 unchanged, 5-7 worsened."""
    result = score("global", {"global_life_1": 3, "global_pain_1": 4, "global_painhandling_1": 5})
    assert (result["life_change"], result["pain_change"], result["painhandling_change"]) == (
        "improved",
        "unchanged",
        "worsened",
    )


def test_it_accepts_fractional_pain_duration_but_not_a_fractional_code() -> None:
    assert score("background", {"background_1": 2.5})["pain_duration_years"] == 2.5
    with pytest.raises(InstrumentError, match="background_4: 30 is not an allowed value"):
        score("background", {"background_4": 30})


def test_it_reports_mpi_as_not_classified_without_holder_parameters() -> None:
    """Source: docs/instruments.md (MPI): without reference parameters the profile
    is not classified, never guessed."""
    result = score("mpi", {"mpi_1": 3})
    assert result["profile"] == "not_classified"
    assert result["pain_severity"] is None  # no item key configured


def test_it_scores_mpi_scales_and_profile_with_holder_parameters() -> None:
    """The item key and centroids are the holder's; here a toy key checks the arithmetic only."""
    key = {
        "pain_severity": ["mpi_1", "mpi_2"],
        "life_control": {"items": ["mpi_3"], "reversed": ["mpi_3"]},
    }
    centroids = {
        "dysfunctional": {"pain_severity": 5, "life_control": 1},
        "adaptive_coper": {"pain_severity": 2, "life_control": 5},
    }
    result = score(
        "mpi", {"mpi_1": 2, "mpi_2": 3, "mpi_3": 1}, item_key=key, profile_centroids=centroids
    )
    assert result["pain_severity"] == 2.5
    assert result["life_control"] == 5.0
    assert result["profile"] == "adaptive_coper"


def test_it_rejects_unknown_options() -> None:
    with pytest.raises(InstrumentError, match="hads: unknown option"):
        score("hads", {"hads_1": 1}, value_set="se-3l-2014")


def test_it_rejects_an_unknown_item_id() -> None:
    with pytest.raises(InstrumentError, match="hads_15: not an item of hads"):
        score("hads", {"hads_15": 1})
    with pytest.raises(InstrumentError, match="foo_1: unknown item id"):
        score("hads", {"foo_1": 1})


def test_it_ignores_answers_to_other_instruments() -> None:
    assert score("wai", {"wai_1": 7, "hads_1": 2}) == {"score": 7.0, "category": "moderate"}
