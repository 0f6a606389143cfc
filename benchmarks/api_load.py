"""Load benchmark of the API: gunicorn + PostgreSQL (+ Redis for the rate limit) here.

Two workloads, each first with one client (the baseline of the same run), then
with ``--clients`` concurrent clients (threads with keep-alive connections),
each for ``--seconds``:

* **read**: ``GET /api/v1/registrations?unit_id=..&limit=100`` (a unit's
  registrations, the integration's polling request);
* **write**: ``POST /fhir/QuestionnaireResponse``, each a HADS response for
  another registration's initial occasion (validated, scored, audited,
  written through the same action as the web form).

It prints requests/s, p50 and p99 per stage, then checks the register after
the run: every response the server accepted (201) has exactly its answers
stored with source ``import`` and its HADS scores, no other occasion has
answers, and no request got a server error. Needs PostgreSQL at
127.0.0.1:5432 (user postgres, trust); creates and drops its own database.
Uses Redis at 127.0.0.1:6379 (database 14) for the rate limit's count when it
answers. Run niced:

    nice python benchmarks/api_load.py              # about 2 minutes
    nice python benchmarks/api_load.py --quick      # about 40 s
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/14"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _personnummer(index: int) -> str:
    """A valid, unique personnummer (Luhn) for simulated patient ``index``."""
    year = 1940 + index % 60
    day = 1 + (index // 60) % 28
    month = 1 + (index // (60 * 28)) % 12
    serial = 100 + (index // (60 * 28 * 12)) % 900
    body = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{year // 100}{body}{(10 - total % 10) % 10}"


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"host={HOST} user=postgres dbname=postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def seed(count: int) -> tuple[int, str, list[tuple[int, str]]]:
    """A unit with ``count`` rehab registrations and a write token of its registrar:
    (unit id, token, [(registration id, personnummer)])."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from painreg.api import tokens
    from painreg.registry import actions

    call_command("migrate", verbosity=0)
    unit = actions.create_unit(
        user=None, code="BENCH", name="Bench", region="14", care_level="specialist"
    )
    user = get_user_model().objects.create_user("ehr-bench", password=secrets.token_hex(16))
    actions.add_membership(user=None, member=user, role="registrar", unit=unit)
    registrations = []
    for index in range(count):
        number = _personnummer(index)
        registration = actions.create_registration(
            user=None,
            unit=unit,
            personnummer=number,
            category="rehab",
            first_visit_date=dt.date.today() - dt.timedelta(days=1),
            rehab_start_date=dt.date.today(),
            main_diagnosis="M79.7",
        )
        registrations.append((registration.pk, number))
    _row, token = tokens.create_token(
        user=None, owner=user, scope="write", days=1, unit=unit, username="bench"
    )
    return unit.pk, token, registrations


def answers_for(index: int) -> dict[str, float]:
    """HADS answers of simulated patient ``index`` (all 14 items, values 0-3)."""
    return {f"hads_{i}": float((index + i) % 4) for i in range(1, 15)}


