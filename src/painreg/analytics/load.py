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

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

#: Tables the indicators read; ``unit_year_totals`` and ``answers`` may be empty.
REQUIRED = ("units", "patients", "registrations")
OPTIONAL = ("unit_year_totals", "answers", "scores")
#: Registrations re-scored to check stored scores (deterministic sample).
CHECK_SAMPLE = 200
#: Where computed scores are cached inside an interchange directory.
CACHE_DIR = ".painreg-cache"
CACHE_FILE = "scores.parquet"
_CACHE_KEY = b"painreg.scores.key"


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


def _score(answers: pa.Table) -> pa.Table:
    from painreg.instruments import InstrumentError, score_answers

    try:
        frame = score_answers(answers)
    except InstrumentError as exc:
        raise RegisterDataError(f"answers cannot be scored: {exc}") from None
    if not len(frame):
        return _empty("scores")
    return pa.Table.from_pandas(frame, preserve_index=False).select(
        list(_empty("scores").schema.names)
    )


def check_stored_scores(answers: pa.Table, scores: pa.Table, sample: int = CHECK_SAMPLE) -> None:
    """Raise :class:`RegisterDataError` if stored scores differ from the definitions.

    Re-scores the answers of ``sample`` registrations (those whose ids sort
    first by a hash, so the sample is spread and reproducible) and compares
    every numeric score both sides have or either side lacks.
    """
    import pyarrow.compute as pc

    if answers.num_rows == 0:
        return
    ids = pc.unique(answers["registration_id"]).to_pylist()
    ids.sort(key=lambda r: hashlib.sha1(str(r).encode()).hexdigest())
    chosen = pa.array(ids[:sample], pa.string())
    expected = _score(answers.filter(pc.is_in(answers["registration_id"], chosen))).to_pandas()
    stored = scores.filter(pc.is_in(scores["registration_id"], chosen)).to_pandas()
    stored = stored[stored["instrument"].isin(set(expected["instrument"]))]
    key = ["registration_id", "occasion", "instrument", "score"]
    both = expected.merge(stored, on=key, how="outer", suffixes=("_def", "_stored"))
    same = (both["value_def"] - both["value_stored"]).abs() <= 1e-9
    same |= both["value_def"].isna() & both["value_stored"].isna()
    bad = both[~same]
    if len(bad):
        row = bad.sort_values(key).iloc[0]
        raise RegisterDataError(
            f"stored scores disagree with the instrument definitions: registration "
            f"{row['registration_id']}, occasion {row['occasion']}, "
            f"{row['instrument']}.{row['score']}: stored {row['value_stored']}, "
            f"by the definitions {row['value_def']}; rerun with --rescore to compute "
            "the scores from the answers"
        )


def _definitions_fingerprint() -> str:
    """Hash of the instrument definitions and the scoring code (cache key part)."""
    import painreg.instruments as instruments

    root = Path(instruments.__file__).parent
    digest = hashlib.sha256()
    files = sorted(root.glob("definitions/*.yaml")) + sorted(root.glob("*.py"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_key(answers_file: Path) -> str:
    stat = answers_file.stat()
    return f"{answers_file.name}:{stat.st_size}:{stat.st_mtime_ns}:{_definitions_fingerprint()}"


def cached_scores(directory: Path, answers: pa.Table) -> pa.Table:
    """Scores of ``answers``, from the directory's cache when it is current."""
    import pyarrow.parquet as pq

    from painreg.interop.schema import table_path

    answers_file = table_path(directory, "answers")
    if answers_file is None:
        return _score(answers)
    key = _cache_key(answers_file)
    cache = directory / CACHE_DIR / CACHE_FILE
    try:
        metadata = pq.read_schema(cache).metadata or {}
        if metadata.get(_CACHE_KEY) == key.encode():
            return pq.read_table(cache)
    except (OSError, pa.ArrowException):
        pass  # absent or unreadable: recompute
    scores = _score(answers)
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        pq.write_table(scores.replace_schema_metadata({_CACHE_KEY: key.encode()}), tmp)
        os.replace(tmp, cache)  # atomic: a reader never sees half a cache
    except OSError:
        pass  # read-only directory: no cache, same result
    return scores


def register_from_arrow(
    tables: Mapping[str, pa.Table],
    con: Any = None,
    *,
    rescore: bool = False,
    _checked: bool = False,
) -> Register:
    """A :class:`Register` over Arrow tables (typed as ``interop.schema`` reads them).

    ``scores`` is computed from ``answers`` when absent or when ``rescore``;
    stored scores are spot-checked (:func:`check_stored_scores`).
    """
    import ibis

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
    if rescore or data["scores"] is None:
        data["scores"] = _score(data["answers"])
    elif not _checked:
        check_stored_scores(data["answers"], data["scores"])
    con = con or ibis.duckdb.connect()
    ibis_tables = {}
    for name, table in data.items():
        # create_table from memtable (Arrow is copied into DuckDB once; the
        # indicators then read native tables).
        ibis_tables[name] = con.create_table(name, ibis.memtable(table))
    return Register(con=con, **ibis_tables)


def load_register(
    directory: Path | str, con: Any = None, *, rescore: bool = False, cache: bool = True
) -> Register:
    """Read an interchange directory (CSV or Parquet); scores as the module says."""
    from painreg.interop.schema import InterchangeError, read_tables

    directory = Path(directory)
    try:
        tables = read_tables(directory)
    except InterchangeError as exc:
        raise RegisterDataError(str(exc)) from None
    if "scores" not in tables and not rescore and cache and "answers" in tables:
        tables["scores"] = cached_scores(directory, tables["answers"])
        # Computed just now or by the same definitions: no spot check needed.
        return register_from_arrow(tables, con, rescore=False, _checked=True)
    return register_from_arrow(tables, con, rescore=rescore)
