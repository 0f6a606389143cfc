"""The indicators computed: raw counts per unit, summed per care level, region and nation.

Decisions (DOMAIN.md, "Counting rules of the indicators"):

- Counting is per unit; a care level's national value is the sum over its
  units (units partition a care level; levels are never pooled). Coverage is
  the exception: national coverage sums only the units that reported a total.
- Regions (SCB county code) and healthcare regions hold the same sums over
  their units.

Pure Python on Ibis; no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis.expr.types as ir

from painreg.analytics import sick_leave
from painreg.analytics.context import (
    CARE_LEVELS,
    HEALTHCARE_REGIONS,
    UNIT_COVERAGE,
    Context,
    Filters,
    base_registrations,
    connected_units,
    unit_coverage_frame,
)
from painreg.analytics.indicators import INDICATORS, Indicator
from painreg.analytics.load import Register


def _zero(indicator: Indicator) -> Any:
    if indicator.kind == "count":
        return 0
    if indicator.kind == "rate":
        return {"numerator": 0, "denominator": 0}
    if indicator.kind == "coverage":
        return {"registered": 0, "reported_total": None}
    if indicator.kind == "long":
        return {}
    if indicator.kind == "sums":
        return {"n": 0, "sum": 0.0, "sum_sq": 0.0}
    cats = dict.fromkeys(indicator.categories, 0)
    return {"n": 0, **cats} if indicator.has_total else cats


def _unit_values(indicator: Indicator, frame: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if indicator.kind == "long":
        for row in frame.itertuples(index=False):
            values.setdefault(row.unit_id, {})[row.code] = int(row.count)
        return values
    for row in frame.to_dict("records"):
        unit = row.pop("unit_id")
        if indicator.kind == "count":
            values[unit] = int(row["count"])
        elif indicator.kind == "coverage":
            total = row["reported_total"]
            values[unit] = {
                "registered": int(row["registered"]),
                "reported_total": None if total is None or total != total else int(total),
            }
        elif indicator.kind == "sums":
            values[unit] = {
                "n": int(row["n"]), "sum": float(row["sum"]), "sum_sq": float(row["sum_sq"])
            }  # fmt: skip
        else:
            values[unit] = {k: int(v) for k, v in row.items()}
            if indicator.kind == "categories":
                ordered = (["n"] if indicator.has_total else []) + list(indicator.categories)
                values[unit] = {k: values[unit].get(k, 0) for k in ordered}
    return values


def _national(indicator: Indicator, unit_values: list[Any]) -> Any:
    if indicator.kind == "count":
        return sum(unit_values)
    if indicator.kind == "coverage":
        reported = [v for v in unit_values if v["reported_total"] is not None]
        if not reported:
            return {"registered": None, "reported_total": None}
        return {
            "registered": sum(v["registered"] for v in reported),
            "reported_total": sum(v["reported_total"] for v in reported),
        }
    total: dict[str, int] = {}
    for value in unit_values:
        for k, v in value.items():
            total[k] = total.get(k, 0) + v
    if indicator.kind == "long":
        return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))
    zero = _zero(indicator)
    return {k: total.get(k, 0) for k in zero}


def listed_units(
    register: Register,
    base: ir.Table,
    year: int | ir.IntegerScalar,
    params: Mapping[ir.Scalar, Any] | None = None,
) -> dict[str, list[str]]:
    """Units per care level listed for the year: a registration of the year or a total."""
    with_regs = base.filter(base.year == year).select("unit_id").distinct()
    totals = register.unit_year_totals
    with_total = totals.filter(totals.year == year).select("unit_id").distinct()
    ids = with_regs.union(with_total).distinct()
    u = connected_units(register).inner_join(ids, "unit_id").select("unit_id", "care_level")
    u = u.to_pandas(params=params)
    return {
        level: sorted(u.loc[u.care_level == level, "unit_id"].tolist()) for level in CARE_LEVELS
    }


def _materialised(register: Register, base: ir.Table) -> ir.Table:
    """``base`` as a temporary table when the backend is DuckDB, else as it is.

    Why: every indicator starts from the same join of registrations, units and
    patients; as an expression it is compiled (Ibis -> SQL, the costliest
    step) and executed again for each of ~40 indicators. Computed once it is
    a plain table scan. Other backends keep the expression (the unit
    dashboard writes its own temporary table of one year and care level and
    passes it as ``base`` to :func:`compute_indicators`).
    """
    if getattr(register.con, "name", "") != "duckdb":
        return base
    import uuid

    # Once per expression and connection: a series over the years (the annual
    # report) asks for the same base again for each year. A loaded register
    # does not change, so the table stays right; it ends with the connection.
    # (A fresh name: Ibis 12 cannot overwrite a temporary DuckDB table.)
    made = register.con.__dict__.setdefault("_painreg_bases", {})
    table = made.get(base.op())
    if table is None:
        table = made[base.op()] = register.con.create_table(
            f"_painreg_base_{uuid.uuid4().hex}", base, temp=True
        )
    return table


def _score_tables(register: Register) -> Callable[[str, str], ir.Table] | None:
    """On DuckDB, each score's rows as a temporary table, made once per connection.

    Why: every change measure reads one score of one instrument at two or three
    occasions out of millions of score rows; the one-year outcomes, sustained
    improvement and baseline categories read the same scores again. Scanning
    the whole ``scores`` table once per score and keeping the few thousand rows
    of each makes every later read a small scan (the indicators of one year
    took twice as long without it). Other backends read ``scores`` as it is
    (the unit dashboard's database uses its index on instrument and score).
    """
    if getattr(register.con, "name", "") != "duckdb":
        return None
    import uuid

    made = register.con.__dict__.setdefault("_painreg_scores", {})

    def source(instrument: str, score: str) -> ir.Table:
        key = (register.scores.op(), instrument, score)
        table = made.get(key)
        if table is None:
            s = register.scores
            s = s.filter((s.instrument == instrument) & (s.score == score))
            table = made[key] = register.con.create_table(
                f"_painreg_score_{uuid.uuid4().hex}",
                s.select("registration_id", "occasion", "value"),
                temp=True,
            )
        return table

    return source


def compute_indicators(
    register: Register,
    year: int | ir.IntegerScalar,
    *,
    filters: Filters | None = None,
    keys: Sequence[str] | None = None,
    json_only: bool = False,
    regions: bool = True,
    base: ir.Table | None = None,
    expressions: dict[str, ir.Table] | None = None,
    params: Mapping[ir.Scalar, Any] | None = None,
) -> dict[str, Any]:
    """Every indicator for one year: raw counts per care level, nation and unit.

    The shape of ``painreg report indicators``: ``{"year": Y, "care_levels":
    {level: {"national": {key: value}, "units": {unit_id: {key: value}}}}}``.
    An indicator that does not apply to a care level (e.g. the primary-care
    question on handling pain) is left out of that level. Each level also holds
    ``regions`` (by SCB county code) and ``healthcare_regions`` with the same
    sums over their units (coverage over the units that reported a total);
    ``regions=False`` leaves them out.

    ``base``: the rows of :func:`base_registrations` to start from instead, when
    the caller has them at hand (``filters`` then unused); at least the year's
    (the unit dashboard keeps one year's base registrations of one care level
    in a temporary table, so each indicator filters a few thousand rows instead
    of joining the register's views again). Indicators of an earlier year
    (``response_rate_1y``) need that year's rows too.

    ``expressions``: a dict the caller keeps for one register, ``base`` and
    ``year``; each indicator's expression is built once into it and reused
    (building them is CPU work on every dashboard request; docs/dashboard.md).

    ``year`` may be a parameter (an Ibis scalar) with its value in ``params``,
    passed to every execution (``to_pandas(params=...)``): the unit dashboard
    builds and compiles the expressions once for every year.
    """
    if base is None:
        base = _materialised(register, base_registrations(register, filters))
    ctx = Context(register=register, base=base, year=year, score_source=_score_tables(register))
    listed = listed_units(register, base, year, params)
    chosen = [
        i for i in INDICATORS if (keys is None or i.key in keys) and (i.in_json or not json_only)
    ]
    # One-year outcomes list a unit listed in the year or the year before (DOMAIN.md);
    # such a unit holds every indicator asked, those of the year at their zero
    # value, so that every unit has the same keys (docs/decisions.md).
    if any(i.years_back for i in chosen):
        before = listed_units(register, base, year - 1, params)
        listed = {level: sorted({*listed[level], *before[level]}) for level in CARE_LEVELS}
    levels: dict[str, Any] = {
        level: {"national": {}, "units": {u: {} for u in listed[level]}} for level in CARE_LEVELS
    }
    unit_frame = register.units.select("unit_id", "care_level", "region_code").to_pandas()
    unit_level = dict(zip(unit_frame.unit_id, unit_frame.care_level, strict=True))
    unit_region = dict(zip(unit_frame.unit_id, unit_frame.region_code, strict=True))
    for level in CARE_LEVELS if regions else ():
        levels[level]["regions"] = {}
        levels[level]["healthcare_regions"] = {}
    for indicator in chosen:
        if expressions is None:
            expression = indicator.build(ctx)
        elif indicator.key in expressions:
            expression = expressions[indicator.key]
        else:
            expression = expressions[indicator.key] = indicator.build(ctx)
        values = _unit_values(indicator, expression.to_pandas(params=params))
        for level in CARE_LEVELS:
            if level not in indicator.levels:
                continue
            units_of = listed[level]
            per_unit = [values.get(u, _zero(indicator)) for u in units_of]
            for unit, value in zip(units_of, per_unit, strict=True):
                levels[level]["units"][unit][indicator.key] = value
            # The nation counts every unit of the level, also one not listed this
            # year (e.g. the one-year response rate of last year's patients).
            unlisted = [
                v for u, v in values.items() if unit_level.get(u) == level and u not in units_of
            ]
            levels[level]["national"][indicator.key] = _national(indicator, per_unit + unlisted)
            if not regions:
                continue
            # Regions and healthcare regions: the same sums over their units.
            every = dict(zip(units_of, per_unit, strict=True))
            every.update(
                (u, v) for u, v in values.items() if unit_level.get(u) == level and u not in every
            )
            for key, group_of in (
                ("regions", unit_region.get),
                ("healthcare_regions", lambda u: HEALTHCARE_REGIONS.get(unit_region.get(u, ""))),
            ):
                groups: dict[str, list[Any]] = {}
                for u, v in every.items():
                    group = group_of(u)
                    if group:
                        groups.setdefault(group, []).append(v)
                for group, vals in sorted(groups.items()):
                    levels[level][key].setdefault(group, {})[indicator.key] = _national(
                        indicator, vals
                    )
    if keys is None or sick_leave.KEY in keys:
        sick_leave.add_to_levels(levels, register, ctx, listed, regions=regions)
    if keys is None or "unit_coverage" in keys:
        _add_unit_coverage(register, year, levels, regions, params)
    return {"year": year, "care_levels": levels}


def _add_unit_coverage(
    register: Register,
    year: int | ir.IntegerScalar,
    levels: dict[str, Any],
    regions: bool,
    params: Mapping[ir.Scalar, Any] | None,
) -> None:
    """``unit_coverage`` under each level's ``national`` (and each region's): the
    providing, connected, delivering and totals-reporting units (DOMAIN.md, "Unit
    coverage"); units are never listed with it."""
    frame = unit_coverage_frame(register, year).to_pandas(params=params)
    for level in CARE_LEVELS:
        rows = frame[frame.care_level == level]
        levels[level]["national"]["unit_coverage"] = _coverage_counts(rows)
        if not regions:
            continue
        for key, group_of in (
            ("regions", lambda r: r),
            ("healthcare_regions", HEALTHCARE_REGIONS.get),
        ):
            groups = rows.region_code.map(group_of)
            for group in sorted(g for g in set(groups) if g):
                levels[level][key].setdefault(group, {})["unit_coverage"] = _coverage_counts(
                    rows[groups == group]
                )


def _coverage_counts(rows: Any) -> dict[str, int]:
    return {k: int(rows[k].sum()) for k in UNIT_COVERAGE}


def yearly_indicators(
    register: Register,
    years: Sequence[int],
    keys: Sequence[str],
    *,
    filters: Filters | None = None,
) -> dict[int, dict[str, Any]]:
    """``keys`` for each of ``years`` without regions: ``{year: care_levels}``.

    On DuckDB the year is a parameter: each indicator's expression is built
    once for all the years (building them is a fifth of a long series' time;
    the series since the register's start has a dozen years), on the one
    materialised base. The counts are those of one call per year.
    """
    if getattr(register.con, "name", "") != "duckdb":
        return {
            y: compute_indicators(register, y, filters=filters, keys=keys, regions=False)[
                "care_levels"
            ]
            for y in years
        }
    import ibis

    year = ibis.param("int64")
    base = _materialised(register, base_registrations(register, filters))
    expressions: dict[str, ir.Table] = {}
    return {
        y: compute_indicators(
            register, year, keys=keys, regions=False, base=base, expressions=expressions,
            params={year: y},
        )["care_levels"]
        for y in years
    }  # fmt: skip


def national_series(
    register: Register,
    years: Sequence[int],
    keys: Sequence[str],
    *,
    filters: Filters | None = None,
) -> dict[int, dict[str, Any]]:
    """National values per care level over several years: ``{year: {level: {key: value}}}``."""
    out = {}
    for year in years:
        result = compute_indicators(register, year, filters=filters, keys=keys)
        out[year] = {level: data["national"] for level, data in result["care_levels"].items()}
    return out
