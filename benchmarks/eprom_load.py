"""Load benchmark of the patient questionnaire: gunicorn + PostgreSQL on this machine.

Simulated patients (threads) answer the primary-care initial form page by
page in a closed loop: identity check, every page posted (one page
submission = one request that validates and autosaves a page; 5 % of them
are posted twice, as a retry after a lost response), a 0.5 s pause between
pages, then the final submit (posted twice by 20 % of the patients). When a
patient finishes a form it takes the next invitation.

Stages, each bounded in time: 1 patient (the unloaded baseline), then
10, 25, **50 (the main stage, --duration seconds, default 120)**, 75 and 100
concurrent patients, to find the load at which p99 crosses 300 ms. It prints
page submissions/s and p50/p99 latency per stage and then checks that what
is stored equals exactly what was sent: every submitted form's answers in
the register (none lost, none twice: one ``answers.save`` per occasion), and
every unfinished form's autosaved pages.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); creates and
drops its own database. Run once, niced:

    nice .venv/bin/python benchmarks/eprom_load.py            # about 6 minutes
    nice .venv/bin/python benchmarks/eprom_load.py --quick    # about 2 minutes
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PAUSE = 0.5
RETRY_PAGE = 0.05
RETRY_SUBMIT = 0.20
GOAL_P99_MS = 300.0
GOAL_RATE = 80.0
NO_SUBMIT = False
KEEP_ALIVE = True


# --- set-up --------------------------------------------------------------------


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


def setup_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"host={HOST} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@{HOST}:5432/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"host={HOST} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(count: int) -> list[tuple[str, str, list]]:
    """``count`` invited patients: (token, birth date answer, pages)."""
    import datetime as dt

    from django.core.management import call_command

    from painreg.eprom import actions as eprom_actions
    from painreg.eprom import questionnaire
    from painreg.registry import actions

    call_command("migrate", verbosity=0)
    unit = actions.create_unit(
        user=None, code="BENCH", name="Bench", region="14", care_level="primary"
    )
    out = []
    for index in range(count):
        number = _personnummer(index)
        registration = actions.create_registration(
            user=None,
            unit=unit,
            personnummer=number,
            category="rehab",
            first_visit_date=dt.date.today(),
            main_diagnosis="M79.7",
        )
        occasion = registration.occasions.get(kind="initial")
        invitation, token = eprom_actions.create_invitation(user=None, occasion=occasion)
        birth = f"{number[:4]}-{number[4:6]}-{number[6:8]}"
        out.append((token, birth, questionnaire.pages(invitation.instruments)))
    return out


def start_gunicorn(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PAINREG_SECRET_KEY": os.environ["PAINREG_SECRET_KEY"],
        "PAINREG_SECURE_COOKIES": "0",
        "PAINREG_ALLOWED_HOSTS": HOST,
        "PAINREG_CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "painreg.settings",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "painreg.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
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


# --- the simulated patient ---------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies, CSRF token, form posts, no redirects followed.

    Like a browser it keeps its connection open between requests (HTTP/1.1
    keep-alive; gunicorn's gthread worker parks idle connections without
    holding a thread) and opens a new one when the server has closed it. It
    still reads every response in full and parses every ``Set-Cookie``.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.count = 0  # requests answered

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> int:
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle kept-alive connection before this request
                # reached it (nothing was processed): send it again on a new one.
                self.close()
                if fresh or attempt == 2:
                    raise
                continue
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    match = re.match(r"([^=]+)=([^;]*)", value)
                    if match:
                        self.cookies[match[1]] = match[2]
            if response.will_close or not KEEP_ALIVE:
                self.close()
            self.count += 1
            return response.status
        raise AssertionError("unreachable")


@dataclass
class Stage:
    patients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # page submissions, ms
    submit_latencies: list[float] = field(default_factory=list)
    errors: int = 0
    forms_done: int = 0
    requests: int = 0  # every HTTP request (identity, pages, retries, submits)
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process group


def random_answers(page: Any, rng: random.Random) -> dict[str, str]:
    from painreg import instruments

    out = {}
    for item_id in page.items:
        item = instruments.find_item(item_id)
        if item.values is not None:
            value = rng.choice(item.values)
        else:
            value = rng.randint(int(item.min), int(item.max))
        out[item_id] = str(int(value)) if float(value).is_integer() else str(value)
    return out


def patient_loop(
    stage: Stage,
    port: int,
    queue: list,
    lock: threading.Lock,
    deadline: float,
    sent: dict,
    seed_value: int,
) -> None:
    browsers: list[Browser] = []
    try:
        _patient_loop(stage, browsers, port, queue, lock, deadline, sent, seed_value)
    finally:
        with lock:
            stage.requests += sum(b.count for b in browsers)


def _patient_loop(
    stage: Stage,
    browsers: list[Browser],
    port: int,
    queue: list,
    lock: threading.Lock,
    deadline: float,
    sent: dict,
    seed_value: int,
) -> None:
    rng = random.Random(seed_value)
    while time.monotonic() < deadline:
        with lock:
            if not queue:
                return
            token, birth, pages = queue.pop()
        browser = Browser(port)
        browsers.append(browser)
        record: dict[str, str] = {}
        sent[token] = {"answers": record, "submitted": False}
        base = f"/enkat/{token}/"
        browser.request("GET", base)
        if browser.request("POST", base, {"identity": birth}) != 302:
            browser.close()
            with lock:
                stage.errors += 1
            continue
        for page in pages:
            if time.monotonic() >= deadline:
                browser.close()
                return
            form = random_answers(page, rng)
            repeats = 2 if rng.random() < RETRY_PAGE else 1
            for _ in range(repeats):
                started = time.perf_counter()
                status = browser.request(
                    "POST", f"{base}sida/{page.number}/", {**form, "move": "next"}
                )
                took = (time.perf_counter() - started) * 1000
                with lock:
                    if status == 302:
                        stage.latencies.append(took)
                    else:
                        stage.errors += 1
            record.update(form)
            time.sleep(PAUSE)
        repeats = 2 if rng.random() < RETRY_SUBMIT else 1
        for _ in range(0 if NO_SUBMIT else repeats):
            started = time.perf_counter()
            status = browser.request("POST", f"{base}skicka/", {})
            took = (time.perf_counter() - started) * 1000
            with lock:
                if status == 302:
                    stage.submit_latencies.append(took)
                    sent[token]["submitted"] = True
                else:
                    stage.errors += 1
        browser.close()
        with lock:
            stage.forms_done += 1


def run_stage(
    stage: Stage, port: int, queue: list, sent: dict, meter: CpuMeter | None = None
) -> None:
    lock = threading.Lock()
    before = meter.read() if meter else {}
    started = time.monotonic()
    deadline = started + stage.seconds
    threads = [
        threading.Thread(
            target=patient_loop,
            args=(stage, port, queue, lock, deadline, sent, 1000 * stage.patients + i),
        )
        for i in range(stage.patients)
    ]
    for thread in threads:
        thread.start()
        time.sleep(min(0.05, PAUSE / stage.patients))  # spread the first requests
    for thread in threads:
        thread.join()
    stage.elapsed = time.monotonic() - started
    if meter:
        after = meter.read()
        stage.cpu = {k: after[k] - before.get(k, 0.0) for k in after}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- CPU accounting -------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds used so far by the load generator, gunicorn and this database's
    PostgreSQL backends (read from /proc, so the other jobs on the machine do not
    count). PostgreSQL's shared background processes (WAL writer, checkpointer)
    are not counted."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid = server_pid
        self.database = database
        self.backends: dict[int, float] = {}  # last reading of each backend seen

    def _backend_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(f"host={HOST} user=postgres dbname=postgres") as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchall()
        return [r[0] for r in rows]

    def read(self) -> dict[str, float]:
        client = time.process_time()
        server = _proc_cpu(self.server_pid) + sum(_proc_cpu(p) for p in _children(self.server_pid))
        for pid in self._backend_pids():
            self.backends[pid] = max(self.backends.get(pid, 0.0), _proc_cpu(pid))
        for pid in list(self.backends):
            now = _proc_cpu(pid)
            if now:
                self.backends[pid] = now  # an ended backend keeps its last reading
        return {"client": client, "gunicorn": server, "postgres": sum(self.backends.values())}


def cpu_line(stage: Stage) -> str:
    """CPU per HTTP request by process group: the figure that does not depend on
    what else runs on the machine (wall-clock latency does)."""
    per = {k: 1000 * v / max(stage.requests, 1) for k, v in stage.cpu.items()}
    total = sum(per.values())
    parts = ", ".join(f"{k} {v:.1f}" for k, v in per.items())
    busy = sum(stage.cpu.values()) / max(stage.elapsed, 1e-9)
    return (
        f"CPU per request {total:.1f} ms ({parts}) over {stage.requests} requests; "
        f"{busy:.2f} cores busy; load average {os.getloadavg()[0]:.2f}"
    )


# --- verification ---------------------------------------------------------------------


def verify(sent: dict) -> tuple[int, int, list[str]]:
    """Compare the register with what was sent; returns (submitted, partial, problems)."""
    from painreg.audit.models import AuditEvent
    from painreg.eprom import actions
    from painreg.registry.models import Answer

    problems = []
    submitted = partial = 0
    for token, entry in sent.items():
        invitation = actions.find_by_token(token)
        expected = {k: float(v) for k, v in entry["answers"].items()}
        if entry["submitted"]:
            submitted += 1
            stored = dict(
                Answer.objects.filter(occasion=invitation.occasion).values_list("item", "value")
            )
            saves = AuditEvent.objects.filter(
                action="answers.save", object_id=str(invitation.occasion_id)
            ).count()
            if stored != expected:
                problems.append(f"{token[:8]}: stored answers differ from those sent")
            if saves != 1 or invitation.status != "submitted":
                problems.append(f"{token[:8]}: saved {saves} times (status {invitation.status})")
        else:
            partial += 1
            if invitation.draft != expected:
                problems.append(f"{token[:8]}: autosaved pages differ from those sent")
            if Answer.objects.filter(occasion=invitation.occasion).exists():
                problems.append(f"{token[:8]}: unsubmitted form has answers in the register")
    return submitted, partial, problems


# --- main ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=120, help="main stage seconds (120)")
    parser.add_argument("--stage-seconds", type=float, default=20, help="other stages (20)")
    parser.add_argument("--quick", action="store_true", help="40 s main stage, 10 s others")
    parser.add_argument(
        "--no-submit",
        action="store_true",
        help="diagnostic: answer the pages but never submit (isolates the page path "
        "from the register's save of a whole form)",
    )
    parser.add_argument(
        "--stages",
        default="1,10,25,50,75,100",
        help="concurrent patients per stage; the first is the baseline, 50 the main stage",
    )
    parser.add_argument(
        "--no-keep-alive",
        action="store_true",
        help="a new connection for every request (how the benchmark ran before 2026-11-23)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    args = parser.parse_args()
    global NO_SUBMIT, KEEP_ALIVE
    NO_SUBMIT = args.no_submit
    KEEP_ALIVE = not args.no_keep_alive
    if args.quick:
        args.duration, args.stage_seconds = 40.0, 10.0
    # Production settings refuse a weak key; a random one serves the benchmark's server.
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    name = f"painreg_bench_{os.getpid()}"
    database_url = setup_database(name)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "painreg.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    counts = [int(n) for n in args.stages.split(",")]
    if 50 not in counts:
        counts.append(50)
    stages = [Stage(n, args.duration if n == 50 else args.stage_seconds) for n in counts]
    warmup = Stage(6, 6.0)  # loads code and caches in every worker; not reported
    # One form takes ~ pages x (pause + latency) + 2 requests; seed enough for all stages.
    # Under load a form takes longer, so this is an upper bound; a stage whose
    # queue runs dry says so (its patients stop early).
    form_seconds = 15 * (PAUSE + 0.05) + 0.5
    needed = sum(int(s.patients * (s.seconds / form_seconds + 1.2)) for s in [warmup, *stages])
    print(f"seeding {needed} invited patients into {name} ...", flush=True)
    t0 = time.monotonic()
    queue = seed(needed)
    print(f"seeded in {time.monotonic() - t0:.0f} s", flush=True)
    from django.db import connections

    connections.close_all()
    port = _free_port()
    server = start_gunicorn(database_url, port, args.workers, args.threads)
    meter = CpuMeter(server.pid, name)
    print(
        f"gunicorn gthread {args.workers} workers x {args.threads} threads; "
        f"load average at start {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    sent: dict[str, dict] = {}
    try:
        run_stage(warmup, port, queue, sent)
        for stage in stages:
            run_stage(stage, port, queue, sent, meter)
            rate = len(stage.latencies) / stage.elapsed
            print(
                f"{stage.patients:>4} patients {stage.elapsed:6.1f} s: "
                f"{rate:6.1f} page submissions/s, p50 {percentile(stage.latencies, 50):6.1f} ms, "
                f"p99 {percentile(stage.latencies, 99):6.1f} ms, submit p99 "
                f"{percentile(stage.submit_latencies, 99):6.1f} ms, forms {stage.forms_done}, "
                f"errors {stage.errors}" + (" (ran out of invitations)" if not queue else ""),
                flush=True,
            )
            print(f"     {cpu_line(stage)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = stages[0]
    main_stage = next(s for s in stages if s.patients == 50)
    main_rate = len(main_stage.latencies) / main_stage.elapsed
    main_p99 = percentile(main_stage.latencies, 99)
    print()
    print(
        f"baseline (1 patient): p50 {percentile(baseline.latencies, 50):.1f} ms, "
        f"p99 {percentile(baseline.latencies, 99):.1f} ms"
    )
    print(
        f"main (50 patients, {main_stage.elapsed:.0f} s): {main_rate:.1f} page submissions/s "
        f"(goal >= {GOAL_RATE:.0f}), p50 {percentile(main_stage.latencies, 50):.1f} ms, "
        f"p99 {main_p99:.1f} ms (goal < {GOAL_P99_MS:.0f}; "
        f"{main_p99 / max(percentile(baseline.latencies, 99), 1e-9):.1f} x baseline)"
    )
    print(f"main stage {cpu_line(main_stage)}")
    crossing = next((s.patients for s in stages if percentile(s.latencies, 99) > GOAL_P99_MS), None)
    print(
        f"p99 crosses {GOAL_P99_MS:.0f} ms at {crossing} concurrent patients"
        if crossing
        else f"p99 stayed below {GOAL_P99_MS:.0f} ms up to {stages[-1].patients} patients"
    )
    connections.close_all()
    submitted, partial, problems = verify(sent)
    print(
        f"verification: {submitted} submitted forms and {partial} unfinished forms checked; "
        f"{len(problems)} problem(s)"
    )
    for problem in problems[:20]:
        print("  " + problem)
    connections.close_all()
    drop_database(name)
    goal = main_p99 < GOAL_P99_MS and main_rate >= GOAL_RATE
    print(f"goal {'met' if goal else 'NOT met'}; nothing lost or duplicated: {not problems}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
