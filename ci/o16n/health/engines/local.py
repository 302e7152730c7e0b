"""The local engine: parts profiled one after another in this process, or by a pool of worker
processes (`workers` > 1), each returning its partial as bytes; merged by a tree reduce here."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial as bind
from typing import TYPE_CHECKING

from o16n.health.engines import partial

if TYPE_CHECKING:
    from o16n.health.engines import Engine


def run(
    engine: Engine, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    profile = bind(partial.profile_task, like=like, columns=columns)
    if engine.workers <= 1 or len(tasks) <= 1:
        partials = [profile(t) for t in tasks]
    else:
        # forkserver: workers start from a clean process, not a fork of one holding threads.
        context = multiprocessing.get_context("forkserver")
        workers = min(engine.workers, len(tasks))
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker, initargs=(dict(os.environ),)
        ) as pool:
            partials = list(pool.map(profile, tasks))
    return merged(partials)


def _worker(environment: dict[str, str]) -> None:
    """A worker process has this process's environment as it is now (the forkserver was
    started with the one of its first use: credentials set since would be missing), and reads
    with one Arrow thread: the pool is the parallelism, and Arrow's own threads (one per core
    in each worker) would compete with the other workers. (Dask's workers get the same from
    OMP_NUM_THREADS=1, which Arrow reads.)"""
    import pyarrow as pa

    os.environ.clear()
    os.environ.update(environment)
    pa.set_cpu_count(1)


def merged(partials: list[bytes]) -> tuple[bytes, int]:
    """The profiles merged by a tree, the distinct rows counted bucket by bucket (sorting a
    sixteenth of the hashes at a time, not every partial's hashes at each merge)."""
    distinct_rows = sum(
        partial.distinct(*[partial.bucket(p, b) for p in partials]) for b in range(partial.BUCKETS)
    )
    stripped = [partial.strip(p) for p in partials]
    partials.clear()
    return partial.tree_reduce(stripped, partial.merge_partials), distinct_rows
