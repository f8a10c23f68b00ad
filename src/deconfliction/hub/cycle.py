"""The detection cycle: every registered check looks at the same live tracks, and the alert
book is reconciled once per cycle with what each found.

A :class:`Check` owns some kinds of conflict (track–track, track–zone, nonconformance; a
track from a CoT client or an ADS-B feed is just a track). Each cycle it *scans* the live
tracks outside the hub's lock — the costly, pure part — and the cycle then, in one write,
asks each scan for its findings and reconciles the open alerts of the check's kinds: new
conflicts open (far ahead of the loss, once confirmed by a fresh report), those found again
are refreshed (and escalated), those gone are resolved after the hysteresis and enough fresh
reports of their tracks (or expired at once when an object left the picture:
``still_live``). Each check is registered with its :class:`~deconfliction.hub.alerts.book.
Lifecycle`.

A new kind of conflict found from the live picture is one more check registered with
:class:`DetectionCycle`; conflicts found on a write instead (plans, zones) open and close
their alerts in that write through the alert book.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from deconfliction.hub.alerts.book import AlertBook, Finding, Lifecycle
from deconfliction.hub.alerts.keys import ConflictKey
from deconfliction.hub.live.snapshot import LiveTracks
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import AlertKind


class Scan(Protocol):
    """What one check found in one cycle."""

    @property
    def found(self) -> int | None:
        """How many conflicts were found, if known before the findings are made (0: none,
        so the cycle may skip its write; None: the findings will tell)."""
        ...

    def findings(self, is_open: Callable[[ConflictKey], bool]) -> Iterable[Finding]:
        """The findings, built under the hub's lock inside the cycle's write (``is_open``:
        whether a conflict is open already, so that its views are not built again)."""
        ...

    def still_live(self, key: ConflictKey) -> bool:
        """Whether every object of an open conflict not found now is still in the picture
        (else it expires at once)."""
        ...

    def reports(self, key: ConflictKey) -> tuple[int, ...] | None:
        """How many reports each track of an open conflict has had by this cycle (as
        :attr:`Finding.reports`; None: the check does not count them)."""
        ...

    def held(self, keys: Sequence[ConflictKey]) -> Collection[ConflictKey]:
        """Of open conflicts not found now (their objects live), those that still count as
        found (a check with a release margin; most hold none)."""
        ...


class Check(Protocol):
    """One kind of conflict the cycle looks for in the live tracks."""

    @property
    def kinds(self) -> frozenset[AlertKind]:
        """The alert kinds whose open conflicts this check reconciles."""
        ...

    def scan(self, live: LiveTracks) -> Scan:
        """Look at the live tracks; called outside the hub's lock."""
        ...


@dataclass(frozen=True)
class CycleStats:
    """What the last detection cycle did."""

    time_s: float
    tracks: int
    conflicts: int  # found by every check
    duration_s: float
    altitudes_rejected: int = 0  # by the track filter since the hub started


class DetectionCycle:
    """Runs the registered checks over one cycle's live tracks and reconciles the alerts."""

    def __init__(
        self,
        alerts: AlertBook,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        *,
        open_at_most: int | None,
    ) -> None:
        self._alerts = alerts
        self._write = write
        self._open_at_most = open_at_most
        self.checks: list[Check] = []
        self._lifecycles: list[Lifecycle | None] = []

    def register(self, check: Check, lifecycle: Lifecycle | None = None) -> None:
        """Add a check; its conflicts live by ``lifecycle`` (default: the book's
        hysteresis alone)."""
        self.checks.append(check)
        self._lifecycles.append(lifecycle)

    def run(self, live: LiveTracks) -> CycleStats:
        """Scan with every check (outside the lock), then reconcile in one write."""
        started = time.perf_counter()
        scans = [
            (check, check.scan(live), lifecycle)
            for check, lifecycle in zip(self.checks, self._lifecycles, strict=True)
        ]
        alerts = self._alerts
        due = [
            (c, s, lc)
            for c, s, lc in scans
            if s.found != 0 or alerts.any_open(c.kinds) or alerts.any_pending(c.kinds)
        ]
        found = 0

        def counted(findings: Iterable[Finding]) -> Iterator[Finding]:
            nonlocal found
            for finding in findings:
                found += 1
                yield finding

        if due:
            with self._write() as unit:
                for check, scan, lifecycle in due:
                    alerts.reconcile(
                        unit,
                        check.kinds,
                        counted(scan.findings(alerts.is_open)),
                        scan.still_live,
                        lifecycle=lifecycle,
                        reports=scan.reports,
                        held=scan.held,
                        open_at_most=self._open_at_most,
                    )
        return CycleStats(
            live.time_s,
            len(live),
            found,
            time.perf_counter() - started,
            live.altitudes_rejected,
        )
