"""Soak test of the patient questionnaire under failure: gunicorn + PostgreSQL on this machine.

Simulated patients (threads, 60 by default) answer the primary-care initial
form page by page, as ``eprom_load.py``'s do, while a chaos thread kills a
random gunicorn worker (SIGKILL; the master starts a new one) and another
terminates every PostgreSQL connection of the test database
(``pg_terminate_backend``) at fixed intervals. A patient whose request fails
(a 5xx answer or a dropped connection) does what a phone does: waits a
moment and sends the same request again, a bounded number of times.

It prints the requests, the 5xx answers and dropped connections, how many
of those a retry healed and how many it did not, the answers sent and
stored, and the verification of ``eprom_load.verify``: every submitted
form's answers stored exactly as sent and saved once (no duplicates), every
unfinished form's autosaved pages as sent. It exits non-zero when anything
was lost or duplicated or a failure was not healed by a retry.

This is a script, not a test: it needs PostgreSQL at 127.0.0.1:5432 (user
postgres, trust auth), creates and drops its own database and sends traffic
to 127.0.0.1 only. Its figures are in docs/security.md. Run niced:

    nice .venv/bin/python benchmarks/soak.py                 # about 3 minutes
    nice .venv/bin/python benchmarks/soak.py --duration 60   # shorter
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eprom_load as load

#: What a dropped connection looks like to the client.
DROPPED = (
    http.client.RemoteDisconnected,
    http.client.BadStatusLine,
    ConnectionResetError,
    ConnectionRefusedError,
    BrokenPipeError,
    socket.timeout,
)
ATTEMPTS = 8


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0  # 5xx answers
    unavailable: int = 0  # of which 503 (the database went away; Retry-After)
    dropped: int = 0  # connections closed or refused mid-request
    healed: int = 0  # failed requests that a later attempt completed
    unhealed: int = 0  # requests that failed every attempt
    forms_submitted: int = 0
    kills: int = 0
    terminations: int = 0


def _send(browser: load.Browser, tally: Tally, lock: threading.Lock, *args: object) -> int:
    """One request as a phone sends it: again after a pause while it fails."""
    failed = False
    for attempt in range(1, ATTEMPTS + 1):
        try:
            status = browser.request(*args)  # type: ignore[arg-type]
        except DROPPED:
            browser.close()
            status = None
        with lock:
            tally.requests += 1
            if status is None:
                tally.dropped += 1
            elif status >= 500:
                tally.server_errors += 1
                tally.unavailable += status == 503
        if status is not None and status < 500:
            if failed:
                with lock:
                    tally.healed += 1
            return status
        failed = True
        time.sleep(0.2 * attempt)
    with lock:
        tally.unhealed += 1
    return 0


def patient(
    port: int,
    queue: list,
    sent: dict,
    tally: Tally,
    lock: threading.Lock,
    deadline: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        with lock:
            if not queue:
                return
            token, birth, pages = queue.pop()
        browser = load.Browser(port)
        record: dict[str, str] = {}
        sent[token] = {"answers": record, "submitted": False}
        base = f"/enkat/{token}/"
        _send(browser, tally, lock, "GET", base)
        if _send(browser, tally, lock, "POST", base, {"identity": birth}) != 302:
            browser.close()
            continue
        for page in pages:
            form = load.random_answers(page, rng)
            if _send(browser, tally, lock, "POST", f"{base}sida/{page.number}/",
                      {**form, "move": "next"}) == 302:  # fmt: skip
                record.update(form)
            time.sleep(load.PAUSE)
        if _send(browser, tally, lock, "POST", f"{base}skicka/", {}) == 302:
            sent[token]["submitted"] = True
            with lock:
                tally.forms_submitted += 1
        browser.close()


def kill_workers(server: int, every: float, tally: Tally, stop: threading.Event) -> None:
    rng = random.Random(7)
    while not stop.wait(every):
        workers = load._children(server)
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                tally.kills += 1
            except ProcessLookupError:
                pass


def terminate_connections(database: str, every: float, tally: Tally, stop: threading.Event):
    import psycopg

    while not stop.wait(every):
        with psycopg.connect(f"host={load.HOST} user=postgres dbname=postgres") as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
        tally.terminations += len(rows)


def answers_stored(sent: dict) -> tuple[int, int]:
    """(answers sent, answers stored) over the submitted forms."""
    from painreg.eprom import actions
    from painreg.registry.models import Answer

    sent_n = stored_n = 0
    for token, entry in sent.items():
        if entry["submitted"]:
            sent_n += len(entry["answers"])
            occasion = actions.find_by_token(token).occasion
            stored_n += Answer.objects.filter(occasion=occasion).count()
    return sent_n, stored_n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=60, help="concurrent patients (60)")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load (120)")
    parser.add_argument("--kill-every", type=float, default=10, help="kill a worker every N s")
    parser.add_argument("--terminate-every", type=float, default=7,
                        help="terminate the database connections every N s")  # fmt: skip
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    args = parser.parse_args()
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    name = f"painreg_soak_{os.getpid()}"
    database_url = load.setup_database(name)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "painreg.settings"
    sys.path.insert(0, str(load.ROOT / "src"))
    import django

    django.setup()
    from django.db import connections

    form_seconds = 15 * (load.PAUSE + 0.05) + 0.5
    needed = int(args.patients * (args.duration / form_seconds + 1.5))
    print(f"seeding {needed} invited patients into {name} ...", flush=True)
    queue = load.seed(needed)
    connections.close_all()
    port = load._free_port()
    server = load.start_gunicorn(database_url, port, args.workers, args.threads)
    tally, lock, stop, sent = Tally(), threading.Lock(), threading.Event(), {}
    chaos = [
        threading.Thread(target=kill_workers, args=(server.pid, args.kill_every, tally, stop)),
        threading.Thread(
            target=terminate_connections, args=(name, args.terminate_every, tally, stop)
        ),
    ]
    deadline = time.monotonic() + args.duration
    patients = [
        threading.Thread(target=patient, args=(port, queue, sent, tally, lock, deadline, i))
        for i in range(args.patients)
    ]
    try:
        for thread in chaos:
            thread.start()
        for thread in patients:
            thread.start()
            time.sleep(0.05)
        for thread in patients:
            thread.join()
    finally:
        stop.set()
        for thread in chaos:
            thread.join()
        server.terminate()
        server.wait(timeout=30)
    submitted, partial, problems = load.verify(sent)
    sent_n, stored_n = answers_stored(sent)
    connections.close_all()
    load.drop_database(name)
    print(
        f"{args.patients} patients, {args.duration:.0f} s, {args.workers} workers x "
        f"{args.threads} threads; chaos: {tally.kills} workers killed, "
        f"{tally.terminations} database connections terminated"
    )
    print(
        f"requests {tally.requests}: 5xx {tally.server_errors} ({tally.unavailable} of them 503), "
        f"dropped connections "
        f"{tally.dropped}; healed by a retry {tally.healed}, not healed {tally.unhealed}"
    )
    print(
        f"forms submitted {tally.forms_submitted}; answers sent {sent_n}, stored {stored_n}; "
        f"verification of {submitted} submitted and {partial} unfinished forms: "
        f"{len(problems)} problem(s)"
    )
    for problem in problems[:20]:
        print("  " + problem)
    ok = not problems and tally.unhealed == 0 and sent_n == stored_n
    print("nothing lost, nothing duplicated, every failure healed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
