"""What every engine shares: the first pass (kinds and global bin edges), one part profiled
into a partial profile as bytes, partials merged, and the tree that merges them.

A partial travels as bytes, never as a pickled object: a magic word, the length of the
profile's JSON (`codec.to_json`, which round-trips exactly), the JSON, then the part's distinct
row hashes as little-endian uint64. The hashes are what make duplicate rows exact across parts:
the whole's duplicates are its rows minus its distinct row hashes, as `files.profile_file`
counts them for one file.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from o16n.health.stats import rowhashes, sketch
from o16n.health.stats.codec import from_json, to_json
from o16n.health.stats.columns import profile_frame, profile_table
from o16n.health.stats.files import CHUNK_ROWS, parts_ranges
from o16n.health.stats.locations import Parts, from_task, remote_errors
from o16n.health.stats.merge import merge
from o16n.health.stats.model import Column, Numeric, Profile
from o16n.health.stats.parts import part_frames, part_tables

MAGIC = b"O16NPRT1"
_HEADER = struct.Struct("<8sQ")
KIND_SAMPLE = 1000  # string columns: the first rows of the whole decide categorical or text

T = TypeVar("T")


# ---- the first pass --------------------------------------------------------------------------


def first_pass(parts: Parts) -> Profile:
    """An empty profile with each column's kind and global bin edges, so every part bins on the
    same edges: the default engine's own (`files.parts_ranges`: Parquet footer statistics where
    every part has them, else a min/max pass; string kinds from the whole's first rows), with
    zero counts on the edges, so it travels as a valid profile."""
    shape = parts_ranges(parts, CHUNK_ROWS)
    columns = {name: _zero_counts(col) for name, col in shape.columns.items()}
    return replace(shape, columns=columns)


def _zero_counts(column: Column) -> Column:
    if not isinstance(column.summary, Numeric):
        return column
    empty = [0] * max(len(column.summary.edges) - 1, 0)
    return replace(column, summary=replace(column.summary, counts=empty))


# ---- one part --------------------------------------------------------------------------------


def profile_task(
    task: str, like: bytes, columns: Sequence[str] | None = None, rows: int = CHUNK_ROWS
) -> bytes:
    """One part (`locations.task`: a local file or a URL, with its partition values), chunk by
    chunk with the default engine's readers, on `like`'s kinds and edges, as a partial."""
    reference = from_json(like.decode(), checked=False)
    parts = from_task(task)
    hashes: list[np.ndarray] = []
    with remote_errors(parts.parts[0].url):
        if parts.format == "parquet":
            tables = part_tables(parts, rows, columns)
            return profile_tables((profile_table(t, reference, hashes) for t in tables), hashes)
        frames = part_frames(parts, rows, columns)
        return profile_tables(
            (profile_frame(f, reference, row_hashes=hashes) for f in frames), hashes
        )


def profile_tables(profiles: Iterable[Profile], hashes: list[np.ndarray]) -> bytes:
    """Chunk profiles (which append their row hashes to `hashes`) merged into one partial."""
    whole: Profile | None = None
    for chunk in profiles:
        if chunk.rows:
            whole = chunk if whole is None else merge(whole, chunk)
    joined = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    return encode(whole, sketch.distinct(joined))


# ---- partials as bytes, and merged -----------------------------------------------------------


def encode(profile: Profile | None, distinct_rows: np.ndarray) -> bytes:
    """A partial: None for a part with no rows (it adds nothing)."""
    text = b"" if profile is None else _json(profile).encode()
    body = np.ascontiguousarray(distinct_rows, dtype="<u8").tobytes()
    return _HEADER.pack(MAGIC, len(text)) + text + body


def _json(profile: Profile) -> str:
    """The profile document `codec.from_json` reads, without the figures written for readers
    (quantiles, deciles, std, distinct: the reader recomputes them; for a partial they cost
    more than the rest of the document)."""
    return to_json(profile, for_readers=False)


def decode(data: bytes) -> tuple[Profile | None, np.ndarray]:
    magic, length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not an o16n partial profile")
    start = _HEADER.size
    text = data[start : start + length]
    profile = from_json(text.decode(), checked=False) if text else None
    return profile, np.frombuffer(data[start + length :], dtype="<u8").astype(np.uint64)


def merge_partials(a: bytes, b: bytes) -> bytes:
    """Two partials into one (run wherever the engine reduces: a worker or the driver)."""
    left, left_rows = decode(a)
    right, right_rows = decode(b)
    merged = right if left is None else left if right is None else merge(left, right)
    return encode(merged, sketch.distinct(np.concatenate([left_rows, right_rows])))


def finish(data: bytes, like: Profile, distinct_rows: int | None = None) -> Profile | None:
    """The whole's profile from the last partial: duplicates from the distinct row hashes (its
    own, or `distinct_rows` counted bucket by bucket), and dtypes as the local reader names
    them (the first pass's), when it found them."""
    profile, distinct = decode(data)
    if profile is None:
        return None
    found = len(distinct) if distinct_rows is None else distinct_rows
    profile.duplicate_rows = profile.rows - found
    columns = {
        name: replace(col, dtype=like.columns[name].dtype)
        if name in like.columns and like.columns[name].dtype
        else col
        for name, col in profile.columns.items()
    }
    return replace(profile, columns=columns)


# ---- distinct rows, bucket by bucket ---------------------------------------------------------
#
# Duplicate rows are counted without any one process holding every row hash. On one machine
# (the local engine, a dask LocalCluster) each part's sorted distinct hashes are spilled to a
# shared scratch folder and counted a range of hash values at a time (`rowhashes`: bounded
# memory for any number of rows). Across machines (an existing dask cluster, Spark) each part's
# hashes are cut into buckets by their top bits, bucket b of every part is unioned in one task,
# and the distinct counts add up. Dask cuts BUCKETS (a task per part and bucket); Spark, whose
# buckets are rows of one shuffle, cuts one per part (`bucket_count`), so a bucket holds about
# one part's share of the hashes however many parts the table has.

BUCKETS = 16


def bucket_count(parts: int) -> int:
    """A power of two, at least BUCKETS and at least `parts`."""
    return max(BUCKETS, 1 << max(parts - 1, 0).bit_length())


def strip(data: bytes) -> bytes:
    """The partial's profile alone (what the profile tree merges), without its row hashes."""
    _, length = _HEADER.unpack_from(data)
    return data[: _HEADER.size + length]


def bucket(data: bytes, index: int) -> bytes:
    """Bucket `index` of BUCKETS of the partial's sorted distinct row hashes, as raw
    little-endian bytes."""
    hashes = decode_hashes(data)
    starts = _bucket_starts(hashes, BUCKETS)
    return hashes[starts[index] : starts[index + 1]].astype("<u8").tobytes()


def buckets(data: bytes, count: int) -> list[bytes]:
    """The partial's sorted distinct row hashes cut into `count` (a power of two) buckets by
    their top bits (one decode, one search)."""
    hashes = decode_hashes(data)
    starts = _bucket_starts(hashes, count)
    return [hashes[starts[b] : starts[b + 1]].astype("<u8").tobytes() for b in range(count)]


def _bucket_starts(hashes: np.ndarray, count: int) -> np.ndarray:
    """Where each of `count` (a power of two) buckets starts in sorted hashes, and the end."""
    shift = np.uint64(64 - (count.bit_length() - 1))
    top = hashes >> shift if count > 1 else np.zeros(len(hashes), dtype=np.uint64)
    return np.searchsorted(top, np.arange(count + 1, dtype=np.uint64))


def spill(data: bytes, folder: Path, index: int) -> bytes:
    """The partial's sorted distinct row hashes written to `folder` (a run of its own, in
    `rowhashes.write_run`'s format), its profile returned: whoever counts reads one range of
    hash values of every run at a time (`spilled_distinct`), not every row's hash (800 MB at
    100M rows)."""
    _, length = _HEADER.unpack_from(data)
    with rowhashes.writing(folder):
        (folder / f"{index:06d}.u64").write_bytes(data[_HEADER.size + length :])
    return strip(data)


def spilled_distinct(folder: Path) -> int:
    """The distinct rows of the spilled parts, a range of hash values at a time."""
    return rowhashes.count_files(sorted(folder.glob("*.u64")))


def spilled(
    task: str, like: bytes, columns: Sequence[str] | None, folder: Path, index: int
) -> bytes:
    """One part profiled (`profile_task`) and spilled to `folder`, its profile returned: what
    a worker on this machine runs, its row hashes left on the shared disk."""
    return spill(profile_task(task, like, columns), folder, index)


def union(a: bytes, b: bytes) -> bytes:
    """Two buckets' hashes, distinct and sorted."""
    merged = np.concatenate([np.frombuffer(a, "<u8"), np.frombuffer(b, "<u8")])
    return sketch.distinct(merged.astype(np.uint64)).astype("<u8").tobytes()


def distinct(*buckets: bytes) -> int:
    """Distinct hashes over the same bucket of every part."""
    if not buckets:
        return 0
    joined = np.concatenate([np.frombuffer(b, "<u8") for b in buckets]).astype(np.uint64)
    return len(sketch.distinct(joined))


def decode_hashes(data: bytes) -> np.ndarray:
    magic, length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not an o16n partial profile")
    return np.frombuffer(data[_HEADER.size + length :], dtype="<u8").astype(np.uint64)


def tree_reduce(items: Sequence[T], combine: Callable[[T, T], T]) -> T:
    """Pairs merged level by level (log2 of the parts deep, so no one merge sees them all)."""
    level = list(items)
    if not level:
        raise ValueError("nothing to reduce")
    while len(level) > 1:
        paired = [combine(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def like_bytes(like: Profile) -> bytes:
    return _json(like).encode()
