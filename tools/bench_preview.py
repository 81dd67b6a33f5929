"""Measure preview on a generated CSV (default 1,000,000 rows): load + pre-flight + metrics.

Usage: .venv/bin/python tools/bench_preview.py [ROWS] [--keep PATH]
Prints the load and analysis times and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compiler.analysis.preview import build_preview
from compiler.analysis.sample import load_sample

HEADERS = ["age", "income", "gender", "approved"]
CONFIG = {
    "headers": HEADERS,
    "label": "approved",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "gender", "value_or_threshold": ["female"]}],
}


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    step = 250_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        gender = rng.choice(["male", "female"], n)
        frame = pd.DataFrame(
            {
                "age": rng.integers(18, 90, n),
                "income": rng.normal(50_000, 12_000, n).round(),
                "gender": gender,
                "approved": rng.integers(0, 2, n),
                "prediction": np.clip(rng.random(n) + (gender == "male") * 0.1, 0, 1).round(4),
            }
        )
        frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "sample.csv"
        write_csv(path, args.rows)
        rss_after_write = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        sample, problems = load_sample(path, {*HEADERS, "prediction"})
        assert sample is not None, problems
        t1 = time.perf_counter()
        result = build_preview(
            CONFIG, sample.frame, "prediction", probability_threshold=0.8, columns=sample.columns
        )
        t2 = time.perf_counter()
    assert result.ok, result.diagnostics
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"rows            {args.rows:,} ({path.name if args.keep else 'temporary file'})")
    print(f"load            {t1 - t0:.1f} s")
    print(
        f"preview         {t2 - t1:.1f} s (pre-flight + metrics; FT on {result.counts['ft_rows']:,} rows)"
    )
    print(f"total           {t2 - t0:.1f} s")
    print(
        f"peak RSS        {peak / 1024:.0f} MiB (after generating the file: {rss_after_write / 1024:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
