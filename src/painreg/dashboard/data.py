"""The unit dashboard's numbers: the same indicator expressions, on the live database.

Decisions (ARCHITECTURE.md "Where scores and indicators are computed";
DOMAIN.md "Publishing rules"; figures in docs/dashboard.md, "Performance"):

* **Same expressions, live data.** Migration ``registry/0004_interchange_views``
  creates views of the interchange shape (``painreg_ix_<table>``). Ibis is
  attached to *Django's own connection* (``ibis.sqlite`` / ``ibis.postgres``
  ``from_connection``), so a request sees exactly what the application sees,
  in the same transaction, without a second login to the database. The views
  are wrapped in :class:`painreg.analytics.load.Register` and
  :func:`painreg.analytics.compute.compute_indicators` runs unchanged.
* The views' column types are taken from the one declaration of the format
  (:mod:`painreg.tidy.schema`), not from the database catalogue: no
  catalogue queries per request, and SQLite (whose views have no declared
  types for computed columns) reads the same types as PostgreSQL.
* **A period** is several calendar years: counts are summed over the years
  (every dashboard indicator is a count or a numerator/denominator pair, so
  sums are exact). Units listed are those listed in any year of the period.
* **Publishing rules** are applied here, by who looks: someone who may see
  the unit's patients (a member of the unit) sees the unit's own counts as
  they are; every other group (other units, the nation, and the unit itself
  for a regional analyst or the national coordinator) follows the rules:
  proportions only for denominators of 5 or more (greyed below 10), counts
  1-4 as "<5" with secondary suppression in count tables.

This module computes nothing the analytics core could: it selects, sums
years and decides what may be shown.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import (
    AGE_GROUPS,
    CARE_LEVELS,
    CHANGE_OUTCOMES,
    Filters,
    age_bounds,
    base_registrations,
)
from painreg.analytics.indicators import BY_KEY
from painreg.analytics.load import OPTIONAL, REQUIRED, Register
from painreg.reports.publishing import (
    MIN_PUBLISHED,
    PRIMARY_MARK,
    Cell,
    Table,
    format_number,
    format_percent,
)
from painreg.reports.render import (
    INSUFFICIENT,
    NOT_SHOWN,
    PUBLISHING_NOTE,
    Share,
    count_text,
    share,
)
from painreg.tidy import vocabulary

VIEW_PREFIX = "painreg_ix_"

#: Rates shown as shares (numerator / denominator).
RATE_KEYS = ("response_rate_end", "hads_anxiety_case_initial", "hads_depression_case_initial")
#: Every indicator the dashboard computes (one Ibis query each per year).
DASHBOARD_KEYS = (
    "completed_rehab",
    "assessments",
    "discontinued",
    "coverage",
    *RATE_KEYS,
    *CHANGE_OUTCOMES,
)

CATEGORY_LABELS = {
    **vocabulary.CHANGE_CATEGORIES.headings(),
    **vocabulary.DISCONTINUATION_REASONS.headings(),
}
LEVEL_LABELS = vocabulary.CARE_LEVELS.headings()
FILTER_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sex": tuple(vocabulary.SEXES.headings().items()),
    "age_group": tuple((g, f"{g} år") for g in AGE_GROUPS),
    "education": tuple(vocabulary.EDUCATION.headings().items()),
    "programme": tuple(vocabulary.PROGRAMMES.headings().items()),
}


# ---------------------------------------------------------------------------
# The register on the live database


_local = threading.local()
#: Compiled SQL per (thread's backend, expression); see :func:`_memoised_backend`.
_COMPILED_MAX = 4_000
#: SQL templates per selection shape, shared by every thread (see :class:`_Literals`).
_templates: dict[Any, str] = {}
_templates_lock = threading.Lock()
#: Text in a template that stands for a selection's value: a string literal's
#: text, or an integer literal as a whole token.
_SENTINEL_TEXT = "painregsentinel"
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_+;\-]*")


class _Literals:
    """Stand-ins for the year and filter values of one year of a selection.

    Decision: compiling the indicator expressions to SQL costs several times
    the CPU of running them; the SQL of
    two selections of the same *shape* (which filters are set) differs only in
    the year and the filter values. So the dashboard builds the expressions
    with stand-ins (a year of 29113, ages 113 and 119, codes like
    ``painregsentinel1x``: values of the same SQL type that occur nowhere
    else), compiles each once per shape and puts the request's values into
    the SQL text (integers as whole tokens). Exact: the expressions differ
    only in those literals (tests compare with a direct compilation for many
    selections). Values other than plain codes (letters, digits, ``_+-``),
    and years or ages outside the literals' integer types, are compiled
    directly.
    """

    YEAR = 29_113  # an int16 literal, as any real year
    AGES = (113, 119)  # int8 literals, as any real age bound

    def __init__(self, year: int, filters: Filters) -> None:
        self.texts: dict[str, str] = {str(self.YEAR): str(year)}
        self.usable = 128 <= year <= 32_767
        chosen: dict[str, str | None] = {}
        for index, (name, value) in enumerate(sorted(filters.__dict__.items())):
            if not value:
                chosen[name] = value
            elif name == "age_group":
                low, high = age_bounds(value)
                self.usable &= 0 <= low <= 127 and (high is None or 0 <= high <= 127)
                self.texts[str(self.AGES[0])] = str(low)
                if high is not None:
                    self.texts[str(self.AGES[1])] = str(high)
                chosen[name] = f"{self.AGES[0]}+" if high is None else "{}-{}".format(*self.AGES)
            else:
                sentinel = f"{_SENTINEL_TEXT}{index}x"
                if name == "diagnosis":  # compared upper-case without dots
                    sentinel, value = sentinel.upper(), value.upper().replace(".", "")
                self.usable &= bool(_SAFE_VALUE.fullmatch(value))
                self.texts[sentinel] = value
                chosen[name] = sentinel
        self.year = self.YEAR
        self.filters = Filters(**chosen)

    @staticmethod
    def fill(template: str, texts: dict[str, str]) -> str:
        """``template`` with each stand-in's text replaced by its value's."""
        pattern = "|".join(
            re.escape(t) if not t.isdigit() else rf"(?<![\w.]){t}(?![\w.])"
            for t in sorted(texts, key=len, reverse=True)
        )
        return re.sub(pattern, lambda m: texts[m.group(0)], template)


def _shared_tables(op: Any) -> Any:
    """``op`` on tables of one connection-less backend: the same for every thread."""
    import ibis.expr.operations as ops

    return op.replace(
        {
            table: table.copy(source=_template_backend(table.source.name))
            for table in op.find(ops.DatabaseTable)
        }
    )


_template_backends: dict[str, Any] = {}


def _backend_class(vendor: str) -> type:
    if vendor in ("postgresql", "postgres"):
        from ibis.backends.postgres import Backend
    elif vendor == "sqlite":
        from ibis.backends.sqlite import Backend
    else:
        raise ValueError(f"the dashboard supports SQLite and PostgreSQL, not {vendor}")
    return Backend


def _template_backend(name: str) -> Any:
    """A backend of Ibis's ``name`` without a connection: the tables' source in templates."""
    backend = _template_backends.get(name)
    if backend is None:
        backend = _template_backends.setdefault(name, _backend_class(name)())
    return backend


def _memoised_backend(base: type) -> type:
    """``base`` (an Ibis SQL backend class) whose ``compile`` is memoised.

    Compiling the indicator expressions to SQL costs far more than running
    them (tens of milliseconds each); the SQL depends only on the expression
    (period, patient group), never on the data, so it is compiled once per
    expression and thread, and once per selection shape and process
    (:class:`_Literals`). The data are read afresh on every request.
    """

    class Memoised(base):  # type: ignore[misc, valid-type]
        _compiled: dict[Any, str]

        def compile(
            self, expr: Any, /, *, limit: Any = None, params: Any = None, pretty: bool = False
        ) -> str:
            if params:
                return super().compile(expr, limit=limit, params=params, pretty=pretty)
            key = (expr.op(), limit, pretty)
            sql = self._compiled.get(key)
            if sql is None:
                if len(self._compiled) >= _COMPILED_MAX:
                    self._compiled.clear()
                sql = self._compiled[key] = self._template(expr, limit, pretty)
            texts = getattr(_local, "texts", None)
            return _Literals.fill(sql, texts) if texts else sql

        def _template(self, expr: Any, limit: Any, pretty: bool) -> str:
            """The SQL of ``expr``, compiled once per process (shared with other threads)."""
            op = _shared_tables(expr.op())
            key = (self.name, op, limit, pretty)
            with _templates_lock:
                sql = _templates.get(key)
            if sql is None:
                sql = super().compile(op.to_expr(), limit=limit, pretty=pretty)
                with _templates_lock:
                    if len(_templates) >= _COMPILED_MAX:
                        _templates.clear()
                    _templates[key] = sql
            return sql

    Memoised.__name__ = f"Memoised{base.__name__}"
    return Memoised


def _ibis_backend(connection: Any) -> Any:
    """An Ibis backend over Django's connection (same transaction, no new login).

    One backend per thread and database vendor, re-pointed at Django's current
    connection of the thread (which may have been reopened since).
    """
    connection.ensure_connection()
    raw = connection.connection
    vendor = connection.vendor
    backends = getattr(_local, "backends", None)
    if backends is None:
        backends = _local.backends = {}
    backend = backends.get(vendor)
    if backend is not None and backend.con is raw:
        return backend
    cls = _memoised_backend(_backend_class(vendor))
    backend = cls.from_connection(raw)
    backend._compiled = {}
    if vendor == "sqlite":
        # Ibis turns on case-sensitive LIKE; Django's icontains relies on SQLite's
        # default (case-insensitive), and the connection is Django's.
        raw.execute("PRAGMA case_sensitive_like = OFF")
    backends[vendor] = backend
    backend._painreg_tables = {}
    return backend


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


def live_register(connection: Any | None = None) -> Register:
    """The register as Ibis tables over the interchange views of ``connection``.

    ``connection`` defaults to Django's default database connection.
    """
    if connection is None:
        from django.db import connection as default

        connection = default
    return _register_on(_ibis_backend(connection))


def _register_on(con: Any) -> Register:
    import ibis.expr.operations as ops

    tables = con._painreg_tables  # the same table nodes each time: compile cache hits
    for name in (*REQUIRED, *OPTIONAL):
        if name not in tables:
            op = ops.DatabaseTable(
                name=VIEW_PREFIX + name,
                schema=_ibis_schema(name),
                source=con,
                namespace=ops.Namespace(),
            )
            tables[name] = op.to_expr()
    return Register(con=con, **tables)


# ---------------------------------------------------------------------------
# Selection


@dataclass(frozen=True)
class Selection:
    """What the dashboard shows: a period of whole years and a patient group."""

    year_from: int
    year_to: int
    filters: Filters = field(default_factory=Filters)

    @property
    def years(self) -> range:
        return range(self.year_from, self.year_to + 1)

    def describe(self) -> str:
        period = (
            str(self.year_from)
            if self.year_from == self.year_to
            else f"{self.year_from}–{self.year_to}"
        )
        return f"{period}; {describe_filters(self.filters)}"


def describe_filters(filters: Filters) -> str:
    parts = []
    for name, value in filters.__dict__.items():
        if not value:
            continue
        labels = dict(FILTER_CHOICES.get(name, ()))
        label = labels.get(value, value)
        parts.append(f"diagnos {label}" if name == "diagnosis" else label)
    return ", ".join(parts) or "alla patienter"


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


#: The temporary table of one year's base registrations (see :func:`_year_indicators`).
BASE_TABLE = "painreg_dash_base"


def _year_base(register: Register, year: int, filters: Filters, care_level: str | None) -> Any:
    base = base_registrations(register, filters)
    base = base.filter(base.year == year)
    if care_level is not None:
        base = base.filter(base.care_level == care_level)
    return base


def _year_indicators(
    register: Register, year: int, filters: Filters, care_level: str | None
) -> dict[str, Any]:
    """:func:`compute_indicators` of the dashboard for one year.

    Decision: every indicator starts from the same base registrations
    (registrations joined with units and patients through the views, which
    leave out opted-out patients by joining patients once more). On a live
    database (a backend with a connection) the year's base registrations of
    the care level are written once to a temporary table of the connection
    (``CREATE TEMP TABLE ... AS``, a few thousand rows), and the indicators
    start from it: each query then looks up a few thousand registrations'
    scores and answers by index instead of joining the views again. The
    table is dropped afterwards (and before, should a failed request have
    left it). The database user needs the ``TEMPORARY`` privilege (PUBLIC
    has it by default); a read-only standby cannot serve the dashboard.

    The SQL is compiled with stand-ins (:class:`_Literals`): the base's once
    per selection shape and care level, the indicators' (which hold only
    the year) once per process.
    """
    literals = _Literals(year, filters)
    live = getattr(register.con, "name", "") in ("postgres", "sqlite")
    raw = register.con.con if live else None
    if not (literals.usable and hasattr(register.con, "_compiled")):
        base = _year_base(register, year, filters, care_level)
        if raw is None:
            return compute_indicators(register, year, keys=DASHBOARD_KEYS, regions=False, base=base)
        return _from_temporary(register, raw, year, base)
    _local.texts = literals.texts
    try:
        base = _year_base(register, literals.year, literals.filters, care_level)
        return _from_temporary(register, raw, literals.year, base)
    finally:
        _local.texts = None


def warm_templates(connection: Any | None = None) -> int:
    """Compile the base SQL of the common selection shapes now; returns how many.

    A web server process calls this once at start (``painreg.wsgi``): the
    first request of each selection shape (no filter, or one filter of
    :data:`FILTER_CHOICES`) per care level would otherwise compile its
    template inside that request. Only compiles: no
    query is run. Shapes with two or more filters compile on first use.
    """
    register = live_register(connection)
    shapes: list[dict[str, str]] = [{}]
    for name, choices in FILTER_CHOICES.items():
        values = [choices[0][0]]
        if name == "age_group":  # a closed and an open age band compile differently
            values.append(choices[-1][0])
        shapes.extend({name: value} for value in values)
    count = 0
    for care_level in CARE_LEVELS:
        for shape in shapes:
            literals = _Literals(2021, Filters(**shape))
            if not literals.usable:
                continue
            _local.texts = literals.texts
            try:
                register.con.compile(
                    _year_base(register, literals.year, literals.filters, care_level)
                )
            finally:
                _local.texts = None
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
        logging.getLogger(__name__).exception("warming the dashboard's SQL templates failed")
    finally:
        connection.close()


def _from_temporary(register: Register, raw: Any, year: int, base: Any) -> dict[str, Any]:
    """:func:`compute_indicators` from a temporary table of ``base``.

    (No second temporary table of the base registrations' scores: writing it
    costs more PostgreSQL CPU than the indicators' index look-ups it saves.)
    """
    import ibis.expr.operations as ops

    con = register.con
    schema = "pg_temp" if con.name == "postgres" else "temp"
    sql = con.compile(base)  # with the request's values when stand-ins are in use
    statements = [
        f"DROP TABLE IF EXISTS {schema}.{BASE_TABLE}",
        f"CREATE TEMPORARY TABLE {BASE_TABLE} AS {sql}",
    ]
    if con.name == "postgres":  # temporary tables get no autovacuum
        statements.append(f"ANALYZE {BASE_TABLE}")
    _execute(raw, statements)
    table = getattr(con, "_painreg_base", None)
    if table is None or table.schema() != base.schema():
        # The same table node each time: the indicators' SQL is compiled once.
        table = con._painreg_base = ops.DatabaseTable(
            name=BASE_TABLE, schema=base.schema(), source=con, namespace=ops.Namespace()
        ).to_expr()
    # Same base table node and year (a stand-in): the same expressions.
    if getattr(con, "_painreg_expressions", None) is None:
        con._painreg_expressions = {}
    built = con._painreg_expressions
    if len(built) >= 64:
        built.clear()
    result = compute_indicators(
        register,
        year,
        keys=DASHBOARD_KEYS,
        regions=False,
        base=table,
        expressions=built.setdefault((table.op(), year), {}),
    )
    _execute(raw, [f"DROP TABLE IF EXISTS {schema}.{BASE_TABLE}"])
    return result


def _execute(raw: Any, statements: list[str]) -> None:
    cursor = raw.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()


# ---------------------------------------------------------------------------
# Results cache: recomputed whenever the register changed

#: Tables whose newest row id changes with every write the views can show:
#: bulk import only inserts (new ids); every other write goes through the
#: actions, which write a history row (django-simple-history).
_FINGERPRINT_TABLES = (
    ("registry_unit", "id"),
    ("registry_unityeartotal", "id"),
    ("registry_patient", "id"),
    ("registry_registration", "id"),
    ("registry_answer", "id"),
    ("registry_score", "id"),
    ("registry_historicalunit", "history_id"),
    ("registry_historicalunityeartotal", "history_id"),
    ("registry_historicalpatient", "history_id"),
    ("registry_historicalregistration", "history_id"),
    ("registry_historicaloccasion", "history_id"),
    ("registry_historicalanswer", "history_id"),
)
_CACHE_SIZE = 256
_cache: dict[tuple[Any, ...], dict[str, Any]] = {}
_cache_lock = threading.Lock()


def register_fingerprint(connection: Any) -> tuple[Any, ...]:
    """Newest ids of the register's tables: equal fingerprints, equal register.

    One query of index look-ups (``max`` of a primary key), cheap whatever
    the size of the register.
    """
    parts = ", ".join(f"(SELECT MAX({col}) FROM {table})" for table, col in _FINGERPRINT_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return tuple(cursor.fetchone())


def clear_cache(**_kwargs: Any) -> None:
    """Forget every cached result (connected to the registry models' save/delete)."""
    with _cache_lock:
        _cache.clear()


def _compute(
    selection: Selection, connection: Any, care_level: str | None = None
) -> dict[str, Any]:
    """:func:`period_indicators` on the live register (of ``care_level`` only if given).

    On PostgreSQL the JIT compiler is switched off for these queries only:
    their estimated costs pass its threshold, and compiling them to machine
    code takes longer than running them (index look-ups from the year's
    registrations, see migration ``registry/0005_dashboard_year_index``).
    And ``random_page_cost = 1.1`` (the default 4 is for disks): with it the
    planner looks up each registration's occasion and score by the unique
    indexes instead of reading every occasion: fewer buffers and less
    PostgreSQL CPU per new selection, the same results.
    """
    register = live_register(connection)
    if connection.vendor != "postgresql":
        return period_indicators(register, selection, care_level=care_level)
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off; SET random_page_cost = 1.1")
    try:
        return period_indicators(register, selection, care_level=care_level)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit; RESET random_page_cost")


def _cached(key: tuple[Any, ...], compute: Any) -> Any:
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    value = compute()
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = value
    return value


def cached_dashboard(
    unit: UnitInfo,
    selection: Selection,
    *,
    own: bool,
    unit_names: dict[str, str],
    charts: bool = True,
    connection: Any | None = None,
) -> Dashboard:
    """The dashboard of ``unit`` on the live register, reused while nothing changed.

    Decision: the dashboard is real time (every request sees every committed
    change), but counting the whole register and drawing the funnel plots
    are slow on a national register, while the register changes far less
    often than it is looked at. Indicator results (per selection) and built
    dashboards (per selection, unit and viewer kind) are kept per register
    fingerprint (:func:`register_fingerprint`), and dropped at once when a
    registry model is saved or deleted in this process.
    ``PAINREG_DASHBOARD_CACHE = False`` turns the cache off.
    """
    from django.conf import settings

    if connection is None:
        from django.db import connection as default

        connection = default

    def levels() -> dict[str, Any]:
        # Only the unit's care level: the page compares with nothing else.
        return _compute(selection, connection, unit.care_level)

    def build(levels: dict[str, Any]) -> Dashboard:
        return build_dashboard(
            levels, unit, selection, own=own, unit_names=unit_names, charts=charts
        )

    if not getattr(settings, "PAINREG_DASHBOARD_CACHE", True):
        return build(levels())
    base = (connection.alias, connection.vendor, register_fingerprint(connection), selection)
    names = tuple(sorted(unit_names.items()))
    return _cached(
        (*base, "dashboard", unit, own, names, charts),
        lambda: build(_cached((*base, "levels", unit.care_level), levels)),
    )


# ---------------------------------------------------------------------------
# The dashboard model (what the page and the Excel file show)


@dataclass(frozen=True)
class UnitInfo:
    unit_code: str  # the unit code (the interchange unit_id; the database key is the unit pk)
    name: str
    care_level: str


@dataclass
class ShareRow:
    """One group's share in a comparison (the unit, the nation, another unit)."""

    label: str
    share: Share
    own: bool = False  # the viewer may see this group's patients: shown unsuppressed

    @property
    def text(self) -> str:
        if self.own and self.share.denominator > 0:
            return format_percent(self.share.numerator / self.share.denominator)
        return self.share.text()

    @property
    def interval(self) -> str:
        return self.share.interval_text()

    @property
    def shown(self) -> bool:
        return (self.own and self.share.denominator > 0) or self.share.shown

    @property
    def numerator_text(self) -> str:
        # A shown proportion gives its numerator away anyway: no "<5" theatre.
        if self.own or self.share.shown:
            return format_number(self.share.numerator)
        return NOT_SHOWN

    @property
    def denominator_text(self) -> str:
        return _count(self.share.denominator, self.own, True)

    @property
    def note(self) -> str:
        if self.own and self.share.denominator < MIN_PUBLISHED and self.share.denominator > 0:
            return "endast för enhetens personal"
        return INSUFFICIENT if self.share.status == "grey" else ""


def _count(value: int, own: bool, shown: bool) -> str:
    if own:
        return format_number(value)
    if not shown:
        return NOT_SHOWN
    return count_text(value)


@dataclass
class Measure:
    """One indicator as a share: the unit against the nation and the other units."""

    key: str
    title: str
    what: str  # what the share counts, in words
    unit: ShareRow
    national: ShareRow
    others: list[ShareRow]
    chart_svg: str = ""

    @property
    def has_chart(self) -> bool:
        """A funnel plot can be drawn: a national share and at least one shown unit."""
        return bool(_funnel_points(self)) and self.national.share.share is not None


@dataclass
class Dashboard:
    unit: UnitInfo
    selection: Selection
    own: bool  # the viewer may see the unit's patients
    measures: list[Measure]
    tables: list[Table]
    note: str = PUBLISHING_NOTE
    #: Funnel plots drawn so far (SVG per measure key), kept with the cached dashboard.
    charts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Rendered rows of the other units' tables (HTML per measure key), kept likewise.
    other_rows: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def chart(self, key: str) -> str | None:
        """The funnel plot of measure ``key`` as SVG; None if it has none.

        Decision: the page does not embed its funnel plots but links
        them (one image request each, drawn on first request and kept with the
        dashboard): drawing a dozen with Altair and vl-convert costs more than
        counting the whole register, and the
        browser fetches the images side by side after the page's numbers.
        """
        if key not in self.charts:
            measure = next((m for m in self.measures if m.key == key), None)
            if measure is None or not measure.has_chart:
                return None
            self.charts[key] = measure.chart_svg or _funnel_svg(measure)
        return self.charts[key]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.unit.care_level, self.unit.care_level)


def _share_row(label: str, numerator: int, denominator: int, own: bool = False) -> ShareRow:
    return ShareRow(label=label, share=share(int(numerator), int(denominator)), own=own)


def _measure_parts(key: str, value: Any) -> tuple[int, int]:
    """(numerator, denominator) of an indicator value as the dashboard shows it."""
    if value is None:
        return 0, 0
    kind = BY_KEY[key].kind
    if kind == "rate":
        return int(value["numerator"]), int(value["denominator"])
    if kind == "coverage":
        total = value.get("reported_total")
        return int(value.get("registered") or 0), int(total or 0)
    # Change measures: improved among n.
    return int(value.get("improved", 0)), int(value.get("n", 0))


_MEASURE_TEXT = {
    "coverage": ("Täckningsgrad", "registrerade MMR-patienter av enhetens rapporterade antal"),
    "response_rate_end": ("Svarsfrekvens vid avslut", "avslutade MMR med svar vid avslut"),
    "hads_anxiety_case_initial": (
        "Sannolik klinisk ångest initialt (HAD 11–21)",
        "andel av avslutade MMR med HAD-ångest initialt",
    ),
    "hads_depression_case_initial": (
        "Sannolik klinisk depression initialt (HAD 11–21)",
        "andel av avslutade MMR med HAD-depression initialt",
    ),
}


def build_dashboard(
    levels: dict[str, Any],
    unit: UnitInfo,
    selection: Selection,
    *,
    own: bool,
    unit_names: dict[str, str],
    charts: bool = True,
) -> Dashboard:
    """The dashboard of ``unit`` from :func:`period_indicators`' result."""
    level = levels.get(unit.care_level, {"national": {}, "units": {}})
    national = level["national"]
    unit_values = level["units"].get(unit.unit_code, {})
    measures = []
    for key in ("coverage", *RATE_KEYS, *CHANGE_OUTCOMES):
        indicator = BY_KEY[key]
        if unit.care_level not in indicator.levels:
            continue
        if key in _MEASURE_TEXT:
            title, what = _MEASURE_TEXT[key]
        else:
            title, what = indicator.title_sv, "andel förbättrade av dem med mätning"
        n_unit, d_unit = _measure_parts(key, unit_values.get(key))
        n_nat, d_nat = _measure_parts(key, national.get(key))
        others = []
        for other_id, values in sorted(level["units"].items()):
            if other_id == unit.unit_code:
                continue
            n, d = _measure_parts(key, values.get(key))
            others.append(_share_row(unit_names.get(other_id, other_id), n, d))
        if key == "coverage":
            # Coverage can exceed 1 when a unit under-reports its total; not a share.
            n_unit, d_unit = min(n_unit, d_unit), d_unit
            n_nat, d_nat = min(n_nat, d_nat), d_nat
            others = [
                _share_row(
                    o.label, min(o.share.numerator, o.share.denominator), o.share.denominator
                )
                for o in others
            ]
        measure = Measure(
            key=key,
            title=title,
            what=what,
            unit=_share_row(unit.name, n_unit, d_unit, own=own),
            national=_share_row(f"Riket, {LEVEL_LABELS[unit.care_level].lower()}", n_nat, d_nat),
            others=others,
        )
        if charts:
            measure.chart_svg = _funnel_svg(measure)
        measures.append(measure)
    tables = [
        _volume_table(unit, unit_values, national, own),
        _discontinued_table(unit, unit_values, national, own),
    ]
    return Dashboard(unit=unit, selection=selection, own=own, measures=measures, tables=tables)


def _volume_table(unit: UnitInfo, mine: dict, national: dict, own: bool) -> Table:
    columns = ["", "Avslutade MMR", "Avbrutna MMR", "Enbart utredning"]
    rows = []
    for label, values, is_own in ((unit.name, mine, own), ("Riket", national, False)):
        discontinued = sum((values.get("discontinued") or {}).values())
        counts = [values.get("completed_rehab") or 0, discontinued, values.get("assessments") or 0]
        rows.append([Cell(label), *(Cell(_count(int(c), is_own, True)) for c in counts)])
    return Table("Volymer", columns, rows)


def _discontinued_table(unit: UnitInfo, mine: dict, national: dict, own: bool) -> Table:
    from painreg.analytics.context import REASONS
    from painreg.analytics.stats import suppress_counts

    columns = ["", *(CATEGORY_LABELS[r] for r in REASONS), "Totalt"]
    rows = []
    for label, values, is_own in ((unit.name, mine, own), ("Riket", national, False)):
        counts = [int((values.get("discontinued") or {}).get(r, 0)) for r in REASONS]
        if is_own:
            cells = [format_number(c) for c in [*counts, sum(counts)]]
        else:
            # One row with its total: secondary suppression within the row.
            display = suppress_counts([counts]).display(lambda v: format_number(v))
            cells = list(display[0])
        rows.append([Cell(label), *map(Cell, cells)])
    return Table("Avbrott per orsak", columns, rows)


def _funnel_points(measure: Measure) -> list[dict[str, Any]]:
    return [
        {"label": row.label, "n": row.share.denominator, "share": row.share.share}
        for row in [measure.unit, *measure.others]
        if row.share.shown
    ]


def _funnel_svg(measure: Measure) -> str:
    from painreg.reports.render import chart_svg, funnel_chart

    points = _funnel_points(measure)
    if not points or measure.national.share.share is None:
        return ""
    chart = funnel_chart(
        points, measure.national.share.share, measure.title, highlight=measure.unit.label
    )
    return chart_svg(chart)


# ---------------------------------------------------------------------------
# Excel


def dashboard_excel(dashboard: Dashboard) -> bytes:
    """The dashboard as an Excel workbook: one sheet of shares, one per count table."""
    from painreg.reports.publishing import ExcelBook

    book = ExcelBook()
    title = f"{dashboard.unit.name}: {dashboard.selection.describe()}"
    rows: list[list[Any]] = []
    grey: list[bool] = []
    for m in dashboard.measures:
        for row in [m.unit, m.national, *m.others]:
            value, low, high = _excel_share(row)
            rows.append(
                [m.title, row.label, _excel_count(row.share.numerator, row),
                 _excel_count(row.share.denominator, row, denominator=True), value, low, high,
                 row.note]
            )  # fmt: skip
            grey.append(row.share.status == "grey" and not row.own)
    shares = Table.of_values(
        title,
        [
            "Indikator",
            "Grupp",
            "Täljare",
            "Nämnare",
            "Andel",
            "95 % KI nedre",
            "95 % KI övre",
            "Anmärkning",
        ],
        rows,
        kinds=["text", "text", "int", "int", "pct", "pct", "pct", "text"],
        grey=grey,
    )
    book.table_sheet(shares, "Andelar")
    for table in dashboard.tables:
        book.table_sheet(Table(f"{table.title}: {title}", table.columns, table.rows), table.title)
    return book.close()


def _excel_share(row: ShareRow) -> tuple[Any, Any, Any]:
    s = row.share
    if row.own and s.denominator > 0:
        from painreg.analytics.stats import wilson_interval

        low, high = wilson_interval(s.numerator, s.denominator)
        return s.numerator / s.denominator, low, high
    if not s.shown:
        return NOT_SHOWN, None, None
    return s.share, s.low, s.high


def _excel_count(value: int, row: ShareRow, *, denominator: bool = False) -> Any:
    if row.own or row.share.shown:
        return value
    if not denominator:
        return NOT_SHOWN
    return PRIMARY_MARK if 0 < value < MIN_PUBLISHED else value
