"""What every engine shares: the first pass (kinds and global bin edges), one part profiled
into a partial profile as bytes, partials merged, and the tree that merges them.

A partial travels as bytes, never as a pickled object: a magic word, the length of the
profile's JSON (`codec.to_json`, which round-trips exactly), the JSON, then the part's distinct
row hashes as little-endian uint64. The hashes are what make duplicate rows exact across parts:
the whole's duplicates are its rows minus its distinct row hashes, as `files.profile_file`
counts them for one file.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from o16n.errors import ConfigError
from o16n.health.stats import kernels, sketch
from o16n.health.stats.codec import from_json, to_json
from o16n.health.stats.columns import profile_frame, profile_table
from o16n.health.stats.files import (
    CHUNK_ROWS,
    _is_parquet,
    _parquet_ranges,
    _scan_ranges,
    chunks,
)
from o16n.health.stats.kinds import NUMERIC_KINDS, ProfileKind
from o16n.health.stats.merge import merge
from o16n.health.stats.model import Categorical, Column, Numeric, Profile, Summary
from o16n.health.stats.parts import arrow_chunks
from o16n.health.stats.sources import string_kind

MAGIC = b"O16NPRT1"
_HEADER = struct.Struct("<8sQ")
KIND_SAMPLE = 1000  # string columns: the first rows of the whole decide categorical or text

T = TypeVar("T")


# ---- the first pass --------------------------------------------------------------------------


def same_columns(parts: Sequence[Path]) -> None:
    """Every part has the first one's columns (read from footers and header lines only): the
    first that differs is named, before any engine starts."""
    first = _columns(parts[0])
    for path in parts[1:]:
        found = _columns(path)
        if found != first:
            missing = [c for c in first if c not in found]
            extra = [c for c in found if c not in first]
            what = f"lacks {missing}" if missing else f"adds {extra}" if extra else "orders them"
            raise ConfigError(
                f"this part's columns differ from {parts[0].name}'s: it {what}",
                file=path,
                hint="every part of one table has the same columns",
            )


def _columns(path: Path) -> list[str]:
    if _is_parquet(path):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    import pandas as pd

    return [str(c) for c in pd.read_csv(path, nrows=0).columns]


def first_pass(parts: Sequence[Path]) -> Profile:
    """An empty profile with each column's kind, dtype and global bin edges, so every part bins
    on the same edges. Ranges come from Parquet footer statistics where a part has them for
    every row group, else from a min/max pass over that part; kinds of string columns from the
    first `KIND_SAMPLE` rows of the whole (the parts in order), as one file's first rows decide."""
    kinds: dict[str, ProfileKind] = {}
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for path in parts:
        found = (_parquet_ranges(path) if _is_parquet(path) else None) or _scan_ranges(
            path, CHUNK_ROWS
        )
        part_kinds, part_low, part_high = found
        if _has_rows(path):  # an empty CSV part reads as text columns: it decides no kind
            for name, kind in part_kinds.items():
                kinds.setdefault(name, kind)
        for name, value in part_low.items():
            low[name] = min(low.get(name, math.inf), value)
        for name, value in part_high.items():
            high[name] = max(high.get(name, -math.inf), value)
    if not kinds and parts:  # no part has rows: the first one's columns, for the message
        kinds = dict((_scan_ranges(parts[0], CHUNK_ROWS))[0])
    kinds.update(_string_kinds(parts, kinds))
    dtypes = _dtypes(parts)
    columns = {}
    for name, kind in kinds.items():
        summary: Summary = Categorical()
        if kind in NUMERIC_KINDS:
            edges = kernels.bin_edges(low[name], high[name]) if name in low else []
            # zero counts on the edges: a valid (empty) profile, so it travels as JSON
            summary = Numeric(edges=edges, counts=[0] * max(len(edges) - 1, 0), values={})
        columns[name] = Column(kind, dtypes.get(name, ""), summary)
    return Profile(rows=0, columns=columns)


def _has_rows(path: Path) -> bool:
    if _is_parquet(path):
        import pyarrow.parquet as pq

        return bool(pq.read_metadata(path).num_rows)
    with path.open("rb") as file:  # a header line and at least one more
        return len(file.readlines(1 << 16)[:2]) == 2