def start_gunicorn(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PAINREG_SECURE_COOKIES": "0",
        "PAINREG_ALLOWED_HOSTS": HOST,
        "PAINREG_CONN_MAX_AGE": "600",
        "PAINREG_API_RATE": "1000000/60",
        "DJANGO_SETTINGS_MODULE": "painreg.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if _redis_up():
        env["PAINREG_CACHE_URL"] = REDIS_URL
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "painreg.wsgi:application"),
            *("--bind", f"{HOST}:{port}", "--worker-class", "gthread"),
            *("--workers", str(workers), "--threads", str(threads), "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


@dataclass
class Stage:
    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: list[int] = field(default_factory=list)  # indexes of responses stored (201)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Host": HOST, "Authorization": f"Bearer {token}"}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/fhir+json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.RemoteDisconnected):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(stage: Stage, port: int, token: str, work: Any) -> None:
    stop = time.monotonic() + stage.seconds

    def loop() -> None:
        client = Client(port, token)
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, index = work(client)
            ms = (time.perf_counter() - t0) * 1000
            with stage.lock:
                stage.latencies.append(ms)
                stage.statuses[status] = stage.statuses.get(status, 0) + 1
                if status == 201 and index is not None:
                    stage.accepted.append(index)
            if index is None and status == 0:
                return

    threads = [threading.Thread(target=loop) for _ in range(stage.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stage.elapsed = time.monotonic() - started


def report(stage: Stage) -> str:
    rate = len(stage.latencies) / stage.elapsed if stage.elapsed else 0.0
    return (
        f"{stage.name:<6} {stage.clients:>3} clients {stage.elapsed:5.1f} s: "
        f"{rate:7.1f} requests/s, p50 {percentile(stage.latencies, 50):6.1f} ms, "
        f"p99 {percentile(stage.latencies, 99):6.1f} ms, "
        f"statuses {dict(sorted(stage.statuses.items()))}"
    )


def check_register(registrations: list[tuple[int, str]], accepted: list[int]) -> list[str]:
    """What the register holds against what the server accepted."""
    from painreg.registry.models import Answer, Score

    problems = []
    stored: dict[int, dict[str, float]] = {}
    for reg_id, item, value, source in Answer.objects.filter(occasion__kind="initial").values_list(
        "occasion__registration_id", "item", "value", "source"
    ):
        stored.setdefault(reg_id, {})[item] = value
        if source != "import":
            problems.append(f"registration {reg_id}: answer source {source}")
    wanted = {registrations[i][0]: answers_for(i) for i in accepted}
    for reg_id, answers in wanted.items():
        if stored.get(reg_id) != answers:
            problems.append(f"registration {reg_id}: stored {stored.get(reg_id)} != sent")
    for reg_id in set(stored) - set(wanted):
        problems.append(f"registration {reg_id}: answers that no accepted request sent")
    scored = set(
        Score.objects.filter(instrument="hads").values_list("occasion__registration_id", flat=True)
    )
    if scored != set(wanted):
        problems.append(f"HADS scores for {len(scored)} occasions, {len(wanted)} accepted")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=25, help="seconds per stage (25)")
    parser.add_argument("--quick", action="store_true", help="8 s stages")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--registrations", type=int, default=3000, help="seeded (3000)")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 8.0
        args.registrations = min(args.registrations, 1500)
    # Production settings refuse a weak key; a random one serves the benchmark's server.
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    name = f"painreg_apibench_{os.getpid()}"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    database_url = f"postgres://postgres@{HOST}:5432/{name}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "painreg.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connections

    from painreg.interop import fhir

    server = None
    try:
        t0 = time.monotonic()
        unit_id, token, registrations = seed(args.registrations)
        print(f"seeded {len(registrations)} registrations in {time.monotonic() - t0:.0f} s")
        connections.close_all()
        port = _free_port()
        server = start_gunicorn(database_url, port, args.workers, args.threads)
        print(
            f"gunicorn gthread {args.workers} workers x {args.threads} threads, "
            f"rate limit cache: {'Redis' if _redis_up() else 'per process'}; "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        read_path = f"/api/v1/registrations?unit_id={unit_id}&limit=100"

        def read(client: Client) -> tuple[int, None]:
            return client.request("GET", read_path)[0], None

        bodies = [
            fhir.response_resource(
                registration_id=reg_id,
                occasion="initial",
                personnummer=number,
                instrument_id="hads",
                answers=answers_for(i),
                answered_on=dt.date.today(),
            )
            for i, (reg_id, number) in enumerate(registrations)
        ]
        next_index = iter(range(len(bodies)))
        index_lock = threading.Lock()

        def write(client: Client) -> tuple[int, int | None]:
            with index_lock:
                index = next(next_index, None)
            if index is None:
                return 0, None  # every registration answered: the stage ends early
            status, _ = client.request("POST", "/fhir/QuestionnaireResponse", bodies[index])
            return status, index

        run(Stage("warmup", 4, 3.0), port, token, read)
        stages = []
        for name_, clients, work in (
            ("read", 1, read),
            ("read", args.clients, read),
            ("write", 1, write),
            ("write", args.clients, write),
        ):
            stage = Stage(name_, clients, args.seconds)
            run(stage, port, token, work)
            print(report(stage), flush=True)
            stages.append(stage)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    accepted = [i for s in stages if s.name == "write" for i in s.accepted]
    errors = sum(n for s in stages for code, n in s.statuses.items() if code >= 500)
    problems = check_register(registrations, accepted)
    print()
    print(
        f"after the run: {len(accepted)} QuestionnaireResponses accepted, "
        f"{len(problems)} problems in the register, {errors} server errors"
    )
    for problem in problems[:20]:
        print(f"  {problem}")
    connections.close_all()
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if problems or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
