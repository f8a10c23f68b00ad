"""Set-up of a long-lived hub process (called by the CLI, never at import time)."""

from __future__ import annotations

import ctypes
import gc

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def tune_malloc() -> bool:
    """Keep freed memory in the process (glibc only; False elsewhere).

    Each detection cycle allocates and frees tens of MB of numpy temporaries. With glibc's
    defaults those go back to the system after every cycle and are page-faulted in again on
    the next one, which costs a third of a cycle on a sparse picture (see the detect section
    of docs/benchmarks.md). Larger thresholds keep them; the process's resident size grows by
    at most the largest cycle's temporaries.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return all(
        libc.mallopt(option, value) == 1
        for option, value in (
            (_M_MMAP_THRESHOLD, 32 << 20),
            (_M_TRIM_THRESHOLD, 512 << 20),
            (_M_TOP_PAD, 64 << 20),
        )
    )


def freeze_heap() -> None:
    """Exclude every object alive now (modules, the hub as loaded) from garbage collection.

    A full collection traverses every tracked object; a hub holds some 100,000 of them once
    started (FastAPI, pydantic, shapely, matplotlib, the loaded state), and each full pass
    over them stopped the detection cycle for 100-200 ms every few seconds under load. They
    live as long as the process, so the collector need not look at them again.
    """
    gc.collect()
    gc.freeze()
