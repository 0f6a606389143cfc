"""Benchmark of the contact-extract follow-up: Ibis/DuckDB vs hand-written SQL vs pandas.

    nice python benchmarks/contacts.py --rows 100000000     # the goal's size (default)
    nice python benchmarks/contacts.py --rows 10000000 --pandas-rows 10000000

Two shapes of synthetic extract (``painreg synth contacts``, canonical
labels, Parquet): *realistic* (2% of the patients in the cohort, as at the
health centre, frequent attenders; everyone else three contacts a year, the
generator's ``OTHERS_PER_YEAR``) and *worst* (90%). For each shape, in the
same run and on the same file:

- ``ibis``: the full ``painreg.contacts.analysis.analyze`` (validation of
  every row, duplicates, every measure incl. continuity per profession) on
  DuckDB;
- ``sql``: hand-written DuckDB SQL for the same measures (no validation:
  it trusts the file);
- ``pandas`` (realistic shape, on ``--pandas-rows`` rows, with ``ibis`` on
  the same smaller file as its baseline): the same measures in pandas.

Every variant runs in its own subprocess; seconds are wall-clock of the
analysis (file generation excluded), CPU seconds the child's user + system
time over all its threads (the figure to compare on a shared machine), and
peak memory is the child's maximum resident set size. Figures print as a table with the ratios
set as goals (realistic < 15 s and < 2 GB at 100M rows; within
1.5x of the SQL; 10x faster than pandas: on the same 10M-row file, and per
row against the full analysis of the full file).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERIOD = ("2020-01-01", "2023-12-31")
PREFIX = "R522"
#: Average contacts per patient of the generator by shape (to size the file).
ROWS_PER_PATIENT = {"realistic": 12.4, "worst": 30.0}
COHORT_SHARE = {"realistic": 0.02, "worst": 0.9}


def generate(path: Path, rows: int, shape: str, seed: int = 1) -> int:
    from painreg.synth.contacts import generate as synth

    patients = max(1, int(rows / ROWS_PER_PATIENT[shape]))
    return synth(
        path,
        patients=patients,
        years=(2020, 2023),
        seed=seed,
        units=max(1, patients // 10_000),
        cohort_share=COHORT_SHARE[shape],
        swedish=False,
    )


# --- the three implementations (each runs in a child process) -------------------------


def run_ibis(path: str) -> dict:
    import datetime as dt

    from painreg.contacts.analysis import analyze
    from painreg.contacts.measures import Period

    result = analyze(
        [path],
        prefixes=(PREFIX,),
        period=Period(dt.date.fromisoformat(PERIOD[0]), dt.date.fromisoformat(PERIOD[1])),
    )
    return summary(result["patients"], result["frequent_attenders"], result["continuity"]["upc"])


SQL_COHORT = """
CREATE TEMP TABLE c AS
WITH cohort AS (
  SELECT DISTINCT patient_id FROM read_parquet('{path}')
  WHERE contact_date BETWEEN DATE '{start}' AND DATE '{end}'
    AND upper(diagnoses) LIKE '%{head}%'
    AND ';' || replace(upper(diagnoses), '.', '') || ';' LIKE '%;{prefix}%'
)
SELECT DISTINCT patient_id, sex, birth_year, contact_date, coalesce(contact_time, '') AS t,
       unit_id, caregiver_id, profession, contact_type,
       ';' || replace(upper(coalesce(diagnoses, '')), '.', '') || ';' AS dx,
       dx LIKE '%;{prefix}%' AS is_dx
FROM read_parquet('{path}')
WHERE contact_date BETWEEN DATE '{start}' AND DATE '{end}'
  AND patient_id IN (SELECT patient_id FROM cohort)
