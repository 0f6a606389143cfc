"""Export the register to interchange tables, and bulk-import them (Django side).

Decisions (ARCHITECTURE.md "Interchange format"; issue 4):

* **Export** streams from the database one chunk of registrations at a time
  (constant memory) and writes every column of the format plus the stored
  ``scores``. Rows are sorted by their keys in Python, not by the database,
  so SQLite and PostgreSQL write the same bytes and export → import → export
  gives identical files. Opted-out and deleted patients are never exported.
  Each export is written to the access log: who, what, how many patients.
* **Pseudonymised export**: ``patient_id`` is HMAC-SHA256 of the 12-digit
  personnummer with the registry holder's secret (``PAINREG_PSEUDONYM_KEY``),
  hex. The same secret gives the same pseudonym in every export, so the
  holder (only) can link research extracts. External ids are keyed the same
  way (prefixed ``ext:``) so no id leaves the register as it is stored.
* **Import** validates every file first (:mod:`painreg.tidy.validation`,
  with the ids the database holds) and writes nothing if anything is
  rejected; then it loads everything in one transaction by bulk loading:
  ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite. Rows whose id
  exists already (unit code, personnummer/external id, registration id,
  answer of the same occasion and item) are left as they are, so importing
  the same files twice adds nothing; corrections of existing rows go through
  the application, where every change is audited field by field.
* Bulk loading bypasses the per-row actions (``registry.actions``) by design,
  so it does what they would do in bulk: it creates the occasions of new
  registrations, stores the scores :func:`painreg.instruments.score_answers`
  computes for every occasion that received answers, sets the occasions'
  status, and writes ONE audit event for the whole import (with counts).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from painreg.errors import UserError
from painreg.tidy import schema
from painreg.tidy.validation import PERSONNUMMER_SHAPE, Known, Report, validate_directory

Progress = Callable[[str, int, int | None], None]
PSEUDONYM_KEY_ENV = "PAINREG_PSEUDONYM_KEY"
EXPORT_CHUNK = 2_000  # registrations per export chunk
OCCASION_KINDS = {"rehab": schema.OCCASIONS, "assessment": ("initial",)}
#: Rows from which a PostgreSQL load builds indexes and checks foreign keys
#: once, after the load (``_Loader._bulk_load``).
BULK_LOAD_THRESHOLD = 200_000
#: Occasions scored per chunk (~0.7 M answers at the synthetic register's shape).
SCORE_CHUNK = 5_000


def _noop(_what: str, _done: int, _total: int | None) -> None:
    return None


# =========================================================================== export


def pseudonym_key() -> bytes:
    """The registry holder's secret for pseudonyms (settings or environment)."""
    from django.conf import settings

    key = getattr(settings, "PAINREG_PSEUDONYM_KEY", None) or os.environ.get(PSEUDONYM_KEY_ENV)
    if not key or len(key) < 16:
        raise UserError(
            f"a pseudonymised export needs the registry holder's secret: set {PSEUDONYM_KEY_ENV} "
            "to a long random value (at least 16 characters) and keep it; the same secret "
            "gives the same pseudonyms in every export"
        )
    return key.encode("utf-8")


def pseudonymise(identifier: str, key: bytes, *, external: bool = False) -> str:
    """HMAC-SHA256 (hex) of a 12-digit personnummer, or of ``ext:<id>`` for an external id."""
    message = f"ext:{identifier}" if external else identifier
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class ExportResult:
    directory: Path
    rows: dict[str, int] = field(default_factory=dict)
    patients: int = 0


def counting_date_between(lo: dt.date, hi: dt.date) -> Any:
    """:func:`painreg.tidy.rules.counting_date` in ``lo``..``hi``, as a Django ``Q``."""
    from django.db.models import Q

    return Q(category="rehab", rehab_end_date__range=(lo, hi)) | (
        ~Q(category="rehab") & Q(first_visit_date__range=(lo, hi))
    )


