"""Replaying a snapshot CSV into a hub: in process (with a clock that follows the data), or to
a running hub over HTTP. For after-action review and for tests on recorded traffic.

In process, the hub's clock is the data's clock: each snapshot's reports are submitted at
their own time and the hub cycles every ``cycle_s`` of data time in between, so a replay gives
the alerts the hub would have raised live, whatever the replay speed. Over HTTP the running
hub keeps its own clock: reports are sent stamped with the time they are sent (at ``1x`` the
motion is faithful; faster replays compress it) and its alerts are read from the parties'
streams.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from deconfliction.clock import ManualClock
from deconfliction.detect.snapshot import Snapshot
from deconfliction.hub import Hub
from deconfliction.model import DOMAINS
from deconfliction.store import Event

AlertPrinter = Callable[[str, Event], None]  # (party, event)


def reports_by_party(snapshot: Snapshot, time_s: float) -> dict[str, list[dict[str, Any]]]:
    """The snapshot's rows as report items per party, stamped ``time_s``."""
    by_party: dict[str, list[dict[str, Any]]] = {}
    names = snapshot.party_names()
    for i, party in enumerate(names):
        by_party.setdefault(party, []).append(
            {
                "track": str(snapshot.track[i]),
                "time": time_s,
                "lat": float(snapshot.lat[i]),
                "lon": float(snapshot.lon[i]),
                "alt_m": float(snapshot.alt_m[i]),
                "gs_mps": float(snapshot.gs_mps[i]),
                "course_deg": float(snapshot.course_deg[i]),
                "vs_mps": float(snapshot.vs_mps[i]),
                "domain": DOMAINS[int(snapshot.domain[i])].value,
            }
        )
    return by_party


@dataclass
class ReplayStats:
    snapshots: int = 0
    reports: int = 0
    rejected: int = 0
    cycles: int = 0
    alerts: dict[str, int] = field(default_factory=dict)  # event kind -> count
    skipped_parties: set[str] = field(default_factory=set)

    def count(self, event: Event) -> None:
        self.alerts[event.kind] = self.alerts.get(event.kind, 0) + 1


class Pacing:
    """Wall-clock pacing: ``speed`` data seconds per real second, or none at all."""

    def __init__(self, speed: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.speed = speed
        self._sleep = sleep
        self._start_wall: float | None = None
        self._start_data = 0.0

    def wait_until(self, data_time_s: float) -> None:
        if self.speed is None:
            return
        if self._start_wall is None:
            self._start_wall, self._start_data = time.monotonic(), data_time_s
            return
        due = self._start_wall + (data_time_s - self._start_data) / self.speed
        delay = due - time.monotonic()
        if delay > 0:
            self._sleep(delay)


def replay_in_process(
    hub: Hub,
    clock: ManualClock,
    snapshots: Iterable[Snapshot],
    *,
    pacing: Pacing,
    on_alert: AlertPrinter,
) -> ReplayStats:
    """Feed ``snapshots`` into ``hub`` (whose clock is ``clock``), cycling every ``cycle_s``
    of data time; parties are added as they first appear."""
    stats = ReplayStats()
    cycle_s = hub.settings.cycle_s
    known = {p.name for p in hub.parties()}
    unsubscribe: list[Callable[[], None]] = []

    def listen(party: str) -> None:
        def hear(event: Event) -> None:
            if event.kind.startswith("alert."):
                stats.count(event)
                on_alert(party, event)

        unsubscribe.append(hub.subscribe(party, hear))

    for party in known:
        listen(party)
    next_cycle: float | None = None
    try:
        for snapshot in snapshots:
            t = snapshot.time_s
            while next_cycle is not None and next_cycle < t:  # cycles between snapshots
                clock.set(next_cycle)
                hub.tick()
                stats.cycles += 1
                next_cycle += cycle_s
            pacing.wait_until(t)
            clock.set(max(t, clock.now()))
            for party, items in reports_by_party(snapshot, t).items():
                if party not in known:
                    hub.add_party(party)
                    known.add(party)
                    listen(party)
                result = hub.submit_reports(party, items)
                stats.reports += result.accepted
                stats.rejected += len(result.rejected)
            hub.tick()
            stats.cycles += 1
            stats.snapshots += 1
            next_cycle = t + cycle_s
    finally:
        for stop in unsubscribe:
            stop()
    return stats


class HttpTarget:
    """A running hub: reports over ``POST /v1/reports``, alerts from each party's stream."""

    def __init__(self, url: str, tokens: Mapping[str, str], on_alert: AlertPrinter) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.tokens = dict(tokens)
        self._client = httpx.Client(base_url=self.url, timeout=30)
        self._on_alert = on_alert
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @contextmanager
    def listening(self, stats: ReplayStats) -> Iterator[None]:
        """Follow every party's stream while the replay runs."""
        for party, token in self.tokens.items():
            thread = threading.Thread(target=self._follow, args=(party, token, stats), daemon=True)
            thread.start()
            self._threads.append(thread)
        try:
            yield
        finally:
            self._stop.set()
            for thread in self._threads:
                thread.join(5)
            self._client.close()

    def _follow(self, party: str, token: str, stats: ReplayStats) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        ws_url = self.url.replace("http", "ws", 1) + "/v1/stream"
        with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            while not self._stop.is_set():
                try:
                    frame = ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
                except ConnectionClosed:
                    return
                data = orjson.loads(frame)
                if data["kind"].startswith("alert."):
                    event = Event(party, data["seq"], time.time(), data["kind"], data["data"])
                    stats.count(event)
                    self._on_alert(party, event)

    def submit(self, party: str, items: list[dict[str, Any]]) -> tuple[int, int]:
        response = self._client.post(
            "/v1/reports",
            content=orjson.dumps(items),
            headers={
                "Authorization": f"Bearer {self.tokens[party]}",
                "Content-Type": "application/json",
            },
        )
        if response.status_code not in (200, 422):
            raise RuntimeError(
                f"{party}: the hub answered {response.status_code}: {response.text[:200]}"
            )
        body = response.json()
        return int(body["accepted"]), len(body["rejected"])


def replay_over_http(
    target: HttpTarget,
    snapshots: Iterable[Snapshot],
    *,
    pacing: Pacing,
    settle_s: float = 3.0,
) -> ReplayStats:
    """Send ``snapshots`` to a running hub, stamped with the wall clock when sent."""
    stats = ReplayStats()
    with target.listening(stats):
        for snapshot in snapshots:
            pacing.wait_until(snapshot.time_s)
            for party, items in reports_by_party(
                snapshot, math.floor(time.time() * 1000) / 1000
            ).items():
                if party not in target.tokens:
                    stats.skipped_parties.add(party)
                    continue
                accepted, rejected = target.submit(party, items)
                stats.reports += accepted
                stats.rejected += rejected
            stats.snapshots += 1
        time.sleep(settle_s)  # let the hub's last cycles reach the streams
    return stats
