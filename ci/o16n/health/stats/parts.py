"""Reading a source's parts (`locations.Parts`) chunk by chunk: Arrow tables of Parquet parts,
DataFrames of CSV parts, each with its hive partition values as columns; and the check that
every part has the first part's schema, done on footers and headers before any row is read.

Local Parquet parts go through `files.arrow_chunks` (memory-mapped); remote ones are read from
an fsspec file, a row group at a time, so memory stays bounded by the chunk, not the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from o16n.errors import ConfigError
from o16n.health.stats.locations import Part, Parts


def _file_columns(parts: Parts, columns: Sequence[str] | None) -> list[str] | None:
    """The columns to read from the files: the selection less the partition keys."""
    if columns is None:
        return None
    return [c for c in columns if c not in parts.partition_types]


def _keys(parts: Parts, columns: Sequence[str] | None) -> list[str]:
    return [k for k in parts.partition_types if columns is None or k in columns]


def part_tables(parts: Parts, rows: int, columns: Sequence[str] | None = None) -> Iterator[Any]:
    """Arrow tables of every Parquet part in order, with the partition columns; empty
    tables are skipped (they add nothing to a profile)."""
    selected = _file_columns(parts, columns)
    keys = _keys(parts, columns)
    for part in parts.parts:
        if parts.local:
            tables: Iterator[Any] = arrow_chunks(Path(part.path), rows, selected, part.groups)
            yield from (_with_keys(t, part, parts, keys) for t in tables if t.num_rows)
            continue
        with parts.open(part) as handle:
            for table in _remote_tables(handle, rows, selected, part.groups):
                if table.num_rows:
                    yield _with_keys(table, part, parts, keys)


def _remote_tables(
    handle: Any, rows: int, columns: list[str] | None, groups: tuple[int, int] | None = None
) -> Iterator[Any]:
    """A remote Parquet file's tables (of row groups `groups` only, when given): one row group
    at a time (a request per range read), split in batches of `rows` where a group is larger."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(handle)
    strings = [
        f.name
        for f in parquet.schema_arrow
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and (columns is None or f.name in columns)
    ]
    parquet = pq.ParquetFile(handle, metadata=parquet.metadata, read_dictionary=strings)
    for group in range(*(groups or (0, parquet.metadata.num_row_groups))):
        if parquet.metadata.row_group(group).num_rows <= 2 * rows:
            yield parquet.read_row_group(group, columns=columns)
        else:
            for batch in parquet.iter_batches(batch_size=rows, row_groups=[group], columns=columns):
                yield pa.Table.from_batches([batch])


def _with_keys(table: Any, part: Part, parts: Parts, keys: list[str]) -> Any:
    import pyarrow as pa

    values = dict(part.partition)
    for key in keys:
        value = values[key]
        if parts.partition_types[key] == "int64":
            typed = None if value is None else int(value)
            column = pa.array([typed] * table.num_rows, pa.int64())
        else:  # dictionary-encoded, as Parquet strings are read
            column = pa.array([value] * table.num_rows, pa.string()).dictionary_encode()
        table = table.append_column(key, column)
    return table


def part_frames(parts: Parts, rows: int, columns: Sequence[str] | None = None) -> Iterator[Any]:
    """DataFrames of every part in order (CSV chunks, or Parquet tables as pandas), with the
    partition columns; empty frames are skipped."""
    if parts.format == "parquet":
        yield from (t.to_pandas() for t in part_tables(parts, rows, columns))
        return
    import pandas as pd

    selected = _file_columns(parts, columns)
    keys = _keys(parts, columns)
    for part in parts.parts:
        with parts.open(part) as handle:
            for frame in pd.read_csv(handle, chunksize=rows, usecols=selected):
                if len(frame):
                    yield _frame_keys(frame, part, parts, keys)


def _frame_keys(frame: Any, part: Part, parts: Parts, keys: list[str]) -> Any:
    import pandas as pd

    values = dict(part.partition)
    for key in keys:
        value = values[key]
        if parts.partition_types[key] == "int64":
            dtype = "Int64" if value is None else "int64"  # nullable only where it is null
            frame[key] = pd.Series(
                [None if value is None else int(value)] * len(frame), index=frame.index
            ).astype(dtype)
        else:
            frame[key] = pd.Series([value] * len(frame), index=frame.index)  # as read_csv types it
    return frame