def export_register(
    directory: Path | str,
    *,
    format: str = "csv",
    units: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    pseudonymised: bool = False,
    username: str,
    user: Any = None,
    progress: Progress = _noop,
) -> ExportResult:
    """Write the interchange tables of the register (or a selection) to ``directory``.

    ``units`` limits to those unit codes; ``date_from``/``date_to`` to the
    registrations whose counting date (:func:`painreg.tidy.rules.counting_date`;
    an ongoing rehab has none) lies in the range, and to the unit-year totals
    of those years.
    """
    from painreg import audit
    from painreg.audit.models import AccessAction
    from painreg.registry.models import Patient, Registration, Unit, UnitYearTotal

    directory = Path(directory)
    key = pseudonym_key() if pseudonymised else None
    unit_qs = Unit.objects.all()
    if units:
        found = set(Unit.objects.filter(code__in=units).values_list("code", flat=True))
        unknown = [u for u in units if u not in found]
        if unknown:
            raise UserError(f"no unit with code {', '.join(unknown)}; unit codes are the unit_id")
        unit_qs = unit_qs.filter(code__in=units)
    result = ExportResult(directory)

    unit_rows = sorted(
        unit_qs.values_list(
            "code", "name", "region_id", "care_level", "active_from", "active_to", "hsa_id"
        )
    )
    result.rows["units"] = schema.write_table(
        directory, "units", [_rows_table("units", unit_rows)], format
    )
    totals = UnitYearTotal.objects.filter(unit__in=unit_qs)
    if date_from:
        totals = totals.filter(year__gte=date_from.year)
    if date_to:
        totals = totals.filter(year__lte=date_to.year)
    total_rows = sorted(totals.values_list("unit__code", "year", "rehab_patients_total"))
    result.rows["unit_year_totals"] = schema.write_table(
        directory, "unit_year_totals", [_rows_table("unit_year_totals", total_rows)], format
    )

    regs = Registration.objects.in_register().filter(unit__in=unit_qs)
    if date_from or date_to:
        lo = date_from or dt.date(1900, 1, 1)
        hi = date_to or dt.date(2999, 12, 31)
        regs = regs.filter(counting_date_between(lo, hi))
    reg_fields = (
        "pk", "ref", "patient_id", "unit__code", "category", "referral_date",
        "first_visit_date", "rehab_start_date", "rehab_end_date", "discontinued",
        "discontinuation_reason", "main_diagnosis", "secondary_diagnoses", "education",
        "work_measures", "programme", "signed_off_at",
    )  # fmt: skip
    reg_list = list(regs.values_list(*reg_fields).iterator(chunk_size=5_000))
    selected = bool(units or date_from or date_to)
    patients = Patient.objects.in_register()
    if selected:
        wanted = {r[2] for r in reg_list}
        patient_list = [p for p in patients.values_list(
            "pk", "personnummer", "external_id", "sex", "birth_year"
        ).iterator(chunk_size=10_000) if p[0] in wanted]  # fmt: skip
    else:
        patient_list = list(
            patients.values_list("pk", "personnummer", "external_id", "sex", "birth_year")
        )
    patient_id = {}
    for pk, number, external, _sex, _year in patient_list:
        if key is None:
            patient_id[pk] = number or external
        else:
            patient_id[pk] = (
                pseudonymise(number, key) if number else pseudonymise(external, key, external=True)
            )
    patient_rows = sorted((patient_id[p[0]], p[3] or None, p[4]) for p in patient_list)
    result.rows["patients"] = schema.write_table(
        directory, "patients", [_rows_table("patients", patient_rows)], format
    )
    result.patients = len(patient_rows)

    public = {r[0]: (r[1] or str(r[0])) for r in reg_list}
    reg_list.sort(key=lambda r: public[r[0]])
    reg_rows = [
        (
            public[r[0]], patient_id[r[2]], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
            r[10] or None, r[11] or None, schema.join_list(r[12] or []), r[13] or None,
            schema.join_list(r[14] or []), schema.join_list(r[15] or []), r[16] is not None,
        )
        for r in reg_list
    ]  # fmt: skip
    result.rows["registrations"] = schema.write_table(
        directory, "registrations", [_rows_table("registrations", reg_rows)], format
    )

    pks = [r[0] for r in reg_list]
    result.rows["answers"], result.rows["scores"] = _export_answers_and_scores(
        directory, format, pks, public, progress
    )
    what = "pseudonymised" if pseudonymised else "identified"
    scope = []
    if units:
        scope.append(f"units {','.join(units)}")
    if date_from or date_to:
        scope.append(f"dates {date_from or '…'}–{date_to or '…'}")
    audit.log_access(
        user=user,
        action=AccessAction.EXPORT,
        username=username,
        detail=(
            f"interchange export ({what}, {format}) to {directory}: "
            f"{result.patients} patients, {result.rows['registrations']} registrations"
            + (f"; {'; '.join(scope)}" if scope else "")
        ),
    )
    return result


