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
#: A sick-leave extract: both tables or neither (painreg.analytics.sick_leave).
SICK_LEAVE = ("sick_leave_coverage", "sick_leave")
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
    #: The sick-leave extract (both or neither): only when the data hold one.
    sick_leave: Any = None
    sick_leave_coverage: Any = None


def _empty(name: str) -> pa.Table:
    from painreg.tidy.schema import get_table

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


def check_stored_scores(answers: Any, scores: Any, sample: int = CHECK_SAMPLE) -> None:
    """Raise :class:`RegisterDataError` if stored scores differ from the definitions.

    ``answers`` and ``scores`` are Ibis tables. Re-scores the answers of
    ``sample`` registrations (those whose ids sort first by a hash, so the
    sample is spread and reproducible) and compares every numeric score both
    sides have or either side lacks.
    """
    ids = answers.select("registration_id").distinct().to_pyarrow()["registration_id"]
    ids = sorted(ids.to_pylist(), key=lambda r: hashlib.sha1(str(r).encode()).hexdigest())
    if not ids:
        return
    chosen = ids[:sample]
    expected = _score(answers.filter(answers.registration_id.isin(chosen)).to_pyarrow())
    expected = expected.to_pandas()
    stored = scores.filter(scores.registration_id.isin(chosen)).to_pandas()
    stored = stored[stored["instrument"].isin(set(expected["instrument"]))]
    # Category scores (the MPI profile, coded) are not produced by score_answers:
    # a stored profile is the holder's classifier's, not checkable here.
    pairs = stored["instrument"] + "." + stored["score"]
    categories = {p for p in set(pairs) if _is_category(*p.split(".", 1))}
    stored = stored[~pairs.isin(categories)]
    key = ["registration_id", "occasion", "instrument", "score"]
    both = expected.merge(
        stored[[*key, "value"]], on=key, how="outer", suffixes=("_def", "_stored")
    )
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


def _is_category(instrument: str, score: str) -> bool:
    from painreg.instruments import get_instrument

    try:
        return get_instrument(instrument).score_def(score).type == "category"
    except Exception:  # unknown instrument or score: compared (and reported) as usual
        return False


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


def cached_scores(directory: Path, answers: Any, *, sql: bool = True) -> pa.Table | tuple[str, str]:
    """Scores of ``answers`` (Ibis table), from the directory's cache when it is current.

    A current cache is returned as ``("sql", statement)`` for :func:`_create`
    (DuckDB's SQL), or read into Arrow when ``sql`` is false (another engine).
    """
    import pyarrow.parquet as pq

    from painreg.tidy.schema import table_path

    answers_file = table_path(directory, "answers")
    if answers_file is None:
        return _score(answers.to_pyarrow())
    key = _cache_key(answers_file)
    cache = directory / CACHE_DIR / CACHE_FILE
    try:
        metadata = pq.read_schema(cache).metadata or {}
        if metadata.get(_CACHE_KEY) == key.encode():
            if not sql:
                return pq.read_table(cache).replace_schema_metadata(None)
            # DuckDB reads the cache file itself (7 million rows at scale 10).
            quoted = str(cache.resolve()).replace("'", "''")
            return ("sql", f"CREATE TABLE scores AS SELECT * FROM read_parquet('{quoted}')")
    except (OSError, pa.ArrowException):
        pass  # absent or unreadable: recompute
    scores = _score(answers.to_pyarrow())
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        pq.write_table(scores.replace_schema_metadata({_CACHE_KEY: key.encode()}), tmp)
        os.replace(tmp, cache)  # atomic: a reader never sees half a cache
    except OSError:
        pass  # read-only directory: no cache, same result
    return scores


