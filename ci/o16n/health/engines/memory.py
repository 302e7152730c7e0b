"""How a batch process that profiles (an `o16n` command, a pool worker) gets its memory, and
keeps idle BLAS threads from spinning on the cores it works on.

A profile reads a chunk, works on it in a few reused arrays, frees it and reads the next, so the
process asks for about the same memory again and again. What costs is memory the kernel hands
out fresh: every new page is zeroed on first touch, and on a VM whose free pages go back to the
host (Firecracker's free page reporting, as on the CI machines here) a first touch can take
microseconds per page. Measured on the 2-core VM, profiling a 1M-row, 20-column file in a fresh
process (15 runs of each, interleaved): Arrow's default mimalloc pool took 0.24 to 0.57 s
(median 0.32 s, up to 0.52 s of it in the kernel); Arrow's system pool with glibc keeping what
it frees, 0.22 to 0.38 s (median 0.23 s, 0.06 s of it in the kernel). Same profiles.

So a batch process keeps and reuses what it frees: Arrow allocates through glibc's malloc, and
glibc serves blocks up to 32 MB from its heap (not a fresh mapping each) and returns freed heap
to the system only past 1 GiB. A process that exits after one batch gives it all back then.
A user's own choice wins: ARROW_DEFAULT_MEMORY_POOL, or glibc's malloc settings in the
environment (GLIBC_TUNABLES, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_), leave that part as
it is. Not for a library's caller (a notebook, a server): they keep their process's defaults.

numpy's OpenBLAS starts a thread per core that, when idle, spins for 2^28 cycles (about 0.1 s)
before it sleeps: once as numpy loads and again after each BLAS call, on the core the reading
thread needs. Measured here, 0.06 s of CPU after `import numpy` and 0.1 s after a matrix
product; `o16n profile` of 100k rows x 1,000 columns took 1.85 s of CPU, 1.68 s with it off. A
batch process has the threads sleep at once (OPENBLAS_THREAD_TIMEOUT=4, OpenBLAS's least: 2^4
cycles); a product of two 500 x 500 matrices took as long either way. It must be set before
numpy loads, so the CLI does it for its batch commands before running them (their modules say
BATCH = True); the user's own OPENBLAS_THREAD_TIMEOUT is kept, and processes the command starts
inherit it.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's mallopt parameters (malloc.h) and the values set
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks above it are mapped (and unmapped) each
TRIM_THRESHOLD = 1 << 30

GLIBC_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
BLAS_TIMEOUT = "OPENBLAS_THREAD_TIMEOUT"


def for_batch() -> dict[str, bool]:
    """Set this process up as a batch process (see the module). Returns what was set:
    {"blas": ..., "arrow": ..., "glibc": ...}; each is False where the user chose, where there
    is no such allocator (glibc: Linux with glibc only), or (blas) where numpy was loaded
    already."""
    blas = _blas_threads_sleep()  # first: the others load pyarrow, and pyarrow numpy
    return {"blas": blas, "arrow": _arrow_on_system_pool(), "glibc": _glibc_keeps_freed()}


def _blas_threads_sleep() -> bool:
    if BLAS_TIMEOUT in os.environ or "numpy" in sys.modules:
        return False
    os.environ[BLAS_TIMEOUT] = "4"
    return True


def _arrow_on_system_pool() -> bool:
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return False
    import pyarrow as pa  # pandas, which reads CSV, imports it too

    pa.set_memory_pool(pa.system_memory_pool())
    return True


def _glibc_keeps_freed() -> bool:
    if any(name in os.environ for name in GLIBC_SETTINGS):
        return False
    if "malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    if not _is_glibc():
        return False
    libc = ctypes.CDLL(None)
    # Setting either also stops glibc from moving its mmap threshold as blocks are freed.
    trim = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mapped = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(trim and mapped)  # mallopt returns 1 on success


def _is_glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None  # glibc only; musl has no such name
    except (ValueError, OSError):
        return False
