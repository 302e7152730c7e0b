"""The dask engine: each part profiled on a dask.distributed worker into a partial (bytes), the
partials merged pairwise on the workers (a tree of tasks), the last one fetched here.

A LocalCluster of `workers` single-threaded processes by default; `scheduler` joins an existing
cluster instead (dask-kubernetes, dask-yarn, Coiled, ...: any scheduler address), whose workers
must reach the parts (the same paths, or the bucket with credentials in their own
environment) and have o16n installed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from o16n.errors import ConfigError
from o16n.health.engines import partial, require
from o16n.health.stats import rowhashes

if TYPE_CHECKING:
    from o16n.health.engines import Engine


def run(
    engine: Engine, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    """The merged profile (a tree of merges on the workers) and the distinct rows, so no
    worker holds every row's hash: a LocalCluster's workers spill each part's row hashes to a
    scratch folder on this machine, counted from there a range at a time (memory bounded
    however many rows); an existing cluster's workers, which share no disk with this one,
    count them a bucket per task (`partial.BUCKETS`)."""
    require("distributed", "dask")
    with client_for(engine) as client:
        if engine.scheduler:
            return _shuffled(client, tasks, like, columns)
        with rowhashes.scratch() as folder:
            level = [
                client.submit(partial.spilled, task, like, columns, folder, index, pure=False)
                for index, task in enumerate(tasks)
            ]
            return _merged(client, level), partial.spilled_distinct(folder)


def _shuffled(
    client: Any, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    leaves = client.map(partial.profile_task, list(tasks), like=like, columns=columns, pure=False)
    level = [client.submit(partial.strip, leaf, pure=False) for leaf in leaves]
    counts = [
        client.submit(
            partial.distinct,
            *[client.submit(partial.bucket, leaf, b, pure=False) for leaf in leaves],
            pure=False,
        )
        for b in range(partial.BUCKETS)
    ]
    del leaves  # each part's partial is freed once its profile and buckets are taken
    return _merged(client, level), sum(client.gather(counts))


def _merged(client: Any, level: list[Any]) -> bytes:
    """The partials merged pairwise on the workers, level by level; the last one fetched."""
    while len(level) > 1:
        merged = [
            client.submit(partial.merge_partials, level[i], level[i + 1], pure=False)
            for i in range(0, len(level) - 1, 2)
        ]
        level = merged + ([level[-1]] if len(level) % 2 else [])
    result: bytes = level[0].result()
    return result


@contextmanager
def client_for(engine: Engine) -> Iterator[Any]:
    """A client of the given scheduler (within `timeout`), or of a LocalCluster started here."""
    import importlib

    distributed: Any = importlib.import_module("distributed")  # untyped: used as Any
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    if engine.scheduler:
        try:
            client = Client(engine.scheduler, timeout=engine.timeout)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
            raise ConfigError(
                f"cannot reach the dask scheduler at {engine.scheduler} "
                f"within {engine.timeout:g} s: {exc}",
                hint="check the address (tcp://HOST:8786) and that the scheduler runs",
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=engine.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
