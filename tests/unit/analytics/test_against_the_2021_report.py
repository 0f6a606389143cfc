"""The indicators on the scale-1 synthetic register against the 2021 annual report.

DOMAIN.md ("Synthetic data"): at scale 1 the synthetic register matches the
2021 report's national figures within ± 5 % for volumes and ± 2 percentage
points for shares. Run end to end (generate, score, count), this checks the
generator and the indicator definitions together against the published
figures (nrs-annual-report-2021.txt, page and figure in each comment).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def national(synthetic_register):  # type: ignore[no-untyped-def]
    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.load import load_register

    directory = synthetic_register(1.0, (2020, 2021), "parquet")  # shared with tests/unit/synth
    result = compute_indicators(load_register(directory), 2021, json_only=True)
    return {level: data["national"] for level, data in result["care_levels"].items()}


def _share(value: dict, key: str) -> float:
    return value[key] / value["n"]


@pytest.mark.parametrize(("level", "published"), [("specialist", 2531), ("primary", 479)])
def test_completed_rehab_matches_the_report(national, level, published):
    """Beskrivning av patienter: 2531 MMRsv and 479 MMRpv patients in 2021."""
    assert national[level]["completed_rehab"] == pytest.approx(published, rel=0.05)


def test_discontinuations_by_reason_match_the_report(national):
    """Orsak till avbrott: MMRsv 139 / 49 / 42, MMRpv 12 / 15 / 14."""
    sv, pv = national["specialist"]["discontinued"], national["primary"]["discontinued"]
    for got, want in ((sv, (139, 49, 42)), (pv, (12, 15, 14))):
        for key, value in zip(("own_decision", "other_medical", "other"), want, strict=True):
            assert got[key] == pytest.approx(value, rel=0.05, abs=2)


@pytest.mark.parametrize(
    ("level", "key", "category", "published"),
    [
        ("specialist", "global_life_situation", "improved", 0.88),  # figure 4
        ("primary", "global_life_situation", "improved", 0.79),  # figure 3
        ("specialist", "global_pain_experience", "improved", 0.59),  # figure 6
        ("primary", "global_pain_experience", "improved", 0.56),  # figure 5
        ("specialist", "eqvas_change", "improved", 0.55),  # figure 8
        ("specialist", "eqvas_change", "worsened", 0.13),  # figure 8
        ("primary", "eqvas_change", "improved", 0.41),  # figure 7
        ("primary", "eqvas_change", "worsened", 0.14),  # figure 7
    ],
)
def test_outcome_shares_match_the_report(national, level, key, category, published):
    assert _share(national[level][key], category) == pytest.approx(published, abs=0.02)


@pytest.mark.parametrize(("level", "published"), [("specialist", 0.78), ("primary", 0.93)])
def test_response_rate_at_end_matches_the_report(national, level, published):
    """Datafullständighet: response rate after rehabilitation 78 % (sv) and 93 % (pv)."""
    rate = national[level]["response_rate_end"]
    assert rate["numerator"] / rate["denominator"] == pytest.approx(published, abs=0.02)


def test_unit_coverage_matches_the_report(national):
    """Anslutning: 39 specialist units with the assignment, all connected, 38
    delivered data in 2021; Täckning: 33 of 38 reported their totals;
    primary care: 17 units reported (no national list of providing units)."""
    assert national["specialist"]["unit_coverage"] == {
        "providing": 39, "connected": 39, "delivering": 38, "reporting_totals": 33
    }  # fmt: skip
    assert national["primary"]["unit_coverage"]["delivering"] == 17
