"""The interchange format (tidy tables): the one definition, and typed I/O.

Decision (source: ``ARCHITECTURE.md``, "Interchange format"): every table and
column of the format is declared once, here, as data (:data:`TABLES`). The
readers, the writers, the validator, the export and import, the synthetic
register and the generated user reference (``docs/interchange.md``) all read
this declaration, so the format cannot drift between them.

Representation in Arrow (what :func:`read_tables` returns):

* ``string`` / ``enum`` columns are ``pa.string()``; ``int`` is ``pa.int64()``,
  ``float`` is ``pa.float64()``, ``date`` is ``pa.date32()``, ``bool`` is
  ``pa.bool_()``.
* **List columns stay strings joined by ``;``** (sorted, without duplicates,
  empty list = missing) in Arrow, CSV and Parquet alike, so that a CSV and a
  Parquet snapshot of the same register hold the same values and survive a
  round trip byte for byte. Use :func:`split_list` to get the elements.
* Empty cells are missing (null); an empty string is never a value.

This module is pure Python plus pyarrow: no Django (the analytics and
regional cores read the register through it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from painreg.outputs import create_private
from painreg.tidy import vocabulary

FORMATS: tuple[str, ...] = ("csv", "parquet")

#: Separator of list columns.
LIST_SEPARATOR = ";"

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "enum": pa.string(),
    "list": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}

#: SCB county codes (län) of the 21 regions.
REGION_CODES: tuple[str, ...] = vocabulary.REGION_CODES


class InterchangeError(ValueError):
    """A directory or file that is not in the interchange format (one line, for people)."""


@dataclass(frozen=True)
class Column:
    """One column of an interchange table.

    ``optional``: the column may be absent from an input file (then empty).
    ``nullable``: a cell may be empty. ``choices``: the allowed codes of an
    ``enum`` column, or of each element of a ``list`` column.
    ``references``: ``"table.column"`` this column must match (foreign key).
    ``default``: the value an absent optional column or empty cell means.
    ``max_length``: the longest text the register stores in it.
    """

    name: str
    type: str
    description: str
    optional: bool = False
    nullable: bool = False
    choices: tuple[str, ...] | None = None
    references: str | None = None
    default: Any = None
    max_length: int | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class InterchangeTable:
    """One interchange table: its columns, its key, and whether import reads it."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    imported: bool = True
    column_map: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_map", {c.name: c for c in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=True) for c in self.columns])

    def column(self, name: str) -> Column:
        return self.column_map[name]


# The enums' codes (their labels are in painreg.tidy.vocabulary too).
SEX = vocabulary.SEXES.values
CARE_LEVELS = vocabulary.CARE_LEVELS.values
CATEGORIES = vocabulary.REGISTRATION_CATEGORIES.values
OCCASIONS = vocabulary.OCCASIONS.values
DISCONTINUATION_REASONS = vocabulary.DISCONTINUATION_REASONS.values
EDUCATION = vocabulary.EDUCATION.values
WORK_MEASURES = vocabulary.WORK_MEASURES.values
PROGRAMMES = vocabulary.PROGRAMMES.values
SOURCES = vocabulary.ANSWER_SOURCES.values
SICK_LEAVE_BENEFITS = vocabulary.SICK_LEAVE_BENEFITS.values
#: Extents (omfattning) of a sick-leave period, in per cent of a whole day.
SICK_LEAVE_EXTENTS: tuple[int, ...] = (25, 50, 75, 100)
#: The two tables of a sick-leave extract from Försäkringskassan: read, imported
#: and exported together (an extract without its covered period cannot be used).
SICK_LEAVE_TABLES: tuple[str, ...] = ("sick_leave_coverage", "sick_leave")

_C = Column

