"""Validation of incoming interchange files: every row, every column, every problem.

Decision (ARCHITECTURE.md, "Interchange format"): an import validates
*everything first* and writes nothing if any row is rejected, and the report
names file, row, column and reason for **all** problems, not only the first.
So this module never stops at an error: it reads each file as raw text in
streaming batches (constant memory per batch) and checks, column by column
and vectorised with pyarrow:

* the file: format, encoding, header (missing required columns, unknown
  columns: a misspelt optional column would otherwise silently lose data);
* each cell: type (integer, number, ISO date ``YYYY-MM-DD``, ``true``/``false``),
  codes of enumerations and of list elements, ICD-10 shape of diagnoses,
  required values;
* each answer: the item id exists in the instrument catalogue and the value
  is one the catalogue allows (:func:`painreg.instruments.engine.find_invalid`,
  the same check as :func:`painreg.instruments.validate_value`);
* patient ids: a 12-digit id (``YYYYMMDDNNNN``) is an identified patient and
  must be a valid personnummer or samordningsnummer whose year matches
  ``birth_year``; any other id is an external pseudonym (ARCHITECTURE.md);
* rows together: duplicate keys, references between tables (or to ids the
  database already holds, ``known``), and dates in order.

Row numbers count data rows from 1 (the header is not counted: row 1 is line
2 of a CSV file). Pure Python + pyarrow, no Django.

Why one module of about 700 lines: every check reports into the one
:class:`ValidationOutcome` and reads the state an import builds up file by
file (:class:`_State`: the keys and references of the files read before),
so the table checks belong together. The checks of single cells are in
:mod:`painreg.tidy.cells`, the rules of the register in
:mod:`painreg.tidy.rules`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from painreg.tidy import cells, rules, schema
from painreg.tidy.codebook import CODEBOOK_FILES
from painreg.tidy.schema import InterchangeTable

#: Problems kept in memory (and listed); beyond this only counted. A file so
#: broken that more rows fail is reported with its total and the first ones.
MAX_PROBLEMS = 200_000
BATCH_ROWS = 65_536


@dataclass(frozen=True)
class Problem:
    """One rejected cell or row: file, row (data rows from 1), column, reason."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


@dataclass
class Known:
    """Ids that already exist where the files go (the database), for references."""

    unit_ids: set[str] = field(default_factory=set)
    patient_ids: set[str] = field(default_factory=set)
    registration_ids: set[str] = field(default_factory=set)
    assessment_ids: set[str] = field(default_factory=set)  # registrations of category assessment


