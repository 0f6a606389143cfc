"""The database adapter that plugs Ibis into Django's connection.

Every engine-specific branch of the dashboard is here; the rest of the
dashboard is the same on SQLite and PostgreSQL. The dashboard does not run on
DuckDB: Django has no DuckDB backend, and the dashboard reads Django's
connection (the annual report runs the same indicator expressions on DuckDB
over files, ``painreg.analytics``).

Decisions:

* **Django's own connection.** Ibis is attached with ``from_connection`` to
  the thread's Django connection (the same transaction, no second login).
  One Ibis backend per thread and engine, re-made when Django has reopened
  its connection.
* **Values are query parameters.** An expression may hold
  :class:`BoundParameter` nodes (the year and the filter values of a
  selection). They compile to the engine's placeholders (``:name`` on
  SQLite, ``%(name)s`` on PostgreSQL), so the SQL of an expression depends
  only on its shape, is compiled once per process (:mod:`painreg.dashboard.cache`)
  and the values are passed to the driver with each execution. On PostgreSQL
  the driver binds them on the client side (``psycopg.ClientCursor``): the
  planner sees the values as it would literals (the year's index estimate,
  migration ``registry/0005_dashboard_year_index``), and ``CREATE TABLE ...
  AS`` accepts no server-side parameters.
* Executions go through :meth:`execute` of the backend (what
  ``expr.to_pandas(params=...)`` calls), so the analytics core runs its
  expressions unchanged; ``params`` maps each :class:`BoundParameter`
  expression to its value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.expr import datashape as ds
from ibis.expr.operations.core import Value

from painreg.dashboard import cache

#: Engines the dashboard runs on: Django's vendor name -> Ibis's backend name.
ENGINES = {"sqlite": "sqlite", "postgresql": "postgres"}


class BoundParameter(Value):
    """A value given at execution time: a query parameter named ``name``."""

    name: str
    dtype: dt.DataType

    shape = ds.scalar


def parameter(name: str, dtype: str) -> ir.Scalar:
    """An expression standing for the query parameter ``name`` of type ``dtype``."""
    return BoundParameter(name=name, dtype=dt.dtype(dtype)).to_expr()


@dataclass(frozen=True)
class Statement:
    """Compiled SQL with named placeholders, and the names it binds."""

    sql: str
    names: frozenset[str]

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's parameters: each placeholder's value from ``values``."""
        return {name: values[name] for name in self.names}


def _backend_class(engine: str) -> type:
    if engine == "postgres":
        from ibis.backends.postgres import Backend
    elif engine == "sqlite":
        from ibis.backends.sqlite import Backend
    else:
        raise ValueError(f"the dashboard runs on SQLite and PostgreSQL, not {engine}")
    return Backend


_compilers: dict[str, Any] = {}


def _compiler(engine: str) -> Any:
    """Ibis's SQL compiler of ``engine`` that turns :class:`BoundParameter` into placeholders."""
    compiler = _compilers.get(engine)
    if compiler is None:
        import sqlglot.expressions as sge

        base = type(_backend_class(engine).compiler)

        class Compiler(base):  # type: ignore[misc, valid-type]
            def visit_BoundParameter(self, op: BoundParameter, *, name: str, dtype: Any) -> Any:
                return sge.Placeholder(this=name)

        Compiler.__name__ = f"Parameterised{base.__name__}"
        compiler = _compilers.setdefault(engine, Compiler())
    return compiler


def compile_statement(engine: str, expr: ir.Expr) -> Statement:
    """The SQL of ``expr`` on ``engine``, its :class:`BoundParameter` nodes as placeholders.

    Compiled once per process and expression (:func:`painreg.dashboard.cache.statement`):
    the tables' backend is left out of the key, so every thread shares it.
    """
    import sqlglot as sg

    op = expr.as_table().op()

    def build() -> Statement:
        compiler = _compiler(engine)
        query = compiler.to_sqlglot(op.to_expr())
        sql = query.sql(
            dialect=compiler.dialect, pretty=True, copy=False, unsupported_level=sg.ErrorLevel.RAISE
        )
        names = frozenset(p.name for p in op.find(BoundParameter))
        return Statement(sql=sql, names=names)

    return cache.statement((engine, op), lambda: (engine, _without_sources(engine, op)), build)


_sourceless: dict[str, Any] = {}


def sourceless(engine: str) -> Any:
    """A backend of ``engine`` without a connection: compiles, runs nothing."""
    backend = _sourceless.get(engine)
    if backend is None:
        backend = _sourceless.setdefault(engine, _backend_class(engine)())
    return backend


def _without_sources(engine: str, op: ops.Node) -> ops.Node:
    """``op`` with its tables on a connection-less backend of ``engine``: equal in all threads."""
    backend = sourceless(engine)
    return op.replace({t: t.copy(source=backend) for t in op.find(ops.DatabaseTable)})


