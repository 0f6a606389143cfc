"""Statistics of the registry indicators: intervals, funnel limits, tests, suppression.

Design decisions and their sources:

- Proportions get the Wilson score interval without continuity correction
  (Wilson 1927; Newcombe 1998a, method 3; Brown, Cai & DasGupta 2001), the
  interval R's ``prop.test(x, n, correct = FALSE)`` gives. It stays inside
  [0, 1] and behaves at 0 and n, which register units with small
  denominators need.
- A difference of two independent proportions (before/after shares of
  different patient groups, unit against nation) gets Newcombe's hybrid score
  interval (Newcombe 1998b, method 10), built from the two Wilson intervals.
- Funnel limits are exact binomial limits around the national proportion
  (Spiegelhalter 2005, "Funnel plots for comparing institutional
  performance", Stat Med 24:1185-1202), with his interpolation so a limit is
  a smooth line rather than a staircase.
- Observed/expected ratios get an exact Poisson interval for the observed
  count (Garwood 1936, the chi-square form; Ulm 1990).
- Small-cell suppression follows DOMAIN.md's publishing rules: counts 1-4 are
  shown as "<5" (primary) and further cells are hidden (secondary) until no
  hidden cell can be recovered from the published cells and totals. "Can be
  recovered" is checked, not assumed: an attacker model (integer programme
  over the hidden cells, knowing primary cells are 1-4 and secondary cells
  are 0 or at least 5) is solved for each hidden cell's smallest and
  largest possible value; while any is pinned to one value another cell is
  hidden.

Pure Python on numpy/scipy/statsmodels; no Django, no Ibis.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

__all__ = [
    "MIN_PUBLISHED",
    "PRIMARY_MARK",
    "SECONDARY_MARK",
    "SuppressedTable",
    "cochran_armitage_trend",
    "exact_poisson_interval",
    "funnel_limits",
    "independence_test",
    "mann_whitney",
    "newcombe_difference_interval",
    "observed_expected",
    "recoverable_cells",
    "standardised_mean_difference",
    "suppress_counts",
    "wilson_interval",
]


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    """The two-sided normal quantile; memoised: the reports ask for the same few levels."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(_sps.norm.ppf(1 - (1 - confidence) / 2))


def _check_count(successes: int, n: int) -> None:
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")


