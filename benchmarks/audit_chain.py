"""Benchmark of the audit trail's hash chain: the write overhead of chaining, and verify.

In the same run and the same database, against a baseline of **unchained**
inserts (the same rows saved as they were before the chain: one INSERT in its
own transaction, no head lock, no hashes), it measures:

* one audit event per transaction (``audit.record_event``, as every write does);
* one access-log entry per transaction (``audit.log_access``, as every page does);
* a bulk of access-log entries (``audit.log_access_many``, as list pages and
  exports do), against one unchained ``bulk_create``;
* on PostgreSQL, the same single events from several threads at once (the head's
  row lock serialises them), against unchained inserts from as many threads;
* ``audit.chain.verify`` over everything written (rows/s), checked intact.

    .venv/bin/python benchmarks/audit_chain.py                # SQLite and PostgreSQL
    .venv/bin/python benchmarks/audit_chain.py --no-postgres  # SQLite only
    .venv/bin/python benchmarks/audit_chain.py --writes 5000

Each database runs in its own process. PostgreSQL is ``BENCH_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432``); the benchmark creates and
drops its own database there. Figures are wall time on a possibly shared
machine: compare the chained and unchained lines of one run, not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = "painreg_bench_audit"
THREADS = 4
BULK = 5_000


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class _Unchained:
    """Saves rows as the audit tables did before the chain: a plain INSERT."""

    def __init__(self) -> None:
        self.next = -1  # negative numbers: never a chain's; deleted before verify
        self.lock = threading.Lock()

    def number(self, count: int = 1) -> int:
        with self.lock:
            first = self.next
            self.next -= count
            return first

    def save(self, row) -> None:  # type: ignore[no-untyped-def]
        from django.db import transaction
        from django.db.models import Model

        row.seq, row.prev_hash, row.payload_hash, row.row_hash = self.number(), "", "", ""
        with transaction.atomic():
            Model.save(row)

    def bulk(self, rows) -> None:  # type: ignore[no-untyped-def]
        from django.db import transaction

        first = self.number(len(rows))
        for i, row in enumerate(rows):
            row.seq, row.prev_hash, row.payload_hash, row.row_hash = first - i, "", "", ""
        with transaction.atomic():
            type(rows[0]).objects.bulk_create(rows, batch_size=5_000)


def _event(i: int):  # type: ignore[no-untyped-def]
    from painreg.audit.models import AuditEvent

    return AuditEvent(
        username=f"user{i % 50}",
        action="registration.update",
        object_type="registration",
        object_id=str(i),
        reason="",
        detail={"changes": {"education": ["compulsory", "university"]}, "n": i},
    )


def _access(i: int):  # type: ignore[no-untyped-def]
    from painreg.audit.models import AccessLog

    return AccessLog(username=f"user{i % 50}", action="view_patient", detail=f"patient page {i}")


def _timed(label: str, count: int, work) -> dict:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    return {"label": label, "rows": count, "seconds": seconds}


def _threads(count: int, per_thread: int, work) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait()
        try:
            for i in range(per_thread):
                work(n * per_thread + i)
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def measure(database_url: str, writes: int, concurrent: bool) -> list[dict]:
    _setup_django(database_url)
    from django.db import connection

    from painreg import audit
    from painreg.audit import chain

    plain = _Unchained()
    results = []
    pairs = [
        (
            "audit event, one per transaction",
            lambda: [plain.save(_event(i)) for i in range(writes)],
            lambda: [
                audit.record_event(
                    user=None, username=f"user{i % 50}", action="registration.update",
                    detail={"changes": {"education": ["compulsory", "university"]}, "n": i},
                )
                for i in range(writes)
            ],
            writes,
        ),
        (
            "access-log entry, one per transaction",
            lambda: [plain.save(_access(i)) for i in range(writes)],
            lambda: [
                audit.log_access(
                    user=None, username=f"user{i % 50}", action="view_patient",
                    detail=f"patient page {i}",
                )
                for i in range(writes)
            ],
            writes,
        ),
        (
            f"access-log bulk of {BULK:,} entries",
            lambda: plain.bulk([_access(i) for i in range(BULK)]),
            lambda: audit.log_access_many(
                user=None, username="user", action="export", patient_ids=range(BULK)
            ),
            BULK,
        ),
    ]  # fmt: skip
    if concurrent:
        per = max(writes // THREADS, 1)
        pairs.append(
            (
                f"audit event from {THREADS} threads at once",
                lambda: _threads(THREADS, per, lambda i: plain.save(_event(i))),
                lambda: _threads(
                    THREADS,
                    per,
                    lambda i: audit.record_event(
                        user=None,
                        username=f"user{i % 50}",
                        action="registration.update",
                        detail={"n": i},
                    ),
                ),
                THREADS * per,
            )
        )
    for label, unchained, chained, count in pairs:
        base = _timed(label, count, unchained)
        linked = _timed(label, count, chained)
        results.append({"label": label, "unchained": base, "chained": linked})
    with connection.cursor() as cursor:  # the baseline's rows are no chain's
        cursor.execute("DELETE FROM audit_auditevent WHERE seq < 0")
        cursor.execute("DELETE FROM audit_accesslog WHERE seq < 0")
    for name in chain.CHAINS:
        start = time.perf_counter()
        report = chain.verify(name)
        seconds = time.perf_counter() - start
        assert report.ok, report.findings[:3]
        results.append(
            {"label": f"verify {name}", "verify": {"rows": report.rows, "seconds": seconds}}
        )
    return results


def _pg(command: str) -> None:
    subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-q", "-c", command], check=True, capture_output=True
    )


def _print(engine: str, results: list[dict]) -> None:
    print(f"\n{engine}")
    print(f"{'':<42} {'unchained':>14} {'chained':>14} {'overhead':>10}")
    for r in results:
        if "verify" in r:
            v = r["verify"]
            rate = v["rows"] / v["seconds"] if v["seconds"] else float("inf")
            print(f"{r['label']:<42} {v['rows']:>10,} rows in {v['seconds']:.2f} s "
                  f"({rate:,.0f} rows/s), intact")  # fmt: skip
            continue
        base, linked = r["unchained"], r["chained"]
        per_base = base["seconds"] / base["rows"] * 1e6
        per_linked = linked["seconds"] / linked["rows"] * 1e6
        print(f"{r['label']:<42} {per_base:>11,.0f} µs {per_linked:>11,.0f} µs "
              f"{per_linked / per_base:>9.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2_000, help="single writes per case")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.engine:
        results = measure(options.url, options.writes, options.engine == "PostgreSQL")
        print(json.dumps(results))
        return

    print("µs per row written (wall); overhead = chained / unchained, same run, same database")
    with tempfile.TemporaryDirectory(prefix="painreg-bench-audit-") as work:
        targets = []
        if not options.no_sqlite:
            targets.append(("SQLite", f"sqlite:///{Path(work) / 'bench.sqlite3'}"))
        if not options.no_postgres:
            _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg(f"CREATE DATABASE {PG_DB}")
            targets.append(("PostgreSQL", f"{PG_SERVER}/{PG_DB}"))
        try:
            for engine, url in targets:
                out = subprocess.run(
                    [sys.executable, __file__, "--engine", engine, "--url", url,
                     "--writes", str(options.writes)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                _print(engine, json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            if not options.no_postgres:
                _pg(f"DROP DATABASE IF EXISTS {PG_DB}")


if __name__ == "__main__":
    main()