def _rows_table(name: str, rows: list[tuple]) -> pa.Table:
    """Rows holding every column of table ``name``, in order, as an Arrow table."""
    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            col.name: pa.array(list(values), type=col.arrow_type)
            for col, values in zip(table.columns, columns, strict=True)
        }
    )


def _export_answers_and_scores(
    directory: Path, format: str, pks: list[int], public: dict[int, str], progress: Progress
) -> tuple[int, int]:
    from painreg.registry.models import Answer, Score

    with (
        schema.TableWriter(directory, "answers", format) as answers,
        schema.TableWriter(directory, "scores", format) as scores,
    ):
        for start in range(0, len(pks), EXPORT_CHUNK):
            chunk = pks[start : start + EXPORT_CHUNK]
            rows = list(
                Answer.objects.filter(occasion__registration_id__in=chunk)
                .values_list(
                    "occasion__registration_id",
                    "occasion__kind",
                    "item",
                    "value",
                    "answered_on",
                    "source",
                )
                .order_by()
            )
            answers.write(_sorted_chunk("answers", rows, public))
            rows = list(
                Score.objects.filter(occasion__registration_id__in=chunk)
                .values_list(
                    "occasion__registration_id", "occasion__kind", "instrument", "score", "value"
                )
                .order_by()
            )
            scores.write(_sorted_chunk("scores", rows, public))
            progress("exporting registrations", min(start + EXPORT_CHUNK, len(pks)), len(pks))
    return answers.rows, scores.rows


def _sorted_chunk(name: str, rows: list[tuple], public: dict[int, str]) -> pa.Table:
    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    rows = [(public[r[0]], *r[1:]) for r in rows]
    rows.sort(key=lambda r: r[: len(table.key)])
    return _rows_table(name, rows)


# =========================================================================== import


class ImportRejected(UserError):
    """Validation failed: nothing was written. ``report`` holds every problem."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"{report.total_problems:,} problem(s) in the files; nothing was imported")


@dataclass
class ImportResult:
    report: Report
    added: dict[str, int] = field(default_factory=dict)
    already_present: dict[str, int] = field(default_factory=dict)
    written: bool = False


def known_ids() -> Known:
    """Ids the database holds, for the validator's references."""
    from painreg.registry.models import Patient, Registration, Unit

    known = Known()
    known.unit_ids = set(Unit.objects.values_list("code", flat=True))
    for number, external in Patient.objects.values_list("personnummer", "external_id"):
        known.patient_ids.add(number or external)
    for pk, ref, category in Registration.objects.values_list("pk", "ref", "category"):
        rid = ref or str(pk)
        known.registration_ids.add(rid)
        if category == "assessment":
            known.assessment_ids.add(rid)
    known.patient_ids.discard(None)  # type: ignore[arg-type]
    return known


def import_register(
    directory: Path | str,
    *,
    username: str,
    check_only: bool = False,
    progress: Progress = _noop,
) -> ImportResult:
    """Validate ``directory``; unless ``check_only``, load it in one transaction.

    Raises :class:`ImportRejected` (nothing written) when any row is rejected.
    """
    from django.db import transaction

    directory = Path(directory)
    progress("validating", 0, None)
    report = validate_directory(directory, known_ids())
    if report.ok:
        _check_existing_registrations(directory, report)
    result = ImportResult(report)
    if not report.ok:
        raise ImportRejected(report)
    if check_only:
        return result
    with transaction.atomic():
        _Loader(directory, report, result, username, progress).run()
    result.written = True
    return result


