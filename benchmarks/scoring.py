"""Scoring throughput: vectorized ``score_frame`` against a per-row ``score`` loop.

Scores generated responses (seeded, about 5 % of items missing) of HADS,
EQ-5D-5L and RAND-36 with ``score_frame`` (pandas in, pandas out) and, in the
same run, with a Python loop calling ``score`` once per response: the baseline.
The loop is timed on a sample (``--loop-rows``) and reported as responses per
second, since a million single calls would take minutes for no extra
information. Goal: score_frame >= 1,000,000 HADS responses/s on one
core and >= 50x the loop.

    nice python benchmarks/scoring.py [--rows 1000000] [--loop-rows 5000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from painreg.instruments import get_instrument, score, score_frame

INSTRUMENTS = ("hads", "eq5d5l", "rand36")


def generate(instrument_id: str, rows: int, seed: int = 2026) -> pd.DataFrame:
    """Random valid answers, float64 columns, ~5 % missing per item."""
    rng = np.random.default_rng(seed)
    columns = {}
    for item in get_instrument(instrument_id).items:
        if item.values is not None:
            values = rng.choice(np.asarray(item.values), size=rows)
        else:
            values = rng.integers(int(item.min), int(item.max) + 1, size=rows).astype(float)
        values[rng.random(rows) < 0.05] = np.nan
        columns[item.id] = values
    return pd.DataFrame(columns)


def best_of(repeats: int, func) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print(f"{'instrument':<10} {'score_frame/s':>15} {'loop/s':>12} {'speed-up':>9}")
    for instrument_id in INSTRUMENTS:
        frame = generate(instrument_id, args.rows)
        vectorized = best_of(args.repeats, lambda f=frame, i=instrument_id: score_frame(i, f))
        sample = frame.head(args.loop_rows)
        records = sample.to_dict(orient="records")

        def loop(records=records, i=instrument_id) -> None:  # type: ignore[no-untyped-def]
            for answers in records:
                score(i, answers)

        looped = best_of(1, loop)
        frame_rate = args.rows / vectorized
        loop_rate = len(records) / looped
        print(
            f"{instrument_id:<10} {frame_rate:>15,.0f} {loop_rate:>12,.0f} "
            f"{frame_rate / loop_rate:>8.0f}x"
        )
    print(
        f"({args.rows:,} responses per score_frame call, best of {args.repeats}; "
        f"loop over {args.loop_rows:,} responses)"
    )


if __name__ == "__main__":
    main()