# ---------------------------------------------------------------------------
# Proportions


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes / n`` (no continuity correction).

    Returns ``(nan, nan)`` when ``n == 0``: there is no proportion to bound.

    >>> [round(v, 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    _check_count(successes, n)
    if n == 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At 0 and n the bound is exactly 0 or 1; avoid -1e-17 from rounding.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def newcombe_difference_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``x1/n1 - x2/n2`` (1998, method 10).

    With Wilson limits (l1, u1) and (l2, u2) and the difference d = p1 - p2:
    ``d - sqrt((p1 - l1)**2 + (u2 - p2)**2)`` to ``d + sqrt((u1 - p1)**2 + (p2 - l2)**2)``.

    >>> [round(v, 4) for v in newcombe_difference_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    _check_count(x1, n1)
    _check_count(x2, n2)
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, low), min(1.0, high))


# ---------------------------------------------------------------------------
# Funnel plots


def funnel_limits(
    target: float, n: int | Sequence[int] | np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial funnel limits for a proportion around ``target``.

    Spiegelhalter (2005), section 2 and appendix A.1.1: the limit at
    denominator n is the ``(1 ± confidence)/2`` quantile r_p of
    Binomial(n, target), interpolated as
    ``(r_p - alpha) / n`` with ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``
    so the limits are continuous in n. Use 0.95 and 0.998 for the usual
    two-sigma and three-sigma lines. Returns arrays (lower, upper), clipped to
    [0, 1].
    """
    if not 0 <= target <= 1:
        raise ValueError(f"target must be a proportion, got {target}")
    ns = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(ns <= 0):
        raise ValueError("funnel limits need denominators above 0")
    lower = _binomial_limit(target, ns, (1 - confidence) / 2)
    upper = _binomial_limit(target, ns, 1 - (1 - confidence) / 2)
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def _binomial_limit(target: float, ns: np.ndarray, p: float) -> np.ndarray:
    r = _sps.binom.ppf(p, ns, target)
    f_r = _sps.binom.cdf(r, ns, target)
    f_below = _sps.binom.cdf(r - 1, ns, target)
    # Interpolation (Spiegelhalter 2005, A.1.1); degenerate when target is 0 or 1.
    step = f_r - f_below
    alpha = np.divide(f_r - p, step, out=np.zeros_like(step), where=step > 0)
    return (r - alpha) / ns


# ---------------------------------------------------------------------------
# Counts: observed against expected


def exact_poisson_interval(observed: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean, given an observed count.

    ``chi2(alpha/2, 2k)/2`` to ``chi2(1 - alpha/2, 2k + 2)/2``; the lower limit
    is 0 when nothing was observed.

    >>> [round(v, 4) for v in exact_poisson_interval(10)]
    [4.7954, 18.3904]
    """
    if observed < 0:
        raise ValueError(f"observed count must be >= 0, got {observed}")
    alpha = 1 - confidence
    low = 0.0 if observed == 0 else float(_sps.chi2.ppf(alpha / 2, 2 * observed) / 2)
    high = float(_sps.chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2)
    return (low, high)


@dataclass(frozen=True)
class ObservedExpected:
    """An observed count against the count a case-mix model expects."""

    observed: int
    expected: float
    ratio: float
    low: float
    high: float


def observed_expected(observed: int, expected: float, confidence: float = 0.95) -> ObservedExpected:
    """Ratio observed/expected with the exact Poisson interval of observed, divided by expected."""
    if expected <= 0:
        raise ValueError(f"expected count must be above 0, got {expected}")
    low, high = exact_poisson_interval(observed, confidence)
    return ObservedExpected(
        observed, expected, observed / expected, low / expected, high / expected
    )


# ---------------------------------------------------------------------------
# Tests


#: Anhøj's rules judge no signal on fewer useful points than this.
RUN_CHART_MIN_USEFUL = 10


@dataclass(frozen=True)
class RunChart:
    """Anhøj's runs analysis of a series around its median (Anhøj and Olesen 2014).

    ``median``: of the baseline points (the first ``baseline`` points, frozen),
    or of all points. Points on the median are not useful and are left out;
    ``longest_run``: the longest run of useful points on one side;
    ``crossings``: how often consecutive useful points change side; the limits
    are round(log2(n) + 3) and the 5th percentile of Binomial(n - 1, 0.5) for
    n useful points; ``signal``: a run longer than its limit or fewer
    crossings than theirs, None (not judged) below ten useful points.
    """

    baseline: int
    median: float | None
    useful: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    signal: bool | None


def run_chart(values: Sequence[float | None], baseline: int | None = None) -> RunChart:
    """Anhøj's rules over ``values`` in time order (None: a missing point, skipped)."""
    points = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    base = points if baseline is None else points[:baseline]
    if not base:
        return RunChart(0, None, 0, 0, None, 0, None, None)
    median = float(np.median(base))
    sides = [1 if v > median else -1 for v in points if v != median]
    n = len(sides)
    runs: list[int] = []
    for i, side in enumerate(sides):
        if i and side == sides[i - 1]:
            runs[-1] += 1
        else:
            runs.append(1)
    longest = max(runs, default=0)
    crossings = max(len(runs) - 1, 0)
    run_limit = round(math.log2(n) + 3) if n else None
    cross_limit = int(_sps.binom.ppf(0.05, n - 1, 0.5)) if n else None
    signal = None
    if n >= RUN_CHART_MIN_USEFUL:
        signal = longest > run_limit or crossings < cross_limit
    return RunChart(len(base), median, n, longest, run_limit, crossings, cross_limit, signal)


def cochran_armitage_trend(
    successes: Sequence[int], totals: Sequence[int], scores: Sequence[float] | None = None
) -> tuple[float, float]:
    """Cochran-Armitage test for a linear trend in proportions over ordered groups (years).

    Armitage (1955); the statistic as in Agresti, *Categorical Data Analysis*
    (2002), section 5.3.5, without continuity correction. Returns ``(z, p)``
    two-sided. Scores default to 0, 1, 2, ... (equally spaced years).
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(totals, dtype=float)
    if x.shape != n.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("need at least two groups of successes and totals of equal length")
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("need 0 <= successes <= totals in every group")
    s = np.arange(len(x), dtype=float) if scores is None else np.asarray(scores, dtype=float)
    big_n = n.sum()
    p = x.sum() / big_n
    if p in (0.0, 1.0):
        return (0.0, 1.0)
    s_bar = (n * s).sum() / big_n
    t = (x * (s - s_bar)).sum()
    var = p * (1 - p) * (n * (s - s_bar) ** 2).sum()
    if var == 0:
        return (0.0, 1.0)
    z = t / math.sqrt(var)
    return (float(z), float(2 * _sps.norm.sf(abs(z))))


@dataclass(frozen=True)
class TestResult:
    """A test's name, statistic and two-sided p-value."""

    method: str
    statistic: float
    p_value: float


def independence_test(table: Sequence[Sequence[int]]) -> TestResult:
    """Association in a contingency table: Pearson's chi-square, or Fisher's exact test.

    Fisher's exact test when any expected count is below 5 (Cochran's
    rule). Fisher is exact for 2x2 tables (scipy); a larger table
    with small expected counts gets a Monte Carlo p-value of Fisher's test
    (9999 permutations, fixed seed: the same idea as R's
    ``fisher.test(simulate.p.value = TRUE)``), since scipy has no network
    algorithm. Rows or columns that are all zero are dropped first.
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        return TestResult("none", math.nan, math.nan)
    expected = _sps.contingency.expected_freq(t)
    if (expected < 5).any():
        if t.shape == (2, 2):
            res = _sps.fisher_exact(t.astype(int))
            return TestResult("fisher", float(res.statistic), float(res.pvalue))
        res = _sps.fisher_exact(
            t.astype(int), method=_sps.PermutationMethod(n_resamples=9999, rng=20211)
        )
        return TestResult("fisher", math.nan, float(res.pvalue))
    chi2, p, _dof, _exp = _sps.chi2_contingency(t, correction=False)
    return TestResult("chi2", float(chi2), float(p))


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Mann-Whitney U test, two-sided (scipy's default: exact for small samples without ties)."""
    x = np.asarray([v for v in a if v is not None and not math.isnan(v)], dtype=float)
    y = np.asarray([v for v in b if v is not None and not math.isnan(v)], dtype=float)
    if len(x) == 0 or len(y) == 0:
        return TestResult("mann_whitney", math.nan, math.nan)
    res = _sps.mannwhitneyu(x, y, alternative="two-sided")
    return TestResult("mann_whitney", float(res.statistic), float(res.pvalue))


def standardised_mean_difference(a: Sequence[float], b: Sequence[float]) -> float:
    """Standardised mean difference ``(mean_a - mean_b) / sqrt((var_a + var_b) / 2)``.

    The form used for comparing groups in observational data (Austin 2009,
    "Balance diagnostics...", Stat Med 28:3083, eq. 1), with sample variances
    (ddof = 1). For a proportion pass 0/1 values: Austin's binary formula
    ``(p1 - p2) / sqrt((p1(1-p1) + p2(1-p2)) / 2)`` then follows with
    population variances; here sample variances are used for both, a
    difference of order 1/n. Returns nan when undefined.
    """
    x = np.asarray([v for v in a if v is not None and not math.isnan(v)], dtype=float)
    y = np.asarray([v for v in b if v is not None and not math.isnan(v)], dtype=float)
    if len(x) < 2 or len(y) < 2:
        return math.nan
    pooled = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    if pooled == 0:
        return 0.0 if x.mean() == y.mean() else math.nan
    return float((x.mean() - y.mean()) / pooled)


# ---------------------------------------------------------------------------
# Small-cell suppression (DOMAIN.md, publishing rules)

#: The smallest count that may be published, and the smallest denominator of a
#: group (unit, region, patient group) that is shown (DOMAIN.md, "Publishing
#: rules"). The one definition: ``painreg.reports.publishing`` and everything
#: rendered take it from here, as the analytics layer sits below the reports.
MIN_PUBLISHED = 5
#: What a count from 1 to ``MIN_PUBLISHED - 1`` reads instead of its value.
PRIMARY_MARK = f"<{MIN_PUBLISHED}"
#: What a cell hidden only so that a primary one cannot be recovered reads.
SECONDARY_MARK = "x"

SHOWN, PRIMARY, SECONDARY = "shown", "primary", "secondary"


@dataclass(frozen=True)
class SuppressedTable:
    """A count table with its margins and which cells may be published.

    ``counts`` is the table extended by a total column (last) and a total
    row (last), so ``counts[-1, -1]`` is the grand total; ``status`` has the
    same shape with "shown", "primary" (a count 1-4, shown as "<5") or
    "secondary" (hidden so that the primary cells cannot be recovered, shown
    as ``SECONDARY_MARK``).
    """

    counts: np.ndarray
    status: np.ndarray
    threshold: int = MIN_PUBLISHED

    @property
    def publishable(self) -> bool:
        """False when the whole table covers 1-4 patients: such a group is not shown."""
        return not 0 < int(self.counts[-1, -1]) < self.threshold

    @property
    def hidden(self) -> np.ndarray:
        return self.status != SHOWN

    def display(self, fmt=str) -> list[list[str]]:
        """Cells as text: numbers through ``fmt``, "<5" and "x" for hidden cells."""
        out = []
        for i in range(self.counts.shape[0]):
            row = []
            for j in range(self.counts.shape[1]):
                st = self.status[i, j]
                if st == PRIMARY:
                    row.append(PRIMARY_MARK)
                elif st == SECONDARY:
                    row.append(SECONDARY_MARK)
                else:
                    row.append(fmt(int(self.counts[i, j])))
            out.append(row)
        return out


def _extend(table: np.ndarray) -> np.ndarray:
    r, c = table.shape
    ext = np.zeros((r + 1, c + 1), dtype=np.int64)
    ext[:r, :c] = table
    ext[:r, c] = table.sum(axis=1)
    ext[r, :c] = table.sum(axis=0)
    ext[r, c] = table.sum()
    return ext


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every additive relation of an extended table: each row and each column, total last."""
    rows, cols = shape
    lines = [[(i, j) for j in range(cols)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    return lines


def suppress_counts(
    table: Sequence[Sequence[int]] | np.ndarray, threshold: int = MIN_PUBLISHED
) -> SuppressedTable:
    """Primary and secondary suppression of a count table published with its totals.

    Cells and totals with a count from 1 to ``threshold - 1`` are primary
    (shown as "<5"); zeros are shown. Then, while some row or column has
    exactly one hidden cell, the smallest visible non-zero cell of that line
    is hidden too (interior cells before totals). Finally the attacker model
    in :func:`recoverable_cells` is run; while any hidden non-zero cell is
    pinned to a single value, the smallest visible non-zero cell in its row
    or column (else anywhere) is hidden and the check repeats. A hidden zero
    (hidden only when a line has nothing else to hide) may stay
    recoverable: zeros are published anyway.

    A 1-D sequence is one row.
    """
    arr = np.asarray(table)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError("a count table needs rows and columns")
    if np.any(arr < 0) or not np.all(np.equal(np.mod(arr, 1), 0)):
        raise ValueError("counts must be non-negative integers")
    ext = _extend(arr.astype(np.int64))
    status = np.full(ext.shape, SHOWN, dtype=object)
    status[(ext >= 1) & (ext < threshold)] = PRIMARY
    lines = _lines(ext.shape)

    def candidates(cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
        visible = [c for c in cells if status[c] == SHOWN]
        nonzero = [c for c in visible if ext[c] > 0] or visible
        last_row, last_col = ext.shape[0] - 1, ext.shape[1] - 1
        # Interior before totals, then smallest count, then position (deterministic).
        return sorted(nonzero, key=lambda c: (c[0] == last_row or c[1] == last_col, int(ext[c]), c))

    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(status[c] != SHOWN for c in line) == 1:
                    pick = candidates(line)
                    if pick:
                        status[pick[0]] = SECONDARY
                        changed = True
        # A hidden zero that can be pinned discloses nothing (zeros are published).
        pinned = [c for c in recoverable_cells(ext, status, threshold) if ext[c] > 0]
        if not pinned:
            break
        cell = pinned[0]
        pick = candidates([c for line in lines if cell in line for c in line])
        if not pick:
            # Its row and column are hidden already: widen to the whole table.
            pick = candidates([tuple(c) for c in np.argwhere(status == SHOWN)])
        if not pick:  # everything is hidden; nothing more can be done
            break
        status[pick[0]] = SECONDARY
    return SuppressedTable(ext, status, threshold)


def recoverable_cells(
    ext: np.ndarray, status: np.ndarray, threshold: int = MIN_PUBLISHED
) -> list[tuple[int, int]]:
    """Hidden cells of an extended table whose value the published cells determine.

    The attacker knows every shown cell, that each row and column sums to its
    total, that a primary cell is 1 to ``threshold - 1`` and that a
    secondary cell is 0 or at least ``threshold`` (it was not marked "<5").
    For each hidden cell the smallest and largest value satisfying all that
    is found with an integer programme (scipy's HiGHS); a cell whose range
    is a single value is recoverable.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    hidden = [tuple(c) for c in np.argwhere(status != SHOWN)]
    if not hidden:
        return []
    index = {c: k for k, c in enumerate(hidden)}
    secondary = [c for c in hidden if status[c] == SECONDARY]
    n_x, n_b = len(hidden), len(secondary)
    big = max(int(ext.max()), threshold) * 2 + 10  # any feasible cell is below this
    rows_a, lo, hi = [], [], []
    for line in _lines(ext.shape):
        # members sum to the total (last cell): sum(members) - total = 0
        coef = np.zeros(n_x + n_b)
        const = 0.0
        for pos, c in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0
            if c in index:
                coef[index[c]] += sign
            else:
                const += sign * ext[c]
        if np.any(coef):
            rows_a.append(coef)
            lo.append(-const)
            hi.append(-const)
    for k, c in enumerate(secondary):
        # x <= big * b and x >= threshold * b: x is 0 (b = 0) or >= threshold (b = 1)
        coef = np.zeros(n_x + n_b)
        coef[index[c]] = 1
        coef[n_x + k] = -big
        rows_a.append(coef)
        lo.append(-np.inf)
        hi.append(0)
        coef = np.zeros(n_x + n_b)
        coef[index[c]] = 1
        coef[n_x + k] = -threshold
        rows_a.append(coef)
        lo.append(0)
        hi.append(np.inf)
    lb = np.array([1.0 if status[c] == PRIMARY else 0.0 for c in hidden] + [0.0] * n_b)
    ub = np.array(
        [float(threshold - 1) if status[c] == PRIMARY else float(big) for c in hidden] + [1.0] * n_b
    )
    constraints = [LinearConstraint(np.array(rows_a), lo, hi)] if rows_a else []
    integrality = np.ones(n_x + n_b)
    # Every solution found is a feasible table: a cell seen with two different
    # values in any of them is not pinned, and needs no programme of its own
    # (the same answer with far fewer solves of the integer programme).
    seen_low = np.full(n_x, np.inf)
    seen_high = np.full(n_x, -np.inf)
    pinned = []
    for c in hidden:
        k = index[c]
        for sense in (1.0, -1.0):
            if seen_low[k] < seen_high[k]:
                break
            objective = np.zeros(n_x + n_b)
            objective[k] = sense
            res = milp(
                objective,
                constraints=constraints,
                integrality=integrality,
                bounds=Bounds(lb, ub),
            )
            if not res.success:  # cannot happen for a consistent table
                raise RuntimeError(f"suppression check failed: {res.message}")
            x = np.round(res.x[:n_x])
            seen_low = np.minimum(seen_low, x)
            seen_high = np.maximum(seen_high, x)
        if seen_low[k] == seen_high[k]:
            pinned.append(c)
    return pinned
