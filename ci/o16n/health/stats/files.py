"""Profiles of files: CSV or Parquet streamed chunk by chunk, so data larger than memory is
profiled in bounded memory; and, for commands, a reference profile (JSON) or a data file
profiled now, with every read failure a ConfigError that names the file (exit 2), never a pass.

Parquet is read with Arrow, never pandas: whole row groups, memory-mapped, each read on another
thread while the one before is profiled. A reference needs its bin edges before its first chunk:
from Parquet statistics when every row group has them, else from a first pass.

A source may also be a folder or glob of parts, or a URL (`o16n.health.stats.locations`): the
parts are read one after another through the same chunk profiler, so the profile is the one
the same rows in one file give. One local file keeps the memory-mapped path (fsspec is not even
imported for it).

Kept apart from `o16n.health.checks`, so `o16n profile` starts without loading the health config
models (pydantic: a quarter of a second); pandas and pyarrow are imported where used.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from queue import Empty, Queue
from threading import Event, Thread
from typing import Any

import numpy as np

from o16n.errors import ConfigError
from o16n.health.stats import kernels, locations
from o16n.health.stats.codec import ProfileError, from_json
from o16n.health.stats.columns import profile_frame, profile_table
from o16n.health.stats.kinds import NUMERIC_KINDS, ProfileKind
from o16n.health.stats.locations import Part, Parts
from o16n.health.stats.merge import merge
from o16n.health.stats.model import Categorical, Column, Numeric, Profile, Summary
from o16n.health.stats.parts import (
    Block,
    arrow_chunks,
    check_schemas,
    column_blocks,
    parquet_of,
    part_frames,
    part_tables,
)
from o16n.health.stats.rowhashes import HashSink, RowHashes
from o16n.health.stats.sources import kind_of, numbers, string_kind

# Rows profiled at a time. Smaller chunks let the next one be read while this one is profiled,
# and keep the work arrays in cache: 10M rows x 20 columns profiled in 6.3 s with 250k-row
# chunks, 8.1 s with 1M (and no better with 125k).
CHUNK_ROWS = 250_000


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """A reference: a profile written by `o16n profile` (a local or remote .json), or data
    (a file, a folder of parts, a URL) profiled now."""
    if not os.fspath(path).lower().endswith(".json"):
        return profile_data(path)
    try:
        return from_json(_read_text(path))
    except (FileNotFoundError, NotADirectoryError):  # NotADirectory: a file where a folder is
        raise ConfigError(
            "profile not found", file=path, hint="run `dvc repro` (train writes it)"
        ) from None
    except OSError as exc:  # a folder named .json, no permission to read it
        raise ConfigError(
            f"cannot read the profile: {exc.strerror or exc}",
            file=path,
            hint="give the profile file `o16n profile` wrote",
        ) from None
    except ProfileError as exc:
        raise ConfigError(
            f"not an o16n profile: {exc}",
            file=path,
            key=exc.key,
            hint="write it again with `o16n profile DATA -o PROFILE.json`",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:  # json's JSONDecodeError is a ValueError
        raise ConfigError(
            f"not an o16n profile: {exc}",
            file=path,
            hint="write it again with `o16n profile DATA -o PROFILE.json`",
        ) from None


def _read_text(path: str | os.PathLike[str]) -> str:
    if not locations.is_url(path):
        return Path(path).read_text(encoding="utf-8")
    return locations.read_bytes(os.fspath(path)).decode("utf-8")


def local_file(source: str | os.PathLike[str]) -> Path | None:
    """`source` when it is one existing local file (the fast path), else None."""
    text = os.fspath(source)
    if locations.is_url(text) or not os.path.isfile(text):
        return None
    return Path(text)


def profile_data(source: str | os.PathLike[str], like: Profile | None = None) -> Profile:
    """A file, a folder or glob of parts, or a URL, profiled (on `like`'s bins when given);
    every failure a ConfigError naming the source."""
    single = local_file(source)
    parts = None
    if single is None:
        plain = not locations.is_url(source) and not locations.has_glob(source)
        if plain and not os.path.exists(source):
            raise ConfigError(
                "data file not found", file=source, hint="check the path, or run `dvc pull`"
            )
        parts = locations.expand(source)
        single = parts.single_file
    try:
        with locations.remote_errors(os.fspath(source)):
            if single is not None:
                profile = profile_file(single, like=like)
            else:
                assert parts is not None
                profile = profile_parts(parts, like=like)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError: ValueError
        raise ConfigError(f"cannot read the data: {exc}", file=source) from None
    if profile.rows == 0:
        raise ConfigError("the data has no rows", file=source)
    return profile


def profile_file(
    path: Path,
    like: Profile | None = None,
    rows: int = CHUNK_ROWS,
    columns: Sequence[str] | None = None,
) -> Profile:
    """Profile a file (or only its `columns`) chunk by chunk. A reference (no `like`) needs its
    ranges first: Parquet statistics when every row group has them, else a first pass over the
    numeric columns."""
    if like is None:
        like = _ranges(path, rows)
    with RowHashes() as hashes:
        if _is_parquet(path):
            with prefetched(column_blocks(path, rows, columns)) as blocks:
                return _profile_chunks(_block_profiles(blocks, like, hashes), hashes)
        frames = chunks(path, rows, columns)
        return _profile_chunks((profile_frame(f, like, row_hashes=hashes) for f in frames), hashes)


def profile_parts(
    parts: Parts,
    like: Profile | None = None,
    rows: int = CHUNK_ROWS,
    columns: Sequence[str] | None = None,
) -> Profile:
    """Profile every part of a source as one table: its schema checked first (the first part
    that differs is named), then a reference's ranges from all parts, then each part's chunks,
    read on another thread while the one before is profiled. Empty parts add nothing."""
    check_schemas(parts)
    if like is None:
        like = parts_ranges(parts, rows)
    with RowHashes() as hashes:
        if parts.format == "parquet":
            with prefetched(part_tables(parts, rows, columns)) as tables:
                return _profile_chunks((profile_table(t, like, hashes) for t in tables), hashes)
        with prefetched(part_frames(parts, rows, columns)) as frames:
            return _profile_chunks(
                (profile_frame(f, like, row_hashes=hashes) for f in frames), hashes
            )


def _block_profiles(
    blocks: Iterable[Block], like: Profile, row_hashes: HashSink
) -> Iterator[Profile]:
    """One profile per row group, from its blocks of columns (and batches of rows): each
    block's column hashes combined into the group's row hashes in column order, as one read of
    the whole group would, and the blocks' columns put side by side."""
    hashes: np.ndarray | None = None
    columns: dict[str, Column] = {}
    for block in blocks:
        if hashes is None:
            hashes = np.zeros(block.rows, dtype=np.uint64)
        view = hashes[block.offset : block.offset + block.table.num_rows]
        part = profile_table(block.table, like, into=view)
        for name, column in part.columns.items():
            columns[name] = column if name not in columns else _merged(columns[name], column)
        if block.last and block.offset + block.table.num_rows == block.rows:
            row_hashes.append(hashes)
            yield Profile(rows=block.rows, columns=columns)
            hashes, columns = None, {}


def _merged(a: Column, b: Column) -> Column:
    """Two batches' summaries of one column."""
    merged = merge(Profile(rows=0, columns={"c": a}), Profile(rows=0, columns={"c": b}))
    return merged.columns["c"]


def _profile_chunks(profiles: Iterable[Profile], row_hashes: RowHashes) -> Profile:
    """The chunks' profiles merged, and the rows repeated anywhere among them counted (the
    chunks put their row hashes in `row_hashes` as they are profiled; past a few million rows
    it spills them to disk, so a file of any size is counted in bounded memory)."""
    profile: Profile | None = None
    for part in profiles:
        profile = part if profile is None else merge(profile, part)
    if profile is None:
        raise ValueError("the file has no rows")
    profile.duplicate_rows = profile.rows - row_hashes.distinct()
    return profile


# ---- reading chunks ------------------------------------------------------------------------------


def chunks(path: Path, rows: int = CHUNK_ROWS, columns: Sequence[str] | None = None) -> Any:
    """DataFrames of at most `rows` rows (of `columns` only, when given): Parquet record
    batches or CSV chunks."""
    if _is_parquet(path):
        for table in arrow_chunks(path, rows, columns):
            yield table.to_pandas()
    else:
        import pandas as pd

        selected = list(columns) if columns is not None else None
        yield from pd.read_csv(path, chunksize=rows, usecols=selected)


@contextmanager
def prefetched(chunks: Iterator[Any]) -> Iterator[Iterator[Any]]:
    """The chunks, each next one read on another thread while this one is profiled (Arrow
    reads without holding the GIL). Errors while reading are raised in order. Leaving the
    block stops the reading and waits for the thread: one still inside Arrow when the
    interpreter exits aborts the process (after an error in a chunk, say)."""
    queue: Queue[Any] = Queue(maxsize=1)
    done = object()
    stop = Event()

    def fill() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    break
                queue.put(chunk)
        except BaseException as exc:  # handed over to the consumer, which raises it
            queue.put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a generator's own cleanup: its open files closed
            queue.put(done)

    def items() -> Iterator[Any]:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = Thread(target=fill, daemon=True)
    thread.start()
    try:
        yield items()
    finally:
        stop.set()
        while thread.is_alive():  # take what it still hands over, until it has stopped
            with suppress(Empty):
                queue.get(timeout=0.05)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


# ---- a reference's ranges, before its first chunk ------------------------------------------------

Ranges = tuple[dict[str, ProfileKind], dict[str, float], dict[str, float]]


def _ranges(path: Path, rows: int) -> Profile:
    """An empty profile holding each column's kind and, for numeric ones, the final bin edges:
    from Parquet row-group statistics when every group has them, else from a first pass."""
    kinds, low, high = (_parquet_ranges(path) if _is_parquet(path) else None) or _scan_ranges(
        path, rows
    )
    return _empty_profile(kinds, low, high)


def _empty_profile(
    kinds: dict[str, ProfileKind], low: dict[str, float], high: dict[str, float]
) -> Profile:
    columns = {}
    for name, kind in kinds.items():
        summary: Summary = Categorical()
        if kind in NUMERIC_KINDS:
            summary = Numeric(edges=kernels.bin_edges(low[name], high[name]) if name in low else [])
        columns[name] = Column(kind, "", summary)
    return Profile(rows=0, columns=columns)


def _parquet_ranges(path: Path) -> Ranges | None:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path)
    found = _parquet_statistics(meta)
    if found is None:
        return None
    kinds, low, high, strings = found
    if strings and meta.metadata.num_row_groups:  # categorical or text: the first rows decide
        first = next(meta.iter_batches(batch_size=1000, row_groups=[0], columns=strings), None)
        if first is not None:  # an empty group has no rows to judge by: the kinds stay open
            kinds.update({name: string_kind(first.column(name)) for name in strings})
    return kinds, low, high