@dataclass
class ValidationOutcome:
    """The outcome of validating a directory."""

    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Rows accepted with a change, by what was done (``sick_leave_clipped``: periods
    #: partly outside the covered period, clipped to it; ``sick_leave_unknown_patients``:
    #: periods of patients not in the register, skipped with ``skip_unknown_patients``).
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.total_problems == 0

    def add(self, problem: Problem) -> None:
        self.total_problems += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def sorted_problems(self) -> list[Problem]:
        order = {name: i for i, name in enumerate(schema.TABLE_ORDER)}

        def key(p: Problem) -> tuple:
            table = p.file.rsplit(".", 1)[0]
            return (order.get(table, 99), p.file, p.row or 0, p.column or "")

        return sorted(self.problems, key=key)

    def write_csv(self, path: Path) -> None:
        """Every listed problem as CSV (file,row,column,reason) for a spreadsheet.

        The reasons quote the files' values, so cells that start like a formula
        are written as text (:func:`painreg.outputs.csv_text`).
        """
        from painreg.outputs import csv_text, write_output

        rows = [["file", "row", "column", "reason"]] + [
            [p.file, "" if p.row is None else p.row, p.column or "", p.reason]
            for p in self.sorted_problems()
        ]
        write_output(path, csv_text(rows))


# --------------------------------------------------------------------------- reading raw


#: Columns whose Parquet values are checked in their own type when it is the
#: column's (a float is a number, a date32 a date) instead of as text: the
#: answers' values and dates, most of an import's cells. The other columns,
#: and every column of a CSV file, are read and checked as text.
NATIVE_COLUMNS = {"answers": frozenset({"value", "answered_on"})}


def _raw_batches(
    path: Path, report: ValidationOutcome, native: frozenset[str] = frozenset()
) -> Iterator[tuple[int, pa.Table]]:
    """(first row number, batch of string columns) of a CSV or Parquet file.

    Parquet columns named in ``native`` keep their type.
    """
    if path.suffix == ".parquet":
        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            report.add(Problem(path.name, None, None, f"not a readable Parquet file ({exc})"))
            return
        start = 1
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            yield start, _as_strings(table, native)
            start += batch.num_rows
        return
    skipped: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        line = row.number
        report.add(
            Problem(
                path.name,
                None if line is None else line - 1,
                None,
                f"expected {row.expected_columns} fields, found {row.actual_columns}",
            )
        )
        skipped.append(line or 0)
        return "skip"

    header = schema.file_columns(path)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf-8", block_size=1 << 22),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        report.add(Problem(path.name, None, None, _arrow_message(exc)))
        return
    start = 1
    try:
        for batch in reader:
            # Rows skipped as malformed shift the numbering of the rows after them.
            yield start, pa.Table.from_batches([batch])
            start += batch.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        report.add(Problem(path.name, None, None, _arrow_message(exc)))
    if skipped:
        report.notes.append(
            f"{path.name}: {len(skipped)} malformed line(s) skipped; row numbers after "
            "them are counted without them"
        )


def _arrow_message(exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "utf-8" in text.lower():
        return "the file is not UTF-8 text; save it as CSV UTF-8"
    return f"cannot be read as CSV: {text}"


def _as_strings(table: pa.Table, native: frozenset[str] = frozenset()) -> pa.Table:
    """Parquet columns as text (but ``native``), so both formats run the same checks."""
    arrays = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name in native:
            arrays.append(col)
        elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            arrays.append(col.cast(pa.string()))
        elif pa.types.is_boolean(col.type):
            arrays.append(pc.if_else(col, "true", "false"))
        elif pa.types.is_floating(col.type):
            arrays.append(_float_text(col))
        elif pa.types.is_dictionary(col.type):
            arrays.append(col.cast(pa.string()))
        else:
            arrays.append(col.cast(pa.string()))
    return pa.Table.from_arrays(arrays, names=table.column_names)


def _float_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return col.cast(pa.string())


# --------------------------------------------------------------------------- tables


@dataclass
class _State:
    """What cross-table checks need from the tables read so far."""

    keys: dict[str, set] = field(default_factory=dict)
    patients_birth_year: dict[str, int] = field(default_factory=dict)
    answer_keys: list[np.ndarray] = field(default_factory=list)
    answer_rows: int = 0
    registrations: pa.Array | None = None
    is_assessment: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))
    hsa_ids: set[str] = field(default_factory=set)
    assessments: set[str] = field(default_factory=set)
    coverage: tuple[dt.date, dt.date] | None = None
    skip_unknown_patients: bool = False
    sick_leave_keys: list[pa.Table] = field(default_factory=list)
    patient_ids: pa.Array | None = None