# Decoded bytes of a row group read at once: a wider group is read a block of columns at a
# time, so memory follows the budget, not the column count (100k rows x 1,000 columns decode
# to 0.8 GB in one piece). 32 MB, not 128: fresh memory is dear on these VMs (a process's
# first touch of 320 MB took 0.7 s of system time), and smaller blocks reuse the same pages.
# Measured, `o16n profile` + `o16n health`: 1M x 20 in 1.14 s instead of 1.25 s (anonymous
# memory 137 MB instead of 270), 100k x 1,000 in 4.15 s and 334 MB instead of 4.24 s and
# 780 MB, 10M x 20 in 8.52 s and 708 MB instead of 8.61 s and 903 MB.
BLOCK_BYTES = 32 << 20


@dataclass(frozen=True)
class Block:
    """Some columns of some rows of a Parquet file: `group`'s rows from `offset` (of `rows`
    in the group), and `last` when the group has no columns left after these."""

    group: int
    offset: int
    rows: int
    last: bool
    table: Any


def column_blocks(
    path: Path, rows: int, columns: Sequence[str] | None = None, budget: int | None = None
) -> Iterator[Block]:
    """A Parquet file in blocks: each row group's columns in runs of at most `budget`
    decoded bytes (one run when it fits, as for most files), each run whole when the group
    has at most 2 x `rows` rows, else in batches of `rows`. A mapping per run, so the pages
    of the file count toward the process's memory one run at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    budget = BLOCK_BYTES if budget is None else budget
    metadata = pq.read_metadata(path)
    schema = metadata.schema.to_arrow_schema()
    selected = list(columns) if columns is not None else list(schema.names)
    strings = [
        f.name
        for f in schema
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)) and f.name in selected
    ]
    for group in range(metadata.num_row_groups):
        runs = _column_runs(metadata.row_group(group), selected, budget)
        count = metadata.row_group(group).num_rows
        for index, run in enumerate(runs):
            last = index == len(runs) - 1
            with pq.ParquetFile(
                path, metadata=metadata, read_dictionary=strings, memory_map=True
            ) as parquet:
                if count <= 2 * rows:
                    table = parquet.read_row_group(group, columns=run, use_threads=True)
                    yield Block(group, 0, count, last, table)
                    continue
                offset = 0
                for batch in parquet.iter_batches(
                    batch_size=rows, row_groups=[group], columns=run, use_threads=True
                ):
                    yield Block(group, offset, count, last, pa.Table.from_batches([batch]))
                    offset += batch.num_rows


def _column_runs(group: Any, selected: list[str], budget: int) -> list[list[str]]:
    """`selected` cut in runs of consecutive columns whose decoded sizes in `group` add up
    to at most `budget` (a column larger than that is a run of its own)."""
    sizes: dict[str, int] = {}
    for i in range(group.num_columns):
        chunk = group.column(i)
        name = chunk.path_in_schema.split(".")[0]
        sizes[name] = sizes.get(name, 0) + chunk.total_uncompressed_size
    runs: list[list[str]] = [[]]
    used = 0
    for name in selected:
        size = sizes.get(name, 0)
        if runs[-1] and used + size > budget:
            runs.append([])
            used = 0
        runs[-1].append(name)
        used += size
    return runs


def arrow_chunks(
    path: Path,
    rows: int,
    columns: Sequence[str] | None = None,
    groups: tuple[int, int] | None = None,
) -> Any:
    """Arrow tables of a Parquet file (of `columns` only, and row groups `groups` only, when
    given): whole row groups (read on all cores), split in batches of `rows` only where a group
    is larger, so memory stays bounded either way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    metadata = pq.read_metadata(path)
    selected = list(columns) if columns is not None else None
    strings = [
        f.name
        for f in metadata.schema.to_arrow_schema()
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and (selected is None or f.name in selected)
    ]
    for group in range(*(groups or (0, metadata.num_row_groups))):
        # Memory-mapped: pages are decoded from the page cache, not copied out first (10M rows x
        # 20 columns read in 0.95 s instead of 1.6-2.3 s). A mapping per group, so the mapped
        # pages count toward the process's memory one group at a time.
        with pq.ParquetFile(
            path, metadata=metadata, read_dictionary=strings, memory_map=True
        ) as parquet:
            if metadata.row_group(group).num_rows <= 2 * rows:
                yield parquet.read_row_group(group, columns=selected, use_threads=True)
            else:
                for batch in parquet.iter_batches(
                    batch_size=rows, row_groups=[group], columns=selected, use_threads=True
                ):
                    yield pa.Table.from_batches([batch])


