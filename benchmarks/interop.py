"""Benchmark of the interchange path: synthetic generation, validation, import, export.

Prints rows/s and peak memory (max RSS) of each step, and a baseline computed
in the same run: saving a sample of answers row by row through the ORM, the
way a naive import would, against the bulk load (COPY / multi-row INSERT).

Goals: scale 1 imports into PostgreSQL in under 2 minutes with
bounded memory; scale 10 generates in under 10 minutes.

    .venv/bin/python benchmarks/interop.py                 # scale 1, SQLite + PostgreSQL
    .venv/bin/python benchmarks/interop.py --scale10       # also generate scale 10
    .venv/bin/python benchmarks/interop.py --no-postgres   # SQLite only
    .venv/bin/python benchmarks/interop.py --no-sqlite     # PostgreSQL only (the import goal)

Each step runs in its own process so its peak memory is its own. On a shared
machine wall time depends on the load: the CPU seconds of the step's process
are printed too, and for a PostgreSQL import the CPU seconds of its server
process (``pg``, when the server runs on this machine). PostgreSQL
is ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432``);
the benchmark creates and drops its own database there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = "painreg_bench_interop"
BASELINE_SAMPLE = 3_000
GOAL_SECONDS = 120  # the goal: scale 1 into PostgreSQL in under 2 minutes


def _rows(directory: Path) -> int:
    import pyarrow.parquet as pq

    total = 0
    for path in directory.glob("*.parquet"):
        total += pq.ParquetFile(path).metadata.num_rows
    return total


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    # Production settings refuse to start without a strong key; any random one serves here.
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def step(name: str, args: dict) -> dict:
    """Run one step in this process; return figures."""
    start = time.perf_counter()
    rows = 0
    extra: dict = {}
    if name == "generate":
        from painreg.synth.registry import generate

        counts = generate(Path(args["dir"]), scale=args["scale"], format="parquet")
        rows = sum(counts.values())
    elif name == "validate":
        from painreg.tidy.validation import validate_directory

        report = validate_directory(Path(args["dir"]))
        assert report.ok, [str(p) for p in report.problems[:5]]
        rows = sum(report.rows.values())
    elif name == "import":
        _setup_django(args["db"])
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from painreg.interop.load import import_register

        backend = _backend_pid()
        server_before = _process_cpu(backend)
        start = time.perf_counter()  # migrations are not the import
        result = import_register(Path(args["dir"]), username="benchmark")
        rows = sum(result.added.values())
        if backend is not None and server_before is not None:
            server = _process_cpu(backend)
            extra["pg_cpu"] = None if server is None else server - server_before
    elif name == "export":
        _setup_django(args["db"])
        from painreg.interop.export import export_register

        result = export_register(Path(args["dir"]), format="parquet", username="benchmark")
        rows = sum(result.rows.values())
    elif name == "orm_baseline":
        rows, seconds = _orm_baseline(args["db"], Path(args["dir"]))
        start = time.perf_counter() - seconds  # only the saves are timed
    else:
        raise SystemExit(f"unknown step {name}")
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "step": name,
        "rows": rows,
        "seconds": elapsed,
        "cpu": usage.ru_utime + usage.ru_stime,  # of the whole process, setup included
        "peak_mb": usage.ru_maxrss / 1024,
        **extra,
    }


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of a local process (the PostgreSQL backend), if visible."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None  # another machine, or no /proc
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _orm_baseline(database_url: str, directory: Path) -> tuple[int, float]:
    """Answers saved one by one with Model.save() (into the imported database, new items)."""
    _setup_django(database_url)
    import pyarrow.parquet as pq
    from django.db import transaction

    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Answer, Occasion

    first = pq.ParquetFile(directory / "answers.parquet").read_row_group(0)  # not all 16 M rows
    sample = first.slice(0, BASELINE_SAMPLE).to_pylist()
    occasion = Occasion.objects.order_by("pk").first()
    start = time.perf_counter()
    with transaction.atomic(), writes_allowed():
        for i, row in enumerate(sample):
            Answer(
                occasion=occasion,
                item=f"bench_{i}",  # unique per occasion; the row's cost is what is measured
                value=row["value"],
                answered_on=row["answered_on"],
                source="import",
            ).save()
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return len(sample), seconds


def run_step(name: str, **args: object) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, "--args", json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print(label: str, figures: dict) -> None:
    rate = figures["rows"] / figures["seconds"] if figures["seconds"] else float("nan")
    print(
        f"{label:<42} {figures['rows']:>12,} rows {figures['seconds']:>8.1f} s "
        f"{rate:>12,.0f} rows/s  cpu {figures['cpu']:>7.1f} s  peak {figures['peak_mb']:>7,.0f} MB"
        + (f"  pg {figures['pg_cpu']:.1f} s" if figures.get("pg_cpu") is not None else ""),
        flush=True,
    )


def _pg(command: str) -> None:
    subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-q", "-c", command], check=True, capture_output=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale10", action="store_true", help="also generate scale 10")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.step:
        print(json.dumps(step(options.step, json.loads(options.args))))
        return

    work = Path(tempfile.mkdtemp(prefix="painreg-bench-interop-"))
    try:
        data = work / "scale1"
        _print("generate scale 1 (Parquet)", run_step("generate", dir=str(data), scale=1.0))
        print(f"{'':<42} {_rows(data):>12,} rows in the files")
        _print("validate scale 1", run_step("validate", dir=str(data)))
        targets = []
        if not options.no_sqlite:
            targets.append(("SQLite", f"sqlite:///{work / 'bench.sqlite3'}"))
        if not options.no_postgres:
            _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg(f"CREATE DATABASE {PG_DB}")
            targets.append(("PostgreSQL", f"{PG_SERVER}/{PG_DB}"))
        for label, url in targets:
            imported = run_step("import", dir=str(data), db=url)
            _print(f"import scale 1 into {label} (validation incl.)", imported)
            if label == "PostgreSQL":
                met = "met" if imported["seconds"] < GOAL_SECONDS else "NOT met"
                print(f"{'':<42} goal: under {GOAL_SECONDS} s wall -> {met}", flush=True)
            baseline = run_step("orm_baseline", dir=str(data), db=url)
            _print(f"  baseline: row-by-row ORM save, {label}", baseline)
            bulk = imported["rows"] / imported["seconds"]
            orm = baseline["rows"] / baseline["seconds"]
            print(f"{'':<42} bulk import is {bulk / orm:,.1f}x the ORM row rate")
            exported = run_step("export", dir=str(work / f"export-{label}"), db=url)
            _print(f"export scale 1 from {label}", exported)
        if options.scale10:
            _print(
                "generate scale 10 (Parquet)",
                run_step("generate", dir=str(work / "scale10"), scale=10.0),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not options.no_postgres:
            try:
                _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
            except subprocess.CalledProcessError:
                pass


if __name__ == "__main__":
    main()
