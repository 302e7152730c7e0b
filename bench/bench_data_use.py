"""Benchmark `o16n data use` (figures, not pass/fail).

Generates a project from the template (real cookiecutter; not timed), writes a table of --rows
rows and --columns columns (numeric columns with 5% missing values, string categoricals, a
0/1 target with 20% positives), then times `o16n data use TABLE --target churned` as a user runs
it: the scratch copy, `dvc add`, the first `dvc repro` of the new pipeline, the data contract and
settings, the project's tests, the swap and `dvc checkout`. The peer, measured in the same run
on the same project, is `dvc repro --force` of that pipeline alone: the ratio is what o16n adds
around the pipeline. Aim (issue 14): under 60 s for 100,000 rows and 50 columns.

    python bench/bench_data_use.py [--rows 100000] [--columns 50] [-o build/bench/data_use.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def table(rows: int, columns: int, seed: int = 0) -> pd.DataFrame:
    """Four fifths numeric (5% missing), one fifth string categoricals, and the target."""
    rng = np.random.default_rng(seed)
    categorical = max(1, columns // 5)
    numeric = columns - categorical - 1
    data: dict[str, object] = {}
    signal = np.zeros(rows)
    for i in range(numeric):
        values = rng.normal(i, 1 + i % 3, rows)
        signal += (values - i) * (0.3 if i % 4 == 0 else 0.0)
        values[rng.random(rows) < 0.05] = np.nan
        data[f"x{i}"] = values
    for i in range(categorical):
        levels = np.array([f"level_{k}" for k in range(3 + i % 8)])
        picked = rng.integers(0, len(levels), rows)
        signal += (picked == 0) * 0.5
        data[f"c{i}"] = levels[picked]
    threshold = np.quantile(signal, 0.8)
    data["churned"] = (signal + rng.normal(0, 0.5, rows) > threshold).astype(int)
    return pd.DataFrame(data)


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        "DVC_NO_ANALYTICS": "1",
    }


def timed(command: list[str], cwd: Path, **extra: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env={**env(), **extra}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=50, help="including the target")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="o16n-bench-data-") as scratch:
        tmp = Path(scratch)
        home = tmp / "home"
        home.mkdir()
        isolated = {
            "O16N_REMOTE_HOME": str(home / "remotes"),
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
            "GIT_AUTHOR_NAME": "Bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "Bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        os.environ.update(isolated)
        timed([str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp), str(ROOT)], ROOT)
        project = tmp / "credit-risk-model"
        source = tmp / "churn.csv"
        frame = table(args.rows, args.columns)
        frame.to_csv(source, index=False)
        megabytes = source.stat().st_size / 1e6

        use = timed([str(BIN / "o16n"), "data", "use", str(source), "--target", "churned"], project)
        repro = timed(
            [str(BIN / "dvc"), "repro", "--force", "--quiet"],
            project,
            PYTHONPATH=str(project / "src"),
        )
        metrics = json.loads((project / "metrics.json").read_text())

    summary = {
        "rows": args.rows,
        "columns": args.columns,
        "csv_megabytes": round(megabytes, 1),
        "data_use_seconds": round(use, 2),
        "dvc_repro_seconds": round(repro, 2),
        "ratio_data_use_to_repro": round(use / repro, 2),
        "roc_auc": metrics.get("roc_auc"),
    }
    print(
        f"{args.rows:,} rows x {args.columns} columns ({megabytes:.1f} MB CSV): "
        f"o16n data use {use:.1f} s; dvc repro --force of the same pipeline {repro:.1f} s "
        f"(x{use / repro:.2f}); roc_auc {metrics.get('roc_auc')}"
    )
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