def _parquet_statistics(
    meta: Any,
) -> tuple[dict[str, ProfileKind], dict[str, float], dict[str, float], list[str]] | None:
    """Kinds and numeric ranges from a Parquet file's row-group statistics (the string columns'
    kinds left to the caller), or None where a group lacks them or a type is not plain."""
    import pyarrow as pa

    kinds: dict[str, ProfileKind] = {}
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    strings: list[str] = []
    for index, column in enumerate(meta.schema_arrow):
        if pa.types.is_boolean(column.type):
            kinds[column.name] = "boolean"
        elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            kinds[column.name] = "numeric"
            for group in range(meta.metadata.num_row_groups):
                stats = meta.metadata.row_group(group).column(index).statistics
                if stats is None or not stats.has_min_max:
                    if meta.metadata.row_group(group).num_rows == 0:
                        continue  # an empty group (an empty part) has no range to give
                    return None
                if not all(isinstance(v, int | float) for v in (stats.min, stats.max)):
                    return None  # raw bytes (a float16's, say): scan instead
                if isinstance(stats.min, float) and not (
                    math.isfinite(stats.min) and math.isfinite(stats.max)
                ):
                    return None  # NaN or infinities in the statistics: scan instead
                low[column.name] = min(low.get(column.name, math.inf), float(stats.min))
                high[column.name] = max(high.get(column.name, -math.inf), float(stats.max))
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            strings.append(column.name)
        else:
            return None
    return kinds, low, high, strings


