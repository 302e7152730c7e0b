"""The local engine: parts profiled one after another in this process, or by a pool of worker
processes (`workers` > 1), each returning its partial as bytes; merged by a tree reduce here."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial as bind
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.health.engines import partial

if TYPE_CHECKING:
    from o16n.health.engines import Engine


def run(engine: Engine, parts: Sequence[Path], like: bytes, columns: Sequence[str] | None) -> bytes:
    profile = bind(partial.profile_part, like=like, columns=columns)
    if engine.workers <= 1 or len(parts) <= 1:
        return partial.tree_reduce([profile(p) for p in parts], partial.merge_partials)
    # forkserver: workers start from a clean process, not a fork of one holding threads.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(min(engine.workers, len(parts)), mp_context=context) as pool:
        partials = list(pool.map(profile, [str(p) for p in parts]))
    return partial.tree_reduce(partials, partial.merge_partials)
