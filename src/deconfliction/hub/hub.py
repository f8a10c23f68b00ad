"""The Hub: one object, built from settings and a store, that the API and the CLI drive.

It is synchronous. Writes are serialised by one lock and each is one store transaction
(:meth:`Hub.write`); time comes from an injected clock; timers run when :meth:`Hub.tick` is
called (by :class:`~deconfliction.hub.runner.Runner` in a server, by hand in tests).
Services: ``parties``, ``tracks`` (and the live ``picture``), ``alerts``, ``hotline`` (with
its ``presence``, ``webhooks`` and expected ``crossings``), ``operations``, ``streams``,
``incidents``, ``zones``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import Clock, SystemClock
from deconfliction.detect import MinimaTable
from deconfliction.errors import IllegalTransition, NotFound, PayloadTooLarge
from deconfliction.hub import detection
from deconfliction.hub.alerts import AlertBook
from deconfliction.hub.detection import live_tracks, still_live, track_findings
from deconfliction.hub.events import Streams, Subscriber
from deconfliction.hub.hotline import Hotline
from deconfliction.hub.incidents import Incidents
from deconfliction.hub.journal import HubJournal
from deconfliction.hub.operations import Operations
from deconfliction.hub.parties import Parties, Principal
from deconfliction.hub.party_keys import PartyKeys
from deconfliction.hub.picture import LivePicture
from deconfliction.hub.presence import PartyPresence
from deconfliction.hub.tracks import IngestResult, Tracks
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.webhooks import Webhooks
from deconfliction.hub.zones import Zones
from deconfliction.journal.signing import generate_hub_key
from deconfliction.model import Agreement, Message, Party, Report, ReportBatch, validate_reports
from deconfliction.model.alert import Alert, AlertKind
from deconfliction.settings import Settings
from deconfliction.store import Event, Store


@dataclass(frozen=True)
class CycleStats:
    """What the last detection cycle did."""

    time_s: float
    tracks: int
    conflicts: int
    duration_s: float


class Hub:
    """The deconfliction hub.

    >>> from deconfliction.store import SQLiteStore
    >>> hub = Hub(Settings(), SQLiteStore(":memory:"))
    >>> party, token = hub.add_party("blue")
    >>> hub.authenticate(token).name
    'blue'
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock: Clock = clock or SystemClock()
        # One writer at a time, and readers of the live memory: held by every write and by
        # the detection cycle (the API runs a call inline when it is free; see api.deps).
        self.lock = threading.RLock()
        # Set when reports are stored: the runner then starts the next cycle early.
        self.reports_arrived = threading.Event()
        # The journal's key: None makes a throwaway one (fine for a hub that never restarts).
        self.journal = HubJournal(
            store, key or generate_hub_key(), checkpoint_every_s=settings.journal_checkpoint_s
        )
        self.journal.open(self.clock.now())
        self.streams = Streams(store)
        self.parties = Parties(store)
        webhooks = Webhooks(store, settings, self.clock, self.write)
        self.hotline = Hotline(store, self.parties, settings, webhooks, self.write, self.clock)
        self.picture = LivePicture()
        self.tracks = Tracks(store, self.parties, self.picture)
        self.tracks.restore()
        self._forget_revoked()
        self._registry_seen = self.parties.version  # the registry _forget_revoked last saw
        self._next_checkpoint_s = self.clock.now() + settings.tracks_checkpoint_s
        self._minima_cache: tuple[str | None, MinimaTable] | None = None
        self.last_cycle: CycleStats | None = None
        self.alerts = AlertBook(store, hysteresis_s=settings.alert_hysteresis_s)
        self.alerts.opened_listeners.append(self.hotline.alert_opened)
        self.alerts.closed_listeners.append(self.hotline.alert_closed)
        self.alerts.load(self.clock.now())
        self.hotline.load(self.clock.now())
        webhooks.delivered_listeners.append(
            lambda party, event: self.hotline.reached_desk(party, event, via="webhook")
        )
        webhooks.load()

        self.operations = Operations(
            store,
            settings,
            self.parties,
            self.alerts,
            self.picture,
            self.write,
            self.lock,
            self.clock,
            self.journal.receipt,
        )
        self.party_keys = PartyKeys(store, self.write)
        self.incidents = Incidents(
            store, self.tracks, self.parties, settings, self.write, self.clock
        )
        self.zones = Zones(
            store,
            settings,
            self.parties,
            self.alerts,
            self.hotline,
            self.write,
            self.clock,
            self.lock,
        )
        self.zones.load()
        self.incidents.zones = self.zones
        # Zones are volumes for planned operations: conflicts and version keys.
        self.operations.load_zones(
            (zone, str(self.zones.version_of(zone.id))) for zone in self.zones.active()
        )
        self.zones.listeners.append(self.operations.zone_changed)

    def close(self) -> None:
        """Stop webhook workers, checkpoint the picture (a faster next start), sign the
        journal's head, close the store."""
        self.hotline.webhooks.stop()
        with self.write() as unit:
            self.tracks.checkpoint(unit)
        self.journal.close(self.clock.now())
        self.store.close()

    # -- the write pattern -------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[WriteUnit]:
        """One atomic, durable write: stage in the unit; memory and streams follow the commit."""
        with self.lock:
            unit: WriteUnit | None = None
            try:
                with self.store.transaction() as tx:
                    unit = WriteUnit(tx, self.clock.now())
                    yield unit
                    self.hotline.webhooks.stage(unit)
                    unit.flush()
                    tx.on_commit(lambda: self.streams.publish(unit.events))
            except BaseException:
                if unit is not None:
                    unit.rolled_back()
                raise

    # -- parties and credentials -------------------------------------------------------

    def add_party(
        self, name: str, *, language: str = "en", timezone: str = "UTC"
    ) -> tuple[Party, str]:
        """Register a party; returns it and its bearer token (shown once)."""
        with self.write() as unit:
            return self.parties.add(unit, name, language=language, timezone=timezone)

    def update_party(
        self, name: str, *, language: str | None = None, timezone: str | None = None
    ) -> Party:
        with self.write() as unit:
            return self.parties.update(unit, name, language=language, timezone=timezone)

    def revoke_party(self, name: str) -> Party:
        with self.write() as unit:
            party = self.parties.revoke(unit, name)
            unit.after_commit(lambda: self.picture.forget_party(name))
            return party

    def rotate_token(self, name: str) -> str:
        """A new token for a party; its earlier tokens stop working."""
        with self.write() as unit:
            return self.parties.new_token(unit, name)

    def issue_admin_token(self, *, only_first: bool = False) -> str | None:
        """A new admin token; with ``only_first``, only if none was ever issued."""
        with self.write() as unit:
            if only_first and self.parties.has_admin():
                return None
            self.parties.mark_admin_issued(unit)
            return self.parties.new_admin_token(unit)

    def authenticate(self, token: str | None) -> Principal:
        return self.parties.authenticate(token)

    def set_agreement(self, agreement: Agreement) -> Agreement:
        with self.write() as unit:
            return self.parties.set_agreement(unit, agreement)

    def remove_agreement(self, party_a: str, party_b: str) -> None:
        with self.write() as unit:
            self.parties.remove_agreement(unit, party_a, party_b)

    # -- reports and tracks ------------------------------------------------------------

    def submit_reports(self, party: str, items: Sequence[Any]) -> IngestResult:
        """Validate and store a batch of raw reports (parsed JSON objects) of ``party``."""
        limit = self.settings.max_batch_items
        if len(items) > limit:
            raise PayloadTooLarge(
                f"the batch has {len(items)} reports; the limit is {limit} per request "
                "(setting max_batch_items): split it"
            )
        batch, rejected = validate_reports(
            party,
            items,
            now_s=self.clock.now(),
            future_tolerance_s=self.settings.future_tolerance_s,
        )
        if not len(batch):
            return IngestResult(0, 0, rejected, None)
        with self.write() as unit:
            result = self.tracks.ingest(unit, batch, rejected)
        if result.accepted:
            self.reports_arrived.set()
        return result

    def tracks_for(self, party: str) -> list[Report]:
        """The current picture as ``party`` may see it."""
        with self.lock:
            return self.tracks.visible_to(party)

    # -- alerts ------------------------------------------------------------------------

    def alerts_for(self, party: str) -> list[Alert]:
        """The party's open and acknowledged alerts."""
        with self.lock:
            return self.alerts.active_for(party)

    def closed_alerts_for(self, party: str, limit: int = 500) -> list[Alert]:
        return self.alerts.closed_for(party, limit)

    def alert(self, party: str, alert_id: str) -> Alert:
        with self.lock:
            return self.alerts.get(party, alert_id)

    def acknowledge_alert(self, party: str, alert_id: str) -> Alert:
        """The party acknowledges its alert, and with it the hub's thread message about it."""
        with self.write() as unit:
            alert = self.alerts.acknowledge(unit, party, alert_id)
            self.hotline.alert_acknowledged(unit, party, alert_id)
            return alert

    # -- hotline -----------------------------------------------------------------------

    def acknowledge_message(self, party: str, message_id: str) -> Message:
        """The recipient acknowledges a message (and the alert, if the hub's thread is about
        one that is still open)."""
        with self.write() as unit:
            message, alert_id = self.hotline.acknowledge(unit, party, message_id)
            if alert_id is not None:
                with contextlib.suppress(IllegalTransition, NotFound):
                    self.alerts.acknowledge(unit, party, alert_id)
            return message

    # -- streams -----------------------------------------------------------------------

    def events_after(self, party: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return self.streams.after(party, after_seq, limit or self.settings.stream_backlog_limit)

    def last_event_seq(self, party: str) -> int:
        return self.streams.last_seq(party)

    def subscribe(self, party: str, callback: Subscriber) -> Callable[[], None]:
        return self.streams.subscribe(party, callback)

    # -- timers ------------------------------------------------------------------------

    def tick(self, now_s: float | None = None, *, housekeeping: bool = True) -> None:
        """One cycle: detection, then the timers that are due, then (unless told not to)
        the housekeeping. Called every ``cycle_s`` by the runner, or by tests."""
        now = self.clock.now() if now_s is None else now_s
        self.parties.refresh()
        if self.parties.version != self._registry_seen:  # (authentication may have refreshed)
            with self.lock:
                self._registry_seen = self.parties.version
                self._forget_revoked()
        self.run_cycle(now)
        self.run_timers(now)
        if housekeeping:
            self.housekeeping(now)

    def run_timers(self, now_s: float | None = None) -> None:
        """Deadlines that are due: hotline escalation, zones and operations ending, the live
        picture's checkpoint."""
        now = self.clock.now() if now_s is None else now_s
        if self.hotline.due(now):
            with self.write() as unit:
                self.hotline.escalate(unit, at_most=self.settings.escalations_per_cycle)
        if now >= self._next_checkpoint_s:
            with self.write() as unit:
                self.tracks.checkpoint(unit)
            self.hotline.crossings.prune(now)
            self._next_checkpoint_s = now + self.settings.tracks_checkpoint_s
        self.zones.run_timers(now)
        self.operations.run_timers(now)

    def housekeeping(self, now_s: float | None = None) -> None:
        """Slow work that needs no lock and must not delay detection: signing the journal's
        head when a checkpoint is due (which first re-reads and checks the entries since the
        last one: a second or so for a minute of 25,000 reports a second). The runner calls
        it from its own thread."""
        self.journal.tick(self.clock.now() if now_s is None else now_s)

    def run_cycle(self, now_s: float | None = None) -> CycleStats:
        """One detection cycle: live tracks at ``now_s``, conflicts, alerts."""
        started = time.perf_counter()
        now = self.clock.now() if now_s is None else now_s
        with self.lock:
            live = live_tracks(self.picture, now, self.settings.stale_after_s)
            minima = self._minima()
        conflicts = detection.detect(live, minima)
        with self.write() as unit:
            findings = track_findings(live, conflicts, minima, self.alerts.is_open)
            self.alerts.reconcile(
                unit,
                {AlertKind.TRACK_TRACK},
                findings,
                still_live(live, self.picture),
                open_at_most=self.settings.alerts_opened_per_cycle,
            )
        self.zones.check(live)
        self.operations.check_conformance(live)
        self.last_cycle = CycleStats(now, len(live), len(conflicts), time.perf_counter() - started)
        return self.last_cycle

    def _minima(self) -> MinimaTable:
        """The minima table for the current agreements (rebuilt when they change)."""
        version = self.parties.version
        if self._minima_cache is None or self._minima_cache[0] != version:
            table = MinimaTable.from_agreements(
                self.parties.agreements(), self.settings.domain_minima()
            )
            self._minima_cache = (version, table)
        return self._minima_cache[1]

    def _forget_revoked(self) -> None:
        for party in self.parties.all():
            if not party.active:
                self.picture.forget_party(party.name)

    # -- the console: the picture back in time, presence for the operator --------------

    def tracks_at(self, party: str, at_s: float) -> list[Report]:
        """The picture ``party`` may see as it stood at ``at_s``, read from the recorded
        reports: of each track, the latest report at or before ``at_s`` and not older than
        ``stale_after_s`` then. The visibility rule is the live picture's, as agreed now:
        the party's own tracks and those of parties that share their picture with it."""
        owners = [
            p.name
            for p in self.parties.all()
            if p.active and self.parties.shares_tracks(party, p.name)
        ]
        start_s = at_s - self.settings.stale_after_s
        latest: dict[tuple[str, str], tuple[float, ReportBatch, int]] = {}
        for owner in owners:
            for entry in self.store.report_batches(start_s, at_s, party=owner):
                batch = ReportBatch.from_journal(entry.party, orjson.loads(entry.content))
                times = batch.time_s.tolist()
                for i, (track, time_s) in enumerate(zip(batch.track, times, strict=True)):
                    if start_s <= time_s <= at_s:
                        key = (batch.party, track)
                        seen = latest.get(key)
                        if seen is None or time_s > seen[0]:
                            latest[key] = (time_s, batch, i)
        return [latest[key][1].report(latest[key][2]) for key in sorted(latest)]

    def presence_all(self) -> list[tuple[PartyPresence, bool]]:
        """Every active party's duty desks and whether it has a webhook (for the operator)."""
        return [
            (self.hotline.presence.of(p.name), self.hotline.webhooks.get(p.name) is not None)
            for p in self.parties.all()
            if p.active
        ]
