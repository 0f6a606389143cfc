"""Change measures: the DOMAIN.md change categories as engine expressions, and per-unit counts.

Decision: change categories are computed in the engine from the rules in
the instrument definitions (:func:`painreg.instruments.change_rule`), never
from thresholds written here; a test checks them against
:func:`painreg.instruments.change_category` row by row.

Pure Python on Ibis; no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from painreg.analytics.context import Context

# Epsilon for float differences such as 45.1 - 30.0 (as instruments.change does).
_EPS = 1e-9


def band_index(value: ir.NumericValue, bands: Sequence[tuple[str, float]]) -> ir.IntegerValue:
    """Index of the first band whose max is >= value (as instruments.scoring.band_index)."""
    branches = [(value <= upper, i) for i, (_label, upper) in enumerate(bands[:-1])]
    last = len(bands) - 1
    return ibis.cases(*branches, else_=last) if branches else ibis.literal(last)


def change_expression(
    rule: dict[str, Any], initial: ir.NumericValue | None, end: ir.NumericValue
) -> ir.StringValue:
    """The DOMAIN.md change category as an engine expression, from a rule of
    :func:`painreg.instruments.change_rule`."""
    kind = rule["rule"]
    if kind == "end_category":
        labels = [label for label, _ in rule["bands"]]
        band = band_index(end, rule["bands"])
        return ibis.cases(*[(band == i, label) for i, label in enumerate(labels)])
    lower_is_better = rule["better"] == "lower"
    if kind == "category_shift":
        before = band_index(initial, rule["bands"])
        after = band_index(end, rule["bands"])
        better = (after < before) if lower_is_better else (after > before)
        positive_codes = [
            i for i, (label, _) in enumerate(rule["bands"]) if label in rule["positive"]
        ]
        return ibis.cases(
            ((after != before) & better, "improved"),
            (after != before, "worsened"),
            (after.isin(positive_codes), "unchanged_positive"),
            else_="unchanged_negative",
        )
    if kind == "threshold":
        difference = end - initial
        step = float(rule["min_change"]) - _EPS
        improved = (difference <= -step) if lower_is_better else (difference >= step)
        worsened = (difference >= step) if lower_is_better else (difference <= -step)
        if "positive_below" in rule:
            positive = end < float(rule["positive_below"])
        else:
            positive = end >= float(rule["positive_at_least"])
        return ibis.cases(
            (improved, "improved"),
            (worsened, "worsened"),
            (positive, "unchanged_positive"),
            else_="unchanged_negative",
        )
    raise ValueError(f"unknown change rule {kind!r}")


def _eqvas(ctx: Context, occasion: str) -> ir.Table:
    """EQ-VAS: ``eq5d5l`` vas, or ``eq5d3l`` vas for a registration that answered 3L.

    Only the year's completed registrations (the population of every measure;
    callers join them anyway): starting from them, a database looks up each
    registration's scores by index, instead of working out the rule for every
    registration of every year first (the unit dashboard on PostgreSQL).
    """
    s = ctx.register.scores
    three = s.filter((s.instrument == "eq5d3l") & (s.score == "vas"))
    # No DISTINCT: an anti-join ignores duplicates, and without it a database
    # probes each registration's 3L scores by index instead of listing every
    # registration that ever answered 3L first.
    answered_3l = three.select("registration_id")
    among = ctx.completed().select("registration_id")
    five = among.inner_join(ctx.score("eq5d5l", "vas", occasion), "registration_id")
    five = five.anti_join(answered_3l, "registration_id")
    return among.inner_join(ctx.score("eq5d3l", "vas", occasion), "registration_id").union(five)


def measure_values(ctx: Context, instrument: str, score: str, occasion: str) -> ir.Table:
    """``registration_id, value`` of a measure at an occasion (``eqvas``: the EQ-VAS rule,
    among the context's completed registrations)."""
    if instrument == "eqvas":
        return _eqvas(ctx, occasion)
    return ctx.score(instrument, score, occasion)


def change_counts(
    instrument: str, measure: str, categories: Sequence[str]
) -> Callable[[Context], ir.Table]:
    from painreg.instruments import change_rule

    rule_instrument = "eq5d5l" if instrument == "eqvas" else instrument

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(rule_instrument, measure)
        completed = ctx.completed().select("registration_id", "unit_id")
        end = measure_values(ctx, instrument, rule["score"], "end").rename(end_value="value")
        t = completed.inner_join(end, "registration_id")
        if rule["rule"] == "end_category":
            category = change_expression(rule, None, t.end_value)
        else:
            initial = measure_values(ctx, instrument, rule["score"], "initial")
            t = t.inner_join(initial.rename(initial_value="value"), "registration_id")
            category = change_expression(rule, t.initial_value, t.end_value)
        t = t.mutate(category=category)
        return count_by(t, "category", categories, total="n")

    return build


def count_by(
    t: ir.Table, column: str, categories: Sequence[str], total: str | None = None
) -> ir.Table:
    """Per unit: one count column per category (and a total), in a fixed order."""
    metrics = {c: (t[column] == c).sum().cast("int64") for c in categories}
    if total:
        metrics = {total: t.count(), **metrics}
    return t.group_by("unit_id").aggregate(**metrics)