# ---- a few large parts cut into row groups --------------------------------------------------


def by_row_groups(parts: Parts, tasks: int) -> Parts:
    """`parts` with each Parquet part of several row groups cut into runs of whole row groups,
    so that a source of fewer parts than `tasks` (one large file, say) still gives a pool or a
    cluster about `tasks` tasks to share: the same rows, in the same order. Parts are cut only
    while there are fewer than `tasks` of them; CSV parts are never cut."""
    if parts.format != "parquet" or len(parts.parts) >= tasks:
        return parts
    import pyarrow.parquet as pq

    each = math.ceil(tasks / len(parts.parts))
    cut: list[Part] = []
    for part in parts.parts:
        with parquet_of(parts, part) as source:
            count = pq.read_metadata(source).num_row_groups
        pieces = min(each, count)
        if pieces <= 1:
            cut.append(part)
            continue
        bounds = [round(i * count / pieces) for i in range(pieces + 1)]
        cut.extend(replace(part, groups=run) for run in pairwise(bounds))
    return replace(parts, parts=tuple(cut))


def parquet_of(parts: Parts, part: Part) -> Any:
    """What pyarrow reads a Parquet part's footer from, as a context: the local path itself, or
    an open fsspec file (closed afterwards)."""
    from contextlib import nullcontext

    return nullcontext(part.path) if parts.local else parts.open(part)


# ---- one schema for all parts ----------------------------------------------------------------


def check_schemas(parts: Parts) -> None:
    """Every part has the first part's columns (and, for Parquet, their types; a column all
    null in a part, typed `null`, fits any type). The error names the first part that differs,
    the column and both types."""
    first: dict[str, str] | None = None
    for part in parts.parts:
        schema = _schema(parts, part)
        if first is None:
            first = schema
            continue
        difference = _difference(first, schema)
        if difference:
            raise ConfigError(
                f"this part's schema differs from the first part's ({parts.parts[0].url}): "
                f"{difference}",
                file=part.url,
                hint="write every part with the same columns and types",
            )


def _schema(parts: Parts, part: Part) -> dict[str, str]:
    if parts.format == "parquet":
        import pyarrow.parquet as pq

        with parquet_of(parts, part) as source:
            arrow = pq.read_schema(source)
        return {f.name: str(f.type) for f in arrow}
    import pandas as pd

    with parts.open(part) as handle:
        header = pd.read_csv(handle, nrows=0)
    return {str(c): "" for c in header.columns}  # CSV has no types: the names must agree


def _difference(first: dict[str, str], other: dict[str, str]) -> str:
    for name, kind in first.items():
        if name not in other:
            return f"column {name!r} is missing"
        if kind != other[name] and "null" not in (kind, other[name]):
            return f"column {name!r} is {other[name]} here, {kind} in the first part"
    for name in other:
        if name not in first:
            return f"column {name!r} is not in the first part"
    return ""


# ---- one file of all parts -------------------------------------------------------------------


def write_one_file(parts: Parts, destination: Path, rows: int = 250_000) -> Path:
    """All parts as one local file (`destination` with the parts' suffix), written part by
    part: for a program that reads one file (a project's scoring module). CSV parts are
    copied as text, the header once; Parquet parts (and their partition columns) through one
    writer. Whole or absent: written beside, then renamed."""
    check_schemas(parts)
    target = destination.with_suffix(".csv" if parts.format == "csv" else ".parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if parts.format == "csv":
            _copy_csv(parts, partial)
        else:
            _copy_parquet(parts, partial, rows)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _copy_csv(parts: Parts, out: Path) -> None:
    with out.open("wb") as sink:
        last = b"\n"
        for index, part in enumerate(parts.parts):
            with parts.open(part) as handle:
                header = handle.readline()
                if index == 0:
                    sink.write(header)
                first = True
                while block := handle.read(1 << 20):
                    if first and last != b"\n":  # the part before had no final newline
                        sink.write(b"\n")
                    first = False
                    sink.write(block)
                    last = block[-1:]


def _copy_parquet(parts: Parts, out: Path, rows: int) -> None:
    import pyarrow.parquet as pq

    writer = None
    schema = None
    try:
        for table in part_tables(parts, rows):
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(out, schema)
            writer.write_table(table.cast(schema))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no rows at all: an empty file of the first part's columns
        import pyarrow as pa

        pq.write_table(pa.table({name: [] for name in _schema(parts, parts.parts[0])}), out)
