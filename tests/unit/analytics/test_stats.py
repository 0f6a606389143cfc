"""Statistics of the indicators, each against a published or peer value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from painreg.analytics.stats import (
    PRIMARY,
    SHOWN,
    cochran_armitage_trend,
    exact_poisson_interval,
    funnel_limits,
    independence_test,
    mann_whitney,
    newcombe_difference_interval,
    observed_expected,
    standardised_mean_difference,
    suppress_counts,
    wilson_interval,
)

# --- Wilson ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998_table_i(x, n, low, high):
    """Newcombe 1998a (Stat Med 17:857), Table I, method 3 (score, no continuity
    correction); the same as R's prop.test(x, n, correct = FALSE)$conf.int."""
    got = wilson_interval(x, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_uses_the_requested_confidence_level():
    """Wilson's formula with z = qnorm(0.995) = 2.5758293 for a 99% interval."""
    z = 2.5758293035489
    p, n = 7 / 30, 30
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(7, 30, 0.99) == pytest.approx((centre - half, centre + half))


def test_wilson_interval_is_exact_at_the_bounds_and_undefined_for_no_patients():
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(6, 5)


# --- Newcombe ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_interval_matches_newcombe_1998_table_ii_method_10(x1, n1, x2, n2, low, high):
    """Newcombe 1998b (Stat Med 17:873), Table II, method 10 (hybrid score),
    all eight examples (a)-(h)."""
    assert newcombe_difference_interval(x1, n1, x2, n2) == pytest.approx((low, high), abs=5e-5)


# --- Wilson and Newcombe against statsmodels ---------------------------------
# statsmodels is the peer implementation: proportion_confint(method="wilson")
# and confint_proportions_2indep(method="newcomb") compute the same intervals
# (Wilson 1927; Newcombe 1998b, method 10). Ours stays: the reports and the
# dashboard call it per cell with plain numbers, and it gives exactly 0 and 1
# at the bounds where statsmodels may give 0.9999999999999999. statsmodels
# checks it over many counts, denominators and levels, from 1 patient to a region.

_CONFIDENCE = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])


@st.composite
def _counts(draw: st.DrawFn, max_n: int = 20_000) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=max_n))
    return draw(st.integers(min_value=0, max_value=n)), n


@settings(max_examples=200, deadline=None)
@given(_counts(), _CONFIDENCE)
def test_wilson_interval_agrees_with_statsmodels_proportion_confint(count, confidence):
    x, n = count
    expected = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert wilson_interval(x, n, confidence) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(_counts(), _counts(), _CONFIDENCE)
def test_newcombe_interval_agrees_with_statsmodels_newcomb_method(first, second, confidence):
    (x1, n1), (x2, n2) = first, second
    expected = confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - confidence, correction=False
    )
    got = newcombe_difference_interval(x1, n1, x2, n2, confidence)
    assert got == pytest.approx(tuple(float(v) for v in expected), abs=1e-12)


# --- Poisson, observed/expected ----------------------------------------------


def test_exact_poisson_interval_matches_r_poisson_test():
    """R: poisson.test(10)$conf.int = 4.795389 18.390356; poisson.test(0) gives
    0 and 3.688879 (Garwood 1936 exact limits)."""
    assert exact_poisson_interval(10) == pytest.approx((4.795389, 18.390356), abs=1e-6)
    assert exact_poisson_interval(0) == pytest.approx((0.0, 3.688879), abs=1e-6)


def test_observed_expected_divides_the_poisson_limits_by_the_expected_count():
    """R: poisson.test(10, T = 8)$conf.int = 0.5994236 2.2987945 (rate = O/E)."""
    oe = observed_expected(10, 8.0)
    assert oe.ratio == 1.25
    assert (oe.low, oe.high) == pytest.approx((0.5994236, 2.2987945), abs=1e-6)


# --- Funnel limits -----------------------------------------------------------


def test_funnel_limit_interpolates_the_binomial_quantile_as_spiegelhalter_2005():
    """Spiegelhalter 2005 appendix A.1.1, by hand from binomial tables:
    Bin(20, 0.5): F(13) = 0.942341, F(14) = 0.979305, so the 97.5% quantile is
    14, alpha = (0.979305 - 0.975) / (0.979305 - 0.942341) = 0.11647, and the
    upper 95% limit is (14 - 0.11647) / 20 = 0.69418. Lower: F(5) = 0.020695,
    F(6) = 0.057659, quantile 6, alpha = 0.88354, limit (6 - 0.88354) / 20 =
    0.25582 (the interpolation is not symmetric about 0.5)."""
    low, high = funnel_limits(0.5, 20, 0.95)
    assert high[0] == pytest.approx(0.69418, abs=1e-5)
    assert low[0] == pytest.approx(0.25582, abs=1e-5)