def parts_ranges(parts: Parts, rows: int) -> Profile:
    """`_ranges` for a source of parts: Parquet statistics of every part when all have them,
    else a first pass over all parts; the partition columns' ranges from the parts with rows."""
    found = _parts_statistics(parts) if parts.format == "parquet" else None
    kinds, low, high = found or _scan(part_frames(parts, rows))
    return _empty_profile(kinds, low, high)


def _parts_statistics(parts: Parts) -> Ranges | None:
    import pyarrow.parquet as pq

    kinds: dict[str, ProfileKind] = {}
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    strings: list[str] = []
    for part in parts.parts:
        with parquet_of(parts, part) as handle:
            found = _parquet_statistics(pq.ParquetFile(handle))
        if found is None:
            return None
        kinds, strings = found[0], found[3]
        for name, value in found[1].items():
            low[name] = min(low.get(name, math.inf), value)
        for name, value in found[2].items():
            high[name] = max(high.get(name, -math.inf), value)
    sample = _first_rows(parts, strings, 1000) if strings else None
    if sample is not None:
        kinds.update({name: string_kind(sample.column(name)) for name in strings})
    for key, kind in parts.partition_types.items():
        present = [p for p in parts.parts if _has_rows(parts, p)]
        values = [v for p in present for k, v in p.partition if k == key and v is not None]
        kinds[key] = "numeric" if kind == "int64" else "categorical"
        if kind == "int64" and values:
            low[key], high[key] = min(float(v) for v in values), max(float(v) for v in values)
    return kinds, low, high