def _string_kinds(parts: Sequence[Path], kinds: dict[str, ProfileKind]) -> dict[str, ProfileKind]:
    """Parquet string columns judged on the whole's first rows: a one-row first part must not
    decide alone what a thousand rows of one file would."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = [p for p in parts if _is_parquet(p)]
    if not parquet:
        return {}
    schema = pq.read_schema(parquet[0])
    strings = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    if not strings:
        return {}
    batches, taken = [], 0
    for path in parquet:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=KIND_SAMPLE, columns=strings):
            batches.append(batch.slice(0, KIND_SAMPLE - taken))
            taken += min(batch.num_rows, KIND_SAMPLE - taken)
            break  # a part's first batch only; then the next part
        if taken >= KIND_SAMPLE:
            break
    if not taken:
        return {}
    table = pa.Table.from_batches(batches)
    return {name: string_kind(table.column(name)) for name in strings if name in kinds}


def _dtypes(parts: Sequence[Path]) -> dict[str, str]:
    """Each column's dtype as the local reader reports it (Spark hands over its own Arrow types,
    so the whole's dtypes are set from here)."""
    for path in filter(_has_rows, parts):
        # Parquet: a one-row batch where a row group is large (its types are the file's)
        for chunk in _chunks(path, 1 if _is_parquet(path) else CHUNK_ROWS, None):
            if _is_parquet(path):
                return {name: str(chunk.column(name).type) for name in chunk.column_names}
            return {str(name): str(chunk[name].dtype) for name in chunk.columns}
    return {}


# ---- one part --------------------------------------------------------------------------------


def profile_part(
    path: str | Path, like: bytes, columns: Sequence[str] | None = None, rows: int = CHUNK_ROWS
) -> bytes:
    """One part, chunk by chunk, on `like`'s kinds and edges (a profile's JSON), as a partial."""
    reference = from_json(like.decode())
    part = Path(path)
    hashes: list[np.ndarray] = []
    if _is_parquet(part):
        chunked = (profile_table(t, reference, hashes) for t in _chunks(part, rows, columns))
    else:
        chunked = (
            profile_frame(f, reference, row_hashes=hashes) for f in _chunks(part, rows, columns)
        )
    return profile_tables(chunked, hashes)


def profile_tables(profiles: Iterable[Profile], hashes: list[np.ndarray]) -> bytes:
    """Chunk profiles (which append their row hashes to `hashes`) merged into one partial."""
    whole: Profile | None = None
    for chunk in profiles:
        if chunk.rows:
            whole = chunk if whole is None else merge(whole, chunk)
    joined = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    return encode(whole, sketch.unique(joined)[0])


def _chunks(path: Path, rows: int, columns: Sequence[str] | None) -> Any:
    return arrow_chunks(path, rows, columns) if _is_parquet(path) else chunks(path, rows, columns)


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
    profile = from_json(text.decode()) if text else None
    return profile, np.frombuffer(data[start + length :], dtype="<u8").astype(np.uint64)


def merge_partials(a: bytes, b: bytes) -> bytes:
    """Two partials into one (run wherever the engine reduces: a worker or the driver)."""
    left, left_rows = decode(a)
    right, right_rows = decode(b)
    merged = right if left is None else left if right is None else merge(left, right)
    return encode(merged, sketch.unique(np.concatenate([left_rows, right_rows]))[0])


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
# A cluster counts duplicate rows without any one process holding every row hash: each part's
# sorted distinct hashes are cut into BUCKETS ranges by their top bits, bucket b of every part
# is unioned in one task (a 1/BUCKETS share of the hashes), and the distinct counts add up.

BUCKETS = 16
_SHIFT = np.uint64(64 - 4)  # log2(BUCKETS) top bits pick the bucket


def strip(data: bytes) -> bytes:
    """The partial's profile alone (what the profile tree merges), without its row hashes."""
    _, length = _HEADER.unpack_from(data)
    return data[: _HEADER.size + length]


def bucket(data: bytes, index: int) -> bytes:
    """Bucket `index` of the partial's sorted distinct row hashes, as raw little-endian bytes."""
    hashes = decode_hashes(data)
    starts = np.searchsorted(hashes >> _SHIFT, np.arange(BUCKETS + 1, dtype=np.uint64))
    return hashes[starts[index] : starts[index + 1]].astype("<u8").tobytes()


def union(a: bytes, b: bytes) -> bytes:
    """Two buckets' hashes, distinct and sorted."""
    merged = np.concatenate([np.frombuffer(a, "<u8"), np.frombuffer(b, "<u8")])
    return sketch.unique(merged.astype(np.uint64))[0].astype("<u8").tobytes()


def distinct(*buckets: bytes) -> int:
    """Distinct hashes over the same bucket of every part."""
    if not buckets:
        return 0
    joined = np.concatenate([np.frombuffer(b, "<u8") for b in buckets]).astype(np.uint64)
    return len(sketch.unique(joined)[0])


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
