"""Case-mix adjusted comparison: the national logistic model and observed/expected per unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painreg.analytics.analyses import casemix


def _frame(seed: int = 7, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 65, n)
    baseline = rng.normal(10, 4, n)
    logit = -1 + 0.03 * (age - 40) - 0.1 * (baseline - 10)
    improved = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {
            "registration_id": [f"r{i}" for i in range(n)],
            "unit_id": [f"U{i % 6}" for i in range(n)],
            "age": age,
            "sex": np.where(rng.random(n) < 0.8, "F", "M"),
            "baseline": baseline,
            "pain_duration": rng.integers(1, 20, n).astype(float),
            "improved": improved,
            "education": rng.choice(["compulsory", "upper_secondary", "university"], n),
            "sick_leave": (rng.random(n) < 0.5).astype(int),
        }
    )


def test_expected_counts_sum_to_the_observed_total():
    """A logistic MLE with an intercept reproduces the outcome total (its score
    equation for the constant: sum of fitted probabilities = sum of outcomes;
    McCullagh & Nelder 1989, section 4.4)."""
    frame = _frame()
    units = casemix(frame)
    assert sum(u.observed for u in units) == frame.improved.sum()
    assert sum(u.expected for u in units) == pytest.approx(frame.improved.sum(), rel=1e-6)


def test_each_unit_gets_an_exact_poisson_interval_around_its_ratio():
    units = casemix(_frame())
    assert units
    for unit in units:
        assert unit.low <= unit.ratio <= unit.high
        assert unit.ratio == pytest.approx(unit.observed / unit.expected)


def test_too_few_patients_give_no_model():
    assert casemix(_frame(n=10)) == []
