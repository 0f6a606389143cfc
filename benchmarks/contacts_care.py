"""Benchmark of prescribing, named contacts and referrals beside the contact follow-up.

    nice python benchmarks/contacts_care.py --rows 100000000   # the goal's size (default)
    nice python benchmarks/contacts_care.py --rows 2000000     # a quick look

One synthetic extract (``painreg synth contacts``, realistic shape, canonical
labels, Parquet) with prescriptions, listings and referrals of the same
patients (``painreg.synth.primary_care``: about 2.5 prescriptions and 0.03
referrals per patient, so 100 M contacts come with about 20 M prescriptions
and 0.25 M referrals; ``--referral-factor`` copies the referrals to reach the
goal's 2 M). In the same run and on the same files, each in its own
subprocess:

- ``plain``: ``painreg.contacts.analysis.analyze`` without the optional tables;
- ``care``: the same with them (validation of every row of every table, all
  measures);
- ``sql``: hand-written DuckDB SQL for the three new objects only
  (``prescriptions``, ``named_contacts``, ``referrals``; no validation).

Printed: seconds, CPU seconds and peak memory of each; ``care`` against the
goal (30 s, 3 GB at 100 M contacts); and the cost the new tables add
(``care`` − ``plain``) against ``sql`` (goal: at most 1.5x). The three objects
of ``care`` and ``sql`` are checked equal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERIOD = ("2023-01-01", "2023-12-31")
PREFIX = "R522"
ROWS_PER_PATIENT = 12.4
GROUPS = {
    "opioids": ("N02A",),
    "benzodiazepines": ("N05BA", "N05CD"),
    "z_drugs": ("N05CF",),
    "gabapentinoids": ("N03AX12", "N03AX16"),
}


def generate(folder: Path, rows: int, referral_factor: int) -> dict[str, Path]:
    import duckdb

    from painreg.synth.contacts import generate as synth
    from painreg.synth.primary_care import Outputs

    files = {
        "contacts": folder / "contacts.parquet",
        "prescriptions": folder / "prescriptions.parquet",
        "listings": folder / "listings.parquet",
        "referrals": folder / "referrals.parquet",
    }
    if all(p.exists() for p in files.values()):
        return files
    patients = max(1, int(rows / ROWS_PER_PATIENT))
    one = folder / "referrals-once.parquet"
    synth(
        files["contacts"],
        patients=patients,
        years=(2020, 2023),
        seed=1,
        units=max(1, patients // 10_000),
        cohort_share=0.02,
        swedish=False,
        care=Outputs(files["prescriptions"], files["listings"], one),
    )
    copies = " UNION ALL ".join(
        f"SELECT * REPLACE (patient_id || '-{k}' AS patient_id) FROM read_parquet('{one}')"
        for k in range(referral_factor)
    )
    duckdb.execute(f"COPY ({copies}) TO '{files['referrals']}' (FORMAT parquet)")
    return files


def run_analyze(files: dict[str, str], with_care: bool) -> dict:
    import datetime as dt

    from painreg.contacts.analysis import analyze
    from painreg.contacts.measures import Period

    side = {k: [files[k]] for k in ("prescriptions", "listings", "referrals")} if with_care else {}
    result = analyze(
        [files["contacts"]],
        prefixes=(PREFIX,),
        period=Period(dt.date.fromisoformat(PERIOD[0]), dt.date.fromisoformat(PERIOD[1])),
        **side,
    )
    return {k: result[k] for k in ("prescriptions", "named_contacts", "referrals") if k in result}


def run_sql(files: dict[str, str]) -> dict:
    import duckdb

    s, e = PERIOD
    con = duckdb.connect()
    con.execute(f"""
        CREATE TEMP TABLE cohort AS
        SELECT DISTINCT patient_id FROM read_parquet('{files["contacts"]}')
        WHERE contact_date BETWEEN '{s}' AND '{e}'
          AND (';' || upper(replace(replace(diagnoses, '.', ''), ' ', '')) || ';')
              LIKE '%;{PREFIX}%'""")
    flags = ", ".join(
        "(" + " OR ".join(f"atc LIKE '{p}%'" for p in prefixes) + f") AS {name}"
        for name, prefixes in GROUPS.items()
    )
    con.execute(f"""
        CREATE TEMP TABLE rx AS
        SELECT * FROM (
          SELECT patient_id, unit_id, {flags}
          FROM (SELECT patient_id, unit_id, upper(replace(replace(atc, '.', ''), ' ', '')) AS atc
                FROM read_parquet('{files["prescriptions"]}')
                WHERE prescribed_on BETWEEN '{s}' AND '{e}'))
        WHERE {" OR ".join(GROUPS)}""")
    con.execute(f"""
        CREATE TEMP TABLE ages AS
        SELECT patient_id, {s[:4]} - min(birth_year) <= 49 AS u50
        FROM read_parquet('{files["contacts"]}')
        WHERE patient_id IN (SELECT patient_id FROM rx) GROUP BY patient_id""")
    names = [*GROUPS, "any"]
    any_expr = " OR ".join(GROUPS)
    per_patient = ", ".join(f"bool_or({g}) AS {g}" for g in GROUPS)
    row = con.execute(f"""
        WITH p AS (SELECT patient_id, {per_patient}, true AS "any" FROM rx GROUP BY patient_id)
        SELECT {
        ", ".join(
            f'count(*) FILTER (WHERE p."{g}") AS "n_{g}", '
            f'count(*) FILTER (WHERE p."{g}" AND coalesce(a.u50, false)) AS "u_{g}"'
            for g in names
        )
    }
        FROM p JOIN cohort USING (patient_id) LEFT JOIN ages a USING (patient_id)""").fetchone()
    cohort = {
        g: {"patients": row[2 * i], "patients_under_50": row[2 * i + 1]}
        for i, g in enumerate(names)
    }
    units = con.execute(f"""
        WITH u AS (SELECT unit_id, patient_id, {per_patient} FROM rx
                   JOIN ages USING (patient_id) WHERE u50 GROUP BY unit_id, patient_id)
        SELECT unit_id, {", ".join(f'count(*) FILTER (WHERE "{g}")' for g in GROUPS)}, count(*)
        FROM u GROUP BY unit_id ORDER BY unit_id""").fetchall()
    under_50 = {r[0]: dict(zip(names, r[1:], strict=True)) for r in units}
    del any_expr
    named = con.execute(f"""
        WITH l AS (
          SELECT * FROM read_parquet('{files["listings"]}')
          WHERE listed_from <= '{e}' AND (listed_to IS NULL OR listed_to >= '{e}')
          QUALIFY row_number() OVER (PARTITION BY patient_id
                                     ORDER BY listed_from DESC, unit_id) = 1),
        m AS (SELECT l.* FROM l JOIN cohort USING (patient_id)),
        ph AS (
          SELECT DISTINCT patient_id, contact_date, contact_time, caregiver_id
          FROM read_parquet('{files["contacts"]}')
          WHERE profession = 'physician' AND caregiver_id IS NOT NULL
            AND contact_date BETWEEN '{s}' AND '{e}'
            AND patient_id IN (SELECT patient_id FROM m WHERE regular_physician_id IS NOT NULL)),
        c AS (
          SELECT avg(named / n) AS mean FROM (
            SELECT m.patient_id, count(*)::DOUBLE AS n,
                   count(*) FILTER (WHERE ph.caregiver_id = m.regular_physician_id) AS named
            FROM m JOIN ph USING (patient_id) GROUP BY m.patient_id))
        SELECT count(*), count(regular_physician_id), count(regular_contact_id),
               (SELECT mean FROM c) FROM m""").fetchone()
    refs = con.execute(f"""
        WITH r AS (SELECT *, date_diff('day', sent_on, first_visit_on) AS wait
                   FROM read_parquet('{files["referrals"]}')
                   WHERE sent_on BETWEEN '{s}' AND '{e}')
        SELECT count(*), count(*) FILTER (WHERE returned), quantile_cont(wait, 0.5),
               quantile_cont(wait, 0.9), count(*) FILTER (WHERE wait <= 90), count(wait)
        FROM r""").fetchone()
    return {
        "prescriptions": {"cohort": cohort, "under_50_by_unit": under_50},
        "named_contacts": {
            "listed": named[0],
            "with_regular_physician": named[1],
            "with_regular_contact": named[2],
            "continuity_named_physician": named[3],
        },
        "referrals": {
            "sent": refs[0],
            "returned": refs[1],
            "wait_days_to_first_visit": {
                "median": refs[2],
                "p90": refs[3],
                "within_90": refs[4],
                "n": refs[5],
            },
        },
    }


RUNNERS = {
    "plain": lambda f: run_analyze(f, False),
    "care": lambda f: run_analyze(f, True),
    "sql": run_sql,
}


def measure(kind: str, files: dict[str, Path]) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        json.dumps({k: str(v) for k, v in files.items()}),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(kind: str, files_json: str) -> None:
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    start, cpu0 = time.perf_counter(), cpu()
    result = RUNNERS[kind](json.loads(files_json))
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak,
                      "result": result}, default=float))  # fmt: skip


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9 * max(1, abs(a))
    return a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000_000, help="contacts (default 100 M)")
    parser.add_argument(
        "--referral-factor", type=int, default=8, help="copies of the referrals (default 8)"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep and reuse the files in DIR")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        files = generate(folder, args.rows, args.referral_factor)
        import duckdb

        counts = {
            k: duckdb.execute(f"SELECT count(*) FROM '{p}'").fetchone()[0] for k, p in files.items()
        }
        print(f"files generated or read in {time.perf_counter() - t:.0f} s: "
              + ", ".join(f"{k} {n:,}" for k, n in counts.items()), flush=True)  # fmt: skip
        runs = {kind: measure(kind, files) for kind in ("plain", "care", "sql")}
        for kind, r in runs.items():
            print(f"  {kind:6s} {r['seconds']:8.1f} s {r['cpu_seconds']:8.1f} CPU s "
                  f"{r['peak_mb']:8.0f} MB", flush=True)  # fmt: skip
        for unit in ("seconds", "cpu_seconds"):
            added = runs["care"][unit] - runs["plain"][unit]
            base = runs["sql"][unit]
            print(
                f"  {unit}: the new tables add {added:.1f} to the follow-up; hand-written SQL "
                f"for them {base:.1f}: ratio {added / base:.2f} (goal at most 1.5)"
            )
        ok = same(runs["care"]["result"], runs["sql"]["result"])
        print("  results equal" if ok else "  WARNING: results differ:\n"
              f"{runs['care']['result']}\n{runs['sql']['result']}")  # fmt: skip


if __name__ == "__main__":
    main()
