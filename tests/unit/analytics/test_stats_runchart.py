"""Anhøj's runs analysis (Anhøj and Olesen 2014) against published values."""

from __future__ import annotations

import math

import pytest

from painreg.analytics.stats import run_chart

# The table of critical values for n useful points that Anhøj publishes (qicharts2's
# vignette "Critical Values for Longest Runs and Number of Crossings", n = 10..100, and
# Anhøj and Olesen 2014): a few rows of it.
PUBLISHED_LIMITS = {10: (6, 2), 12: (7, 3), 20: (7, 6), 24: (8, 8), 30: (8, 10), 50: (9, 19)}


@pytest.mark.parametrize(("n", "limits"), sorted(PUBLISHED_LIMITS.items()))
def test_limits_match_the_published_table(n, limits):
    # Alternating points around 0: n useful points, none on the median.
    chart = run_chart([(-1) ** i for i in range(n)], baseline=None)
    assert chart.useful == n
    assert (chart.longest_run_limit, chart.crossings_limit) == limits


def test_qicharts2_summary_example_limits_for_24_points():
    # qicharts2's summary.qic example: 24 observations, longest.run.max 8, n.crossings.min 8.
    chart = run_chart([math.sin(i) for i in range(24)])
    assert (chart.longest_run_limit, chart.crossings_limit) == (8, 8)


def test_points_on_the_median_are_not_counted():
    values = [1, 3, 2, 2, 3, 1, 2, 3, 1, 3, 1, 3, 1]  # median 2; the three 2s are left out
    chart = run_chart(values)
    assert chart.median == 2
    assert chart.useful == 10
    # below, above, above, below, ...: 9 runs, the longest 2 (3, 3 around the left-out 2s)
    assert chart.crossings == 8 and chart.longest_run == 2
    assert chart.signal is False


def test_a_shift_gives_a_long_run_and_few_crossings():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]
    chart = run_chart(values, baseline=10)  # median frozen at 5.5
    assert chart.median == 5.5
    assert chart.longest_run == 11  # 6 then ten 9s above
    assert chart.longest_run > chart.longest_run_limit
    assert chart.signal is True


def test_fewer_than_ten_useful_points_judge_no_signal():
    chart = run_chart([1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert chart.signal is None
    assert run_chart([]).median is None
