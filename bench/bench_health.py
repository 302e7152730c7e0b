"""Health engine vs Evidently, same files, same run (issue 3). Figures, not pass/fail.

For each size: generate the data (bench/health_data.py), run o16n (profile the reference, then
health of the current file) and Evidently 0.7.23 `Report([DataDriftPreset()])`, each in its own
process; print time, peak memory, the speed ratio and whether the drifted columns agree.
Evidently needs `pandas<3`, so it runs from its own venv: --evidently PYTHON (skipped if absent).

    python bench/bench_health.py [--sizes 100000 1000000] [--o16n-only 10000000]
        [--evidently .venv-evidently/bin/python] [-o build/bench/health.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from health_data import PLANTED  # noqa: E402


def run(python: str, tool: str, data: Path) -> dict[str, object]:
    done = subprocess.run(
        [python, str(HERE / "health_run.py"), tool, str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--o16n-only", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--evidently", default=".venv-evidently/bin/python")
    parser.add_argument("--work", type=Path, default=Path("build/bench/health"))
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/health.json"))
    args = parser.parse_args()
    with_evidently = Path(args.evidently).exists()
    rows = []
    for size, compare in [(s, with_evidently) for s in args.sizes] + [
        (s, False) for s in args.o16n_only
    ]:
        data = args.work / str(size)
        if not (data / "current.parquet").exists():
            subprocess.run(
                [sys.executable, str(HERE / "health_data.py"), str(size), str(data)], check=True
            )
        row: dict[str, object] = {"rows": size, "o16n": run(sys.executable, "o16n", data)}
        if compare:
            row["evidently"] = run(args.evidently, "evidently", data)
        rows.append(row)
        report(row)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"planted": PLANTED, "runs": rows}, indent=2) + "\n")
    print(f"written to {args.output}")


def report(row: dict[str, object]) -> None:
    ours = row["o16n"]
    assert isinstance(ours, dict)
    line = (
        f"{row['rows']:>10,} rows  o16n {ours['seconds']:7.2f} s {ours['peak_mb']:6} MB"
        f"  planted found: {ours['drifted'] == PLANTED}"
    )
    theirs = row.get("evidently")
    if isinstance(theirs, dict):
        ratio = float(theirs["seconds"]) / float(ours["seconds"])
        line += (
            f" | evidently {theirs['seconds']:7.2f} s {theirs['peak_mb']:6} MB"
            f" | {ratio:5.1f}x faster, same drifted columns: {theirs['drifted'] == ours['drifted']}"
        )
    print(line, flush=True)


if __name__ == "__main__":
    main()