def validate_directory(
    directory: Path | str, known: Known | None = None, *, skip_unknown_patients: bool = False
) -> ValidationOutcome:
    """Validate every interchange file in ``directory``; never raises on bad data.

    ``skip_unknown_patients``: sick-leave periods of patients in neither the
    files nor the register are counted and skipped instead of rejected.
    """
    directory = Path(directory)
    report = ValidationOutcome()
    known = known or Known()
    if not directory.is_dir():
        report.add(Problem(str(directory), None, None, "no such directory"))
        return report
    for name in schema.TABLE_ORDER:
        try:
            path = schema.table_path(directory, name)
        except schema.InterchangeError as exc:
            report.add(Problem(name, None, None, str(exc)))
            continue
        if path is not None and path.is_symlink():
            report.add(
                Problem(
                    path.name, None, None,
                    "is a symbolic link; an import reads the files in the folder itself "
                    "(copy the file here)",
                )
            )  # fmt: skip
        elif path is not None:
            report.files[name] = path
    if "scores" in report.files:
        report.notes.append(
            f"{report.files.pop('scores').name}: scores are derived and recomputed on import; "
            "the file is not read"
        )
    known_names = {f"{n}.{fmt}" for n in schema.TABLES for fmt in schema.FORMATS}
    for entry in sorted(directory.iterdir()):
        if entry.name in CODEBOOK_FILES:
            continue  # the codebook an export writes beside the tables
        if entry.name not in known_names and not entry.name.startswith("."):
            report.notes.append(f"{entry.name}: not an interchange table; ignored")
    if not report.files and report.ok:
        report.add(
            Problem(
                str(directory),
                None,
                None,
                "no interchange files (units, unit_year_totals, patients, registrations, "
                "answers, sick_leave_coverage with sick_leave as .csv or .parquet)",
            )
        )
        return report
    present = [n for n in schema.SICK_LEAVE_TABLES if n in report.files]
    if len(present) == 1:
        other = next(n for n in schema.SICK_LEAVE_TABLES if n not in present)
        report.add(
            Problem(
                report.files[present[0]].name, None, None,
                f"a sick-leave extract needs both {' and '.join(schema.SICK_LEAVE_TABLES)}; "
                f"{other} is missing",
            )
        )  # fmt: skip
    state = _State(skip_unknown_patients=skip_unknown_patients)
    for name in schema.IMPORTED_TABLES:
        if name in report.files:
            _validate_table(report, schema.get_table(name), report.files[name], state, known)
        if name == "sick_leave_coverage" and report.rows.get(name) == 0:
            report.add(
                Problem(report.files[name].name, None, None,
                        "must hold exactly one row (the period the extract covers); it has 0")
            )  # fmt: skip
    _check_answer_duplicates(report, state)
    return report


def _validate_table(
    report: ValidationOutcome, table: InterchangeTable, path: Path, state: _State, known: Known
) -> None:
    fname = path.name
    try:
        header = schema.file_columns(path)
    except UnicodeDecodeError as exc:
        report.add(Problem(fname, None, None, _arrow_message(exc)))
        return
    except (OSError, ValueError, pa.ArrowException) as exc:  # unreadable header: one problem
        report.add(Problem(fname, None, None, f"cannot read the header: {exc}"))
        return
    missing = [c.name for c in table.columns if not c.optional and c.name not in header]
    for name in missing:
        report.add(Problem(fname, None, name, "required column is missing"))
    for name in header:
        if name not in table.column_map:
            report.add(
                Problem(
                    fname,
                    None,
                    name,
                    f"unknown column (the columns of {table.name} are "
                    f"{', '.join(table.column_names)})",
                )
            )
    duplicates_seen = [h for h in header if header.count(h) > 1]
    for name in sorted(set(duplicates_seen)):
        report.add(Problem(fname, None, name, "column appears more than once"))
    if missing or duplicates_seen:
        return  # rows cannot be read reliably without their columns
    keys: set = set()
    state.keys[table.name] = keys
    rows = 0
    native = NATIVE_COLUMNS.get(table.name, frozenset())
    for start, batch in _raw_batches(path, report, native):
        rows += batch.num_rows
        for col in table.columns:
            if col.name in batch.column_names:
                for row, reason in cells.check_column(col, batch.column(col.name), start):
                    report.add(Problem(fname, row, col.name, reason))
        checker = _ROW_CHECKS.get(table.name)
        if checker is not None:
            checker(report, fname, batch, start, state, known)
        if table.name == "sick_leave":
            state.sick_leave_keys.append(
                batch.select(list(table.key)).append_column(
                    "_row", pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
                )
            )
        elif table.name != "answers":
            _check_keys(report, fname, table, batch, start, keys)
    report.rows[table.name] = rows
    if table.name == "sick_leave":
        _check_sick_leave_duplicates(report, fname, table, state)