def _check_existing_registrations(directory: Path, report: Report) -> None:
    """A registration_id the register holds must be the same patient at the same unit.

    Ids of registrations entered in the application are database ids, so a
    file from another database could name one of ours by accident; its
    answers must not be attached to someone else's registration.
    """
    from painreg.registry.models import Registration
    from painreg.tidy import personnummer as pnr
    from painreg.tidy.validation import Problem

    data = schema.read_table(directory, "registrations")
    if data is None or data.num_rows == 0:
        return
    ours: dict[str, tuple[str, str]] = {}
    for pk, ref, number, external, unit in Registration.objects.values_list(
        "pk", "ref", "patient__personnummer", "patient__external_id", "unit__code"
    ):
        ours[ref or str(pk)] = (number or external or "", unit)
    fname = report.files["registrations"].name
    for row, (rid, pid, unit) in enumerate(
        zip(
            data.column("registration_id").to_pylist(),
            data.column("patient_id").to_pylist(),
            data.column("unit_id").to_pylist(),
            strict=True,
        ),
        start=1,
    ):
        if rid not in ours:
            continue
        patient = pnr.parse(pid).digits if PERSONNUMMER_SHAPE.match(pid) else pid
        if ours[rid] != (patient, unit):
            report.add(
                Problem(
                    fname,
                    row,
                    "registration_id",
                    f"{rid} exists in the register for another patient or unit; "
                    "give the registration another id",
                )
            )


