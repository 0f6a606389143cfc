"""Engines and file reading: one Ibis table per extract, on DuckDB or PySpark.

Design (ARCHITECTURE.md): the measures are Ibis expressions and never see
the engine. This module is the only place that knows one: it connects, and
it reads the input files into a table with the canonical column names plus
``_file`` (the input file's name) and ``_row`` (the 1-based data row within
that file, header not counted) so that validation can name the row.

Parquet is read by the engine itself (DuckDB's ``file_row_number``, Spark's
``_metadata.row_index``). CSV is first streamed through Arrow into a
temporary Parquet file with every column as text (bounded memory, any
size): the CSV readers of the engines do not number rows, and reading text
keeps a malformed date a reportable value rather than a parse failure.
"""

from __future__ import annotations

import csv
import itertools
import os
import uuid
from pathlib import Path
from typing import Any

from painreg.contacts.mapping import Mapping
from painreg.errors import UserError

ENGINES = ("duckdb", "pyspark")


def connect(engine: str = "duckdb", *, spark_session: Any = None, threads: int | None = None):
    """An Ibis backend: in-process DuckDB, or PySpark (local mode unless a session is given).

    On a cluster, create the SparkSession yourself (``spark-submit`` does) and
    pass it; locally a ``local[*]`` session is started (docs/contacts.md,
    "Engines and a Spark cluster").
    """
    import ibis

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if engine == "pyspark":
        if spark_session is None:
            from pyspark.sql import SparkSession

            spark_session = (
                SparkSession.builder.master(os.environ.get("PAINREG_SPARK_MASTER", "local[*]"))
                .appName("painreg-contacts")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate()
            )
        # Adaptive execution off: with it, local Spark can wait for ever (no CPU)
        # in a query over several cached tables that it broadcasts (docs/contacts.md).
        spark_session.conf.set("spark.sql.adaptive.enabled", "false")
        return ibis.pyspark.connect(spark_session)
    raise UserError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


def _sniff_delimiter(header_line: str) -> str:
    # Swedish spreadsheet exports use ";" (the comma is the decimal sign).
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def csv_to_parquet(path: Path, target: Path) -> None:
    """Stream a CSV into Parquet, every column as text, empty cells as empty strings."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the export as UTF-8 CSV") from None
    if not first.strip():
        raise UserError(f"{path}: empty file (no header row)")
    delimiter = _sniff_delimiter(first)
    headers = next(csv.reader([first], delimiter=delimiter))
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=16 << 20, encoding="utf-8"),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        writer = None
        for batch in reader:
            if writer is None:
                # The BOM, if any, is part of the first header: strip it.
                names = [n.lstrip("\ufeff") for n in batch.schema.names]
                schema = pa.schema([pa.field(n, pa.string()) for n in names])
                writer = pq.ParquetWriter(target, schema)
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
        if writer is None:
            names = [h.lstrip("\ufeff") for h in headers]
            schema = pa.schema([pa.field(n, pa.string()) for n in names])
            writer = pq.ParquetWriter(target, schema)
        writer.close()
    except pa.ArrowInvalid as exc:
        raise UserError(f"{path}: not a readable CSV file: {exc}") from None


def _display_name(raw_path: str | Path) -> str:
    """The name a report gives an input file: a local file's name, a cluster path whole."""
    if "://" in str(raw_path):
        return str(raw_path)
    return Path(raw_path).name


def file_numbers(paths: list[str | Path]) -> dict[int, str]:
    """``_fileno`` -> the input file's name: files numbered in the order of their names."""
    return dict(enumerate(sorted({_display_name(p) for p in paths})))


