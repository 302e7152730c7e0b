"""Small mergeable sketches: a distinct-count sketch (KMV) and value hashing."""

from __future__ import annotations

import numpy as np

KMV_SIZE = 64  # distinct counts: exact up to 64 values, then within ~1/sqrt(64) = 12%
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: odd, spreads the bits


def hash_floats(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash per value, vectorized. Equal floats hash equal (-0.0 folded into 0.0)."""
    bits = (values.astype(np.float64) + 0.0).view(np.uint64)
    mixed = bits * _GOLDEN
    return mixed ^ (mixed >> np.uint64(29))


def hash_strings(values: np.ndarray) -> np.ndarray:
    import pandas as pd

    return np.asarray(pd.util.hash_array(values.astype(object), categorize=True), dtype=np.uint64)


def kmv(hashes: np.ndarray, k: int = KMV_SIZE) -> np.ndarray:
    """The k smallest distinct hashes: all of them when there are at most k distinct values."""
    if len(hashes) > 4 * k:
        candidates = np.unique(np.partition(hashes, 4 * k)[: 4 * k])
        if len(candidates) >= k:
            return candidates[:k]
    return np.unique(hashes)[:k]


def kmv_merge(a: np.ndarray, b: np.ndarray, k: int = KMV_SIZE) -> np.ndarray:
    return np.unique(np.concatenate([a, b]))[:k]


def kmv_estimate(sketch: np.ndarray, k: int = KMV_SIZE) -> int:
    """Exact below k; else the KMV estimator: (k - 1) / (k-th smallest hash / 2^64)."""
    if len(sketch) < k:
        return len(sketch)
    fraction = float(sketch[k - 1]) / 2.0**64
    return int(round((k - 1) / fraction))
