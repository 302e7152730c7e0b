"""Scale-out (issue 17): one table in Parquet parts profiled on local, dask and spark, each in
its own process. Figures, not pass/fail.

Per engine: start-up (a LocalCluster's or a Spark session's start, shown apart), profiling
seconds, rows per second per worker against local, and peak memory per process (the driver, the
busiest Python worker, Spark's JVM), sampled from the process tree every 50 ms. Every run checks
that its profile is the local one (counts exactly, moments to 1e-9). Where a second profile
shares the first one's start (a Spark session, a cluster started apart), it is timed too
("again"): what a long-running cluster pays, without its first job's warm-up.

    python bench/bench_scale.py [--rows 10000000] [--parts 16] [--workers 2]
        [--engines local local2 dask dask-scheduler spark] [-o build/bench/scale.json]

`dask` starts its own LocalCluster as `--engine dask` does (row hashes spilled to this machine's
disk); `dask-scheduler` profiles on a LocalCluster started apart, as `--scheduler ADDRESS`
does (row hashes shuffled in worker memory, so its workers' memory grows with the rows).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from health_data import chunk  # noqa: E402


def write_parts(rows: int, parts: int, folder: Path) -> list[Path]:
    """The reference table of bench/health_data.py, split in `parts` files (written once)."""
    import numpy as np
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"part-{i:03d}.parquet" for i in range(parts)]
    if all(p.is_file() for p in paths):
        return paths
    rng = np.random.default_rng(3)
    per = math.ceil(rows / parts)
    for index, path in enumerate(paths):
        size = min(per, rows - index * per)
        with pq.ParquetWriter(path, chunk(rng, 1, False).schema) as writer:
            for start in range(0, size, 1_000_000):
                writer.write_table(chunk(rng, min(1_000_000, size - start), False))
    return paths


class Peaks:
    """Peak RSS of this process and each of its descendants, sampled on a thread."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peaks: dict[int, tuple[str, int]] = {}
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while self.running:
            for proc in [self.me, *self.me.children(recursive=True)]:
                try:
                    rss, name = proc.memory_info().rss, " ".join(proc.cmdline()[:3])
                except psutil.Error:
                    continue
                old = self.peaks.get(proc.pid, ("", 0))[1]
                self.peaks[proc.pid] = (name, max(rss, old))
            time.sleep(0.05)

    def stop(self) -> dict[str, float]:
        self.running = False
        self.thread.join()
        driver = self.peaks.pop(self.me.pid)[1]
        java = [rss for name, rss in self.peaks.values() if "java" in name]
        python = [rss for name, rss in self.peaks.values() if "java" not in name]
        mb = 1 << 20
        return {
            "driver_peak_mb": round(driver / mb),
            "worker_peak_mb": round(max(python, default=0) / mb),
            "jvm_peak_mb": round(max(java, default=0) / mb),
        }


# Engines whose start-up a second profile shares (a Spark session, a cluster started apart): its
# time is a warm cluster's, without the first job's start of the Python workers and the JVM's
# warm-up (on Spark, 3-6 s of the first profile here).
SHARED_START = ("spark", "dask-scheduler")


def measure(engine_name: str, workers: int, folder: Path) -> dict[str, object]:
    """One engine, in this process: start-up, profiling, memory, and the profile's check.

    `dask` is what `--engine dask --workers N` runs: o16n's own LocalCluster, whose workers
    spill each part's row hashes to this machine's disk (its start is timed where o16n's client
    is ready). `dask-scheduler` is `--scheduler ADDRESS`: a cluster started apart, whose
    workers share no disk with the driver, so the row hashes are shuffled in worker memory."""
    from contextlib import contextmanager

    from o16n.health.engines import Engine, on_dask, profile_parts
    from o16n.health.stats.codec import to_json

    parts = sorted(folder.glob("part-*.parquet"))
    peaks = Peaks()
    started = time.perf_counter()
    ready: list[float] = []
    cluster = None
    if engine_name == "dask":
        own_client = on_dask.client_for

        @contextmanager
        def timed(engine: Engine):  # type: ignore[no-untyped-def]
            with own_client(engine) as client:
                ready.append(time.perf_counter())
                yield client

        on_dask.client_for = timed
        engine = Engine("dask", workers)
    elif engine_name == "dask-scheduler":
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=50
        )
        engine = Engine("dask", workers, scheduler=cluster.scheduler_address)
    elif engine_name == "spark":
        from o16n.health.engines import on_spark

        engine = Engine("spark", workers)
        on_spark.session(engine)
    else:
        engine = Engine("local", workers)
    ready.append(time.perf_counter())  # dask: o16n's own client adds its ready time after
    profile = profile_parts(parts, engine)
    finished = time.perf_counter()
    started_profile = ready[-1]
    again = None
    if engine_name in SHARED_START:  # the same profile again, on what the first one started
        profile_parts(parts, engine)
        again = round(time.perf_counter() - finished, 2)
    memory = peaks.stop()
    if cluster is not None:
        cluster.close()
    seconds = finished - started_profile
    return {
        "engine": engine_name,
        "workers": workers,
        "rows": profile.rows,
        "startup_s": round(started_profile - started, 2),
        "profile_s": round(seconds, 2),
        "again_s": again,
        "rows_per_s_per_worker": round(profile.rows / seconds / workers),
        **memory,
        "profile": to_json(profile),
    }


def same(a: str, b: str) -> bool:
    """Counts and sketches equal, moments within 1e-9 relative (the engines' promise)."""
    from o16n.health.stats.codec import from_json

    one, two = from_json(a), from_json(b)
    if (one.rows, one.duplicate_rows, one.schema) != (two.rows, two.duplicate_rows, two.schema):
        return False
    for name, column in one.columns.items():
        x, y = vars(column.summary), vars(two.columns[name].summary)
        for key in x:
            if key in ("mean", "m2"):
                if not math.isclose(x[key], y[key], rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif x[key] != y[key]:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", nargs="+", default=["local", "local2", "dask", "spark"])
    parser.add_argument("--data", type=Path, default=Path("build/bench/scale"))
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/scale.json"))
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # ENGINE WORKERS DIR
    args = parser.parse_args()
    if args.measure:
        name, workers, folder = args.measure
        print(json.dumps(measure(name, int(workers), Path(folder))))
        return
    folder = args.data / f"{args.rows}x{args.parts}"
    write_parts(args.rows, args.parts, folder)
    results = []
    for label in args.engines:
        name, workers = (
            ("local", 1) if label == "local" else (label.removesuffix("2"), args.workers)
        )
        done = subprocess.run(
            [sys.executable, __file__, "--measure", name, str(workers), str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = results[0]
    local_profile = base["profile"]
    for result in results:
        result["per_worker_vs_local"] = round(
            result["rows_per_s_per_worker"] / base["rows_per_s_per_worker"], 2
        )
        result["same_profile_as_local"] = same(result.pop("profile"), local_profile)
    print(f"{args.rows:,} rows in {args.parts} Parquet parts, {args.workers} workers")
    for r in results:
        print(
            f"  {r['engine']:<14} x{r['workers']}: start {r['startup_s']:>5} s  "
            f"profile {r['profile_s']:>6} s  "
            + (f"(again {r['again_s']} s)  " if r["again_s"] is not None else "")
            + f"{r['rows_per_s_per_worker']:>10,} rows/s/worker "
            f"({r['per_worker_vs_local']}x local)  peak MB driver {r['driver_peak_mb']} "
            f"worker {r['worker_peak_mb']} jvm {r['jvm_peak_mb']}  "
            f"same profile: {r['same_profile_as_local']}"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
