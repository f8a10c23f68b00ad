"""Drives the hub's timers in a background thread while a server runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from deconfliction.hub.hub import Hub

log = logging.getLogger(__name__)


class Runner:
    """Calls :meth:`Hub.tick` at least every ``cycle_s`` seconds until stopped.

    New reports start the next cycle early, but never sooner than ``cycle_min_s`` after the
    previous one began: an alert then follows the report that causes it within about
    ``cycle_min_s`` plus one cycle, instead of waiting up to a whole ``cycle_s``. Under
    constant load the hub cycles at most every ``cycle_min_s``, and never spends more than
    half its time cycling: the next cycle waits at least as long as the last one took. Times
    are on the monotonic clock; a late cycle is never followed by a burst of catch-up ones.

    :meth:`Hub.housekeeping` (the journal's checkpoints) runs in a second thread every
    ``cycle_s``, so that its slow checks never hold up a cycle; with journal retention on,
    :meth:`Hub.archive_journal` in a third, so that a long archive run holds up neither.
    :meth:`Hub.follow` (what other processes of the hub wrote) runs in a thread of its own
    every ``follow_every_s``. Of several processes of one hub, only the one holding the
    lease runs the cycle's work (:meth:`Hub.tick` says so).
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if not self._threads:
            self._stop.clear()
            self._threads = [
                threading.Thread(target=self._run, name="hub-cycle", daemon=True),
                threading.Thread(target=self._housekeep, name="hub-housekeeping", daemon=True),
                threading.Thread(target=self._follow, name="hub-follow", daemon=True),
            ]
            if self.hub.archiver is not None:
                self._threads.append(
                    threading.Thread(target=self._archive, name="hub-archive", daemon=True)
                )
            for thread in self._threads:
                thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self.hub.reports_arrived.set()  # wake a runner waiting for reports
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = []

    def _housekeep(self) -> None:
        self._every(self.hub.settings.cycle_s, self.hub.housekeeping, "hub housekeeping")

    def _archive(self) -> None:
        self._every(self.hub.settings.cycle_s, self.hub.archive_journal, "journal archiving")

    def _follow(self) -> None:
        self._every(self.hub.settings.follow_every_s, self.hub.follow, "following other processes")

    def _every(self, period_s: float, work: Callable[[], object], what: str) -> None:
        """Run ``work`` every ``period_s`` until stopped, whatever it raises."""
        while not self._stop.wait(period_s):
            try:
                work()
            except Exception:  # keep it alive; the error is in the log
                log.exception("%s failed", what)

    def _run(self) -> None:
        period = self.hub.settings.cycle_s
        shortest = min(self.hub.settings.cycle_min_s, period)
        arrived = self.hub.reports_arrived
        while not self._stop.is_set():
            started = time.monotonic()
            arrived.clear()  # reports from now on make the next cycle come early
            try:
                self.hub.tick(housekeeping=False)
            except Exception:  # keep the cycle alive; the error is in the log
                log.exception("hub cycle failed")
            # Under load, cycles take at most half the time: never sooner than one cycle's
            # own duration after it ended.
            took = time.monotonic() - started
            if self._stop.wait(max(0.0, started + max(shortest, 2 * took) - time.monotonic())):
                return
            arrived.wait(max(0.0, started + period - time.monotonic()))
