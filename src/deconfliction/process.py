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


def tune_gc() -> None:
    """Make full garbage collections rare and short (call once the hub is built).

    Every object alive now (modules, the hub as loaded: some 100,000) is frozen out of
    collection: it lives as long as the process. The thresholds rise from (700, 10, 10) to
    (10,000, 10, 100): a hub ingesting 25,000 reports a second allocates tens of thousands
    of short-lived containers a second, and with the defaults that ran a full collection
    every second or two, each stopping every thread for 30-200 ms (the tail of the
    report-to-alert latency). Young collections still catch young cycles; the hub's writes
    make none (transactions drop their callbacks).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 100)
