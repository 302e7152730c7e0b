"""The numpy arithmetic under a chunk's profile: reused work arrays, row hashes, bin edges, the
one-pass histogram and the one-pass sweep of a float column.

Written for speed, each step measured: work arrays are allocated once per chunk and shared by
its columns, results are written into them (`out=`) instead of fresh arrays, a column is worked
on a cache-sized block at a time, and the histogram is one multiply-add, one clip and one
bincount.
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


class Bins:
    """Counts per equal-width bin (the last bin closed) and below and above them, added a block
    of values at a time, so a column's blocks are binned while they are in cache.

    One pass maps each value to a slot: 0 below the range, 1..bins the bins, bins + 1 the top
    edge (and values above it by less than a bin), bins + 2 further above; one comparison then
    tells the top edge itself from values above it. Rounding is monotone, so the slots of a
    block's min and max bound its slots: the clip is skipped when they are inside, and the
    comparison when the max is not above the range (a reference on its own edges: both). A
    value's slot depends on it and the edges alone, so any split of the values counts alike."""

    def __init__(self, edges: list[float]) -> None:
        self.low, self.high, self.bins = edges[0], edges[-1], len(edges) - 1
        self.scale = self.bins / (self.high - self.low)
        self.offset = 1.0 - self.low * self.scale
        self.top = self.bins + 2.0
        self.slots = np.zeros(self.bins + 3, dtype=np.int64)
        self.above = 0

    def add(self, values: np.ndarray, least: float, most: float, scratch: Scratch) -> None:
        """Count `values` (finite; at most `scratch`'s length), whose min and max are at least
        `least` and at most `most`."""
        n = len(values)
        slot = np.multiply(values, self.scale, out=scratch.floats[:n])
        slot += self.offset
        first = np.float64(least) * self.scale + self.offset
        last = np.float64(most) * self.scale + self.offset
        if first < 0.0 or last >= self.top:
            np.clip(slot, 0.0, self.top, out=slot)
        index = scratch.ints[:n]
        np.copyto(index, slot, casting="unsafe")  # truncates, as astype does
        self.slots += np.bincount(index, minlength=self.bins + 3)
        if most > self.high:
            above = np.greater(values, self.high, out=scratch.flags[:n])
            self.above += int(np.count_nonzero(above))

    def counts(self) -> tuple[list[int], int, int]:
        """(counts per bin, below, above)."""
        at_top = int(self.slots[self.bins + 1] + self.slots[self.bins + 2]) - self.above
        inside = self.slots[1 : self.bins + 1].copy()
        inside[-1] += at_top
        return inside.tolist(), int(self.slots[0]), self.above


def histogram(
    finite: np.ndarray,
    edges: list[float],
    scratch: Scratch,
    span: tuple[float, float] | None = None,
) -> tuple[list[int], int, int]:
    """`finite` counted on `edges` (see `Bins`): counts per bin, below and above. `span`: the
    values' min and max, when the caller has them."""
    least, most = span if span is not None else (float(finite.min()), float(finite.max()))
    bins = Bins(edges)
    for start in range(0, len(finite), BLOCK):
        bins.add(finite[start : start + BLOCK], least, most, scratch)
    return bins.counts()


@dataclass
class Sweep:
    """What one pass over a float column finds: counts, sums, range, moments, the candidates
    for its distinct-count sketch and, given edges, its histogram."""

    count: int = 0  # finite values
    missing: int = 0
    infinite: int = 0
    total: float = 0.0
    least: float = math.inf
    most: float = -math.inf
    mean: float = 0.0
    m2: float = 0.0
    kmv: np.ndarray | None = None  # the k smallest distinct hashes; None: look at them all


@np.errstate(over="ignore", invalid="ignore")  # sums past the largest float, or of inf and -inf
def sweep(values: np.ndarray, hashes: np.ndarray, scratch: Scratch, bins: Bins | None) -> Sweep:
    """One pass over a float column, a block at a time, each block worked on while it is in
    cache (the whole column's arrays do not fit a core's cache: a pass per statistic went to
    memory and back each time; 250k values swept in 1.7 ms instead of 2.0 ms): its value hashes
    combined into the rows' hashes (`into_rows`), and of its finite values the count, sum,
    min, max and squared deviations from the block's mean, combined as Chan, Golub and LeVeque
    (1979) add groups; the hashes small enough to be among the column's `KMV_SIZE` smallest;
    and, with `bins`, their bins. A block whose sum is finite has only finite values: the mask
    is made only for the others. The sketch's candidates: every hash under a cut that about
    8 x k of them fall below (hashes are uniform); with fewer than k distinct ones among them,
    `kmv` is None and the caller looks at every hash."""
    n = len(values)
    found = Sweep()
    k = sketch.KMV_SIZE
    cut = np.uint64(min(2**64 - 1, int(2**64 * 8 * k / n))) if n > 16 * k else None
    taken: list[np.ndarray] = []
    groups: list[tuple[int, float, float]] = []  # per block: finite values, mean, m2
    work = scratch.ints.view(np.uint64)
    step = -(-n // -(-n // BLOCK)) if n else 1  # blocks of even size: no short one at the end
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = values[start:stop]
        value_hashes = sketch.hash_floats(block, out=scratch.floats[: stop - start])
        _mixed_in(hashes[start:stop], value_hashes, work)
        total = float(np.add.reduce(block))
        if not math.isfinite(total):  # a NaN or an infinity (or a sum past the largest float)
            finite_mask = np.isfinite(block, out=scratch.flags[: stop - start])
            missing = int(np.count_nonzero(np.isnan(block)))
            present = int(np.count_nonzero(finite_mask))
            found.missing += missing
            found.infinite += stop - start - present - missing
            if present < stop - start:
                block, value_hashes = block[finite_mask], value_hashes[finite_mask]
                total = float(np.add.reduce(block)) if present else 0.0
        if not len(block):
            continue
        taken.append(value_hashes[value_hashes <= cut] if cut is not None else value_hashes.copy())
        least, most = float(block.min()), float(block.max())
        found.least, found.most = min(found.least, least), max(found.most, most)
        mean = total / len(block)
        deviation = np.subtract(block, mean, out=scratch.floats[: len(block)])
        # einsum, not np.dot: dot goes to BLAS, whose threads wait on each other on a busy 2-core
        # machine (1.5 ms for 100k values, 60 us on one thread); einsum's own loop is 0.1 ms
        groups.append((len(block), mean, float(np.einsum("i,i->", deviation, deviation))))
        found.count += len(block)
        found.total += total
        if bins is not None:
            bins.add(block, least, most, scratch)
    if found.count:
        found.mean = found.total / found.count
        apart = [(size, mean - found.mean, m2) for size, mean, m2 in groups]
        found.m2 = math.fsum(m2 + size * delta * delta for size, delta, m2 in apart)
        candidates = sketch.distinct(np.concatenate(taken))[:k]
        found.kmv = candidates if cut is None or len(candidates) == k else None
    return found