def test_funnel_limits_approach_the_normal_limits_for_large_units():
    """Spiegelhalter 2005 eq. (3): p0 ± z sqrt(p0(1 - p0)/n) for large n."""
    n = 40000
    for confidence, z in ((0.95, 1.959964), (0.998, 3.090232)):
        low, high = funnel_limits(0.3, n, confidence)
        se = math.sqrt(0.3 * 0.7 / n)
        assert low[0] == pytest.approx(0.3 - z * se, abs=2e-4)
        assert high[0] == pytest.approx(0.3 + z * se, abs=2e-4)


def test_funnel_limits_enclose_the_target_and_998_is_wider():
    # Not strictly monotone in n: the binomial is discrete (Spiegelhalter 2005, A.1.1).
    ns = np.arange(5, 400)
    low95, high95 = funnel_limits(0.4, ns, 0.95)
    low998, high998 = funnel_limits(0.4, ns, 0.998)
    assert np.all(low95 <= 0.4) and np.all(high95 >= 0.4)
    assert high95[0] - low95[0] > high95[-1] - low95[-1]
    assert np.all(high998 >= high95) and np.all(low998 <= low95)


# --- Tests -------------------------------------------------------------------


def test_cochran_armitage_matches_agresti_malformation_example():
    """Agresti, Categorical Data Analysis (2nd ed. 2002), section 5.3.5, Table
    2.7 (infant malformation by alcohol consumption), scores 0, 0.5, 1.5, 4, 7:
    z^2 = 6.57, two-sided P = 0.010."""
    present = [48, 38, 5, 1, 1]
    absent = [17066, 14464, 788, 126, 37]
    z, p = cochran_armitage_trend(
        present, [a + b for a, b in zip(present, absent, strict=True)], [0, 0.5, 1.5, 4, 7]
    )
    assert z**2 == pytest.approx(6.57, abs=0.005)
    assert p == pytest.approx(0.0104, abs=5e-4)


def test_chi_square_matches_agresti_party_identification_example():
    """Agresti 2002, Table 3.2 (gender and party identification): X^2 = 30.1, df 2."""
    res = independence_test([[762, 327, 468], [484, 239, 477]])
    assert res.method == "chi2"
    assert res.statistic == pytest.approx(30.07, abs=0.01)


def test_fisher_is_used_when_an_expected_count_is_below_5():
    """Fisher's tea-tasting table (Agresti 2002, section 3.5.2): two-sided P = 0.486."""
    res = independence_test([[3, 1], [1, 3]])
    assert res.method == "fisher"
    assert res.p_value == pytest.approx(0.4857, abs=1e-4)


def test_a_larger_table_with_small_expected_counts_gets_a_simulated_fisher_p_value():
    res = independence_test([[3, 1, 4], [1, 3, 0]])
    assert res.method == "fisher"
    assert 0 < res.p_value < 1
    assert independence_test([[3, 1, 4], [1, 3, 0]]) == res  # seeded: reproducible


def test_mann_whitney_matches_r_wilcox_test_example():
    """R's ?wilcox.test example (Hollander & Wolfe, depression scores):
    W = 35; alternative "greater" gives p = 0.1272, so two-sided 0.2544."""
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = mann_whitney(x, y)
    assert res.statistic == 35
    assert res.p_value == pytest.approx(0.2544, abs=1e-4)


def test_standardised_mean_difference_by_hand():
    """Austin 2009 eq. 1 by hand: means 3 and 5, sample variances 2.5 and 2.5 -> -2/sqrt(2.5)."""
    assert standardised_mean_difference([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]) == pytest.approx(
        -2 / math.sqrt(2.5)
    )
    assert math.isnan(standardised_mean_difference([1], [2, 3]))


# --- Suppression -----------------------------------------------------------------