def _fast_parquet_sql(directory: Path, name: str) -> str | None:
    """SQL creating table ``name`` straight from its Parquet file, or None.

    Why: reading ``answers`` (30 million rows at scale 10) through Arrow
    batches and copying them into DuckDB was most of the load time once the
    scores are cached. When the file's Arrow schema is exactly the interchange
    schema, DuckDB reads it directly and applies what
    :func:`painreg.tidy.schema.conform` does to such a file (empty strings
    are missing, defaults fill empty cells). Tables with list columns, other
    schemas and CSV take the general path.
    """
    import pyarrow.parquet as pq

    from painreg.tidy.schema import get_table, table_path

    path = table_path(directory, name)
    if path is None or path.suffix != ".parquet":
        return None
    table = get_table(name)
    if not pq.read_schema(path).equals(table.arrow_schema, check_metadata=False):
        return None
    columns = []
    for col in table.columns:
        if col.type == "list":
            return None
        expr = f'"{col.name}"'
        if col.arrow_type == pa.string():
            expr = f"NULLIF({expr}, '')"
        if col.default is not None:
            if isinstance(col.default, bool):
                literal = "TRUE" if col.default else "FALSE"
            elif isinstance(col.default, str):
                literal = "'" + col.default.replace("'", "''") + "'"
            else:
                return None
            expr = f"COALESCE({expr}, {literal})"
        columns.append(f'{expr} AS "{col.name}"')
    quoted = str(path.resolve()).replace("'", "''")
    return f"CREATE TABLE \"{name}\" AS SELECT {', '.join(columns)} FROM read_parquet('{quoted}')"


def is_duckdb(con: Any) -> bool:
    """Whether ``con`` is a DuckDB connection (the fast paths send DuckDB's own SQL)."""
    return getattr(con, "name", "") == "duckdb"


def _store(con: Any, name: str, expression: Any) -> Any:
    """``expression`` as table ``name`` of ``con``, replacing one of that name.

    DuckDB: a native in-memory table (Arrow is copied once; the indicators then
    read native tables). Other engines (Spark): a temporary view, which lives
    as long as the session and is replaced by the next load. Why not a table
    there: Spark writes a managed table into its warehouse directory, which
    outlives the session, so loading a register twice failed
    (``LOCATION_ALREADY_EXISTS``).
    """
    if is_duckdb(con):
        return con.create_table(name, expression)
    return con.create_view(name, expression, overwrite=True)


def _create(con: Any, sources: Mapping[str, Any]) -> dict[str, Any]:
    """Ibis tables in ``con`` from Arrow tables or ``("sql", statement)`` pairs
    (DuckDB only: :func:`load_register` makes them for DuckDB alone)."""
    import ibis

    created = {}
    for name, source in sources.items():
        if isinstance(source, tuple):
            con.raw_sql(source[1].replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1))
            created[name] = con.table(name)
        else:
            created[name] = _store(con, name, ibis.memtable(source))
    return created


def _assemble(
    sources: dict[str, Any],
    con: Any,
    *,
    rescore: bool,
    directory: Path | None = None,
    cache: bool = False,
    mpi_options: Mapping[str, Any] | None = None,
) -> Register:
    import ibis

    missing = [name for name in REQUIRED if name not in sources]
    if missing:
        raise RegisterDataError(
            f"the register lacks table(s) {', '.join(missing)}; "
            "give a directory with the interchange files (see docs/interchange.md)"
        )
    stored = sources.pop("scores", None)
    extract = [name for name in SICK_LEAVE if name in sources]
    if len(extract) == 1:
        other = next(name for name in SICK_LEAVE if name not in sources)
        raise RegisterDataError(
            f"a sick-leave extract needs both {' and '.join(SICK_LEAVE)}; {other} is missing"
        )
    for name in (*REQUIRED, *OPTIONAL):
        if name not in sources and name != "scores":
            sources[name] = _empty(name)
    con = con or ibis.duckdb.connect()
    tables = _create(con, sources)
    if stored is not None and not rescore:
        tables.update(_create(con, {"scores": stored}))
        check_stored_scores(tables["answers"], tables["scores"])
    else:
        if directory is not None and cache and not rescore:
            scores = cached_scores(directory, tables["answers"], sql=is_duckdb(con))
        else:
            scores = _score(tables["answers"].to_pyarrow())
        tables.update(_create(con, {"scores": scores}))
    if mpi_options:
        _add_mpi_profiles(con, tables, mpi_options)
    return Register(con=con, **tables)