def _has_rows(parts: Parts, part: Part) -> bool:
    import pyarrow.parquet as pq

    with parquet_of(parts, part) as handle:
        return bool(pq.ParquetFile(handle).metadata.num_rows)


def _first_rows(parts: Parts, columns: list[str], count: int) -> Any:
    """The first `count` rows of `columns` across the parts (a kind is judged on the same rows
    however the table is split)."""
    import pyarrow as pa

    taken: list[Any] = []
    rows = 0
    for table in part_tables(parts, count, columns):
        taken.append(table.slice(0, count - rows))
        rows += taken[-1].num_rows
        if rows >= count:
            break
    return pa.concat_tables(taken) if taken else None


def _scan_ranges(path: Path, rows: int) -> Ranges:
    return _scan(chunks(path, rows))


def _scan(frames: Iterable[Any]) -> Ranges:
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    kinds: dict[str, ProfileKind] = {}
    unknown: dict[str, ProfileKind] = {}  # columns seen with no value yet: a guess
    for frame in frames:
        for name in frame.columns:
            if str(name) not in kinds:
                if frame[name].isna().all():  # no value to judge the kind by: wait for one
                    unknown.setdefault(str(name), kind_of(frame[name]))
                    continue
                kinds[str(name)] = kind_of(frame[name])
            kind = kinds[str(name)]
            if kind in NUMERIC_KINDS:
                values = numbers(frame[name], kind)
                finite = values[np.isfinite(values)]
                if len(finite):
                    low[str(name)] = min(low.get(str(name), math.inf), float(finite.min()))
                    high[str(name)] = max(high.get(str(name), -math.inf), float(finite.max()))
    return {**unknown, **kinds}, low, high