TABLES: dict[str, InterchangeTable] = {
    t.name: t
    for t in (
        InterchangeTable(
            "units",
            "Care units reporting to the register (vårdenheter).",
            (
                _C("unit_id", "string", "Stable identifier of the unit.", max_length=40),
                _C("name", "string", "Name of the unit as shown in reports.", max_length=200),
                _C("region_code", "enum", "SCB county code of the region (01..25).",
                   choices=REGION_CODES),
                _C("care_level", "enum", "Care level; results of the two are never pooled.",
                   choices=CARE_LEVELS),
                _C("active_from", "date", "First day the unit reports.", optional=True,
                   nullable=True),
                _C("active_to", "date", "Last day the unit reported (empty: still active).",
                   optional=True, nullable=True),
                _C("hsa_id", "string", "HSA id of the unit (unique).", optional=True, nullable=True,
                   max_length=64),
                _C("connected", "bool",
                   "Whether the unit is connected to the register (ansluten); a unit that "
                   "provides MMR but is not connected is listed with false, and counts only "
                   "in the unit coverage (empty: connected).",
                   optional=True, nullable=True, default=True),
                _C("pain_care_level", "int",
                   "Care level 1-4 of pain care (1-2 primary, 3-4 specialist; must agree "
                   "with care_level).", optional=True, nullable=True),
            ),
            key=("unit_id",),
        ),
        InterchangeTable(
            "unit_year_totals",
            "Patients who finished or discontinued MMR at the unit in a year, registered "
            "or not, as the unit reports it: the coverage denominator.",
            (
                _C("unit_id", "string", "The unit.", references="units.unit_id"),
                _C("year", "int", "Calendar year."),
                _C("rehab_patients_total", "int", "All MMR patients of the year at the unit."),
            ),
            key=("unit_id", "year"),
        ),
        InterchangeTable(
            "patients",
            "Patients: personnummer (identified) or a pseudonym.",
            (
                _C("patient_id", "string",
                   "Personnummer/samordningsnummer (12 digits, YYYYMMDDNNNN) in an identified "
                   "file; otherwise a pseudonym (HMAC-SHA256 hex in a pseudonymised export).",
                   max_length=64),
                _C("sex", "enum", "Legal sex.", choices=SEX),
                _C("birth_year", "int", "Year of birth."),
            ),
            key=("patient_id",),
        ),
        InterchangeTable(
            "registrations",
            "One patient's assessment or rehabilitation at one unit.",
            (
                _C("registration_id", "string", "Stable identifier of the registration.",
                   max_length=64),
                _C("patient_id", "string", "The patient.", references="patients.patient_id"),
                _C("unit_id", "string", "The unit.", references="units.unit_id"),
                _C("category", "enum", "assessment only (patientkategori 1) or rehab (MMR).",
                   choices=CATEGORIES),
                _C("referral_date", "date", "Date of the referral.", optional=True,
                   nullable=True),
                _C("first_visit_date", "date", "Date of the first visit."),
                _C("rehab_start_date", "date", "Start of MMR (empty for assessment).",
                   nullable=True),
                _C("rehab_end_date", "date",
                   "End of MMR, or the date of discontinuation (empty: ongoing).",
                   nullable=True),
                _C("discontinued", "bool", "Whether MMR was discontinued (avbrott)."),
                _C("discontinuation_reason", "enum", "Reason of the discontinuation.",
                   nullable=True, choices=DISCONTINUATION_REASONS),
                _C("main_diagnosis", "string", "Main diagnosis, ICD-10 (e.g. M79.7).",
                   nullable=True, max_length=8),
                _C("secondary_diagnoses", "list", "Further ICD-10 codes.", optional=True,
                   nullable=True),
                _C("education", "enum", "Highest completed education.", nullable=True,
                   choices=EDUCATION),
                _C("work_measures", "list", "Work-oriented measures taken during MMR.",
                   nullable=True, choices=WORK_MEASURES),
                _C("programme", "list", "Kind of programme.", optional=True, nullable=True,
                   choices=PROGRAMMES),
                _C("signed_off", "bool", "Signed off (klarmarkerad); absent = true.",
                   optional=True, nullable=True, default=True),
            ),
            key=("registration_id",),
        ),
        InterchangeTable(
            "answers",
            "One answered item of one occasion (long format; unanswered items have no row).",
            (
                _C("registration_id", "string", "The registration.",
                   references="registrations.registration_id"),
                _C("occasion", "enum", "Occasion of the form.", choices=OCCASIONS),
                _C("item", "string", "Item id of the instrument catalogue, e.g. hads_3.",
                   max_length=40),
                _C("value", "float", "The answer as the catalogue codes it."),
                _C("answered_on", "date", "Date the form was answered."),
                _C("source", "enum", "Who entered the answer; empty is stored as import.",
                   optional=True, nullable=True,
                   choices=SOURCES),
            ),
            key=("registration_id", "occasion", "item"),
        ),
        InterchangeTable(
            "scores",
            "Derived, never imported: the scores instruments.score_frame gives for the answers.",
            (
                _C("registration_id", "string", "The registration.",
                   references="registrations.registration_id"),
                _C("occasion", "enum", "Occasion.", choices=OCCASIONS),
                _C("instrument", "string", "Instrument id."),
                _C("score", "string", "Score id within the instrument."),
                _C("value", "float", "The score (empty: not scorable).", nullable=True),
            ),
            key=("registration_id", "occasion", "instrument", "score"),
            imported=False,
        ),
        InterchangeTable(
            "sick_leave_coverage",
            "The period a sick-leave extract from Försäkringskassan covers (one row). "
            "Given with `sick_leave`; a new extract replaces the previous one.",
            (
                _C("covers_from", "date", "First day the extract covers."),
                _C("covers_to", "date", "Last day the extract covers."),
            ),
            key=("covers_from", "covers_to"),
        ),
        InterchangeTable(
            "sick_leave",
            "Benefit periods from Försäkringskassan (sjukpenning, rehabiliteringspenning, "
            "sjukersättning, aktivitetsersättning) of the register's patients; periods may "
            "overlap. Spells within the employer's sick-pay period are not in the data.",
            (
                _C("patient_id", "string",
                   "The register's patient id (personnummer, or the keyed pseudonym of a "
                   "pseudonymised register).", references="patients.patient_id"),
                _C("benefit", "enum", "The benefit.", choices=SICK_LEAVE_BENEFITS),
                _C("start_date", "date", "First day of the period."),
                _C("end_date", "date", "Last day of the period (inclusive)."),
                _C("extent", "int", "Extent in per cent of a whole day: 25, 50, 75 or 100."),
            ),
            key=("patient_id", "benefit", "start_date", "end_date", "extent"),
        ),
    )
}  # fmt: skip

