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
        positive = positive_value(rule, end)
        return ibis.cases(
            (improved, "improved"),
            (worsened, "worsened"),
            (positive, "unchanged_positive"),
            else_="unchanged_negative",
        )
    raise ValueError(f"unknown change rule {kind!r}")


def _eq5d(ctx: Context, score: str, occasion: str, years_back: int = 0) -> ir.Table:
    """An EQ-5D score (``vas``, ``index``): ``eq5d5l``'s, or ``eq5d3l``'s for a
    registration that answered 3L.

    Only the completed registrations of the year ``years_back`` before the
    context's (the population of every measure; callers join them anyway):
    starting from them, a database looks up each registration's scores by
    index, instead of working out the rule for every registration of every
    year first (the unit dashboard on PostgreSQL).
    """
    three = ctx.scores_of("eq5d3l", score)
    # No DISTINCT: an anti-join ignores duplicates, and without it a database
    # probes each registration's 3L scores by index instead of listing every
    # registration that ever answered 3L first.
    answered_3l = three.select("registration_id")
    among = ctx.completed(ctx.year - years_back).select("registration_id")
    five = among.inner_join(ctx.score("eq5d5l", score, occasion), "registration_id")
    five = five.anti_join(answered_3l, "registration_id")
    return among.inner_join(ctx.score("eq5d3l", score, occasion), "registration_id").union(five)


def measure_values(
    ctx: Context, instrument: str, score: str, occasion: str, years_back: int = 0
) -> ir.Table:
    """``registration_id, value`` of a measure at an occasion (``eqvas``: the EQ-VAS rule,
    ``eq5d``: the same rule for any EQ-5D score, among the completed registrations of
    the year ``years_back`` before the context's)."""
    if instrument == "eqvas":
        return _eq5d(ctx, "vas", occasion, years_back)
    if instrument == "eq5d":
        return _eq5d(ctx, score, occasion, years_back)
    return ctx.score(instrument, score, occasion)


def _rule_instrument(instrument: str) -> str:
    return "eq5d5l" if instrument == "eqvas" else instrument


def change_counts(
    instrument: str,
    measure: str,
    categories: Sequence[str],
    occasion: str = "end",
    years_back: int = 0,
) -> Callable[[Context], ir.Table]:
    """Per unit, the change categories initial -> ``occasion`` (``end``, or
    ``followup_1y`` of the completed registrations of the year before:
    DOMAIN.md, "One-year outcomes"); "unchanged positive/negative" is judged on
    the ``occasion`` value."""
    from painreg.instruments import change_rule

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(_rule_instrument(instrument), measure)
        completed = ctx.completed(ctx.year - years_back).select("registration_id", "unit_id")
        after = measure_values(ctx, instrument, rule["score"], occasion, years_back)
        t = completed.inner_join(after.rename(end_value="value"), "registration_id")
        if rule["rule"] == "end_category":
            category = change_expression(rule, None, t.end_value)
        else:
            initial = measure_values(ctx, instrument, rule["score"], "initial", years_back)
            t = t.inner_join(initial.rename(initial_value="value"), "registration_id")
            category = change_expression(rule, t.initial_value, t.end_value)
        t = t.mutate(category=category)
        return count_by(t, "category", categories, total="n")

    return build


def sustained_counts(instrument: str, measure: str) -> Callable[[Context], ir.Table]:
    """Per unit, sustained improvement (DOMAIN.md, "One-year outcomes"): among the
    completed registrations of the year before, ``n`` = complete at initial, end
    and one year and improved at end; ``sustained`` = of those, also improved
    initial -> one year."""
    from painreg.instruments import change_rule

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(_rule_instrument(instrument), measure)
        completed = ctx.completed(ctx.year - 1).select("registration_id", "unit_id")
        t = completed
        for occasion, name in (("initial", "v0"), ("end", "v1"), ("followup_1y", "v2")):
            values = measure_values(ctx, instrument, rule["score"], occasion, 1)
            t = t.inner_join(values.rename(**{name: "value"}), "registration_id")
        at_end = change_expression(rule, t.v0, t.v1) == "improved"
        at_1y = change_expression(rule, t.v0, t.v2) == "improved"
        t = t.filter(at_end).mutate(kept=at_1y)
        return t.group_by("unit_id").aggregate(n=t.count(), sustained=t.kept.sum().cast("int64"))

    return build


def baseline_counts(instrument: str, measure: str) -> Callable[[Context], ir.Table]:
    """Per unit, the baseline (initial) category of a change measure among the
    registrations its change counts (complete at initial and end): the bands of a
    ``category_shift`` rule, or ``positive``/``negative`` by the threshold rule's
    limit of an unchanged positive value (PCS < 30, EQ-VAS >= 70)."""
    from painreg.instruments import change_rule

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(_rule_instrument(instrument), measure)
        completed = ctx.completed().select("registration_id", "unit_id")
        end = measure_values(ctx, instrument, rule["score"], "end").select("registration_id")
        initial = measure_values(ctx, instrument, rule["score"], "initial")
        t = completed.inner_join(end, "registration_id").inner_join(initial, "registration_id")
        labels = baseline_labels(rule)
        if rule["rule"] == "category_shift":
            band = band_index(t.value, rule["bands"])
            category = ibis.cases(*[(band == i, label) for i, label in enumerate(labels)])
        else:
            category = ibis.ifelse(positive_value(rule, t.value), "positive", "negative")
        t = t.mutate(category=category)
        return count_by(t, "category", labels, total="n")

    return build


def baseline_labels(rule: dict[str, Any]) -> tuple[str, ...]:
    """The categories :func:`baseline_counts` counts for a change rule."""
    if rule["rule"] == "category_shift":
        return tuple(label for label, _ in rule["bands"])
    return ("positive", "negative")


def positive_value(rule: dict[str, Any], value: ir.NumericValue) -> ir.BooleanValue:
    """Whether a value of a threshold rule's measure is "positive" (PCS < 30, EQ-VAS >= 70)."""
    if "positive_below" in rule:
        return value < float(rule["positive_below"])
    return value >= float(rule["positive_at_least"])


def count_by(
    t: ir.Table, column: str, categories: Sequence[str], total: str | None = None
) -> ir.Table:
    """Per unit: one count column per category (and a total), in a fixed order."""
    metrics = {c: (t[column] == c).sum().cast("int64") for c in categories}
    if total:
        metrics = {total: t.count(), **metrics}
    return t.group_by("unit_id").aggregate(**metrics)