def _check_parquet(path: Path) -> None:
    """A clear error for a file that is not Parquet (or is cut short) before an engine reads it.

    Reads the footer only; the engines' own messages name their internal views.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UserError(f"{path}: not a readable Parquet file ({reason})") from None


def read_files(
    con,
    paths: list[str | Path],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    mapping: Mapping,
    workdir: Path,
):
    """Read input files into one table: canonical columns + ``_file`` + ``_row``."""
    import ibis

    if not paths:
        raise UserError("give at least one input file")
    parquet: list[str] = []
    display: dict[str, str] = {}
    for raw_path in paths:
        if "://" in str(raw_path):
            # A cluster path (hdfs://, s3a://, abfss://...): the engine reads it; Parquet only.
            if not str(raw_path).lower().endswith((".parquet", ".pq", "/")):
                raise UserError(f"{raw_path}: on cluster storage give Parquet files")
            parquet.append(str(raw_path))
            display[str(raw_path).rstrip("/").rsplit("/", 1)[-1]] = _display_name(raw_path)
            continue
        path = Path(raw_path)
        if not path.exists():
            raise UserError(f"input file {path} not found")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            target = workdir / f"{uuid.uuid4().hex}.parquet"
            csv_to_parquet(path, target)
            parquet.append(str(target.resolve()))
        elif suffix in (".parquet", ".pq"):
            _check_parquet(path)
            parquet.append(str(path.resolve()))
        else:
            raise UserError(f"{path}: unknown file type; give a .csv or .parquet file")
        display[Path(parquet[-1]).name] = _display_name(path)

    name = f"painreg_input_{uuid.uuid4().hex[:12]}"
    if con.name == "duckdb":
        table = con.read_parquet(
            parquet, table_name=name, filename=True, file_row_number=True, union_by_name=True
        )
        table = table.rename(_path="filename", _row0="file_row_number")
    else:
        session = con._session
        frames = [
            session.read.parquet(p).selectExpr(
                "*", "_metadata.file_path AS _path", "_metadata.row_index AS _row0"
            )
            for p in parquet
        ]
        if len(frames) > 1:
            # Spark cannot merge a typed column with a text one: read files as text
            # (validation parses them, as it does CSV).
            frames = [
                f.select(
                    *[f[c].cast("string").alias(c) for c in f.columns if c != "_row0"], "_row0"
                )
                for f in frames
            ]
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other, allowMissingColumns=True)
        frame.createOrReplaceTempView(name)
        table = con.table(name)

    headers = [c for c in table.columns if c not in ("_path", "_row0")]
    found = mapping.rename(headers, required, ", ".join(sorted(set(display.values()))))
    columns = {}
    for column in itertools.chain(required, optional):
        if column in found:
            columns[column] = table[found[column]]
        else:
            columns[column] = ibis.null().cast("string")
    # _fileno: the rank of the file's name among the input files' names, so that
    # (_fileno, _row) orders rows as (_file, _row) does, with integers.
    rank = {name: i for i, name in file_numbers(paths).items()}
    if con.name == "duckdb":
        # DuckDB reports the paths it was given: compare whole paths (a regular
        # expression per row of a 100-million-row extract costs seconds).
        names = {p: display[Path(p).name] for p in parquet}
        file = table._path.substitute(names)
        fileno = table._path.substitute(
            {p: rank[n] for p, n in names.items()}, else_=ibis.null("int64")
        )
    else:
        # Spark reports URIs (file:///...): the report names the input file.
        base = table._path.re_extract(r"([^/]+)$", 1)
        file = base.substitute(display)
        fileno = base.substitute({k: rank[n] for k, n in display.items()}, else_=ibis.null("int64"))
    return table.select(
        _file=file,
        _row=(table._row0 + 1).cast("int64"),
        **columns,
        _fileno=fileno.cast("int64"),
    )


def records(expr) -> list[dict[str, Any]]:
    """The rows of a small table expression as plain Python values (via Arrow, no pandas)."""
    return expr.to_pyarrow().to_pylist()


def materialise(con, expr):
    """(table, release) for an expression computed once and read many times.

    DuckDB: a temporary table, dropped with plain SQL (Ibis 12's own
    ``drop_table`` emits SQL the installed DuckDB rejects). Spark: a cached
    DataFrame, computed at once (a lazily cached table first computed inside
    a later query that broadcasts it could leave local Spark waiting for
    ever), unpersisted on release.
    """
    if con.name == "duckdb":
        name = f"painreg_tmp_{uuid.uuid4().hex[:12]}"
        table = con.create_table(name, expr, temp=True)
        return table, lambda: con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
    table = expr.cache()
    table.count().execute()
    return table, table.release


def lookup_table(con, columns: dict[str, list[str]]):
    """A small text table registered in the backend (a mapping lookup).

    Registered explicitly rather than as an Ibis memtable: on PySpark, Ibis
    registers memtables only for the query that executes them, and a table
    derived from a cached one (``materialise``) then refers to a view that
    no longer exists.
    """
    import pyarrow as pa

    name = f"painreg_lookup_{uuid.uuid4().hex[:12]}"
    data = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    if con.name == "duckdb":
        # The DuckDB connection's own registration (Ibis's create_table from an
        # in-memory object drops a helper view with SQL this DuckDB rejects).
        con.con.register(name, data)
        return con.table(name)
    session = con._session
    session.createDataFrame(data.to_pandas()).createOrReplaceTempView(name)
    return con.table(name)
