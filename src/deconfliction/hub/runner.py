"""Drives the hub's timers in a background thread while a server runs."""

from __future__ import annotations

import logging
import threading
import time

from deconfliction.hub.hub import Hub

log = logging.getLogger(__name__)


class Runner:
    """Calls :meth:`Hub.tick` every ``hub.settings.cycle_s`` seconds until stopped.

    The cadence is kept on the monotonic clock; a cycle that overruns is followed at once by
    the next one rather than by a burst of catch-up cycles.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hub-cycle", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        period = self.hub.settings.cycle_s
        due = time.monotonic()
        while not self._stop.is_set():
            try:
                self.hub.tick()
            except Exception:  # keep the cycle alive; the error is in the log
                log.exception("hub cycle failed")
            due = max(due + period, time.monotonic())
            self._stop.wait(max(0.0, due - time.monotonic()))