def _converter(engine: str) -> Any:
    """Ibis's conversion of fetched rows to the expression's column types."""
    if engine == "postgres":
        from ibis.backends.postgres.converter import PostgresPandasData

        return PostgresPandasData
    from ibis.backends.sqlite.converter import SQLitePandasData

    return SQLitePandasData


_backend_classes: dict[str, type] = {}


def _parameterised_backend(engine: str) -> type:
    """Ibis's backend class of ``engine`` whose executions bind :class:`BoundParameter` values."""
    cls = _backend_classes.get(engine)
    if cls is not None:
        return cls

    class Backend(_backend_class(engine)):  # type: ignore[misc]
        def execute(
            self,
            expr: ir.Expr,
            /,
            *,
            params: Mapping[ir.Scalar, Any] | None = None,
            limit: Any = None,
            **_kwargs: Any,
        ) -> Any:
            """Run ``expr`` with its parameters bound by the driver (module docstring)."""
            import ibis
            import pandas as pd

            table = expr.as_table()
            if limit == "default":
                limit = ibis.options.sql.default_limit
            if limit is not None:
                table = table.limit(limit)
            statement = compile_statement(self.name, table)
            values = {p.op().name: v for p, v in (params or {}).items()}
            rows = run(self.con, self.name, statement.sql, statement.bind(values), fetch=True)
            schema = table.schema()
            frame = pd.DataFrame.from_records(rows, columns=schema.names, coerce_float=True)
            return expr.__pandas_result__(_converter(self.name).convert_table(frame, schema))

    Backend.__name__ = f"Parameterised{_backend_class(engine).__name__}"
    return _backend_classes.setdefault(engine, Backend)


@dataclass
class _Attached:
    """The thread's backend over Django's connection, and what was built over it."""

    backend: Any
    built: dict[Any, Any]


_local = threading.local()


def backend(connection: Any) -> Any:
    """An Ibis backend over Django's ``connection`` (same transaction, no new login)."""
    connection.ensure_connection()
    raw = connection.connection
    engine = ENGINES.get(connection.vendor)
    if engine is None:
        raise ValueError(f"the dashboard runs on SQLite and PostgreSQL, not {connection.vendor}")
    attached = _local.__dict__.setdefault("attached", {})
    current = attached.get(engine)
    if current is not None and current.backend.con is raw:
        return current.backend
    made = _parameterised_backend(engine).from_connection(raw)
    if engine == "sqlite":
        # Ibis turns on case-sensitive LIKE; Django's icontains relies on SQLite's
        # default (case-insensitive), and the connection is Django's.
        raw.execute("PRAGMA case_sensitive_like = OFF")
    attached[engine] = _Attached(made, {})
    return made


def built(con: Any) -> dict[Any, Any]:
    """A dictionary for expressions built over the backend ``con``, kept while it is in use.

    Why here and not keyed by ``con``: Ibis backends compare equal when they
    reach the same database (``db_identity``), so expressions over another
    thread's connection would be found again, and run on that connection.
    Only the thread's current backend keeps what was built over it; any
    other backend (one that only compiles) gets an empty dictionary.
    """
    current = _local.__dict__.get("attached", {}).get(con.name)
    return current.built if current is not None and current.backend is con else {}


def run(
    raw: Any, engine: str, sql: str, params: Mapping[str, Any] | None = None, *, fetch: bool = False
) -> list[tuple[Any, ...]]:
    """Run ``sql`` on the driver connection ``raw`` with ``params`` bound; its rows if ``fetch``."""
    if engine == "postgres":
        import psycopg

        cursor = psycopg.ClientCursor(raw)
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, params or {})
        return cursor.fetchall() if fetch else []
    finally:
        cursor.close()


def create_temporary(con: Any, name: str, statement: Statement, values: Mapping[str, Any]) -> None:
    """Write ``statement``'s rows to the temporary table ``name`` of ``con``'s connection."""
    drop_temporary(con, name)
    run(
        con.con,
        con.name,
        f"CREATE TEMPORARY TABLE {name} AS {statement.sql}",
        statement.bind(values),
    )
    if con.name == "postgres":  # temporary tables get no autovacuum
        run(con.con, con.name, f"ANALYZE {name}")


def drop_temporary(con: Any, name: str) -> None:
    schema = "pg_temp" if con.name == "postgres" else "temp"
    run(con.con, con.name, f"DROP TABLE IF EXISTS {schema}.{name}")


@contextmanager
def dashboard_session(connection: Any) -> Iterator[None]:
    """The connection set up for the dashboard's queries, and reset afterwards.

    On PostgreSQL the JIT compiler is switched off: the queries' estimated
    costs pass its threshold, and compiling them to machine code took longer
    (about a second per query on the scale-1 register) than running them
    (tens of milliseconds: index look-ups from the year's registrations). And
    ``random_page_cost = 1.1`` (the default 4 is for disks): with it the
    planner looks up each registration's occasion and score by the unique
    indexes instead of reading every occasion (about half the buffers, same
    results). SQLite needs nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off; SET random_page_cost = 1.1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit; RESET random_page_cost")