def _attack(ext: np.ndarray, status: np.ndarray) -> dict[tuple[int, int], set[int]]:
    """Every value each hidden cell can take, by exhaustive search over the published facts.

    The attacker sees every shown cell, knows rows and columns add up to their
    totals, that "<5" is 1-4 and that "x" is not 1-4 (0 or at least 5), and
    the grand total as an upper bound when it is shown (a hidden grand total
    is not known: with it, a table of 1 and 5 could never be protected). Independent
    of the implementation's integer programme: a constraint search that
    derives a cell whenever a row or column has one unknown left and
    otherwise tries every value of the cell with the fewest candidates.
    """
    rows, cols = ext.shape
    hidden = [tuple(int(v) for v in c) for c in np.argwhere(status != SHOWN)]
    lines = [[(i, j) for j in range(cols)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    # Bound for values the attacker searches: the grand total when it is shown;
    # when it is hidden the attacker does not know it (a bound as loose as the
    # implementation's, so the search stays finite).
    top = int(ext[-1, -1]) if status[-1, -1] == SHOWN else int(ext.max()) * 2 + 10

    def allowed(c: tuple[int, int], v: int) -> bool:
        if status[c] == PRIMARY:
            return 1 <= v <= 4
        return v == 0 or 5 <= v <= top

    possible: dict[tuple[int, int], set[int]] = {c: set() for c in hidden}

    def value(c, known):
        return known[c] if c in known else (None if c in possible else int(ext[c]))

    def search(known: dict) -> None:
        known = dict(known)
        changed = True
        while changed:
            changed = False
            for ln in lines:
                vals = [value(c, known) for c in ln]
                missing = [k for k, v in enumerate(vals) if v is None]
                if not missing:
                    if sum(vals[:-1]) != vals[-1]:
                        return
                elif len(missing) == 1:
                    k = missing[0]
                    rest = sum(v for v in vals[:-1] if v is not None)
                    v = rest if k == len(ln) - 1 else vals[-1] - rest
                    if not allowed(ln[k], v):
                        return
                    known[ln[k]] = v
                    changed = True
        free = [c for c in hidden if c not in known]
        if not free:
            for c in hidden:
                possible[c].add(known[c])
            return
        c = min(free, key=lambda c: (status[c] != PRIMARY, c))
        for v in range(0, top + 1):
            if allowed(c, v):
                search({**known, c: v})

    search({})
    return possible


def test_counts_1_to_4_are_shown_as_less_than_5_and_zeros_are_shown():
    table = suppress_counts([[3, 12, 0], [9, 7, 6]])
    shown = table.display()
    assert shown[0][0] == "<5"
    assert shown[0][2] == "0"
    assert "3" not in [cell for row in shown for cell in row]


def test_a_lone_small_cell_gets_a_secondary_cell_in_its_row_and_column():
    table = suppress_counts([[3, 12, 20], [9, 7, 6]])
    status = table.status
    # Row 0: 3 is primary; the next smallest in the row (12) is hidden too.
    assert status[0, 0] == "primary" and status[0, 1] == "secondary"
    # Column 0: 3 and the next smallest in the column (9) is hidden.
    assert status[1, 0] == "secondary"


def test_no_hidden_cell_can_be_recovered_from_the_totals():
    """DOMAIN.md publishing rules: a test tries to recover a hidden cell."""
    for counts in (
        [[3, 12, 20], [9, 7, 6]],
        [[3, 20, 30], [10, 12, 40], [25, 2, 8]],
        [[0, 0, 3], [0, 0, 7]],
        [[1, 5, 5], [5, 1, 5]],
        [[2, 6]],
    ):
        table = suppress_counts(counts)
        possible = _attack(table.counts, table.status)
        assert possible, f"{counts}: nothing hidden to attack"
        for cell, values in possible.items():
            if table.counts[cell] > 0:  # a zero may be known: zeros are published
                assert len(values) > 1, f"{counts}: cell {cell} recoverable as {values}"


def test_a_single_row_hides_the_next_smallest_cell():
    table = suppress_counts([2, 6, 30])
    assert table.display()[0] == ["<5", "x", "30", "38"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=3),
        min_size=2,
        max_size=2,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_random_small_tables_never_reveal_a_hidden_cell(rows):
    table = suppress_counts(rows)
    if not table.publishable:
        # 1-4 patients in all: the group is not shown at all (publishing rules).
        assert 0 < table.counts[-1, -1] < 5
        return
    possible = _attack(table.counts, table.status)
    for cell, values in possible.items():
        if table.counts[cell] > 0:  # a zero may be known: zeros are published
            assert len(values) > 1, f"{rows}: cell {cell} recoverable as {values}"
    # Every count 1-4 anywhere (cells or totals) is hidden.
    small = (table.counts >= 1) & (table.counts <= 4)
    assert np.all(table.status[small] != SHOWN)
