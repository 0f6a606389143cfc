"""Waiting times, queues, expected waits and the need model, checked by hand."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreg.errors import UserError
from painreg.regional.need import Share, load_assumptions, need_per_year, parse_share_overrides
from painreg.regional.waiting import (
    Registration,
    expected_wait_months,
    load_units_and_registrations,
    percentile,
    queue_at,
    summarise_waits,
    waiting_report,
)

D = dt.date


def reg(rid: str, referral: D | None, first: D | None, start: D | None = None, end: D | None = None,
        category: str = "rehab", signed_off: bool = True) -> Registration:  # fmt: skip
    return Registration(rid, "J1", category, referral, first, start, end, signed_off)


def test_percentiles_interpolate_between_order_statistics() -> None:
    """Hyndman & Fan definition 7 (R's quantile type 7, numpy's default), by hand:
    [10, 20, 30, 40, 50]: median 30; 90th: h = 0,9 × 4 = 3,6 -> 40 + 0,6 × 10 = 46."""
    assert percentile([50, 10, 40, 30, 20], 0.5) == 30
    assert percentile([10, 20, 30, 40, 50], 0.9) == 46
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2000), min_size=2, max_size=300))
def test_every_decile_agrees_with_the_standard_librarys_inclusive_quantiles(days) -> None:
    """Python's statistics.quantiles(method="inclusive") interpolates the same way
    (the minimum as the 0th and the maximum as the 100th percentile, R's type 7):
    the deciles of any waits agree."""
    deciles = statistics.quantiles(days, n=10, method="inclusive")
    for k, expected in enumerate(deciles, start=1):
        assert percentile(days, k / 10) == pytest.approx(expected, abs=1e-9)


def test_waits_belong_to_the_year_they_ended_and_negative_ones_are_left_out() -> None:
    regs = [
        reg("a", D(2020, 12, 1), D(2021, 1, 10), D(2021, 3, 1)),  # 40 days, then 50
        reg("b", D(2021, 1, 1), D(2021, 1, 21), D(2021, 2, 10)),  # 20, then 20
        reg("c", D(2021, 5, 1), D(2021, 4, 1)),  # first visit before referral: an error
        reg("d", D(2021, 1, 1), D(2022, 1, 2)),  # ends in 2022
        reg("e", D(2021, 1, 1), D(2021, 1, 31), category="assessment"),  # 30
    ]
    waits = summarise_waits(regs, 2021)
    first = waits["referral_to_first_visit"]
    assert (first["n"], first["median_days"], first["negative_intervals_left_out"]) == (3, 30, 1)
    rehab = waits["first_visit_to_rehab_start"]
    assert (rehab["n"], rehab["median_days"]) == (2, 35)
    assert waits["referral_to_rehab_start"]["median_days"] == (90 + 40) / 2


def test_signed_off_only_restricts_completed_waits() -> None:
    regs = [
        reg("a", D(2021, 1, 1), D(2021, 1, 11)),
        reg("b", D(2021, 1, 1), D(2021, 1, 31), signed_off=False),
    ]
    assert summarise_waits(regs, 2021)["referral_to_first_visit"]["n"] == 2
    assert summarise_waits(regs, 2021, signed_off_only=True)["referral_to_first_visit"]["n"] == 1


def test_the_queue_at_a_date_counts_who_is_still_waiting() -> None:
    day = D(2021, 6, 30)
    regs = [
        reg("referred", D(2021, 6, 1), None),  # waiting for the first visit
        reg("seen-later", D(2021, 6, 1), D(2021, 7, 1)),  # also waiting on 30 June
        reg("waiting", D(2021, 1, 1), D(2021, 2, 1)),  # seen, waiting for rehab
        reg("started", D(2021, 1, 1), D(2021, 2, 1), D(2021, 6, 30)),  # started that day
        reg("dropped", D(2021, 1, 1), D(2021, 2, 1), None, D(2021, 5, 1)),  # discontinued
        reg("assessed", D(2021, 1, 1), D(2021, 2, 1), category="assessment"),
        reg("future", D(2021, 7, 1), None),
    ]
    queue = queue_at(regs, day)
    assert queue["waiting_for_first_visit"] == 2
    assert queue["waiting_for_rehab"] == 1
    assert queue["median_days_waited_rehab"] == (day - D(2021, 2, 1)).days


def test_without_referral_dates_the_queue_to_the_first_visit_is_unknown_not_empty() -> None:
    queue = queue_at([reg("a", None, D(2021, 2, 1))], D(2021, 6, 30))
    assert queue["waiting_for_first_visit"] is None
    assert queue["waiting_for_rehab"] == 1


def test_the_expected_wait_of_the_audit_is_about_16_months() -> None:
    """Audit of Region Jämtland Härjedalen 2021: about 35 waiting, 27 places a year."""
    assert expected_wait_months(35, 27) == pytest.approx(15.56, abs=0.01)
    assert expected_wait_months(35, 0) is None


def test_the_waiting_report_measures_places_from_rehab_starts(audit_registrations: list) -> None:
    from painreg.regional.waiting import Unit, UnitsAndRegistrations

    unit = Unit("J1", "Smärtrehab Östersund", "23", "specialist")
    register = UnitsAndRegistrations({"J1": unit}, audit_registrations)
    report = waiting_report(register, 2021, region="23")
    total = report["total"]
    assert total["queue"]["waiting_for_rehab"] == 35
    assert total["rehab_starts_last_365_days"] == 27
    assert total["expected_wait_months"] == pytest.approx(35 / 27 * 12)
    given = waiting_report(register, 2021, region="23", places_per_year=35)["total"]
    assert given["expected_wait_months"] == pytest.approx(12.0)
    assert (
        len(report["queue_by_month"]) == 12
        and report["queue_by_month"][-1]["waiting_for_rehab"] == 35
    )


def test_it_reads_the_register_from_interchange_files(register_dir: Path) -> None:
    register = load_units_and_registrations(register_dir)
    assert {u.region_code for u in register.units_of("23")} == {"23"}
    assert len(register.registrations) == 63
    assert waiting_report(register, 2021, region="23")["total"]["queue"]["waiting_for_rehab"] == 35


def test_a_missing_register_table_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("unit_id,name,region_code,care_level\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"no registrations\.csv"):
        load_units_and_registrations(tmp_path)


def test_need_is_the_population_times_the_shares() -> None:
    """Hand check with the shipped defaults: 100 000 × 0,20 × 0,35 × 0,10 = 700 a year."""
    shares = load_assumptions()
    assert [s.name for s in shares] == ["long_term_pain", "seeking_care", "needs_mmr"]
    assert all(s.source for s in shares)
    assert need_per_year(100_000, shares) == pytest.approx(700)
    assert need_per_year(100_000, shares, "high") == pytest.approx(100_000 * 0.35 * 0.35 * 0.10)
    assert need_per_year(None, shares) is None


def test_a_share_can_be_overridden_and_must_be_a_share() -> None:
    shares = load_assumptions(overrides=parse_share_overrides(["long_term_pain=0,25"]))
    assert shares[0].value == 0.25 and shares[0].source == "given on the command line"
    with pytest.raises(UserError, match="no such share"):
        load_assumptions(overrides={"nonsense": 0.1})
    with pytest.raises(UserError, match="not between 0 and 1"):
        load_assumptions(overrides={"needs_mmr": 2})
    with pytest.raises(UserError, match="NAME=VALUE"):
        parse_share_overrides(["long_term_pain"])
    assert need_per_year(10, [Share("x", 0.5, "", "")]) == 5


def test_queue_counts_below_5_are_suppressed_with_a_second_cell_on_the_planning_page() -> None:
    """DOMAIN.md publishing rules: 1-4 read "<5"; another cell is hidden so that the
    region's total does not give the small one away."""
    from painreg.reports.regional_report import queue_cells

    units = [{"queue": {"waiting_for_rehab": n}} for n in (3, 12, 20)]
    assert queue_cells({"waiting": {"units": units}}) == ["<5", "x", "20", "35"]
