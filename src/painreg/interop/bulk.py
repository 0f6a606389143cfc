"""Database-specific bulk loading for the interchange import (Django side).

The import loads everything in one transaction by bulk loading: ``COPY`` on
PostgreSQL, multi-row ``INSERT`` on SQLite, and on PostgreSQL large loads
build indexes and check foreign keys once, after the load
(:meth:`BulkLoader._bulk_load`). The table steps (:mod:`painreg.interop.load`)
and the answers/scores writer (:mod:`painreg.interop.answers`) write through
these methods.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from painreg.interop.results import ImportResult

#: Rows from which a PostgreSQL load builds indexes and checks foreign keys
#: once, after the load (``BulkLoader._bulk_load``).
BULK_LOAD_THRESHOLD = 200_000


class BulkLoader:
    """Bulk writes into the configured database, inside the caller's transaction."""

    connection: Any
    postgres: bool
    result: ImportResult
    #: Tables this import wrote to and has not yet analysed (PostgreSQL).
    unanalysed: set[str]

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.unanalysed = set()

    def _table(self, model: Any) -> str:
        return self.connection.ops.quote_name(model._meta.db_table)

    def _insert(
        self, model: Any, columns: Sequence[str], data: pa.Table, *, ignore_conflicts: bool = False
    ) -> int:
        """Bulk insert ``data`` (Arrow columns in ``columns`` order); returns rows inserted."""
        if data.num_rows == 0:
            return 0
        quoted = ", ".join(self.connection.ops.quote_name(c) for c in columns)
        if self.postgres:
            self.unanalysed.add(self._table(model))
        with self.connection.cursor() as cursor:
            if self.postgres and not ignore_conflicts:
                return self._copy(cursor, self._table(model), quoted, data)
            if self.postgres:
                cursor.execute(
                    f"CREATE TEMP TABLE _painreg_load AS SELECT {quoted} "
                    f"FROM {self._table(model)} WITH NO DATA"
                )
                self._copy(cursor, "_painreg_load", quoted, data)
                cursor.execute(
                    f"INSERT INTO {self._table(model)} ({quoted}) SELECT {quoted} "
                    "FROM _painreg_load ON CONFLICT DO NOTHING"
                )
                inserted = cursor.rowcount
                cursor.execute("DROP TABLE _painreg_load")
                return inserted
            placeholders = ", ".join(["%s"] * len(columns))
            verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
            sql = f"{verb} INTO {self._table(model)} ({quoted}) VALUES ({placeholders})"
            before = self.connection.connection.total_changes
            for batch in data.to_batches(max_chunksize=50_000):
                cursor.executemany(sql, list(zip(*_python_columns(batch), strict=True)))
            return self.connection.connection.total_changes - before

    def _copy(self, cursor: Any, table: str, quoted: str, data: pa.Table) -> int:
        sql = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)"
        with cursor.cursor.copy(sql) as copy:
            for batch in data.to_batches(max_chunksize=200_000):
                buffer = io.BytesIO()
                pacsv.write_csv(
                    _csv_ready(batch),
                    buffer,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"),
                )
                copy.write(buffer.getvalue())
        return data.num_rows

    @contextlib.contextmanager
    def _bulk_load(self, model: Any, rows: int) -> Iterator[bool]:
        """Load a large batch into ``model``'s table; yields whether it was empty.

        On PostgreSQL, for a load of ``BULK_LOAD_THRESHOLD`` rows or more:

        * into an **empty** table, its indexes, primary key, unique and foreign
          key constraints are dropped and re-created after the load, with the
          same names and definitions (``pg_get_indexdef``,
          ``pg_get_constraintdef``). Building an index once from sorted data is
          several times cheaper than inserting millions of rows into it one by
          one, and each foreign key is validated with one join instead of a
          queued check per row (Django's are ``DEFERRABLE INITIALLY
          DEFERRED``: the checks would all run at commit). Check constraints
          stay (cheap, per row). The rows cannot conflict with existing ones,
          so callers skip ``ON CONFLICT``.
        * into a table with rows, only the foreign keys are dropped and
          re-created: the unique indexes are needed to find the rows that
          are already present.

        All of it happens inside the import's transaction: the table is locked
        until commit, and a failure (a duplicate, a dangling reference) rolls
        everything back, constraints and indexes included. Small loads, and
        SQLite, keep the ordinary row checks.
        """
        if not self.postgres or rows < BULK_LOAD_THRESHOLD:
            yield self._is_empty(model)
            return
        table = self._table(model)
        with self.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            empty = self._is_empty(model)
            kinds = ("p", "u", "f") if empty else ("f",)
            # Primary key and unique constraints first, foreign keys last.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype::text = ANY(%s) "
                "ORDER BY contype = 'f', conname",
                [model._meta.db_table, list(kinds)],
            )
            constraints = [(name, definition) for name, definition, _kind in cursor.fetchall()]
            indexes: list[tuple[str, str]] = []
            if empty:
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
                    "SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                    "AND k.conrelid = i.indrelid) ORDER BY c.relname",
                    [model._meta.db_table],
                )
                indexes = cursor.fetchall()
                # Index builds sort in memory when they can (PostgreSQL's default is 64 MB).
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # ALTER TABLE refuses tables with queued checks: run those now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _definition in reversed(constraints):
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_q(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {_q(name)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield empty
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, definition in constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_q(name)} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"ANALYZE {table}")
        self.unanalysed.discard(table)

    def _is_empty(self, model: Any) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {self._table(model)})")
            return bool(cursor.fetchone()[0])

    def _count(self, name: str, added: int, present: int) -> None:
        self.result.added[name] = self.result.added.get(name, 0) + added
        self.result.already_present[name] = self.result.already_present.get(name, 0) + present

    def _analyse(self) -> None:
        """Planner statistics for the tables the import wrote to (PostgreSQL).

        Without them the first queries after an import plan blind until
        autovacuum gets round to the tables: an export right after a large
        import misjudges the never-analysed occasions and reads every answer
        for each chunk of registrations (docs/operations.md has the figures).
        The large loads analyse their table already (``_bulk_load``).
        """
        with self.connection.cursor() as cursor:
            for table in sorted(self.unanalysed):
                cursor.execute(f"ANALYZE {table}")
        self.unanalysed.clear()


def writes() -> Any:
    """The registry guard's sanctioned context for the bulk import's few ORM writes."""
    from painreg.registry.guard import writes_allowed

    return writes_allowed()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def db_datetime(connection: Any, value: dt.datetime) -> str:
    adapted = connection.ops.adapt_datetimefield_value(value)
    return adapted if isinstance(adapted, str) else adapted.isoformat()


def _csv_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Booleans as t/f for COPY (PostgreSQL reads true/false too, kept explicit)."""
    return batch


def _python_columns(batch: pa.RecordBatch) -> list[list[Any]]:
    """Columns as Python values SQLite stores as Django does (ISO dates, 0/1 booleans)."""
    out = []
    for col in batch.columns:
        if pa.types.is_date(col.type):
            out.append(col.cast(pa.string()).to_pylist())
        elif pa.types.is_boolean(col.type):
            out.append([None if v is None else int(v) for v in col.to_pylist()])
        else:
            out.append(col.to_pylist())
    return out
