"""A batch process keeps and reuses the memory it frees (engines.memory). Each case runs in a
fresh interpreter: allocator settings belong to a whole process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's malloc settings",
)

# Faults of touching a 16 MB block a second time, after it was freed: none when the freed block
# is reused, thousands (of its 4,096 pages) when it went back to the system.
SECOND_TOUCH = """
import json, resource, sys
import numpy as np
{setup}
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = np.ones(2 << 20)
del block
before = faults()
block = np.ones(2 << 20)
import pyarrow as pa
print(json.dumps({{"set": set_, "faults": faults() - before,
                   "pool": pa.default_memory_pool().backend_name}}))
"""


def _python(code: str, **environ: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS} | environ
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


_SETTINGS = (
    "ARROW_DEFAULT_MEMORY_POOL",
    "GLIBC_TUNABLES",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "OPENBLAS_THREAD_TIMEOUT",
)
_BATCH = "from o16n.health.engines import memory; set_ = memory.for_batch()"
_DEFAULTS = "set_ = None"


@glibc
def test_a_batch_process_reuses_a_freed_block_where_a_default_one_maps_it_afresh() -> None:
    batch = _python(SECOND_TOUCH.format(setup=_BATCH))
    default = _python(SECOND_TOUCH.format(setup=_DEFAULTS))
    assert batch["set"] == {"blas": False, "arrow": True, "glibc": True}  # numpy came first
    assert batch["pool"] == "system"
    assert int(batch["faults"]) < 200
    assert int(default["faults"]) > 1_000


@glibc
def test_the_users_own_allocator_settings_are_kept() -> None:
    chosen = _python(
        SECOND_TOUCH.format(setup=_BATCH),
        ARROW_DEFAULT_MEMORY_POOL="mimalloc",
        MALLOC_TRIM_THRESHOLD_="131072",
    )
    assert chosen["set"] == {"blas": False, "arrow": False, "glibc": False}
    assert chosen["pool"] == "mimalloc"
    assert int(chosen["faults"]) > 1_000
    tuned = _python(SECOND_TOUCH.format(setup=_BATCH), GLIBC_TUNABLES="glibc.malloc.arena_max=2")
    assert tuned["set"] == {"blas": False, "arrow": True, "glibc": False}


def test_the_commands_that_profile_run_as_batch_processes(tmp_path: Path) -> None:
    data = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]}).to_parquet(data)
    profile = tmp_path / "profile.json"
    code = f"""
import json
import pyarrow as pa
from o16n.cli.main import main
code = main(["profile", {str(data)!r}, "-o", {str(profile)!r}])
print(json.dumps({{"code": code, "pool": pa.default_memory_pool().backend_name}}))
"""
    ran = _python(code)
    assert ran == {"code": 0, "pool": "system"}


# CPU time the process spends while its main thread sleeps, after numpy loads and after a
# matrix product: OpenBLAS's idle threads spinning on the other cores.
IDLE = """
import json, os, time
{setup}
import numpy as np
def idle():
    start = time.process_time()
    time.sleep(0.3)
    return time.process_time() - start
loaded = idle()
np.ones((300, 300)) @ np.ones((300, 300))
print(json.dumps({{"set": set_, "loaded": loaded, "product": idle(),
                   "timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT")}}))
"""


def test_a_batch_process_has_idle_blas_threads_sleep_at_once() -> None:
    batch = _python(IDLE.format(setup=_BATCH))
    assert batch["set"]["blas"] is True and batch["timeout"] == "4"
    assert batch["loaded"] < 0.02 and batch["product"] < 0.02  # spinning: 0.06 s and 0.1 s
    own = _python(IDLE.format(setup=_BATCH), OPENBLAS_THREAD_TIMEOUT="20")
    assert own["set"]["blas"] is False and own["timeout"] == "20"


def test_the_cli_sets_a_batch_command_up_before_numpy_loads(tmp_path: Path) -> None:
    data = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_parquet(data)
    code = f"""
import json, os, sys
from o16n.health.engines import memory
seen = []
memory_for_batch = memory.for_batch
def for_batch():
    seen.append("numpy" in sys.modules)
    return memory_for_batch()
memory.for_batch = for_batch
from o16n.cli.main import main
code = main(["profile", {str(data)!r}, "-o", {str(tmp_path / "p.json")!r}])
main(["schemas"])  # not a batch command: set up once only
print(json.dumps({{"code": code, "numpy_first": seen, "timeout":
                   os.environ.get("OPENBLAS_THREAD_TIMEOUT")}}))
"""
    assert _python(code) == {"code": 0, "numpy_first": [False], "timeout": "4"}


def test_a_pool_worker_runs_as_a_batch_process() -> None:
    code = """
import json, os
import pyarrow as pa
from o16n.health.engines import local
local._worker(dict(os.environ))
print(json.dumps({"pool": pa.default_memory_pool().backend_name, "cpus": pa.cpu_count()}))
"""
    assert _python(code) == {"pool": "system", "cpus": 1}