def mpi_profile_code(label: str) -> float:
    """The numeric code of an MPI profile in ``scores`` (its index in the definition's labels).

    Why a code: ``scores`` is numeric; a profile row (``mpi``, ``profile``) is
    present only where the registry holder's classifier was applied (a stored
    score, or :func:`mpi_profile_scores`). Without the
    classifier there are no such rows (or only ``not_classified``): the
    indicator is then empty and the report says so; nothing is guessed.
    """
    from painreg.instruments import get_instrument

    return float(get_instrument("mpi").score_def("profile").labels.index(label))


def mpi_profile_scores(answers: pa.Table, **options: Any) -> pa.Table:
    """MPI profile rows (``mpi``, ``profile``, value = the label's code) for ``answers``.

    ``options`` are the registry holder's MPI parameters (``item_key`` and
    ``profile_centroids`` or ``profile_classifier``, docs/scoring.md); they are
    passed to :func:`painreg.instruments.score_frame` unchanged. Rows whose
    profile is ``not_classified`` are kept (they are not adaptive copers, and
    they are not counted as classified either).
    """
    import pyarrow.compute as pc

    from painreg.instruments import InstrumentError, score_frame

    mpi = answers.filter(pc.starts_with(answers["item"], "mpi_")).to_pandas()
    if mpi.empty:
        return _empty("scores")
    wide = mpi.pivot(index=["registration_id", "occasion"], columns="item", values="value")
    try:
        profile = score_frame("mpi", wide, **options)["profile"]
    except InstrumentError as exc:
        raise RegisterDataError(f"MPI profiles cannot be classified: {exc}") from None
    frame = profile.dropna().map(mpi_profile_code).rename("value").reset_index()
    frame.insert(2, "instrument", "mpi")
    frame.insert(3, "score", "profile")
    return pa.Table.from_pandas(frame, preserve_index=False).select(
        list(_empty("scores").schema.names)
    )


def _add_mpi_profiles(con: Any, tables: dict[str, Any], options: Mapping[str, Any]) -> None:
    """Replace any stored MPI profiles by those of the holder's classifier."""
    import ibis

    profiles = mpi_profile_scores(tables["answers"].to_pyarrow(), **options)
    s = tables["scores"]
    kept = s.filter(~((s.instrument == "mpi") & (s.score == "profile")))
    combined = kept.union(ibis.memtable(profiles).cast(kept.schema()))
    tables["scores"] = _store(con, "scores_with_mpi_profiles", combined)


def register_from_arrow(
    tables: Mapping[str, pa.Table],
    con: Any = None,
    *,
    rescore: bool = False,
    mpi_options: Mapping[str, Any] | None = None,
) -> Register:
    """A :class:`Register` over Arrow tables (typed as ``interop.schema`` reads them).

    ``scores`` is computed from ``answers`` when absent or when ``rescore``;
    stored scores are spot-checked (:func:`check_stored_scores`).
    ``mpi_options``: the holder's MPI classifier (:func:`mpi_profile_scores`).
    """
    return _assemble(dict(tables), con, rescore=rescore, mpi_options=mpi_options)


def load_register(
    directory: Path | str,
    con: Any = None,
    *,
    rescore: bool = False,
    cache: bool = True,
    mpi_options: Mapping[str, Any] | None = None,
) -> Register:
    """Read an interchange directory (CSV or Parquet); scores as the module says.

    ``mpi_options``: the holder's MPI classifier (:func:`mpi_profile_scores`).
    """
    import ibis

    from painreg.tidy.schema import TABLES, InterchangeError, read_table

    directory = Path(directory)
    if not directory.is_dir():
        raise RegisterDataError(f"{directory}: no such directory")
    con = con or ibis.duckdb.connect()
    sources: dict[str, Any] = {}
    try:
        for name in (*REQUIRED, *OPTIONAL, *SICK_LEAVE):
            if name not in TABLES:
                continue
            sql = _fast_parquet_sql(directory, name) if is_duckdb(con) else None
            if sql is not None:
                sources[name] = ("sql", sql)
                continue
            data = read_table(directory, name)
            if data is not None:
                sources[name] = data
    except InterchangeError as exc:
        raise RegisterDataError(str(exc)) from None
    return _assemble(
        sources, con, rescore=rescore, directory=directory, cache=cache, mpi_options=mpi_options
    )
