"""The dashboard's counts: the annual report's indicator expressions on the live database.

Decisions (ARCHITECTURE.md "Where scores and indicators are computed";
DOMAIN.md "Publishing rules"):

* **Same expressions, live data.** Migration ``registry/0004_interchange_views``
  creates views of the interchange shape (``painreg_ix_<table>``). They are
  wrapped in :class:`painreg.analytics.load.Register` over Django's own
  connection (:mod:`painreg.dashboard.adapter`), so a request sees exactly
  what the application sees, and
  :func:`painreg.analytics.indicators.compute_indicators` runs unchanged.
* The views' column types are taken from the one declaration of the format
  (:mod:`painreg.tidy.schema`), not from the database catalogue: no
  catalogue queries per request, and SQLite (whose views have no declared
  types for computed columns) reads the same types as PostgreSQL.
* **A period** is several calendar years: counts are summed over the years
  (every dashboard indicator is a count or a numerator/denominator pair, so
  sums are exact). Units listed are those listed in any year of the period.
* **One temporary table per year**: every indicator starts from the same base
  registrations (registrations joined with units and patients through the
  views, which leave out opted-out patients by joining patients once more).
  The year's base registrations of the care level are written once to a
  temporary table of the connection (a few thousand rows) and the
  indicators start from it, looking up those registrations' scores and
  answers by index instead of joining the views again. The database user
  needs the ``TEMPORARY`` privilege (PUBLIC has it by default); a read-only
  standby cannot serve the dashboard.
* **Parameters, not literals**: the year and the filter values are query
  parameters (:class:`painreg.dashboard.selection.Shape`), so the base's SQL
  is compiled once per shape and care level, the indicators' once per
  process, and the expressions are built once.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import CARE_LEVELS, CHANGE_OUTCOMES, Filters, base_registrations
from painreg.analytics.indicators import ONE_YEAR_CHANGES, one_year_key
from painreg.analytics.load import OPTIONAL, REQUIRED, Register
from painreg.dashboard import adapter
from painreg.dashboard.selection import FILTER_CHOICES, YEAR, Parameterised, Selection, Shape

VIEW_PREFIX = "painreg_ix_"
#: The temporary table of one year's base registrations (see :func:`_year_indicators`).
BASE_TABLE = "painreg_dash_base"

#: Rates shown as shares (numerator / denominator).
RATE_KEYS = ("response_rate_end", "hads_anxiety_case_initial", "hads_depression_case_initial")
#: The one-year outcomes shown (DOMAIN.md, "One-year outcomes": those of the
#: completed registrations of the year before).
ONE_YEAR_KEYS = tuple(one_year_key(k) for k in ONE_YEAR_CHANGES)
#: Every indicator the dashboard computes (one query each per year).
DASHBOARD_KEYS = (
    "completed_rehab",
    "assessments",
    "discontinued",
    "coverage",
    *RATE_KEYS,
    *CHANGE_OUTCOMES,
    *ONE_YEAR_KEYS,
)


def _ibis_schema(name: str) -> Any:
    import ibis

    from painreg.tidy.schema import get_table

    types = {
        "string": "string",
        "enum": "string",
        "list": "string",
        "int": "int64",
        "float": "float64",
        "date": "date",
        "bool": "boolean",
    }
    return ibis.schema({c.name: types[c.type] for c in get_table(name).columns})


def _table(con: Any, name: str, schema: Any) -> Any:
    """The table ``name`` of ``con``: equal nodes each time, so compiled SQL is found again."""
    import ibis.expr.operations as ops

    return ops.DatabaseTable(
        name=name, schema=schema, source=con, namespace=ops.Namespace()
    ).to_expr()


def live_register(connection: Any | None = None) -> Register:
    """The register as Ibis tables over the interchange views of ``connection``.

    ``connection`` defaults to Django's default database connection.
    """
    if connection is None:
        from django.db import connection as default

        connection = default
    return register_on(adapter.backend(connection))


def register_on(con: Any) -> Register:
    """The register as Ibis tables over the interchange views, on the Ibis backend ``con``."""
    tables = {
        name: _table(con, VIEW_PREFIX + name, _ibis_schema(name)) for name in (*REQUIRED, *OPTIONAL)
    }
    return Register(con=con, **tables)


def _add(total: Any, value: Any) -> Any:
    if total is None:
        return value
    if isinstance(value, dict):
        out = dict(total)
        for k, v in value.items():
            if v is None or out.get(k) is None:
                # Coverage: unknown in one year makes the period's value unknown.
                out[k] = None
            else:
                out[k] = out[k] + v
        return out
    return total + value


def period_indicators(
    register: Register, selection: Selection, *, care_level: str | None = None
) -> dict[str, Any]:
    """Indicators per care level, nation and unit, summed over the period's years.

    Same shape as :func:`compute_indicators` without ``year`` and without
    regions. ``care_level``: only that level (the one a unit's dashboard
    shows), counted from its registrations only; the other level is left out.
    """
    levels: dict[str, Any] = {}
    for year in selection.years:
        result = _year_indicators(register, year, selection.filters, care_level)
        for level, data in result["care_levels"].items():
            if care_level is not None and level != care_level:
                continue  # counted from this level's registrations only: not complete
            target = levels.setdefault(level, {"national": {}, "units": {}})
            for key, value in data["national"].items():
                target["national"][key] = _add(target["national"].get(key), value)
            for unit, values in data["units"].items():
                unit_target = target["units"].setdefault(unit, {})
                for key, value in values.items():
                    unit_target[key] = _add(unit_target.get(key), value)
    return levels


#: Expressions kept at most per backend (building them costs more CPU than their queries).
_BUILT_MAX = 64


def _kept(con: Any, key: Any, build: Any) -> Any:
    """What ``build()`` gives, built once per backend of a connection (:func:`adapter.built`)."""
    kept = adapter.built(con)
    found = kept.get(key)
    if found is None:
        if len(kept) >= _BUILT_MAX:
            kept.clear()
        found = kept[key] = build()
    return found


def year_base(register: Register, shape: Shape, care_level: str | None) -> Parameterised:
    """The base registrations of a year and ``shape``, with the year and values as parameters."""

    def build() -> Parameterised:
        base = base_registrations(register, shape.filters)
        # The year before too: the one-year outcomes count its completed registrations.
        base = base.filter((base.year == YEAR) | (base.year == YEAR - 1))
        if care_level is not None:
            base = base.filter(base.care_level == care_level)
        return shape.parameterise(base)

    return _kept(register.con, ("base", shape, care_level), build)


def _year_indicators(
    register: Register, year: int, filters: Filters, care_level: str | None
) -> dict[str, Any]:
    """:func:`compute_indicators` of the dashboard for one year, from a temporary table.

    (Tried and left out: a second temporary table of the base registrations'
    scores. Writing it cost more PostgreSQL CPU than the indicators' index
    look-ups it saved.)
    """
    con = register.con
    base = year_base(register, Shape.of(filters), care_level)
    values = {**base.values(filters), "year": year}
    adapter.create_temporary(
        con, BASE_TABLE, adapter.compile_statement(con.name, base.expr), values
    )
    table = _table(con, BASE_TABLE, base.expr.schema())
    # The same indicator expressions for every shape and year: built once per backend.
    built = _kept(con, ("indicators", table.op()), dict)
    try:
        return compute_indicators(
            register,
            YEAR,
            keys=DASHBOARD_KEYS,
            regions=False,
            base=table,
            expressions=built,
            params={YEAR: year},
        )
    finally:
        adapter.drop_temporary(con, BASE_TABLE)


def compute(selection: Selection, connection: Any, care_level: str | None = None) -> dict[str, Any]:
    """:func:`period_indicators` on the live register (of ``care_level`` only if given)."""
    register = live_register(connection)
    with adapter.dashboard_session(connection):
        return period_indicators(register, selection, care_level=care_level)


def common_shapes() -> list[Filters]:
    """The whole register and each one-filter shape of :data:`FILTER_CHOICES`."""
    shapes = [Filters()]
    for name, choices in FILTER_CHOICES.items():
        shapes.append(Filters(**{name: choices[0][0]}))
        if name == "age_group":  # a closed and an open age band compile differently
            shapes.append(Filters(**{name: choices[-1][0]}))
    return shapes


def warm_templates(connection: Any | None = None) -> int:
    """Compile the base SQL of the common selection shapes now; returns how many.

    A web server process calls this once at start (``painreg.wsgi``): the
    first request of each selection shape (no filter, or one filter of
    :data:`FILTER_CHOICES`) per care level would otherwise compile its base
    SQL inside that request. Only compiles: no query is run. Shapes with two
    or more filters compile on first use.
    """
    register = live_register(connection)
    count = 0
    for care_level in CARE_LEVELS:
        for filters in common_shapes():
            base = year_base(register, Shape.of(filters), care_level)
            adapter.compile_statement(register.con.name, base.expr)
            count += 1
    return count


def warm() -> None:
    """:func:`warm_templates` at a server process's start: a failure (say, the
    database not reachable yet) is logged, never fatal; the connection it
    opened is closed (the request threads open their own)."""
    import logging

    from django.db import connection

    try:
        warm_templates(connection)
    except Exception:  # warming is an optimisation only
        logging.getLogger(__name__).exception("warming the dashboard's SQL failed")
    finally:
        connection.close()
