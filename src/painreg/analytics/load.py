"""Loading the register's tidy tables into an Ibis backend, with scores computed at load.

Decision (ARCHITECTURE.md, "Where scores and indicators are computed"): the
indicators are Ibis expressions over tables shaped like the interchange
format plus ``scores``. Files carry no scores, so they are computed once here
with :func:`painreg.instruments.score_answers`, the one scoring function of
the code base. DuckDB (in memory) is the default backend; any Ibis
connection holding tables of the same shape (e.g. views over the live
database) can be wrapped in :class:`Register` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

#: Tables the indicators read; ``unit_year_totals`` and ``answers`` may be empty.
REQUIRED = ("units", "patients", "registrations")
OPTIONAL = ("unit_year_totals", "answers", "scores")


class RegisterDataError(ValueError):
    """The tables cannot be used for indicators (one line, for people)."""


@dataclass
class Register:
    """The register as Ibis tables (interchange shape plus ``scores``)."""

    con: Any
    units: Any
    unit_year_totals: Any
    patients: Any
    registrations: Any
    answers: Any
    scores: Any


def _empty(name: str) -> pa.Table:
    from painreg.interop.schema import get_table

    if name == "scores":
        return pa.table(
            {
                "registration_id": pa.array([], pa.string()),
                "occasion": pa.array([], pa.string()),
                "instrument": pa.array([], pa.string()),
                "score": pa.array([], pa.string()),
                "value": pa.array([], pa.float64()),
            }
        )
    return get_table(name).arrow_schema.empty_table()


def register_from_arrow(tables: Mapping[str, pa.Table], con: Any = None) -> Register:
    """A :class:`Register` over Arrow tables (typed as ``interop.schema`` reads them).

    ``scores`` is computed from ``answers`` when absent.
    """
    import ibis

    from painreg.instruments import InstrumentError, score_answers

    missing = [name for name in REQUIRED if name not in tables]
    if missing:
        raise RegisterDataError(
            f"the register lacks table(s) {', '.join(missing)}; "
            "give a directory with the interchange files (see docs/interchange.md)"
        )
    data = {name: tables.get(name) for name in (*REQUIRED, *OPTIONAL)}
    for name, table in data.items():
        if table is None and name != "scores":
            data[name] = _empty(name)
    if data["scores"] is None:
        try:
            frame = score_answers(data["answers"])
        except InstrumentError as exc:
            raise RegisterDataError(f"answers cannot be scored: {exc}") from None
        data["scores"] = (
            pa.Table.from_pandas(frame, preserve_index=False) if len(frame) else _empty("scores")
        )
    con = con or ibis.duckdb.connect()
    ibis_tables = {}
    for name, table in data.items():
        # create_table from memtable (Arrow is copied into DuckDB once; the
        # indicators then read native tables).
        ibis_tables[name] = con.create_table(name, ibis.memtable(table))
    return Register(con=con, **ibis_tables)


def load_register(directory: Path | str, con: Any = None) -> Register:
    """Read an interchange directory (CSV or Parquet) and compute its scores."""
    from painreg.interop.schema import InterchangeError, read_tables

    try:
        tables = read_tables(directory)
    except InterchangeError as exc:
        raise RegisterDataError(str(exc)) from None
    return register_from_arrow(tables, con)
