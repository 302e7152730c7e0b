"""Wide tables (issue 17): `o16n profile` + `o16n health` as two CLI processes on 100,000 rows x
1,000 columns (bench/wide_data.py: 900 numeric, 100 categorical, drift planted in 50); seconds,
peak memory (the larger process) and whether exactly the planted columns drifted. Aim: under 3 s
and 1 GB. `--evidently PYTHON` also runs Evidently 0.7.23's DataDriftPreset on the same files
(about a quarter of an hour and 8 GB here), for the ratio in the same run.

    python bench/bench_wide.py [--rows 100000] [--repeat 3] [--evidently .venv-evidently/bin/python]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from wide_data import PLANTED  # noqa: E402


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
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evidently", help="Evidently's venv python (skipped when not given)")
    parser.add_argument("--work", type=Path, default=Path("build/bench/wide"))
    args = parser.parse_args()
    data = args.work / str(args.rows)
    if not (data / "current.parquet").is_file():
        subprocess.run(
            [sys.executable, str(HERE / "wide_data.py"), str(data), "--rows", str(args.rows)],
            check=True,
        )
    runs = [run(sys.executable, "o16n", data) for _ in range(args.repeat)]
    seconds = [float(str(r["seconds"])) for r in runs]
    peak = max(int(str(r["peak_mb"])) for r in runs)
    found = all(r["drifted"] == PLANTED for r in runs)
    line = (
        f"{args.rows:,} rows x 1,000 columns  o16n {statistics.median(seconds):.2f} s "
        f"({', '.join(f'{s:.2f}' for s in sorted(seconds))})  {peak} MB  "
        f"planted found: {found}"
    )
    if args.evidently:
        theirs = run(args.evidently, "evidently", data)
        ratio = float(str(theirs["seconds"])) / statistics.median(seconds)
        line += (
            f" | evidently {theirs['seconds']} s {theirs['peak_mb']} MB, "
            f"planted found: {theirs['drifted'] == PLANTED} | {ratio:.0f}x faster"
        )
    print(line)


if __name__ == "__main__":
    main()