#: Tables in dependency order (referenced tables first).
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
#: Tables an import reads (``scores`` is derived and recomputed).
IMPORTED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.imported)


def get_table(name: str) -> InterchangeTable:
    try:
        return TABLES[name]
    except KeyError:
        raise InterchangeError(
            f"unknown interchange table {name!r}; known: {', '.join(TABLES)}"
        ) from None


def split_list(value: str | None) -> list[str]:
    """The elements of a list cell (``"a;b"`` -> ``["a", "b"]``; missing -> ``[]``)."""
    if not value:
        return []
    return [v for v in (p.strip() for p in value.split(LIST_SEPARATOR)) if v]


def join_list(values: Iterable[str] | str | None) -> str | None:
    """Canonical list cell: sorted, unique, ``;``-joined; empty -> ``None``."""
    if values is None:
        return None
    if isinstance(values, str):
        values = split_list(values)
    items = sorted({v for v in values if v})
    return LIST_SEPARATOR.join(items) if items else None


# --------------------------------------------------------------------------- files


def table_path(directory: Path | str, name: str) -> Path | None:
    """The file of table ``name`` in ``directory`` (``.csv`` or ``.parquet``), or None.

    Raises when both exist: which one is meant would be a guess.
    """
    directory = Path(directory)
    found = [
        directory / f"{name}.{fmt}" for fmt in FORMATS if (directory / f"{name}.{fmt}").exists()
    ]
    if len(found) > 1:
        raise InterchangeError(
            f"{directory}: both {found[0].name} and {found[1].name} exist; keep one of them"
        )
    return found[0] if found else None


def file_columns(path: Path) -> list[str]:
    """Column names of a CSV header or a Parquet schema."""
    if path.suffix == ".parquet":
        return list(pq.read_schema(path).names)
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        import csv

        header = next(csv.reader([fh.readline()]), [])
    return [h.strip() for h in header]


def _check_columns(table: InterchangeTable, path: Path, present: list[str]) -> None:
    missing = [c.name for c in table.columns if not c.optional and c.name not in present]
    if missing:
        raise InterchangeError(f"{path.name}: missing column(s) {', '.join(missing)}")


def conform(table: InterchangeTable, data: pa.Table | pa.RecordBatch) -> pa.Table:
    """Arrange ``data`` as ``table``'s columns and types (absent optional columns empty).

    Empty strings become missing, list cells are made canonical and the default
    of a column fills its empty cells, so every writer writes the same bytes
    for the same register.
    """
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    arrays = []
    for col in table.columns:
        if col.name in data.column_names:
            arr = data.column(col.name)
            if arr.type != col.arrow_type:
                arr = arr.cast(col.arrow_type)
        else:
            if not (col.optional or col.nullable):
                raise InterchangeError(f"{table.name}: column {col.name} is required")
            arr = pa.nulls(data.num_rows, col.arrow_type)
        if col.arrow_type == pa.string():
            arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
            if col.type == "list":
                arr = _canonical_lists(arr)
        if col.default is not None:
            arr = pc.fill_null(arr, pa.scalar(col.default, col.arrow_type))
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema)


def _canonical_lists(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    # Lists are short and rare (one cell per registration); Python is fine here.
    values = arr.to_pylist()
    return pa.array([join_list(v) for v in values], pa.string())


def _csv_read_options(table: InterchangeTable, present: list[str]) -> dict[str, Any]:
    types = {
        name: (table.column(name).arrow_type if name in table.column_map else pa.string())
        for name in present
    }
    return {
        "convert_options": pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            true_values=["true"],
            false_values=["false"],
            include_columns=[n for n in present if n in table.column_map],
        ),
        "read_options": pacsv.ReadOptions(encoding="utf-8", block_size=1 << 22),
    }