def _column_list(batch: pa.Table, name: str) -> list:
    return batch.column(name).to_pylist() if name in batch.column_names else [None] * batch.num_rows


def _check_keys(
    report: ValidationOutcome,
    fname: str,
    table: InterchangeTable,
    batch: pa.Table,
    start: int,
    keys: set,
) -> None:
    columns = [_column_list(batch, k) for k in table.key]
    for i, key in enumerate(zip(*columns, strict=True)):
        if any(k is None for k in key):
            continue
        if key in keys:
            shown = ", ".join(f"{k}={v}" for k, v in zip(table.key, key, strict=True))
            report.add(
                Problem(fname, start + i, table.key[-1], f"duplicate of an earlier row ({shown})")
            )
        else:
            keys.add(key)


def _reference(
    report: ValidationOutcome,
    fname: str,
    batch: pa.Table,
    start: int,
    column: str,
    table: str,
    state: _State,
    known_ids: set[str],
) -> None:
    in_files = {k[0] for k in state.keys.get(table, set())}
    values = batch.column(column)
    value_set = pa.array(sorted(in_files | known_ids), pa.string())
    bad = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=value_set)))
    for i in cells.bad_rows(bad):
        report.add(
            Problem(
                fname,
                start + int(i),
                column,
                f"{values[int(i)].as_py()!r} is not in {table} (neither in the files nor in "
                "the register)",
            )
        )


