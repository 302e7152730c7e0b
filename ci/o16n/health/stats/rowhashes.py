"""Duplicate rows, counted exactly in bounded memory, however many rows a table has.

A row's duplicates are found by its 64-bit hash (`kernels.into_rows`): the table's duplicate
rows are its rows minus its distinct row hashes. Holding every hash costs 8 bytes a row (800 MB
at 100M rows), so past `SPILL_AT` hashes the ones held are written to a scratch folder, sorted
and distinct, one file a run; the distinct hashes of all runs are then counted one range of
hash values at a time (`count_files`): each range's slice of every run is read, sorted and
counted, and ranges are cut so that each holds about `RANGE` hashes. Memory: `SPILL_AT` hashes
while profiling, about `RANGE` while counting, for a table of any size. Row hashes are mixed
(xor-shift and multiply), so equal ranges of hash values hold about equal shares.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from o16n.errors import ConfigError
from o16n.health.stats import sketch

SPILL_AT = 1 << 24  # hashes held before a run goes to disk: 128 MB (a 10M-row file needs no run)
RANGE = 1 << 22  # hashes counted at a time: 32 MB
_WIDTH = np.dtype("<u8").itemsize
_WRITE_BLOCK = 1 << 20  # hashes compared and written at a time


class HashSink(Protocol):
    """Where a chunk's row hashes go (a list, or `RowHashes`)."""

    def append(self, hashes: np.ndarray, /) -> None: ...


class RowHashes:
    """A table's row hashes, chunk by chunk: copied into one buffer of `spill_at` hashes, which
    is spilled as a sorted run to a scratch folder of its own (removed by `close`) when the
    next chunk does not fit. One buffer, reused: a list of the chunks' own arrays, joined for
    each run, touched three times the memory, and fresh memory is dear (a 10M-row file's
    hashes cost 0.6 s that way, most of it page faults)."""

    def __init__(self, spill_at: int | None = None) -> None:
        self.spill_at = max(1, SPILL_AT if spill_at is None else spill_at)
        self._buffer: np.ndarray | None = None  # allocated at the first chunk, untouched till used
        self._held = 0
        self._folder: Path | None = None
        self._runs: list[Path] = []

    def append(self, hashes: np.ndarray, /) -> None:
        if self._held + len(hashes) > self.spill_at:
            self._spill()
        if len(hashes) > self.spill_at:  # a chunk larger than the buffer is a run of its own
            self._write(np.array(hashes, dtype=np.uint64))
            return
        if self._buffer is None:
            self._buffer = np.empty(self.spill_at, dtype=np.uint64)
        self._buffer[self._held : self._held + len(hashes)] = hashes
        self._held += len(hashes)

    def distinct(self) -> int:
        """The distinct hashes of every chunk appended."""
        if not self._runs:
            if self._buffer is None:
                return 0
            held = self._buffer[: self._held]
            return len(held) - sketch.repeats(held)
        self._spill()
        return count_files(self._runs)

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._folder, self._runs, self._buffer, self._held = None, [], None, 0

    def __enter__(self) -> RowHashes:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _spill(self) -> None:
        if self._held and self._buffer is not None:
            self._write(self._buffer[: self._held])
        self._held = 0

    def _write(self, hashes: np.ndarray) -> None:
        if self._folder is None:
            self._folder = make_scratch()
        run = self._folder / f"{len(self._runs):06d}.u64"
        with writing(self._folder):
            write_run(run, hashes)
        self._runs.append(run)


def make_scratch() -> Path:
    """A new scratch folder for runs, under TMPDIR (the caller removes it)."""
    with writing(tempfile.gettempdir()):
        return Path(tempfile.mkdtemp(prefix="o16n-rows-"))


@contextmanager
def scratch() -> Iterator[Path]:
    """A scratch folder for runs, removed on leaving, error or not."""
    folder = make_scratch()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def writing(folder: str | os.PathLike[str]) -> Iterator[None]:
    """A failed write of runs (a full disk, a TMPDIR that is missing) said as what it is, with
    the folder, instead of passing for a failed read of the data."""
    try:
        yield
    except OSError as exc:
        raise ConfigError(
            f"cannot write the row hashes that count duplicate rows: {exc.strerror or exc}",
            file=folder,
            hint="free space there, or set TMPDIR to a folder with room (8 bytes a row)",
        ) from None


def write_run(path: Path, hashes: np.ndarray) -> None:
    """`hashes` (sorted in place: the caller's own array), distinct, as little-endian uint64,
    written a block at a time (so the distinct ones are never a second copy of the run)."""
    hashes.sort()
    with path.open("wb") as file:  # not ndarray.tofile: its error on a full disk has no errno
        file.write(hashes[:1].astype("<u8", copy=False).data)
        for start in range(1, len(hashes), _WRITE_BLOCK):
            block = hashes[start : start + _WRITE_BLOCK]
            kept = block[block != hashes[start - 1 : start - 1 + len(block)]]
            file.write(np.ascontiguousarray(kept, dtype="<u8").data)


def count_files(runs: list[Path], per_range: int | None = None) -> int:
    """The distinct hashes over sorted, distinct runs (files of `write_run`), one range of hash
    values at a time, reading each run's slice of the range only."""
    sizes = [path.stat().st_size // _WIDTH for path in runs]
    total = sum(sizes)
    if total == 0:
        return 0
    ranges = max(1, math.ceil(total / (RANGE if per_range is None else per_range)))
    starts = [0] * len(runs)
    found = 0
    for number in range(1, ranges + 1):
        bound = (number << 64) // ranges
        ends = (
            sizes
            if number == ranges
            else [_position(path, size, bound) for path, size in zip(runs, sizes, strict=True)]
        )
        slices = [
            np.fromfile(path, dtype="<u8", count=end - start, offset=start * _WIDTH)
            for path, start, end in zip(runs, starts, ends, strict=True)
            if end > start
        ]
        if slices:
            joined = np.concatenate(slices).astype(np.uint64, copy=False)
            found += len(joined) - sketch.repeats(joined)
        starts = ends
    return found


def _position(path: Path, size: int, bound: int) -> int:
    """How many hashes of the sorted run are below `bound` (a binary search on the file,
    which maps only the pages it looks at, and unmaps them)."""
    if size == 0:
        return 0
    mapped = np.memmap(path, dtype="<u8", mode="r", shape=(size,))
    try:
        return int(np.searchsorted(mapped, np.uint64(bound), side="left"))
    finally:
        del mapped