def iter_table(directory: Path | str, name: str, batch_size: int = 65_536) -> Iterator[pa.Table]:
    """Stream a table of ``directory`` as typed Arrow chunks (constant memory).

    Yields nothing when the file is absent. A cell that does not parse as its
    column's type raises :class:`InterchangeError` (use
    :mod:`painreg.tidy.validation` for a report of every bad cell).
    """
    table = get_table(name)
    path = table_path(directory, name)
    if path is None:
        return
    present = file_columns(path)
    _check_columns(table, path, present)
    try:
        if path.suffix == ".parquet":
            pf = pq.ParquetFile(path)
            cols = [n for n in present if n in table.column_map]
            for batch in pf.iter_batches(batch_size=batch_size, columns=cols):
                yield conform(table, batch)
        else:
            with pacsv.open_csv(path, **_csv_read_options(table, present)) as reader:
                for batch in reader:
                    if batch.num_rows:
                        yield conform(table, batch)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InterchangeError(
            f"{path.name}: {str(exc).splitlines()[0]}; run `painreg import --check` "
            "for a report of every bad cell"
        ) from None


def read_table(directory: Path | str, name: str) -> pa.Table | None:
    """One whole table, typed per the schema, or None when the file is absent."""
    table = get_table(name)
    chunks = list(iter_table(directory, name))
    if not chunks:
        return None if table_path(directory, name) is None else table.arrow_schema.empty_table()
    return pa.concat_tables(chunks)


def read_tables(directory: Path | str, names: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """Every interchange table present in ``directory`` (CSV or Parquet), typed.

    Tables whose file is absent are left out of the result; the caller decides
    whether that is an error (``scores`` is usually absent from imported data
    and computed at load).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InterchangeError(f"{directory}: no such directory")
    result: dict[str, pa.Table] = {}
    for name in names or TABLE_ORDER:
        data = read_table(directory, name)
        if data is not None:
            result[name] = data
    return result


# --------------------------------------------------------------------------- writing


def _as_arrow(batch: Any) -> pa.Table:
    if isinstance(batch, pa.Table):
        return batch
    if isinstance(batch, pa.RecordBatch):
        return pa.Table.from_batches([batch])
    if isinstance(batch, list):
        return pa.Table.from_pylist(batch)
    # pandas.DataFrame (imported lazily: pandas is heavy and optional here)
    return pa.Table.from_pandas(batch, preserve_index=False)


class TableWriter:
    """Streaming writer of one interchange table (context manager).

    ``write(batch)`` accepts an Arrow table or record batch, a pandas
    DataFrame or a list of dicts; each is conformed to the schema and
    appended, so memory stays bounded by one batch. ``private``: the file is
    created readable by its owner only (mode 0600), for tables that hold
    identities.
    """

    def __init__(
        self, directory: Path | str, name: str, format: str = "csv", *, private: bool = False
    ) -> None:
        if format not in FORMATS:
            raise InterchangeError(f"unknown format {format!r}; use csv or parquet")
        self.table = get_table(name)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.format = format
        self.path = self.directory / f"{name}.{format}"
        for other in FORMATS:
            stale = self.directory / f"{name}.{other}"
            if other != format and stale.exists():
                stale.unlink()  # one file per table: a stale sibling would be ambiguous
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        if private:
            create_private(self.path)  # the writers below keep an existing file's mode
        schema = self.table.arrow_schema
        if format == "csv":
            self._writer: Any = pacsv.CSVWriter(
                str(self.path), schema, write_options=pacsv.WriteOptions(quoting_style="needed")
            )
        else:
            self._writer = pq.ParquetWriter(str(self.path), schema, compression="zstd")

    #: Rows gathered before a write: Parquet row groups of useful size even
    #: when callers write many small batches; memory stays bounded by this.
    buffer_rows = 131_072

    def write(self, batch: Any) -> None:
        data = conform(self.table, _as_arrow(batch))
        if not data.num_rows:
            return
        self.rows += data.num_rows
        self._pending.append(data)
        self._pending_rows += data.num_rows
        if self._pending_rows >= self.buffer_rows:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending).combine_chunks())
            self._pending, self._pending_rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_table(
    directory: Path | str,
    name: str,
    batches: Iterable[Any] | Any,
    format: str = "csv",
    *,
    private: bool = False,
) -> int:
    """Write table ``name`` to ``directory/name.<format>`` from batches; returns rows written.

    ``batches`` is one batch or an iterable of them (Arrow tables/batches,
    pandas DataFrames, lists of dicts); they are written one at a time.
    """
    if (
        isinstance(batches, (pa.Table, pa.RecordBatch))
        or hasattr(batches, "to_records")  # a pandas DataFrame
        or (isinstance(batches, list) and batches and isinstance(batches[0], dict))
    ):
        batches = [batches]
    with TableWriter(directory, name, format, private=private) as writer:
        for batch in batches:
            writer.write(batch)
    return writer.rows