class _Loader:
    """One import: bulk writes in dependency order, inside the caller's transaction."""

    def __init__(
        self,
        directory: Path,
        report: Report,
        result: ImportResult,
        username: str,
        progress: Progress,
    ) -> None:
        from django.db import connection
        from django.utils import timezone

        self.directory = directory
        self.report = report
        self.result = result
        self.username = username
        self.progress = progress
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.now = timezone.now()
        #: Tables this import wrote to and has not yet analysed (PostgreSQL).
        self.unanalysed: set[str] = set()

    # ----------------------------------------------------------------- helpers

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

    # ----------------------------------------------------------------- tables

    def run(self) -> None:
        self._units()
        self._unit_year_totals()
        self._patients()
        self._registrations()
        touched = self._answers()
        self._scores_and_statuses(touched)
        self._audit()
        self._analyse()

    def _analyse(self) -> None:
        """Planner statistics for the tables the import wrote to (PostgreSQL).

        Without them the first queries after an import plan blind until
        autovacuum gets round to the tables: right after importing the scale-1
        register, an export read all 16 million answers for every chunk of
        2000 registrations (the occasions, never analysed, were estimated 20
        times too many): 5.3 s per chunk instead of 0.3 s. The large loads
        analyse their table already (``_bulk_load``).
        """
        with self.connection.cursor() as cursor:
            for table in sorted(self.unanalysed):
                cursor.execute(f"ANALYZE {table}")
        self.unanalysed.clear()

    def _read(self, name: str) -> pa.Table | None:
        return schema.read_table(self.directory, name)

    def _units(self) -> None:
        from painreg.registry.models import Unit

        data = self._read("units")
        if data is None:
            return
        existing = set(Unit.objects.values_list("code", flat=True))
        new = data.filter(
            pc.invert(pc.is_in(data.column("unit_id"), pa.array(sorted(existing), pa.string())))
        )
        table = pa.table(
            {
                "code": new.column("unit_id"),
                "name": new.column("name"),
                "region_id": new.column("region_code"),
                "care_level": new.column("care_level"),
                "active_from": new.column("active_from"),
                "active_to": new.column("active_to"),
                "hsa_id": new.column("hsa_id"),
            }
        )
        added = self._insert(Unit, table.column_names, table)
        self._count("units", added, data.num_rows - added)
        self.unit_pk = dict(Unit.objects.values_list("code", "pk"))

    def _unit_pks(self) -> dict[str, int]:
        from painreg.registry.models import Unit

        if not hasattr(self, "unit_pk"):
            self.unit_pk = dict(Unit.objects.values_list("code", "pk"))
        return self.unit_pk

    def _unit_year_totals(self) -> None:
        from painreg.registry.models import UnitYearTotal

        data = self._read("unit_year_totals")
        if data is None:
            return
        unit_pk = self._unit_pks()
        existing = set(UnitYearTotal.objects.values_list("unit__code", "year"))
        rows = [
            (unit_pk[u], y, t)
            for u, y, t in zip(
                data.column("unit_id").to_pylist(),
                data.column("year").to_pylist(),
                data.column("rehab_patients_total").to_pylist(),
                strict=True,
            )
            if (u, y) not in existing
        ]
        table = pa.table(
            {
                "unit_id": pa.array([r[0] for r in rows], pa.int64()),
                "year": pa.array([r[1] for r in rows], pa.int64()),
                "rehab_patients_total": pa.array([r[2] for r in rows], pa.int64()),
            }
        )
        added = self._insert(UnitYearTotal, table.column_names, table)
        self._count("unit_year_totals", added, data.num_rows - added)

    def _patients(self) -> None:
        from painreg.registry.models import Patient
        from painreg.tidy import personnummer as pnr

        data = self._read("patients")
        if data is None:
            return
        existing = set()
        for number, external in Patient.objects.values_list("personnummer", "external_id"):
            existing.add(number or external)
        numbers, externals, births, sexes, years = [], [], [], [], []
        present = 0
        for pid, sex, year in zip(
            data.column("patient_id").to_pylist(),
            data.column("sex").to_pylist(),
            data.column("birth_year").to_pylist(),
            strict=True,
        ):
            if PERSONNUMMER_SHAPE.match(pid):
                parsed = pnr.parse(pid)  # validated already
                if parsed.digits in existing:
                    present += 1
                    continue
                numbers.append(parsed.digits)
                externals.append(None)
                births.append(parsed.birth_date)
            else:
                if pid in existing:
                    present += 1
                    continue
                numbers.append(None)
                externals.append(pid)
                births.append(None)
            sexes.append(sex)
            years.append(year)
        n = len(numbers)
        created = _db_datetime(self.connection, self.now)
        table = pa.table(
            {
                "personnummer": pa.array(numbers, pa.string()),
                "external_id": pa.array(externals, pa.string()),
                "sex": pa.array(sexes, pa.string()),
                "birth_date": pa.array(births, pa.date32()),
                "birth_year": pa.array(years, pa.int64()),
                "created_at": pa.array([created] * n, pa.string()),
            }
        )
        added = self._insert(Patient, table.column_names, table)
        self._count("patients", added, present)

    def _patient_pks(self) -> dict[str, int]:
        from painreg.registry.models import Patient

        out: dict[str, int] = {}
        for pk, number, external in Patient.objects.values_list(
            "pk", "personnummer", "external_id"
        ):
            if number:
                out[number] = pk
            if external:
                out[external] = pk
        return out

    def _registrations(self) -> None:
        import json

        from painreg.registry.models import Occasion, Registration
        from painreg.tidy import personnummer as pnr

        data = self._read("registrations")
        self.reg_pk, self.reg_category, self.preexisting = self._registration_index()
        if data is None:
            return
        unit_pk = self._unit_pks()
        patient_pk = self._patient_pks()
        rows = data.to_pylist()
        new = [r for r in rows if r["registration_id"] not in self.reg_pk]
        created = _db_datetime(self.connection, self.now)

        def patient(pid: str) -> int:
            key = pnr.parse(pid).digits if PERSONNUMMER_SHAPE.match(pid) else pid
            return patient_pk[key]

        def js(value: str | None) -> str:
            return json.dumps(schema.split_list(value))

        table = pa.table(
            {
                "ref": pa.array([r["registration_id"] for r in new], pa.string()),
                "patient_id": pa.array([patient(r["patient_id"]) for r in new], pa.int64()),
                "unit_id": pa.array([unit_pk[r["unit_id"]] for r in new], pa.int64()),
                "category": pa.array([r["category"] for r in new], pa.string()),
                "referral_date": pa.array([r["referral_date"] for r in new], pa.date32()),
                "first_visit_date": pa.array([r["first_visit_date"] for r in new], pa.date32()),
                "rehab_start_date": pa.array([r["rehab_start_date"] for r in new], pa.date32()),
                "rehab_end_date": pa.array([r["rehab_end_date"] for r in new], pa.date32()),
                "discontinued": pa.array([bool(r["discontinued"]) for r in new], pa.bool_()),
                "discontinuation_reason": pa.array(
                    [r["discontinuation_reason"] or "" for r in new], pa.string()
                ),
                "main_diagnosis": pa.array([r["main_diagnosis"] or "" for r in new], pa.string()),
                "secondary_diagnoses": pa.array([js(r["secondary_diagnoses"]) for r in new]),
                "education": pa.array([r["education"] or "" for r in new], pa.string()),
                "work_measures": pa.array([js(r["work_measures"]) for r in new]),
                "programme": pa.array([js(r["programme"]) for r in new]),
                "signed_off_at": pa.array(
                    [created if r["signed_off"] is not False else None for r in new], pa.string()
                ),
                "created_at": pa.array([created] * len(new), pa.string()),
                "updated_at": pa.array([created] * len(new), pa.string()),
            }
        )
        added = self._insert(Registration, table.column_names, table)
        self._count("registrations", added, len(rows) - len(new))
        # Occasions of the new registrations (the actions create them with the registration).
        self.reg_pk, self.reg_category, _ = self._registration_index()
        occ_reg, occ_kind = [], []
        for r in new:
            pk = self.reg_pk[r["registration_id"]]
            for kind in OCCASION_KINDS[r["category"]]:
                occ_reg.append(pk)
                occ_kind.append(kind)
        occasions = pa.table(
            {
                "registration_id": pa.array(occ_reg, pa.int64()),
                "kind": pa.array(occ_kind, pa.string()),
                "status": pa.array(["not_started"] * len(occ_reg), pa.string()),
                "not_administered": pa.array(["{}"] * len(occ_reg), pa.string()),
            }
        )
        self._insert(Occasion, occasions.column_names, occasions)

    def _registration_index(self) -> tuple[dict[str, int], dict[str, str], set[str]]:
        from painreg.registry.models import Registration

        pk_of: dict[str, int] = {}
        category: dict[str, str] = {}
        for pk, ref, cat in Registration.objects.values_list("pk", "ref", "category"):
            rid = ref or str(pk)
            pk_of[rid] = pk
            category[rid] = cat
        previous = getattr(self, "preexisting", None)
        return pk_of, category, set(pk_of) if previous is None else previous

    def _answers(self) -> np.ndarray:
        """Load answers; returns the occasion pks that received answers from the file."""
        from painreg.registry.models import Answer, Occasion

        if schema.table_path(self.directory, "answers") is None:
            return np.array([], dtype=np.int64)
        public = pa.array(list(self.reg_pk), pa.string())
        pks = np.fromiter(self.reg_pk.values(), dtype=np.int64, count=len(self.reg_pk))
        max_pk = int(pks.max()) if pks.size else 0
        lookup = np.full((max_pk + 1, len(schema.OCCASIONS)), -1, dtype=np.int64)
        kinds = {k: i for i, k in enumerate(schema.OCCASIONS)}
        for occ_pk, reg_pk, kind in Occasion.objects.values_list("pk", "registration_id", "kind"):
            lookup[reg_pk, kinds[kind]] = occ_pk
        total = self.report.rows.get("answers", 0)
        done = added = 0
        touched: list[np.ndarray] = []
        with self._bulk_load(Answer, total) as empty:
            needs_conflict_check = bool(self.preexisting) and not empty
            for batch in schema.iter_table(self.directory, "answers", batch_size=500_000):
                added, done = self._answer_batch(
                    batch, public, pks, lookup, needs_conflict_check, touched, added, done, total
                )
        self._count("answers", added, done - added)
        if added == 0:
            return np.array([], dtype=np.int64)
        return np.unique(np.concatenate(touched)) if touched else np.array([], dtype=np.int64)

    def _answer_batch(
        self,
        batch: pa.Table,
        public: pa.Array,
        pks: np.ndarray,
        lookup: np.ndarray,
        needs_conflict_check: bool,
        touched: list[np.ndarray],
        added: int,
        done: int,
        total: int,
    ) -> tuple[int, int]:
        from painreg.registry.models import Answer

        idx = np.asarray(
            pc.index_in(batch.column("registration_id"), value_set=public).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.int64,
        )
        occ_code = np.asarray(
            pc.index_in(
                batch.column("occasion"), value_set=pa.array(list(schema.OCCASIONS))
            ).to_numpy(zero_copy_only=False),
            dtype=np.int64,
        )
        occasion = lookup[pks[idx], occ_code]
        source = pc.fill_null(batch.column("source"), "import")
        table = pa.table(
            {
                "occasion_id": pa.array(occasion),
                "item": batch.column("item"),
                "value": batch.column("value"),
                "answered_on": batch.column("answered_on"),
                "source": source,
            }
        )
        added += self._insert(
            Answer, table.column_names, table, ignore_conflicts=needs_conflict_check
        )
        touched.append(np.unique(occasion))
        done += batch.num_rows
        self.progress("loading answers", done, total)
        return added, done

    def _scores_and_statuses(self, occasions: np.ndarray) -> None:
        """Store the scores of every occasion that received answers, and its status.

        The answers are read back from the database (an occasion of an
        incremental import may hold answers from before) in chunks of
        ``SCORE_CHUNK`` occasions: bounded memory. On PostgreSQL the next
        chunk is read by a second thread while this one is scored, so the
        server and Python work at the same time (two chunks in memory).
        """
        from concurrent.futures import Future, ThreadPoolExecutor

        from painreg.registry.models import Score

        if occasions.size == 0:
            return
        catalogue = _ItemCatalogue()
        scored_rows = 0
        chunks = [
            occasions[start : start + SCORE_CHUNK]
            for start in range(0, occasions.size, SCORE_CHUNK)
        ]

        # django.db.connection is per thread: the reader thread is given this
        # thread's psycopg connection (thread-safe; same transaction).
        self.connection.ensure_connection()
        raw = self.connection.connection if self.postgres else None

        def read(chunk: np.ndarray) -> pa.Table:
            answers = self._stored_answers(int(chunk[0]), int(chunk[-1]), raw)
            return answers.filter(pc.is_in(answers.column("occasion_id"), pa.array(chunk)))

        with (
            self._bulk_load(Score, occasions.size * 20) as empty,
            ThreadPoolExecutor(max_workers=1) as reader,
        ):
            replace = bool(self.preexisting) and not empty
            pending: Future | None = reader.submit(read, chunks[0]) if self.postgres else None
            done = 0
            for i, chunk in enumerate(chunks):
                if pending is None:
                    answers = read(chunk)
                else:
                    answers = pending.result()
                    if i + 1 < len(chunks):
                        pending = reader.submit(read, chunks[i + 1])
                if replace:
                    self._delete_scores(chunk)
                scored_rows += self._store_scores(answers)
                self._set_statuses(answers, catalogue)
                done += chunk.size
                self.progress("scoring occasions", done, occasions.size)
        self.result.added["scores"] = scored_rows

    def _stored_answers(self, lo: int, hi: int, raw: Any = None) -> pa.Table:
        """``occasion_id, item, value`` of the stored answers of occasions ``lo`` to ``hi``."""
        from painreg.registry.models import Answer

        sql = (
            f"SELECT occasion_id, item, value FROM {self._table(Answer)} "
            f"WHERE occasion_id >= {int(lo)} AND occasion_id <= {int(hi)}"
        )
        types = {"occasion_id": pa.int64(), "item": pa.string(), "value": pa.float64()}
        if self.postgres:
            # Three arrays in one row: psycopg parses them in C (a row per
            # answer, as tuples or as COPY messages, costs far more in Python).
            # ``raw`` is the psycopg connection: this runs in a reader thread.
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT array_agg(occasion_id), array_agg(item), array_agg(value) "
                    f"FROM ({sql}) AS chunk"
                )
                columns = cursor.fetchone()
            if columns[0] is None:
                columns = [[], [], []]
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                rows = cursor.fetchall()
                columns = list(zip(*rows, strict=True)) if rows else [[], [], []]
        return pa.table(
            {n: pa.array(c, t) for (n, t), c in zip(types.items(), columns, strict=True)}
        )

    def _delete_scores(self, chunk: np.ndarray) -> None:
        from painreg.registry.models import Score

        with _writes():
            for part in _chunks(chunk.tolist(), 900):
                Score.objects.filter(occasion_id__in=part).delete()

    def _store_scores(self, answers: pa.Table) -> int:
        from painreg.instruments import score_answers
        from painreg.registry.models import Score

        if answers.num_rows == 0:
            return 0
        # score_answers groups by (registration_id, occasion); the occasion pk
        # is unique on its own, so it stands in for both.
        frame = answers.rename_columns(["registration_id", "item", "value"]).to_pandas()
        frame["occasion"] = "x"
        scores = score_answers(frame)
        scores = scores[scores["value"].notna()]
        table = pa.table(
            {
                "occasion_id": pa.array(scores["registration_id"].astype("int64").to_numpy()),
                "instrument": pa.array(scores["instrument"].astype(str).to_numpy()),
                "score": pa.array(scores["score"].astype(str).to_numpy()),
                "value": pa.array(scores["value"].astype("float64").to_numpy()),
            }
        )
        return self._insert(Score, table.column_names, table)

    def _set_statuses(self, answers: pa.Table, catalogue: _ItemCatalogue) -> None:
        """Store :func:`answered_statuses`; signed-off occasions keep theirs."""
        from painreg.registry.models import Occasion

        if answers.num_rows == 0:
            return
        occasion_ids, complete = answered_statuses(answers, catalogue)
        for status, mask in (("answered", complete), ("partial", ~complete)):
            ids = occasion_ids[mask].tolist()
            if not ids:
                continue
            if self.postgres:
                with self.connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {self._table(Occasion)} SET status = %s "
                        "WHERE id = ANY(%s) AND signed_off_at IS NULL",
                        [status, ids],
                    )
                continue
            with _writes():
                for part in _chunks(ids, 900):
                    Occasion.objects.filter(pk__in=part, signed_off_at=None).update(status=status)

    def _audit(self) -> None:
        from painreg import audit

        audit.record_event(
            user=None,
            username=self.username,
            action="register.import",
            reason="bulk import of interchange files",
            detail={
                "directory": str(self.directory),
                "added": self.result.added,
                "already_present": self.result.already_present,
            },
        )


