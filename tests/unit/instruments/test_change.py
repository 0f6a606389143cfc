"""Change categories between initial and end (DOMAIN.md, annual report part 2)."""

from __future__ import annotations

import pytest

from painreg.instruments import InstrumentError, category, change_category, change_rule


@pytest.mark.parametrize(
    ("initial", "end", "expected"),
    [
        (12, 9, "improved"),  # case -> borderline
        (9, 7, "improved"),  # borderline -> normal
        (7, 8, "worsened"),
        (10, 11, "worsened"),
        (0, 7, "unchanged_positive"),
        (8, 10, "unchanged_negative"),
        (21, 11, "unchanged_negative"),
        (None, 5, None),
        (5, None, None),
    ],
)
def test_it_classifies_hads_change(
    initial: int | None, end: int | None, expected: str | None
) -> None:
    """Source: DOMAIN.md HADS rule (categories 0-7, 8-10, 11-21)."""
    assert change_category("hads", "anxiety", {"anxiety": initial}, {"anxiety": end}) == expected
    assert (
        change_category("hads", "depression", {"depression": initial}, {"depression": end})
        == expected
    )


@pytest.mark.parametrize(
    ("initial", "end", "expected"),
    [
        (5, 6, "improved"),
        (9, 10, "improved"),
        (10, 9, "worsened"),
        (8, 9, "unchanged_positive"),
        (10, 10, "unchanged_positive"),
        (0, 5, "unchanged_negative"),
        (6, 7, "unchanged_negative"),
    ],
)
def test_it_classifies_wai_change(initial: int, end: int, expected: str) -> None:
    """Source: DOMAIN.md WAI rule (poor 0-5, moderate 6-7, good 8-9, excellent 10)."""
    assert change_category("wai", "score", {"score": initial}, {"score": end}) == expected


@pytest.mark.parametrize(
    ("initial", "end", "expected"),
    [
        (40, 24.9, "improved"),  # decrease 15.1
        (40, 25, "unchanged_positive"),  # decrease 15.0 < 15.1, end < 30
        (14.9, 30, "worsened"),  # increase 15.1
        (20, 35, "unchanged_negative"),  # increase 15, end >= 30
        (35, 30, "unchanged_negative"),
        (35, 29, "unchanged_positive"),
        (45.1, 30, "improved"),
    ],
)
def test_it_classifies_pcs_change_at_15_1(initial: float, end: float, expected: str) -> None:
    """Source: DOMAIN.md PCS rule: |end - initial| >= 15.1 counts; else end < 30 positive."""
    assert change_category("pcs", "total", {"total": initial}, {"total": end}) == expected


@pytest.mark.parametrize(
    ("initial", "end", "expected"),
    [
        (50, 60, "improved"),
        (60, 50, "worsened"),
        (65, 70, "unchanged_positive"),
        (75, 69, "unchanged_negative"),
        (61, 70, "unchanged_positive"),
    ],
)
def test_it_classifies_eq_vas_change(initial: int, end: int, expected: str) -> None:
    """Source: DOMAIN.md EQ-VAS rule: +-10 counts; else end >= 70 positive."""
    for instrument in ("eq5d5l", "eq5d3l"):
        assert change_category(instrument, "vas", {"vas": initial}, {"vas": end}) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (1, "improved"),
        (3, "improved"),
        (4, "unchanged"),
        (5, "worsened"),
        (7, "worsened"),
        (None, None),
    ],
)
def test_it_classifies_global_questions_from_the_end_answer(
    answer: int | None, expected: str | None
) -> None:
    """Source: DOMAIN.md global questions: 1-3 improved, 4 unchanged, 5-7 worsened."""
    for item, score_name in (("global_life_1", "life"), ("global_pain_1", "pain")):
        assert change_category("global", item, None, {item: answer}) == expected
        assert change_category("global", item, None, {score_name: answer}) == expected


def test_it_derives_categories_from_numbers() -> None:
    assert category("hads", "anxiety", 9) == "borderline"
    assert category("hads", "anxiety_category", 11) == "case"
    assert category("wai", "score", 8) == "good"
    assert category("isi", "total", 15) == "moderate"
    assert category("hads", "depression", None) is None


def test_it_refuses_a_measure_without_a_change_rule() -> None:
    with pytest.raises(InstrumentError, match="no change rule for 'rumination'"):
        change_category("pcs", "rumination", {}, {})
    with pytest.raises(InstrumentError, match="has no categories"):
        category("pcs", "total", 20)


def test_it_exposes_change_rules_as_data_for_sql_engines() -> None:
    """Indicators in Ibis read the same thresholds (DOMAIN.md: thresholds live in definitions)."""
    rule = change_rule("hads", "depression")
    assert rule["rule"] == "category_shift" and rule["better"] == "lower"
    assert rule["bands"] == [("normal", 7.0), ("borderline", 10.0), ("case", 21.0)]
    assert change_rule("eq5d5l", "vas")["positive_at_least"] == 70
    assert change_rule("global", "global_pain_1")["score"] == "pain"
