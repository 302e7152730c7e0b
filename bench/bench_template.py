"""Benchmark the generated classification project on this machine (figures, not pass/fail).

Measures, as the median of --runs runs: generation (`o16n new`: render, git/dvc init, the first
`dvc repro`, push, commit), a first `dvc repro` from nothing (`--force`), a no-op `dvc repro`,
and `make check`. Aims (issue 2): generation + first repro < 30 s; no-op repro < 3 s.

    python bench/bench_template.py [--runs 3] [-o build/bench/template.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def one_run(workdir: Path) -> dict[str, float]:
    env = {**os.environ, "O16N_REMOTE_HOME": str(workdir / "remotes"), "DVC_NO_ANALYTICS": "1"}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    new = [str(BIN / "o16n"), "new", "--no-input", "-o", str(workdir), "project_slug=bench"]
    project = workdir / "bench"
    figures = {"generation (incl. first repro)": timed(new, workdir, env)}
    env["PYTHONPATH"] = str(project / "src")
    dvc = [str(BIN / "dvc"), "repro"]
    figures["first dvc repro (--force)"] = timed([*dvc, "--force"], project, env)
    figures["no-op dvc repro"] = timed(dvc, project, env)
    figures["make check"] = timed(["make", "check", f"BIN={BIN}"], project, env)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/template.json"))
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as workdir:
            runs.append(one_run(Path(workdir)))
    medians = {name: round(statistics.median(r[name] for r in runs), 2) for name in runs[0]}
    width = max(map(len, medians))
    print(f"generated classification project, median of {args.runs} runs, {os.cpu_count()} cores")
    for name, seconds in medians.items():
        print(f"  {name:<{width}}  {seconds:6.2f} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"runs": runs, "median_seconds": medians}, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
