"""The local engine: parts profiled one after another in this process, or by a pool of worker
processes (`workers` > 1), each returning its partial profile as bytes (its row hashes spilled
to a scratch folder, counted from there in bounded memory); merged by a tree reduce here."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial as bind
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.health.engines import memory, partial
from o16n.health.stats import rowhashes

if TYPE_CHECKING:
    from o16n.health.engines import Engine


def run(
    engine: Engine, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    """Each part profiled here (or in a pool of `workers` processes), its sorted distinct row
    hashes spilled to a scratch folder as it finishes; the profiles merged by a tree, the
    distinct rows counted a range of hash values at a time from the folder. Memory: a part's
    partial per process, and a few million hashes while counting, however many rows the table
    has."""
    with rowhashes.scratch() as folder:
        profile = bind(_profiled, like=like, columns=columns, folder=folder)
        if engine.workers <= 1 or len(tasks) <= 1:
            stripped = [profile(item) for item in enumerate(tasks)]
        else:
            # forkserver: workers start from a clean process, not a fork of one holding threads.
            context = multiprocessing.get_context("forkserver")
            workers = min(engine.workers, len(tasks))
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_worker, initargs=(dict(os.environ),)
            ) as pool:
                stripped = list(pool.map(profile, enumerate(tasks)))
        distinct_rows = partial.spilled_distinct(folder)
    return partial.tree_reduce(stripped, partial.merge_partials), distinct_rows


def _profiled(
    item: tuple[int, str], like: bytes, columns: Sequence[str] | None, folder: Path
) -> bytes:
    index, task = item
    return partial.spilled(task, like, columns, folder, index)


def _worker(environment: dict[str, str]) -> None:
    """A worker process has this process's environment as it is now (the forkserver was
    started with the one of its first use: credentials set since would be missing), and reads
    with one Arrow thread: the pool is the parallelism, and Arrow's own threads (one per core
    in each worker) would compete with the other workers. (Dask's workers get the same from
    OMP_NUM_THREADS=1, which Arrow reads.) It is a batch process, and keeps the memory it
    frees for its next part (`memory.for_batch`)."""
    import pyarrow as pa

    os.environ.clear()
    os.environ.update(environment)
    pa.set_cpu_count(1)
    memory.for_batch()