def answered_statuses(
    answers: pa.Table, catalogue: _ItemCatalogue | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`painreg.tidy.rules.occasion_status` of occasions with answers and no
    sign-off, vectorised: the occasion ids, and for each whether it is "answered"
    (True) or "partial" (False). ``answers``: ``occasion_id`` and ``item``, each
    item once per occasion; nothing is marked not administered in an import.
    ``catalogue``: the import's, so instruments are coded once per import.
    """
    if catalogue is None:
        catalogue = _ItemCatalogue()
    occasion_ids, occasion = np.unique(
        answers.column("occasion_id").to_numpy(), return_inverse=True
    )
    encoded = pc.dictionary_encode(answers.column("item")).combine_chunks()
    instrument, required = catalogue.codes(encoded.dictionary.to_pylist())
    codes = encoded.indices.to_numpy()
    n = catalogue.size
    key = occasion * n + instrument[codes]
    answered = np.bincount(key, weights=required[codes], minlength=occasion_ids.size * n)
    present = np.bincount(key, minlength=occasion_ids.size * n) > 0
    lacking = present & (answered < np.tile(catalogue.required_total, occasion_ids.size))
    return occasion_ids, ~lacking.reshape(occasion_ids.size, n).any(axis=1)


class _ItemCatalogue:
    """Instrument code and required flag of item ids, for vectorised statuses."""

    def __init__(self) -> None:
        self.instruments: dict[str, int] = {}
        self.items: dict[str, tuple[int, bool]] = {}
        self.totals: list[int] = []

    @property
    def size(self) -> int:
        return max(len(self.instruments), 1)

    @property
    def required_total(self) -> np.ndarray:
        """Required items of each instrument, by instrument code."""
        return np.array(self.totals or [0], dtype=np.float64)

    def codes(self, item_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        from painreg.instruments.model import find_item, get_instrument

        for item_id in item_ids:
            if item_id in self.items:
                continue
            item = find_item(item_id)
            if item.instrument not in self.instruments:
                self.instruments[item.instrument] = len(self.instruments)
                self.totals.append(sum(i.required for i in get_instrument(item.instrument).items))
            self.items[item_id] = (self.instruments[item.instrument], bool(item.required))
        pairs = [self.items[i] for i in item_ids]
        return (
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.float64),
        )


def _writes() -> Any:
    """The registry guard's sanctioned context for the bulk import's few ORM writes."""
    from painreg.registry.guard import writes_allowed

    return writes_allowed()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _db_datetime(connection: Any, value: dt.datetime) -> str:
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


def iter_problems(report: Report) -> Iterable[str]:
    from painreg.tidy.validation import format_report

    return format_report(report)