def _check_unit_year_totals(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    _reference(report, fname, batch, start, "unit_id", "units", state, known.unit_ids)
    for i, (year, total) in enumerate(
        zip(_column_list(batch, "year"), _column_list(batch, "rehab_patients_total"), strict=True)
    ):
        if _is_int(year) and not 2000 <= int(year) <= 2100:
            report.add(Problem(fname, start + i, "year", f"{year} is not a plausible year"))
        if _is_int(total) and int(total) < 0:
            report.add(Problem(fname, start + i, "rehab_patients_total", "must not be negative"))


def _check_units(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    for i, hsa in enumerate(_column_list(batch, "hsa_id")):
        if hsa is None:
            continue
        if hsa in state.hsa_ids:
            report.add(Problem(fname, start + i, "hsa_id", f"{hsa} is used by an earlier row"))
        state.hsa_ids.add(hsa)
    for i, (a, b) in enumerate(
        zip(_column_list(batch, "active_from"), _column_list(batch, "active_to"), strict=True)
    ):
        da, db = _date(a), _date(b)
        if da and db and db < da:
            report.add(Problem(fname, start + i, "active_to", "is before active_from"))
    _check_pain_care_levels(report, fname, batch, start)


def _check_pain_care_levels(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int
) -> None:
    """``pain_care_level`` is 1-4 and agrees with ``care_level`` (DOMAIN.md, "Care levels 1-4")."""
    from painreg.tidy.vocabulary import CARE_LEVEL_OF_PAIN_CARE_LEVEL

    if "pain_care_level" not in batch.column_names:
        return
    for i, (level, care) in enumerate(
        zip(_column_list(batch, "pain_care_level"), _column_list(batch, "care_level"), strict=True)
    ):
        if level is None or not _is_int(level):
            continue
        expected = CARE_LEVEL_OF_PAIN_CARE_LEVEL.get(int(level))
        if expected is None:
            report.add(Problem(fname, start + i, "pain_care_level", f"{level} is not 1, 2, 3 or 4"))
        elif care is not None and care != expected:
            report.add(
                Problem(
                    fname, start + i, "pain_care_level",
                    f"level {level} is {expected} care but care_level is {care}",
                )
            )  # fmt: skip


def _check_patients(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    from painreg.tidy.personnummer import PersonnummerError, looks_like_personnummer, parse

    ids = _column_list(batch, "patient_id")
    years = _column_list(batch, "birth_year")
    for i, (pid, year) in enumerate(zip(ids, years, strict=True)):
        if pid is None:
            continue
        if _is_int(year) and not 1890 <= int(year) <= dt.date.today().year:
            report.add(Problem(fname, start + i, "birth_year", f"{year} is not a plausible year"))
        if not looks_like_personnummer(pid):
            continue  # an external pseudonymous id
        try:
            pnr = parse(pid)
        except PersonnummerError as exc:
            report.add(
                Problem(
                    fname,
                    start + i,
                    "patient_id",
                    f"looks like a personnummer but is not valid: {exc.message('en')}",
                )
            )
            continue
        if _is_int(year) and int(year) != pnr.birth_year:
            report.add(
                Problem(
                    fname,
                    start + i,
                    "birth_year",
                    f"{year} does not match the personnummer (born {pnr.birth_year})",
                )
            )


def _check_registrations(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    _reference(report, fname, batch, start, "patient_id", "patients", state, known.patient_ids)
    _reference(report, fname, batch, start, "unit_id", "units", state, known.unit_ids)
    cols = {
        name: _column_list(batch, name)
        for name in (
            "category",
            "first_visit_date",
            "rehab_start_date",
            "rehab_end_date",
            "discontinued",
            "discontinuation_reason",
            "referral_date",
        )
    }
    for rid, category in zip(_column_list(batch, "registration_id"), cols["category"], strict=True):
        if category == "assessment" and rid is not None:
            state.assessments.add(rid)
    for i in range(batch.num_rows):
        row = {k: v[i] for k, v in cols.items()}
        _check_registration_row(report, fname, start + i, row)


#: How each of :func:`painreg.tidy.rules.date_problems`' findings is reported: column,
#: reason. In this order (the import report lists a row's problems so).
_DATE_ORDER_PROBLEMS: dict[str, tuple[str, str]] = {
    rules.REHAB_END_WITHOUT_START: ("rehab_start_date", "required when rehab_end_date is given"),
    rules.REHAB_END_BEFORE_START: ("rehab_end_date", "is before rehab_start_date"),
    rules.REHAB_START_BEFORE_FIRST_VISIT: ("rehab_start_date", "is before first_visit_date"),
    rules.REFERRAL_AFTER_FIRST_VISIT: ("first_visit_date", "is before referral_date"),
}
_ASSESSMENT_PROBLEMS: dict[str, str] = {
    "rehab_start_date": "an assessment has no rehab dates",
    "rehab_end_date": "an assessment has no rehab dates",
    "discontinued": "an assessment cannot be discontinued",
}


def _check_registration_row(
    report: ValidationOutcome, fname: str, where: int, row: dict[str, Any]
) -> None:
    """The rules of :mod:`painreg.tidy.rules` on one registration row (cells as text)."""
    discontinued = row["discontinued"] == "true"
    # Set is what counts here, so the cells go in as written (a malformed date is
    # reported by the cell check and is still a rehab date an assessment may not have).
    for name in rules.rehab_fields_of_assessment(
        row["category"],
        rehab_start_date=row["rehab_start_date"],
        rehab_end_date=row["rehab_end_date"],
        discontinued=discontinued,
    ):
        report.add(Problem(fname, where, name, _ASSESSMENT_PROBLEMS[name]))
    if rules.reason_without_discontinuation(
        discontinued=discontinued, discontinuation_reason=row["discontinuation_reason"]
    ):
        report.add(
            Problem(fname, where, "discontinuation_reason", "given but discontinued is not true")
        )
    found = rules.date_problems(
        referral_date=_date(row["referral_date"]),
        first_visit_date=_date(row["first_visit_date"]),
        rehab_start_date=_date(row["rehab_start_date"]),
        rehab_end_date=_date(row["rehab_end_date"]),
    )
    for code, (column, reason) in _DATE_ORDER_PROBLEMS.items():
        if code in found:
            report.add(Problem(fname, where, column, reason))


def _check_answers(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    from painreg.instruments.engine import find_invalid
    from painreg.instruments.model import InstrumentError, find_item, get_instrument

    if state.registrations is None:
        ids = sorted(
            {k[0] for k in state.keys.get("registrations", set())} | known.registration_ids
        )
        state.registrations = pa.array(ids, pa.string())
        assessments = known.assessment_ids | state.assessments
        state.is_assessment = np.array([i in assessments for i in ids] + [False], dtype=bool)
    registrations = state.registrations
    # One lookup of the registration ids: the reference check, the assessment
    # check and the duplicate keys all use the position in ``registrations``.
    reg_index = pc.index_in(batch.column("registration_id"), value_set=registrations)
    r = np.asarray(reg_index.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    _reference_indexed(report, fname, batch, start, pc.is_null(reg_index))
    # An assessment has only the initial occasion (DOMAIN.md).
    if state.is_assessment.any():
        wrong = pc.and_(
            pa.array(state.is_assessment[r]),
            pc.not_equal(batch.column("occasion"), "initial"),
        )
        for i in cells.bad_rows(wrong):
            report.add(
                Problem(
                    fname,
                    start + int(i),
                    "occasion",
                    f"{batch.column('occasion')[int(i)].as_py()!r}: an assessment registration "
                    "has only the initial occasion",
                )
            )
    items = batch.column("item")
    values = batch.column("value")
    if cells.is_text(values):
        numeric_ok = pc.fill_null(pc.match_substring_regex(values, cells.FLOAT), False)
        numbers = pc.if_else(numeric_ok, values, pa.scalar(None, pa.string())).cast(pa.float64())
    elif cells.NATIVE_TYPES["float"](values.type):
        numbers = values.cast(pa.float64())
        numbers = pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, pa.float64()))
    else:  # reported by cells.check_column as a column of the wrong type
        numbers = pa.nulls(batch.num_rows, pa.float64())
    number_array = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=float)
    encoded = pc.dictionary_encode(items).combine_chunks()
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
    dictionary = encoded.dictionary.to_pylist()
    for code, item_id in enumerate(dictionary):
        rows = np.flatnonzero(indices == code)
        try:
            item = find_item(item_id)
        except InstrumentError:
            for r in rows:
                report.add(
                    Problem(
                        fname,
                        start + int(r),
                        "item",
                        f"{item_id!r} is not an item of the instrument catalogue",
                    )
                )
            continue
        instrument = get_instrument(item.instrument)
        for bad in find_invalid(instrument, {item_id: number_array[rows]}):
            report.add(Problem(fname, start + int(rows[bad.row]), "value", bad.reason))
    # Duplicate keys of answers are found at the end over compact integer keys.
    occ = pc.index_in(batch.column("occasion"), value_set=pa.array(list(schema.OCCASIONS)))
    item_code = np.array([_item_code(i) for i in dictionary] + [-1], dtype=np.int64)[indices]
    o = np.asarray(occ.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    valid = (r >= 0) & (o >= 0) & (item_code >= 0)
    key = (r * 4 + o) * (1 << 20) + item_code
    key = np.where(valid, key, -1 - (np.arange(key.size) + state.answer_rows))  # unique
    state.answer_keys.append(key)
    state.answer_rows += batch.num_rows


_ITEM_CODES: dict[str, int] = {}


def _item_code(item_id: str) -> int:
    """A small integer per item id (stable within one validation run)."""
    if item_id is None:
        return -1
    return _ITEM_CODES.setdefault(item_id, len(_ITEM_CODES))


def _reference_indexed(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, not_found: pa.Array
) -> None:
    values = batch.column("registration_id")
    bad = pc.and_(pc.is_valid(values), not_found)
    for i in cells.bad_rows(bad):
        report.add(
            Problem(
                fname,
                start + int(i),
                "registration_id",
                f"{values[int(i)].as_py()!r} is not in registrations (neither in the files nor "
                "in the register)",
            )
        )


def _check_answer_duplicates(report: ValidationOutcome, state: _State) -> None:
    if not state.answer_keys:
        return
    keys = np.concatenate(state.answer_keys)
    state.answer_keys.clear()
    # Sorted in place, the copy tells whether any key repeats (8 bytes a row);
    # the positions (argsort, 8 more) are computed only for a file with duplicates.
    sorted_keys = keys.copy()
    sorted_keys.sort()
    if not (sorted_keys[1:] == sorted_keys[:-1]).any():
        return
    del sorted_keys
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
    fname = report.files["answers"].name
    for pos in dup:
        first = int(np.searchsorted(sorted_keys, sorted_keys[pos], side="left"))
        report.add(
            Problem(
                fname,
                int(order[pos]) + 1,
                "item",
                "answered twice: same registration_id, occasion and item as row "
                f"{int(order[first]) + 1}",
            )
        )


def _check_sick_leave_coverage(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    rows = list(
        zip(_column_list(batch, "covers_from"), _column_list(batch, "covers_to"), strict=True)
    )
    if start > 1 or len(rows) != 1:
        report.add(
            Problem(fname, None, None, "must hold exactly one row (the period the extract "
                    f"covers); it has {start - 1 + len(rows)}")
        )  # fmt: skip
        state.coverage = None
        return
    first, last = (_date(v) for v in rows[0])
    if first and last and last < first:
        report.add(Problem(fname, start, "covers_to", "is before covers_from"))
    elif first and last:
        state.coverage = (first, last)


def _check_sick_leave(
    report: ValidationOutcome, fname: str, batch: pa.Table, start: int, state: _State, known: Known
) -> None:
    if state.patient_ids is None:  # once per extract, not per batch
        patients = {k[0] for k in state.keys.get("patients", set())} | known.patient_ids
        state.patient_ids = pa.array(sorted(patients), pa.string())
    values = batch.column("patient_id")
    unknown = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=state.patient_ids)))
    rows = cells.bad_rows(unknown)
    if state.skip_unknown_patients:
        if len(rows):
            report.counts["sick_leave_unknown_patients"] = report.counts.get(
                "sick_leave_unknown_patients", 0
            ) + len(rows)
    else:
        for i in rows:
            report.add(
                Problem(
                    fname, start + int(i), "patient_id",
                    f"{values[int(i)].as_py()!r} is not in patients (neither in the files nor in "
                    "the register); import with --skip-unknown-patients to skip such periods",
                )
            )  # fmt: skip
    # Vectorised (an extract has millions of rows); malformed cells are the cell checks'.
    extent = batch.column("extent")
    if cells.is_text(extent):
        whole = pc.and_(
            pc.fill_null(pc.match_substring_regex(extent, cells.INT), False),
            pc.less_equal(pc.utf8_length(extent), 12),
        )
        numbers = pc.if_else(whole, extent, pa.scalar(None, pa.string())).cast(pa.int64())
        bad = pc.and_(
            pc.is_valid(numbers),
            pc.invert(pc.is_in(numbers, value_set=pa.array(schema.SICK_LEAVE_EXTENTS))),
        )
        shown = ", ".join(str(e) for e in schema.SICK_LEAVE_EXTENTS)
        for i in cells.bad_rows(bad):
            report.add(
                Problem(fname, start + int(i), "extent", f"{extent[int(i)]} is not one of {shown}")
            )
    begin, end = _dates(batch.column("start_date")), _dates(batch.column("end_date"))
    both = pc.and_(pc.is_valid(begin), pc.is_valid(end))
    reversed_ = pc.fill_null(pc.less(end, begin), False)
    for i in cells.bad_rows(reversed_):
        report.add(Problem(fname, start + int(i), "end_date", "is before start_date"))
    if state.coverage is None:
        return
    first, last = state.coverage
    lo, hi = pa.scalar(first, pa.date32()), pa.scalar(last, pa.date32())
    ordered = pc.and_(both, pc.invert(reversed_))
    before = pc.fill_null(pc.less(end, lo), False)
    after = pc.fill_null(pc.greater(begin, hi), False)
    outside = pc.and_(ordered, pc.or_(before, after))
    for i in cells.bad_rows(outside):
        da, db = begin[int(i)].as_py(), end[int(i)].as_py()
        report.add(
            Problem(
                fname, start + int(i), "start_date" if da > last else "end_date",
                f"the period {da}..{db} lies wholly outside the extract's covered "
                f"period {first}..{last}",
            )
        )  # fmt: skip
    partly = pc.and_(
        pc.and_(ordered, pc.invert(pc.or_(before, after))),
        pc.or_(pc.fill_null(pc.less(begin, lo), False), pc.fill_null(pc.greater(end, hi), False)),
    )
    clipped = int(pc.sum(partly.cast(pa.int64())).as_py() or 0)
    if clipped:
        report.counts["sick_leave_clipped"] = report.counts.get("sick_leave_clipped", 0) + clipped


def _dates(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Valid ISO dates of a column as date32 (anything else null: the cell checks say why)."""
    if not cells.is_text(values):
        return (
            values.cast(pa.date32())
            if pa.types.is_date32(values.type)
            else pa.nulls(len(values), pa.date32())
        )
    shaped = pc.fill_null(pc.match_substring_regex(values, cells.DATE), False)
    text = pc.if_else(shaped, values, pa.scalar(None, pa.string()))
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    return parsed.cast(pa.date32())


def _check_sick_leave_duplicates(
    report: ValidationOutcome, fname: str, table: InterchangeTable, state: _State
) -> None:
    """Rows equal to an earlier row in every column (vectorised: millions of rows)."""
    if not state.sick_leave_keys:
        return
    rows = pa.concat_tables(state.sick_leave_keys)
    state.sick_leave_keys.clear()
    key = list(table.key)
    counted = rows.group_by(key, use_threads=False).aggregate([("_row", "min"), ("_row", "count")])
    repeated = counted.filter(pc.greater(counted.column("_row_count"), 1))
    if repeated.num_rows == 0:
        return
    joined = rows.join(repeated.select([*key, "_row_min"]), key, join_type="inner")
    joined = joined.filter(pc.not_equal(joined.column("_row"), joined.column("_row_min")))
    for row in sorted(joined.to_pylist(), key=lambda r: r["_row"]):
        shown = ", ".join(f"{k}={row[k]}" for k in key)
        report.add(
            Problem(fname, row["_row"], key[-1],
                    f"duplicate of row {row['_row_min']} ({shown})")
        )  # fmt: skip


_ROW_CHECKS = {
    "units": _check_units,
    "unit_year_totals": _check_unit_year_totals,
    "patients": _check_patients,
    "registrations": _check_registrations,
    "answers": _check_answers,
    "sick_leave_coverage": _check_sick_leave_coverage,
    "sick_leave": _check_sick_leave,
}


def _is_int(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(cells.INT, value) is not None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value) if re.fullmatch(cells.DATE, value) else None
    except ValueError:
        return None


def format_report(report: ValidationOutcome, limit: int = 50) -> Iterable[str]:
    """Lines for people: the problems (up to ``limit``), then the totals."""
    problems = report.sorted_problems()
    for p in problems[:limit]:
        yield str(p)
    if report.total_problems > limit:
        yield f"... and {report.total_problems - limit:,} more (use --report FILE to get all)"
    for note in report.notes:
        yield f"note: {note}"
    clipped = report.counts.get("sick_leave_clipped")
    if clipped:
        yield (
            f"note: sick_leave: {clipped:,} period(s) partly outside the covered period, "
            "clipped to it"
        )
    unknown = report.counts.get("sick_leave_unknown_patients")
    if unknown:
        yield (
            f"note: sick_leave: {unknown:,} period(s) of patients not in the register, "
            "skipped (--skip-unknown-patients)"
        )
