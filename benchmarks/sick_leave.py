"""Benchmark: the sick-leave measures (return to work) on DuckDB, against hand-written SQL.

Usage::

    nice .venv/bin/python benchmarks/sick_leave.py [--scale 10] [--year 2019]
    nice .venv/bin/python benchmarks/sick_leave.py --data DIR --year 2019 [--copies 10]

The register is a synthetic one (``painreg synth registry --sick-leave``,
Parquet, 2013-2021) generated into a temporary directory, or ``--data`` (a
directory holding the register and a sick-leave extract). ``--scale 10`` is
made as ``--generate-scale`` (default 1) copied ten times over: the tables the
measures read (units, patients, registrations, sick_leave, the coverage) with
every patient and registration id suffixed per copy, about 3.5 million
benefit periods. Why: generating scale 10 also draws 160 million answers, which
the measures never read (``--generate-scale 10`` generates it for real). Two
measurements in the same run, on the same files:

1. ``painreg``: the tables the measures read (units, patients, registrations,
   sick_leave, sick_leave_coverage) loaded into DuckDB, then
   ``compute_indicators(register, year, keys=["sick_leave"])``: every care
   level, unit, region and healthcare region (the time of the measures alone
   is printed separately from loading);
2. ``baseline``: one hand-written DuckDB SQL statement over the Parquet files
   that expands every period to its days inside each observable window
   (``generate_series``), sums the extents per day, caps at 100 % and adds
   up: a different algorithm from painreg's event sweep.

The net days of every registration and window must be equal (to 1e-9); the
national figures are printed. Goal: the measures of the scale-10 register in
under 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

GOAL_S = 10.0


def _sql_path(directory: Path, name: str) -> str:
    from painreg.tidy.schema import table_path

    path = table_path(directory, name)
    if path is None:
        raise SystemExit(f"{directory}: no {name} table")
    quoted = str(path.resolve()).replace("'", "''")
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto"
    return f"{reader}('{quoted}')"


def run_painreg(directory: Path, year: int) -> tuple[dict, dict, float, float]:
    from painreg.analytics import sick_leave
    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.context import Context, base_registrations
    from painreg.analytics.load import register_from_arrow
    from painreg.tidy.schema import read_table

    t0 = time.perf_counter()
    c0 = time.process_time()
    names = ("units", "patients", "registrations", "sick_leave", "sick_leave_coverage")
    register = register_from_arrow({n: read_table(directory, n) for n in names})
    t1 = time.perf_counter()
    c1 = time.process_time()
    result = compute_indicators(register, year, keys=[sick_leave.KEY])
    t2 = time.perf_counter()
    c2 = time.process_time()
    national = {
        level: data["national"][sick_leave.KEY] for level, data in result["care_levels"].items()
    }
    ctx = Context(register=register, base=base_registrations(register), year=year)
    frame = sick_leave.registration_frame(register, ctx)
    per_registration = {
        (r.registration_id, r.window): r.net_days for r in frame.itertuples(index=False)
    }
    return national, per_registration, (t1 - t0, c1 - c0), (t2 - t1, c2 - c1)


def run_baseline(directory: Path, year: int) -> tuple[dict, tuple[float, float]]:
    import duckdb

    t0 = time.perf_counter()
    c0 = time.process_time()
    con = duckdb.connect()
    sql = f"""
    WITH cov AS (SELECT covers_from AS cf, covers_to AS ct
                 FROM {_sql_path(directory, "sick_leave_coverage")}),
    regs AS (
        SELECT r.registration_id, r.patient_id, r.first_visit_date AS fv, r.rehab_end_date AS re
        FROM {_sql_path(directory, "registrations")} r
        JOIN {_sql_path(directory, "units")} u ON u.unit_id = r.unit_id
        WHERE r.category = 'rehab' AND NOT coalesce(r.discontinued, false)
          AND coalesce(r.signed_off, true) AND year(r.rehab_end_date) = {int(year)}
    ),
    win AS (
        SELECT registration_id, patient_id, 'before' AS w, fv - 365 AS a, fv - 1 AS b FROM regs
        UNION ALL
        SELECT registration_id, patient_id, 'after_1y', re + 1, re + 365 FROM regs
        UNION ALL
        SELECT registration_id, patient_id, 'after_2y', re + 366, re + 730 FROM regs
    ),
    obs AS (SELECT win.* FROM win, cov WHERE a >= cf AND b <= ct),
    days AS (
        SELECT o.registration_id, o.w, d.day, sum(s.extent) AS ext
        FROM obs o
        JOIN {_sql_path(directory, "sick_leave")} s
          ON s.patient_id = o.patient_id AND s.start_date <= o.b AND s.end_date >= o.a,
        LATERAL (SELECT unnest(generate_series(greatest(s.start_date, o.a)::TIMESTAMP,
                                              least(s.end_date, o.b)::TIMESTAMP,
                                              INTERVAL 1 DAY)) AS day) d
        GROUP BY ALL
    ),
    net AS (SELECT registration_id, w, sum(least(ext, 100)) / 100.0 AS net FROM days GROUP BY ALL)
    SELECT o.registration_id, o.w, coalesce(n.net, 0.0) AS net
    FROM obs o LEFT JOIN net n USING (registration_id, w)
    """
    rows = con.execute(sql).fetchall()
    took = (time.perf_counter() - t0, time.process_time() - c0)
    return {(r, w): float(n) for r, w, n in rows}, took


def replicate(source: Path, target: Path, copies: int) -> Path:
    """The tables the measures read, ``copies`` times over (ids suffixed per copy)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from painreg.tidy.schema import read_table, write_table

    out = target / f"x{copies}"
    for name in ("units", "sick_leave_coverage"):
        write_table(out, name, [read_table(source, name)], "parquet")
    suffixed = {
        "patients": ("patient_id",),
        "registrations": ("registration_id", "patient_id"),
        "sick_leave": ("patient_id",),
    }
    for name, columns in suffixed.items():
        data = read_table(source, name)
        parts = []
        for k in range(copies):
            part = data
            for column in columns:
                ids = pc.binary_join_element_wise(part.column(column), pa.scalar(f"~{k}"), "")
                part = part.set_column(part.schema.get_field_index(column), column, ids)
            parts.append(part)
        write_table(out, name, [pa.concat_tables(parts)], "parquet")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument(
        "--generate-scale",
        type=float,
        default=1.0,
        help="scale generated; copied scale/generate-scale times (a whole number)",
    )
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--data", type=Path, help="an existing register with an extract")
    parser.add_argument(
        "--copies", type=int, default=1, help="with --data: copy its tables this many times over"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="painreg-bench-sick-") as tmp:
        directory = args.data
        if directory is not None and args.copies > 1:
            directory = replicate(directory, Path(tmp), args.copies)
        if directory is None:
            from painreg.synth.registry import generate
            from painreg.synth.sick_leave import generate_extract

            generated = Path(tmp) / "generated"
            t0 = time.perf_counter()
            years = (2013, 2021)
            scale = min(args.generate_scale, args.scale)
            generate(generated, scale=scale, years=years, format="parquet")
            generate_extract(generated, seed=2021, years=years, format="parquet")
            copies = round(args.scale / scale)
            directory = generated if copies == 1 else replicate(generated, Path(tmp), copies)
            print(
                f"generated scale {scale:g}"
                + (f", copied {copies} times" if copies > 1 else "")
                + f", in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
        import pyarrow.parquet as pq

        from painreg.tidy.schema import read_table, table_path

        path = table_path(directory, "sick_leave")
        periods = (
            pq.ParquetFile(path).metadata.num_rows
            if path is not None and path.suffix == ".parquet"
            else read_table(directory, "sick_leave").num_rows
        )
        national, ours, load_s, measures_s = run_painreg(directory, args.year)
        theirs, baseline_s = run_baseline(directory, args.year)
    same_keys = set(ours) == set(theirs)
    worst = max((abs(ours[k] - theirs[k]) for k in ours if k in theirs), default=0.0)
    equal = same_keys and worst <= 1e-9
    print(
        f"register: {periods:,} benefit periods; year {args.year}: {len(ours):,} observable windows"
    )
    print("(wall-clock time; CPU time of all threads in brackets)")
    print(
        f"painreg   load {load_s[0]:6.2f} s ({load_s[1]:.2f}), "
        f"measures {measures_s[0]:6.2f} s ({measures_s[1]:.2f})"
    )
    print(f"baseline  hand-written DuckDB SQL {baseline_s[0]:6.2f} s ({baseline_s[1]:.2f})")
    print(f"results equal: {equal} (same windows: {same_keys}; largest difference {worst:.2e})")
    for level, figures in national.items():
        print(f"  {level}: {figures}")
    goal = "met" if measures_s[0] < GOAL_S else "NOT met"
    print(f"goal: measures under {GOAL_S:g} s: {goal}")
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
