"""Engines: the same profile on one machine or a cluster, however the table is split.

Every engine runs one map and one merge: each part is profiled on the same kinds and global bin
edges (`partial.first_pass`, or the reference's when profiling current data `like` it) into a
partial profile that travels as bytes, and the partials are merged by a tree reduce. Profiles
merge exactly (`o16n.health.stats.merge`), so any engine on any partitioning gives the local
profile of the same rows: counts, histograms and sketches identical, moments to rounding.

- `local`: the parts in this process, or in `workers` processes;
- `dask`: a dask.distributed LocalCluster of `workers` processes, or an existing scheduler;
- `spark`: pyspark `local[workers]`, or an existing master; partitions profiled by mapInArrow.

dask and pyspark are extras (`o16n[dask]`, `o16n[spark]`), imported only when chosen.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast, get_args

from o16n.errors import ConfigError

if TYPE_CHECKING:  # pydantic is loaded only by commands that read a config, numpy when used
    from o16n.config.engine import EngineConfig
    from o16n.health.stats.locations import Parts
    from o16n.health.stats.model import Profile

EngineName = Literal["local", "dask", "spark"]
ENGINES: tuple[str, ...] = get_args(EngineName)
CONNECT_TIMEOUT = 30.0  # seconds to reach a scheduler or master before giving up


@dataclass(frozen=True)
class Engine:
    """Where profiles are made: the engine, its pool's size, an existing cluster's address."""

    name: EngineName = "local"
    workers: int = 1
    scheduler: str | None = None  # dask: an existing scheduler (tcp://host:8786)
    master: str | None = None  # spark: an existing master (spark://host:7077, yarn, k8s://...)
    timeout: float = CONNECT_TIMEOUT

    @property
    def default(self) -> bool:
        """Today's single-process streaming profiler."""
        return self.name == "local" and self.workers <= 1


def profile_source(
    source: str | os.PathLike[str], engine: Engine = Engine(), like: Profile | None = None
) -> Profile:
    """A table wherever it is (a file, a folder or glob of parts with hive partition folders,
    a URL: `locations`) profiled on `engine`: today's streaming profiler for the default
    engine, else its parts, each read by a worker with the same readers."""
    from o16n.health.stats import files, locations

    if engine.default:
        return files.profile_data(source, like=like)
    single = files.local_file(source)
    if single is not None:
        return profile_parts(locations.listed([single]), engine, like)
    plain = not locations.is_url(source) and not locations.has_glob(source)
    if plain and not os.path.exists(source):
        raise ConfigError("data file not found", file=os.fspath(source), hint="check the path")
    return profile_parts(locations.expand(source), engine, like)


def profile_parts(
    parts: Parts | Sequence[str | os.PathLike[str]],
    engine: Engine = Engine(),
    like: Profile | None = None,
    columns: Sequence[str] | None = None,
) -> Profile:
    """The profile of the table whose parts these are (`locations.Parts`, or part files named
    in order), made on `engine`: on `like`'s kinds and edges when given, else on edges from a
    first pass over all parts. Each part travels to its worker as a task (JSON: where it is,
    never credentials), is read there with the default engine's readers, and comes back as a
    partial profile (bytes). ConfigError (exit 2) for no parts, parts whose schemas differ, no
    rows, a missing extra or an unreachable cluster or bucket."""
    from o16n.health.engines import partial
    from o16n.health.stats import locations
    from o16n.health.stats import parts as part_readers

    table = parts if isinstance(parts, locations.Parts) else locations.listed(parts)
    first = table.parts[0].url
    try:
        with locations.remote_errors(table.source):
            part_readers.check_schemas(table)
            shape = like if like is not None else partial.first_pass(table)
            # a few large files: their row groups shared out, two tasks a worker
            pieces = part_readers.by_row_groups(table, 2 * max(engine.workers, 2))
            tasks = [locations.task(pieces, part) for part in pieces.parts]
            result, distinct_rows = _run(engine, tasks, partial.like_bytes(shape), columns)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the data: {exc}", file=first) from None
    profile = partial.finish(result, shape, distinct_rows)
    if profile is None:
        raise ConfigError("the data has no rows", file=table.source)
    return profile


def _run(
    engine: Engine, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int | None]:
    """The merged partial, and the distinct rows when a cluster counted them apart."""
    if engine.name == "dask":
        from o16n.health.engines import on_dask

        return on_dask.run(engine, tasks, like, columns)
    if engine.name == "spark":
        from o16n.health.engines import on_spark

        return on_spark.run(engine, tasks, like, columns)
    from o16n.health.engines import local

    return local.run(engine, tasks, like, columns)


def require(module: str, extra: str) -> None:
    """A missing extra is a usage error naming the install, not a traceback."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"the {extra} engine needs {module}, which is not installed",
            hint=f'pip install "o16n[{extra}]"',
        )


def choose(
    config: EngineConfig | None,
    name: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    master: str | None = None,
) -> Engine:
    """The engine the flags name, over what the config (health.yaml, o16n.yaml) says. An address
    names its engine: --scheduler is dask's, --master spark's; one given to the other engine is
    a usage error, as is a pool of no workers."""
    from o16n.errors import UsageError

    base = config or Engine()
    chosen = name or ("dask" if scheduler else "spark" if master else None) or base.name
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: at least 1", hint="--workers 2")
    if scheduler and chosen != "dask":
        raise UsageError(f"--scheduler is for --engine dask, not {chosen}")
    if master and chosen != "spark":
        raise UsageError(f"--master is for --engine spark, not {chosen}")
    same = chosen == base.name
    return Engine(
        name=cast(EngineName, chosen),
        workers=workers or base.workers,
        scheduler=scheduler or (base.scheduler if same else None),
        master=master or (base.master if same else None),
        timeout=base.timeout,
    )