"""
SQL_MEASURES = {
    "patients": """
      SELECT count(*) AS patients, sum((sex = 'F')::INT) AS f, sum((sex = 'M')::INT) AS m,
             min(byr) AS by_min, max(byr) AS by_max, sum((n > 10)::INT) AS frequent
      FROM (SELECT patient_id, min(sex) AS sex, min(birth_year) AS byr, count(*) AS n
            FROM c GROUP BY patient_id)""",
    "top": """SELECT count(*) AS n FROM c GROUP BY patient_id ORDER BY n DESC LIMIT 10""",
    "professions": """
      SELECT profession, count(*) AS patients, sum((cg >= 2)::INT) AS multiple
      FROM (SELECT patient_id, profession, count(DISTINCT caregiver_id) AS cg FROM c
            WHERE is_dx AND profession IS NOT NULL GROUP BY ALL) GROUP BY profession""",
    "combinations": """
      SELECT profs, count(*) AS patients, len(profs) AS k
      FROM (SELECT patient_id, list_sort(list(DISTINCT profession)) AS profs FROM c
            WHERE is_dx AND profession IS NOT NULL GROUP BY patient_id) GROUP BY profs""",
    "same_caregiver": """
      SELECT count(*) FROM (SELECT patient_id FROM c WHERE is_dx GROUP BY patient_id
      HAVING count(DISTINCT caregiver_id) = 1 AND count(*) = count(caregiver_id))""",
    # One window per stratum (all contacts; each profession's), grouped per
    # caregiver before the strata are put together.
    "continuity": """
      WITH k AS (SELECT patient_id, caregiver_id, profession, contact_date, t FROM c
                 WHERE caregiver_id IS NOT NULL),
      a AS (SELECT 'all' AS stratum, patient_id, caregiver_id, count(*) AS nj, sum(same) AS sm
            FROM (SELECT patient_id, caregiver_id, (caregiver_id = lag(caregiver_id) OVER (
                    PARTITION BY patient_id ORDER BY contact_date, t, caregiver_id))::INT AS same
                  FROM k)
            GROUP BY ALL),
      p AS (SELECT profession AS stratum, patient_id, caregiver_id, count(*) AS nj,
                   sum(same) AS sm
            FROM (SELECT patient_id, profession, caregiver_id, (caregiver_id = lag(caregiver_id)
                    OVER (PARTITION BY patient_id, profession
                          ORDER BY contact_date, t, caregiver_id))::INT AS same
                  FROM k WHERE profession IS NOT NULL)
            GROUP BY ALL),
      pp AS (SELECT stratum, patient_id, sum(nj)::DOUBLE AS n, sum(nj * nj) AS sq,
                    max(nj) AS top, count(*) AS s, coalesce(sum(sm), 0) AS sm
             FROM (SELECT * FROM a UNION ALL SELECT * FROM p)
             GROUP BY ALL HAVING sum(nj) >= 2)
      SELECT stratum, avg(top / n) AS upc, avg((sq - n) / (n * (n - 1))) AS coc,
             avg(sm / (n - 1)) AS secon, avg((1 - s / (n + 0.1)) / (1 - 1 / (n + 0.1))) AS mmci,
             count(*) AS patients
      FROM pp GROUP BY stratum""",
}


def run_sql(path: str) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute(
        SQL_COHORT.format(path=path, start=PERIOD[0], end=PERIOD[1], head=PREFIX[:3], prefix=PREFIX)
    )
    out = {name: con.execute(sql).fetchall() for name, sql in SQL_MEASURES.items()}
    patients = out["patients"][0]
    upc = next(r[1] for r in out["continuity"] if r[0] == "all")
    return summary(patients[0], patients[5], upc)


def run_pandas(path: str) -> dict:
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(path)
    start, end = (pd.Timestamp(d).date() for d in PERIOD)
    frame = frame[(frame.contact_date >= start) & (frame.contact_date <= end)]
    dx = ";" + frame.diagnoses.fillna("").str.upper().str.replace(".", "", regex=False) + ";"
    frame = frame.assign(diagnoses=dx, is_dx=dx.str.contains(f";{PREFIX}", regex=False))
    cohort = frame.loc[frame.is_dx, "patient_id"].unique()
    c = frame[frame.patient_id.isin(cohort)].drop_duplicates()
    per = c.groupby("patient_id").agg(
        sex=("sex", "min"), by=("birth_year", "min"), n=("patient_id", "size")
    )
    frequent = int((per.n > 10).sum())
    per.n.nlargest(10)
    d = c[c.is_dx & c.profession.notna()]
    pp = d.groupby(["patient_id", "profession"]).caregiver_id.nunique().reset_index()
    pp.groupby("profession").agg(
        patients=("patient_id", "size"), multiple=("caregiver_id", lambda s: int((s >= 2).sum()))
    )
    combos = pp.groupby("patient_id").profession.apply(lambda s: tuple(sorted(s)))
    combos.value_counts()
    g = c[c.is_dx].groupby("patient_id").caregiver_id
    int(((g.nunique() == 1) & (g.size() == g.count())).sum())
    k = c[c.caregiver_id.notna()].assign(t=lambda f: f.contact_time.fillna(""))
    strata = pd.concat(
        [k.assign(stratum="all"), k[k.profession.notna()].assign(stratum=lambda f: f.profession)]
    )
    strata = strata.sort_values(["stratum", "patient_id", "contact_date", "t", "caregiver_id"])
    prev = strata.groupby(["stratum", "patient_id"]).caregiver_id.shift()
    strata = strata.assign(same=(prev == strata.caregiver_id).astype(int))
    pc = (
        strata.groupby(["stratum", "patient_id", "caregiver_id"])
        .agg(nj=("same", "size"), sm=("same", "sum"))
        .reset_index()
    )
    pc = pc.assign(sq=pc.nj * pc.nj)
    p = pc.groupby(["stratum", "patient_id"]).agg(
        n=("nj", "sum"), sq=("sq", "sum"), top=("nj", "max"), s=("nj", "size"), sm=("sm", "sum")
    )
    p = p[p.n >= 2].astype(float)
    scores = pd.DataFrame(
        {
            "upc": p.top / p.n,
            "coc": (p.sq - p.n) / (p.n * (p.n - 1)),
            "secon": p.sm / (p.n - 1),
            "mmci": (1 - p.s / (p.n + 0.1)) / (1 - 1 / (p.n + 0.1)),
        }
    )
    means = scores.groupby(level="stratum").mean()
    return summary(len(per), frequent, float(np.asarray(means.loc["all", "upc"])))


def summary(patients, frequent, upc) -> dict:
    return {
        "patients": int(patients),
        "frequent": int(frequent),
        "upc": None if upc is None else round(float(upc), 9),
    }


RUNNERS = {"ibis": run_ibis, "sql": run_sql, "pandas": run_pandas}


# --- the driver ------------------------------------------------------------------------


def measure(kind: str, path: Path) -> dict:
    """Run one implementation in a child process: seconds, peak RSS, its summary."""
    cmd = [sys.executable, __file__, "--child", kind, str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    # communicate() reaped the child; its rusage is in RUSAGE_CHILDREN only cumulatively,
    # so the child reports its own peak (ru_maxrss of itself) with its timing instead.
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def child(kind: str, path: str) -> None:
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    start, cpu0 = time.perf_counter(), cpu()
    result = RUNNERS[kind](path)
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_mb": peak_kb / 1024,
                "result": result,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=100_000_000,
        help="contacts in each extract (default 100 million, the goal's size)",
    )
    parser.add_argument(
        "--pandas-rows",
        type=int,
        default=10_000_000,
        help="rows for the pandas comparison (default 10 million)",
    )
    parser.add_argument("--shapes", default="realistic,worst", help="realistic,worst")
    parser.add_argument("--workdir", type=Path, help="where the Parquet files go (default: temp)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the generated files in DIR and reuse them when run again "
        "(named by shape, rows and seed; delete them yourself)",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)

        def extract(rows: int, shape: str, seed: int) -> tuple[Path, int]:
            path = folder / f"{shape}-{rows}-seed{seed}.parquet"
            if args.keep and path.exists():
                import pyarrow.parquet as pq

                return path, pq.ParquetFile(path).metadata.num_rows
            return path, generate(path, rows, shape, seed=seed)

        rows_out = []
        for shape in args.shapes.split(","):
            t = time.perf_counter()
            path, n = extract(args.rows, shape, 1)
            print(
                f"{shape}: {n:,} contacts generated or read in {time.perf_counter() - t:.0f} s "
                f"({path.stat().st_size / 1e6:.0f} MB Parquet)",
                flush=True,
            )
            runs = {kind: measure(kind, path) for kind in ("ibis", "sql")}
            if runs["ibis"]["result"] != runs["sql"]["result"]:
                print(
                    f"  WARNING: results differ: {runs['ibis']['result']} vs", runs["sql"]["result"]
                )
            for kind, r in runs.items():
                rows_out.append((shape, kind, n, r))
                print(
                    f"  {kind:7s} {r['seconds']:8.1f} s {r['cpu_seconds']:8.1f} CPU s"
                    f" {r['peak_mb']:8.0f} MB",
                    flush=True,
                )
            ibis, sql = runs["ibis"], runs["sql"]
            print(
                f"  ibis / sql ratio: {ibis['seconds'] / sql['seconds']:.2f} (wall),"
                f" {ibis['cpu_seconds'] / sql['cpu_seconds']:.2f} (CPU)"
            )
            if shape == "realistic" and args.pandas_rows:
                small = path
                m = n
                if args.pandas_rows < n:
                    small, m = extract(args.pandas_rows, shape, 2)
                base = runs["ibis"] if small == path else measure("ibis", small)
                pd_run = measure("pandas", small)
                if pd_run["result"] != base["result"]:
                    print(f"  WARNING: pandas differs: {pd_run['result']} vs {base['result']}")
                print(
                    f"  pandas on {m:,} rows: {pd_run['seconds']:.1f} s"
                    f" ({pd_run['cpu_seconds']:.1f} CPU s) {pd_run['peak_mb']:.0f} MB;"
                    f" ibis on the same: {base['seconds']:.1f} s ({base['cpu_seconds']:.1f} CPU s)"
                    f" {base['peak_mb']:.0f} MB;"
                    f" pandas / ibis = {pd_run['seconds'] / base['seconds']:.1f}x",
                    flush=True,
                )
                if small != path:
                    # Per row: pandas cannot hold the full extract, so its seconds per
                    # million rows are set against the full analysis's on the full file.
                    per_pandas = pd_run["seconds"] / m * 1e6
                    per_ibis = runs["ibis"]["seconds"] / n * 1e6
                    print(
                        f"  seconds per million rows: pandas {per_pandas:.2f} ({m:,} rows),"
                        f" ibis {per_ibis:.2f} ({n:,} rows): {per_pandas / per_ibis:.1f}x",
                        flush=True,
                    )
                rows_out.append((shape, "pandas", m, pd_run))
        print(json.dumps([{"shape": s, "kind": k, "rows": n, **r} for s, k, n, r in rows_out]))


if __name__ == "__main__":
    main()
