"""The one place ``bench.alert_quality`` calls into the hub: replay snapshots through a real
hub in process (its clock following the data) and collect the alert events of every party's
stream. Hub API used: ``Hub(settings, store, clock=...)``, ``hub.add_party``,
``hub.submit_reports``, ``hub.tick``, ``hub.subscribe`` (through
``gateways.replay.replay_in_process``), ``hub.close``.
"""

from __future__ import annotations

from collections.abc import Iterable

from bench._alert_figures import StreamEvent
from deconfliction.clock import ManualClock
from deconfliction.detect.snapshot import Snapshot
from deconfliction.gateways.replay import Pacing, ReplayStats, replay_in_process
from deconfliction.hub import Hub
from deconfliction.settings import Settings
from deconfliction.store import Event, SQLiteStore


def replay_alerts(
    snapshots: Iterable[Snapshot], settings: Settings, start_s: float
) -> tuple[list[StreamEvent], ReplayStats]:
    """Every ``alert.*`` event the parties' streams carried during the replay."""
    clock = ManualClock(start_s)
    hub = Hub(settings, SQLiteStore(":memory:", synchronous="normal"), clock=clock)
    events: list[StreamEvent] = []

    def heard(party: str, event: Event) -> None:
        events.append(StreamEvent(party, event.kind, event.data))

    try:
        stats = replay_in_process(hub, clock, snapshots, pacing=Pacing(None), on_alert=heard)
    finally:
        hub.close()
    return events, stats
