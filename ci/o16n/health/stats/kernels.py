"""The numpy arithmetic under a chunk's profile: reused work arrays, row hashes, bin edges and
the one-pass histogram.

Written for speed, each step measured: work arrays are allocated once per chunk and shared by
its columns, results are written into them (`out=`) instead of fresh arrays, and the histogram
is one multiply-add, one clip and one bincount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from o16n.health.stats import sketch
from o16n.health.stats.model import BINS


@dataclass
class Scratch:
    """Work arrays for one chunk, reused by each of its columns. Fresh arrays are costly on
    first touch: on the 2-core VM a new 8 MB array took up to 26 ms of page faults in a fresh
    process, more than the arithmetic done on it."""

    floats: np.ndarray  # float64, also viewed as uint64 hashes
    ints: np.ndarray
    flags: np.ndarray

    @classmethod
    def of(cls, rows: int) -> Scratch:
        return cls(np.empty(rows), np.empty(rows, dtype=np.int64), np.empty(rows, dtype=bool))


_MIX = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's multiplier (Steele, Lea, Flood 2014)


# Rows an elementwise step works on at a time: a step's arrays (values, hashes, the work
# array: 256 KB each) stay in the core's cache between its passes, where a whole chunk's
# (2 MB each) went out to memory and back at each pass. Hashing a 250k-row chunk's 16 numeric
# columns into its row hashes took 7.1 ms in blocks of 32k rows, 11.0 ms whole.
BLOCK = 1 << 15


def into_rows(hashes: np.ndarray, column: np.ndarray, work: np.ndarray) -> None:
    """Combine a column's value hashes into the rows' hashes: the row's hash so far is mixed
    (xor-shift, multiply: not linear, so rows of structured values do not collide the way
    row * 31 + value made (0, 2) and (2, 0)-like pairs collide), then the value is added.
    `work`: a uint64 array at least BLOCK long (or as long), for the shift (a fresh one per
    call cost 2.5x the arithmetic in page faults: 94 ms of a 1M-row, 20-column profile)."""
    for start in range(0, len(hashes), BLOCK):
        _mixed_in(hashes[start : start + BLOCK], column[start : start + BLOCK], work)


def hashed_into_rows(
    values: np.ndarray, hashes: np.ndarray, out: np.ndarray, work: np.ndarray
) -> np.ndarray:
    """A float column's value hashes (`sketch.hash_floats`, into `out`: float64, as long),
    combined into the rows' hashes as `into_rows` does, a block at a time, so each block is
    hashed and combined while it is in cache. Returns the value hashes (`out` as uint64)."""
    for start in range(0, len(values), BLOCK):
        stop = min(start + BLOCK, len(values))
        column = sketch.hash_floats(values[start:stop], out=out[start:stop])
        _mixed_in(hashes[start:stop], column, work)
    return out[: len(values)].view(np.uint64)


def _mixed_in(hashes: np.ndarray, column: np.ndarray, work: np.ndarray) -> None:
    shifted = np.right_shift(hashes, np.uint64(31), out=work[: len(hashes)])
    hashes ^= shifted
    hashes *= _MIX
    hashes += column


def bin_edges(low: float, high: float) -> list[float]:
    """`BINS` equal-width bins from `low` to `high` (one narrow bin when they are one value)."""
    if high <= low or not math.isfinite(BINS / (high - low)):  # one value (or denormals apart)
        width = max(abs(low) * 1e-9, 1e-9)
        return [low - width, high + width]
    edges: list[float] = np.linspace(low, high, BINS + 1).tolist()  # Python floats
    return edges


def histogram(
    finite: np.ndarray,
    edges: list[float],
    scratch: Scratch,
    span: tuple[float, float] | None = None,
) -> tuple[list[int], int, int]:
    """Counts per equal-width bin (the last bin closed), and the counts below and above.
    `span`: the values' min and max, when the caller has them.

    One pass maps each value to a slot: 0 below the range, 1..bins the bins, bins + 1 the top
    edge (and values above it by less than a bin), bins + 2 further above; one comparison then
    tells the top edge itself from values above it. Rounding is monotone, so the slots of the
    min and the max bound every slot: the clip is skipped when they are inside, and the
    comparison when the max is not above the range (a reference on its own edges: both)."""
    low, high, bins, n = edges[0], edges[-1], len(edges) - 1, len(finite)
    least, most = span if span is not None else (float(finite.min()), float(finite.max()))
    scale = bins / (high - low)
    offset = 1.0 - low * scale
    top = bins + 2.0
    first, last = np.float64(least) * scale + offset, np.float64(most) * scale + offset
    clipped = first < 0.0 or last >= top
    index = scratch.ints[:n]
    for start in range(0, n, BLOCK):  # each block's slots computed while in cache
        stop = min(start + BLOCK, n)
        slot = np.multiply(finite[start:stop], scale, out=scratch.floats[start:stop])
        slot += offset
        if clipped:
            np.clip(slot, 0.0, top, out=slot)
        np.copyto(index[start:stop], slot, casting="unsafe")  # truncates, as astype does
    counts = np.bincount(index, minlength=bins + 3)
    above = 0
    if most > high:
        above = int(np.count_nonzero(np.greater(finite, high, out=scratch.flags[:n])))
    at_top = int(counts[bins + 1] + counts[bins + 2]) - above
    inside = counts[1 : bins + 1].copy()
    inside[-1] += at_top
    return inside.tolist(), int(counts[0]), above
