"""Benchmark: every registry indicator for one year on DuckDB, against pandas.

Usage::

    nice .venv/bin/python benchmarks/indicators.py --scale 1 [--scale 10] [--year 2021]
    nice .venv/bin/python benchmarks/indicators.py --data DIR --year 2021

For each register (a synthetic one generated per ``--scale`` into a temporary
directory, years Y-1..Y, Parquet; or ``--data``), three measurements, each in
its own process so peak memory (max RSS) is its own:

0. ``duckdb-cold``: load with no score cache (the answers are scored and the
   cache ``DIR/.painreg-cache`` written), then every indicator;
1. ``duckdb-all``: load (scores from the cache, as every later run does),
   then every indicator of ``painreg.analytics.indicators`` for the year (the
   time of the indicators alone is printed separately from loading);
2. ``duckdb-3``: the same load, then three indicators only
   (``completed_rehab``, ``response_rate_end``, ``hads_anxiety_change``);
3. ``pandas-3`` (the baseline): the same three indicators written directly in
   pandas over the same tables and scores.

The three indicators' results of 2 and 3 are compared and must be equal.
Goal: scale 10 under 20 s for all indicators.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

THREE = ("completed_rehab", "response_rate_end", "hads_anxiety_change")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_duckdb(directory: str, year: int, keys: list[str] | None, cold: bool = False) -> dict:
    import shutil
    from pathlib import Path

    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.load import CACHE_DIR, load_register

    if cold:
        shutil.rmtree(Path(directory) / CACHE_DIR, ignore_errors=True)
    t0 = time.perf_counter()
    register = load_register(directory)
    t1 = time.perf_counter()
    result = compute_indicators(register, year, keys=keys)
    t2 = time.perf_counter()
    national = {
        level: {k: data["national"][k] for k in THREE if k in data["national"]}
        for level, data in result["care_levels"].items()
    }
    return {"load_s": t1 - t0, "indicators_s": t2 - t1, "peak_mb": _peak_mb(), "three": national}


def run_pandas(directory: str, year: int) -> dict:
    """The baseline: three indicators in plain pandas (same counting rules)."""
    import pandas as pd

    from painreg.instruments import change_category, score_answers
    from painreg.tidy.schema import read_tables

    t0 = time.perf_counter()
    tables = {k: v.to_pandas() for k, v in read_tables(directory).items()}
    scores = score_answers(tables["answers"])
    t1 = time.perf_counter()
    regs = tables["registrations"]
    regs = regs[regs["signed_off"].fillna(True).astype(bool)]
    regs = regs.merge(tables["units"][["unit_id", "care_level"]], on="unit_id")
    end_year = pd.to_datetime(regs["rehab_end_date"]).dt.year
    rehab = regs[(regs["category"] == "rehab") & (end_year == year)]
    completed = rehab[~rehab["discontinued"].fillna(False).astype(bool)]
    answers = tables["answers"]
    answered_end = set(answers.loc[answers["occasion"] == "end", "registration_id"])
    hads = scores[(scores["instrument"] == "hads") & (scores["score"] == "anxiety")]
    wide = hads.pivot_table(
        index="registration_id", columns="occasion", values="value", aggfunc="first"
    )
    out = {}
    for level, group in completed.groupby("care_level"):
        ids = group["registration_id"]
        both = wide.reindex(ids).dropna(subset=[c for c in ("initial", "end") if c in wide])
        counts = {"n": 0, "improved": 0, "unchanged_positive": 0,
                  "unchanged_negative": 0, "worsened": 0}  # fmt: skip
        for initial, end in zip(both.get("initial", []), both.get("end", []), strict=True):
            cat = change_category("hads", "anxiety", {"anxiety": initial}, {"anxiety": end})
            counts["n"] += 1
            counts[cat] += 1
        out[level] = {
            "completed_rehab": len(group),
            "response_rate_end": {
                "numerator": int(ids.isin(answered_end).sum()),
                "denominator": len(group),
            },
            "hads_anxiety_change": counts,
        }
    t2 = time.perf_counter()
    return {"load_s": t1 - t0, "indicators_s": t2 - t1, "peak_mb": _peak_mb(), "three": out}


def _child(phase: str, directory: str, year: int) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--data", directory, "--year", str(year)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(directory: str, year: int, label: str) -> None:
    rows = {
        phase: _child(phase, directory, year)
        for phase in ("duckdb-cold", "duckdb-all", "duckdb-3", "pandas-3")
    }
    print(f"\n{label}")
    print(f"{'run':<12}{'load+score s':>14}{'indicators s':>14}{'peak MB':>10}")
    for phase, r in rows.items():
        print(f"{phase:<12}{r['load_s']:>14.2f}{r['indicators_s']:>14.2f}{r['peak_mb']:>10.0f}")
    same = all(
        rows["duckdb-3"]["three"].get(level) == rows["pandas-3"]["three"].get(level)
        for level in ("specialist", "primary")
    )
    ratio = rows["pandas-3"]["indicators_s"] / max(rows["duckdb-3"]["indicators_s"], 1e-9)
    total = rows["duckdb-all"]["load_s"] + rows["duckdb-all"]["indicators_s"]
    print(f"three indicators equal in DuckDB and pandas: {same}")
    print(f"pandas/DuckDB time for the three indicators: {ratio:.1f}x")
    cold = rows["duckdb-cold"]["load_s"] + rows["duckdb-cold"]["indicators_s"]
    print(f"all indicators incl. loading (cached scores): {total:.1f} s (goal at scale 10: < 20 s)")
    print(f"all indicators incl. loading and first scoring: {cold:.1f} s")
    if not same:
        print(json.dumps(rows["duckdb-3"]["three"], indent=1))
        print(json.dumps(rows["pandas-3"]["three"], indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="an interchange directory to use as it is")
    parser.add_argument("--scale", type=float, action="append", help="synthetic scale(s)")
    parser.add_argument("--year", type=int, default=2021)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        if args.phase == "duckdb-cold":
            result = run_duckdb(args.data, args.year, None, cold=True)
        elif args.phase == "duckdb-all":
            result = run_duckdb(args.data, args.year, None)
        elif args.phase == "duckdb-3":
            result = run_duckdb(args.data, args.year, list(THREE))
        else:
            result = run_pandas(args.data, args.year)
        print(json.dumps(result))
        return
    if args.data:
        bench(args.data, args.year, f"register {args.data}, year {args.year}")
        return
    for scale in args.scale or [1.0]:
        with tempfile.TemporaryDirectory(prefix="painreg-bench-") as tmp:
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "painreg", "synth", "registry", "--scale", str(scale),
                 "--years", f"{args.year - 1}-{args.year}", "--format", "parquet", tmp],
                check=True, capture_output=True,
            )  # fmt: skip
            print(f"synthetic register at scale {scale}: {time.perf_counter() - t0:.1f} s")
            bench(tmp, args.year, f"scale {scale}, year {args.year}")


if __name__ == "__main__":
    main()
