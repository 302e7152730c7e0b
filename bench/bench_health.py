"""Health engine vs Evidently, same files, same run (issue 3). Figures, not pass/fail.

For each size: generate the data (bench/health_data.py), run o16n (profile the reference, then
health of the current file) and Evidently 0.7.23 `Report([DataDriftPreset()])`, each in its own
process; print time, peak memory, the speed ratio and whether the drifted columns agree.
Evidently needs `pandas<3`, so it runs from its own venv: --evidently PYTHON (skipped if absent);
so does whylogs 1.6 (--whylogs PYTHON), timed profiling the same two files (issue 17).

Both tools start every run from the same page cache (--cache, one or both):
- warm: the two data files are read once just before the run, so neither tool pays the disk;
- cold: the kernel's page cache is dropped just before the run (root only), so each pays the
  disk for the data and for its own code, as on a machine's first run.
o16n runs --repeat times per size and cache (the median is compared, the range printed);
Evidently once (two minutes at 1M rows, where a run varies by a few percent).

    python bench/bench_health.py [--sizes 100000 1000000] [--o16n-only 10000000]
        [--cache warm cold] [--repeat 3] [--evidently .venv-evidently/bin/python]
        [--whylogs .venv-whylogs/bin/python]
        [-o build/bench/health.json]
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
from health_data import PLANTED  # noqa: E402

DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def prepare(cache: str, data: Path) -> None:
    """Put the page cache in the state `cache` names before a measured run."""
    if cache == "warm":
        for name in ("reference.parquet", "current.parquet"):
            with (data / name).open("rb") as file:
                while file.read(1 << 24):
                    pass
        return
    subprocess.run(["sync"], check=True)
    DROP_CACHES.write_text("3\n")


def run(python: str, tool: str, data: Path, cache: str) -> dict[str, object]:
    prepare(cache, data)
    done = subprocess.run(
        [python, str(HERE / "health_run.py"), tool, str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def repeated(python: str, data: Path, cache: str, times: int) -> dict[str, object]:
    """o16n `times` times: the median run's figures, with every run's seconds."""
    runs = sorted(
        (run(python, "o16n", data, cache) for _ in range(times)),
        key=lambda r: float(str(r["seconds"])),
    )
    middle = dict(runs[len(runs) // 2])
    middle["seconds"] = statistics.median(float(str(r["seconds"])) for r in runs)
    middle["runs"] = [r["seconds"] for r in runs]
    middle["peak_mb"] = max(int(str(r["peak_mb"])) for r in runs)
    middle["drifted_agree"] = all(r["drifted"] == runs[0]["drifted"] for r in runs)
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--o16n-only", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--cache", nargs="+", choices=["warm", "cold"], default=["warm"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evidently", default=".venv-evidently/bin/python")
    parser.add_argument("--whylogs", default=".venv-whylogs/bin/python")
    parser.add_argument("--work", type=Path, default=Path("build/bench/health"))
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/health.json"))
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat: give 1 or more runs")
    if "cold" in args.cache and not _can_drop_caches():
        parser.error(f"--cache cold: dropping the page cache needs write access to {DROP_CACHES}")
    _compile_o16n()
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
        for cache in args.cache:
            row: dict[str, object] = {
                "rows": size,
                "cache": cache,
                "o16n": repeated(sys.executable, data, cache, args.repeat),
            }
            if compare:
                row["evidently"] = run(args.evidently, "evidently", data, cache)
            if compare and Path(args.whylogs).exists():
                row["whylogs"] = run(args.whylogs, "whylogs", data, cache)
            rows.append(row)
            report(row)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"planted": PLANTED, "runs": rows}, indent=2) + "\n")
    print(f"written to {args.output}")


def _compile_o16n() -> None:
    """o16n as installed: its bytecode compiled, as pip compiles a package it installs (the
    others' venvs have theirs); a checkout installed editable under PYTHONDONTWRITEBYTECODE
    would compile every module from source at each run."""
    import o16n

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(o16n.__file__).parent)], check=True
    )


def _can_drop_caches() -> bool:
    try:
        with DROP_CACHES.open("w"):
            return True
    except OSError:
        return False


def report(row: dict[str, object]) -> None:
    ours = row["o16n"]
    assert isinstance(ours, dict)
    runs = ", ".join(f"{s:.2f}" for s in ours["runs"])
    line = (
        f"{row['rows']:>10,} rows {row['cache']:4}  o16n {ours['seconds']:6.2f} s ({runs})"
        f" {ours['peak_mb']:5} MB"
        f"  planted found (every run): {ours['drifted'] == PLANTED and ours['drifted_agree']}"
    )
    theirs = row.get("evidently")
    if isinstance(theirs, dict):
        ratio = float(theirs["seconds"]) / float(ours["seconds"])
        line += (
            f" | evidently {theirs['seconds']:7.2f} s {theirs['peak_mb']:5} MB"
            f" | {ratio:5.1f}x faster, same drifted columns: {theirs['drifted'] == ours['drifted']}"
        )
    profiled = row.get("whylogs")
    if isinstance(profiled, dict):
        ratio = float(profiled["seconds"]) / float(ours["seconds"])
        line += f" | whylogs (profiles only) {profiled['seconds']:7.2f} s"
        line += f" {profiled['peak_mb']:5} MB | {ratio:5.1f}x"
    print(line, flush=True)


if __name__ == "__main__":
    main()
