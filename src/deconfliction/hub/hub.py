"""The Hub: one object, built from settings and a store, that the API, the CLI and the
gateways drive through its public methods and its public services.

It is synchronous. Writes are serialised by one lock and each is one store transaction
(:meth:`Hub.write`); time comes from an injected clock; the detection cycle and the timers
run when :meth:`Hub.tick` is called (by :class:`~deconfliction.hub.runner.Runner` in a
server, by hand in tests).

Public services (see ``deconfliction.hub.__all__``): ``zones``, ``operations``,
``hotline``, ``desks``, ``incidents`` and ``journal``; everything else is reached through ``Hub``'s
own methods. Nothing outside the hub takes its lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import Clock, SystemClock
from deconfliction.errors import IllegalTransition, InvalidInput, NotFound, PayloadTooLarge
from deconfliction.hub.alerts.book import AlertBook
from deconfliction.hub.archive import JournalArchiver
from deconfliction.hub.cycle import CycleStats, DetectionCycle
from deconfliction.hub.events import Streams, Subscriber
from deconfliction.hub.hotline.desks import Desks
from deconfliction.hub.hotline.presence import PartyPresence
from deconfliction.hub.hotline.service import Hotline
from deconfliction.hub.hotline.stats import ChannelStats, stats_of
from deconfliction.hub.incidents.service import Incidents
from deconfliction.hub.journal import HubJournal
from deconfliction.hub.lease import LEASE_META, Lease
from deconfliction.hub.live.check import TrackPairCheck
from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.live.snapshot import LiveRules, live_tracks
from deconfliction.hub.live.tracks import IngestResult, Tracks, decode_batch
from deconfliction.hub.operations.service import Operations
from deconfliction.hub.parties.keys import PartyKey, PartyKeys
from deconfliction.hub.parties.registry import Parties, Principal
from deconfliction.hub.peers import Peers
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.webhooks.service import SenderFactory, Webhooks
from deconfliction.hub.zones.service import Zones
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Receipt
from deconfliction.journal.signing import generate_hub_key
from deconfliction.model import Agreement, Message, Party, Report, validate_reports
from deconfliction.model.alert import Alert
from deconfliction.settings import Settings
from deconfliction.store import Event, Store, Transaction
from deconfliction.store.base import WriteStats

T = TypeVar("T")


class _Busy:
    """What :meth:`Hub.call_if_free` answers when the hub is busy."""


BUSY: Final = _Busy()

# Set while this thread does the leader's work (detection, timers): its writes are fenced.
_LEADER_WORK: ContextVar[bool] = ContextVar("deconfliction_leader_work", default=False)


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
        webhook_sender: SenderFactory | None = None,
        archive_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._store = store
        # One writer at a time, and readers of the live memory: held by every write and by
        # the detection cycle (the API runs a call inline when it is free: call_if_free).
        self._lock = threading.RLock()
        # Set when reports are stored: the runner then starts the next cycle early.
        self.reports_arrived = threading.Event()
        # The journal's key: None makes a throwaway one (fine for a hub that never restarts).
        self.journal = HubJournal(
            store, key or generate_hub_key(), checkpoint_every_s=settings.journal_checkpoint_s
        )
        self.journal.open(self.clock.now())
        # Other processes of this hub on the same database: what of theirs is applied here
        # (read before the working sets are loaded: what comes between is applied twice,
        # which is harmless), and which process runs detection and the timers.
        head = store.journal_head()
        self._peers = Peers(0 if head is None else head[0])
        self.lease = Lease(settings.leader_lease_s)
        # Journal retention: entries older than journal_online_s go to files in archive_dir.
        self.archiver: JournalArchiver | None = None
        if settings.journal_online_s > 0:
            if archive_dir is None:
                raise InvalidInput(
                    "journal_online_s is set but the hub has no folder to archive the journal "
                    "to: set journal_archive_dir"
                )
            self.archiver = JournalArchiver(
                store,
                archive_dir,
                self.journal.public_key_b64,
                online_s=settings.journal_online_s,
                every_s=settings.journal_archive_every_s,
            )
        self._streams = Streams(store)
        self._parties = Parties(store)
        self._webhooks = Webhooks(store, settings, self.clock, self.write, webhook_sender)
        self.hotline = Hotline(store, self._parties, settings, self.write, self.clock)
        self.desks = Desks(self._parties, self._webhooks, self.clock, self.write)
        self._live_rules = LiveRules.of(settings)
        self._picture = LivePicture(params=self._live_rules.params)
        self._tracks = Tracks(store, self._parties, self._picture)
        self._tracks.restore()
        self._forget_revoked()
        self._registry_seen = self._parties.version  # the registry _forget_revoked last saw
        self._next_checkpoint_s = self.clock.now() + settings.tracks_checkpoint_s
        self.last_cycle: CycleStats | None = None
        self._alerts = AlertBook(store, hysteresis_s=settings.alert_hysteresis_s)
        self._alerts.opened_listeners.append(self.hotline.alert_opened)
        self._alerts.escalated_listeners.append(self.hotline.alert_escalated)
        self._alerts.closed_listeners.append(self.hotline.alert_closed)
        self._alerts.load(self.clock.now())
        self.hotline.load(self.clock.now())
        self._webhooks.delivered_listeners.append(
            lambda party, event: self.hotline.reached_desk(party, event, via="webhook")
        )
        self._webhooks.load()
        self.operations = Operations(
            store,
            settings,
            self._parties,
            self._alerts,
            self._picture,
            self.write,
            self._lock,
            self.clock,
            self.journal.receipt,
        )
        self._party_keys = PartyKeys(store, self.write)
        self.zones = Zones(
            store,
            settings,
            self._parties,
            self._alerts,
            self.hotline,
            self.write,
            self.clock,
            self._lock,
        )
        self.zones.load()
        self.incidents = Incidents(
            store, self._tracks, self._parties, self.zones, settings, self.write, self.clock
        )
        # Zones are volumes for planned operations: conflicts and version keys.
        volumes = self.operations.zone_volumes
        volumes.load((zone, str(self.zones.version_of(zone.id))) for zone in self.zones.active())
        self.zones.listeners.append(volumes.changed)
        self._cycle = DetectionCycle(
            self._alerts, self.write, open_at_most=settings.alerts_opened_per_cycle
        )
        self._cycle.register(
            TrackPairCheck(self._parties, settings), TrackPairCheck.lifecycle(settings)
        )
        self._cycle.register(self.zones.check)
        self._cycle.register(self.operations.check)
        self._follow_others()

    def _follow_others(self) -> None:
        """What to do with each kind of change another process of the hub made
        (:mod:`deconfliction.hub.peers`); each reads the store as it is now."""
        peers = self._peers

        def plans(entries: list[JournalEntry]) -> None:
            alerts, operations = set(), set()
            for entry in entries:
                content = orjson.loads(entry.content)
                if entry.kind.startswith("alert."):
                    alert = content.get("alert")
                    alerts.add(alert["id"] if isinstance(alert, dict) else str(alert))
                else:
                    operation = content.get("operation")
                    operations.add(
                        operation["id"] if isinstance(operation, dict) else str(operation)
                    )
            self._alerts.follow(sorted(alerts), self.clock.now())
            self.operations.follow(sorted(operations))
            self.operations.follow_advice()

        def registry(_entries: list[JournalEntry]) -> None:
            self._parties.refresh(force=True)
            self._registry_seen = self._parties.version
            self._forget_revoked()

        def zones(_entries: list[JournalEntry]) -> None:
            if self.zones.refresh():
                volumes = self.operations.zone_volumes
                volumes.load(
                    (zone, str(self.zones.version_of(zone.id))) for zone in self.zones.active()
                )

        peers.on(("alert.", "operation."), plans)
        peers.on(("party.", "agreement.", "credential."), registry)
        peers.on(("zone.",), zones)
        peers.on(("message.", "crossing."), lambda _entries: self.hotline.reload(self.clock.now()))
        peers.on(("webhook.",), lambda _entries: self._webhooks.configs.load())

    # -- running -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the background work that runs while the hub serves: webhook deliveries.
        (The detection cycle and timers are driven by a Runner, or by :meth:`tick`.)"""
        self._webhooks.start()

    def stop(self) -> None:
        """Stop the background work; deliveries not finished resume at the next start."""
        self._webhooks.stop()

    def close(self) -> None:
        """Stop webhook workers, checkpoint the picture (a faster next start), give up the
        lease (another process takes over at once), sign the journal's head, close the
        store."""
        self._webhooks.stop()
        with self.write() as unit:
            if self.lease.may_lead:
                self._tracks.checkpoint(unit, self._peers.reports_seq)
            self.lease.release(unit)
        self.journal.close(self.clock.now())
        self._store.close()

    @contextmanager
    def write(self) -> Iterator[WriteUnit]:
        """One atomic, durable write: stage in the unit; memory and streams follow the commit."""
        with self._lock:
            unit: WriteUnit | None = None
            try:
                with self._store.transaction() as tx:
                    if tx.others_wrote:
                        self._catch_up(tx)
                    if _LEADER_WORK.get():
                        self.lease.check(tx)
                    unit = WriteUnit(tx, self.clock.now())
                    yield unit
                    self._webhooks.stage(unit)
                    unit.flush()
                    tx.on_commit(lambda: self._peers.wrote(unit.entries))
                    tx.on_commit(lambda: self._streams.publish(unit.events))
            except BaseException:
                if unit is not None:
                    unit.rolled_back()
                raise

    def _catch_up(self, tx: Transaction) -> None:
        """Apply what other processes changed since this one last looked, inside a write
        (under the store's write lock): the write decides on the state all of them see."""
        head = tx.journal_head()
        head_seq = 0 if head is None else head[0]
        if head_seq > self._peers.changes_seq:
            self._peers.apply_changes(tx.changes_after(self._peers.changes_seq), head_seq)

    def follow(self) -> int:
        """Apply what the other processes of the hub wrote since this one last looked: their
        reports to the live picture (the next cycle then starts early), their changes of
        state, their events to this process's stream clients. How many entries were applied.
        The runner calls it every ``follow_every_s``; a lone process finds nothing."""
        peers = self._peers
        head = self._store.journal_head()
        if head is None or head[0] <= min(peers.reports_seq, peers.changes_seq):
            return 0  # nothing was written since, or only by this process
        head_seq = head[0]  # every entry up to it is committed: the reads below see them
        batches = [
            (entry.seq, decode_batch(entry))
            for entry in self._store.report_batches_after(peers.reports_seq)
        ]
        applied = 0
        if head_seq > peers.reports_seq:
            with self._lock:
                wanted = set(peers.take_reports((seq for seq, _ in batches), head_seq))
                for seq, batch in batches:
                    if seq in wanted:
                        self._picture.update(batch)
                        applied += 1
            if applied:
                self.reports_arrived.set()
        changes = list(self._store.changes_after(peers.changes_seq))
        with self._lock:
            applied += peers.apply_changes(changes, head_seq)
        self._streams.follow()
        return applied

    def call_if_free(self, work: Callable[[], T], wait_s: float) -> T | _Busy:
        """``work()`` holding the hub's lock if it is free within ``wait_s``; else
        :data:`BUSY` (a detection cycle holds it: the caller should run ``work`` on a
        thread, where it waits for the lock as the hub's methods do)."""
        if not self._lock.acquire(timeout=wait_s):
            return BUSY
        try:
            return work()
        finally:
            self._lock.release()

    def now(self) -> float:
        """The hub's time (unix seconds)."""
        return self.clock.now()

    def schema_version(self) -> int:
        return self._store.schema_version()

    @property
    def write_stats(self) -> WriteStats:
        """This process's write transactions and their time under the database's lock."""
        return self._store.write_stats

    # -- parties and credentials -------------------------------------------------------

    def add_party(
        self, name: str, *, language: str = "en", timezone: str = "UTC"
    ) -> tuple[Party, str]:
        """Register a party; returns it and its bearer token (shown once)."""
        with self.write() as unit:
            return self._parties.add(unit, name, language=language, timezone=timezone)

    def update_party(
        self, name: str, *, language: str | None = None, timezone: str | None = None
    ) -> Party:
        with self.write() as unit:
            return self._parties.update(unit, name, language=language, timezone=timezone)

    def revoke_party(self, name: str) -> Party:
        with self.write() as unit:
            party = self._parties.revoke(unit, name)
            unit.after_commit(lambda: self._picture.forget_party(name))
            return party

    def rotate_token(self, name: str) -> str:
        """A new token for a party; its earlier tokens stop working."""
        with self.write() as unit:
            return self._parties.new_token(unit, name)

    def issue_admin_token(
        self, *, only_first: bool = False, retire_others: bool = False
    ) -> str | None:
        """A new admin token; with ``only_first``, only if none was ever issued; with
        ``retire_others``, every earlier admin token stops working (a leaked one)."""
        with self.write() as unit:
            if only_first and self._parties.has_admin():
                return None
            if retire_others:
                self._parties.retire_admin_tokens(unit)
            self._parties.mark_admin_issued(unit)
            return self._parties.new_admin_token(unit)

    def authenticate(self, token: str | None) -> Principal:
        return self._parties.authenticate(token)

    def party(self, name: str) -> Party:
        """A party by name (``NotFound`` if there is none)."""
        return self._parties.get(name)

    def parties(self) -> list[Party]:
        """Every party, revoked ones included, by name."""
        return self._parties.all()

    def partners(self, party: str) -> list[str]:
        """The parties ``party`` has an agreement with, by name."""
        return self._parties.partners(party)

    def registry_version(self) -> str | None:
        """The registry of parties, read again if another process (the CLI) changed it;
        its version, which changes with every change of parties, tokens and agreements."""
        self._parties.refresh()
        return self._parties.version

    def set_agreement(self, agreement: Agreement) -> Agreement:
        with self.write() as unit:
            return self._parties.set_agreement(unit, agreement)

    def remove_agreement(self, party_a: str, party_b: str) -> None:
        with self.write() as unit:
            self._parties.remove_agreement(unit, party_a, party_b)

    def agreement(self, party_a: str, party_b: str) -> Agreement | None:
        return self._parties.agreement(party_a, party_b)

    def agreements(self) -> list[Agreement]:
        return self._parties.agreements()

    def party_key(self, party: str) -> PartyKey:
        """The key a party registered to sign its writes (its ``public_key`` None: none)."""
        return self._party_keys.get(party)

    def register_party_key(self, party: str, text: str | None) -> tuple[PartyKey, JournalEntry]:
        """Register ``party``'s key (base64 or PEM; None withdraws it)."""
        return self._party_keys.register(party, text)

    def receipt(self, entry: JournalEntry) -> Receipt:
        """The receipt of a journal entry: its seq and hash and the latest checkpoint."""
        return self.journal.receipt(entry)

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
            speed_limits=self.settings.speed_limits(),
        )
        if not len(batch):
            return IngestResult(0, 0, rejected, None)
        with self.write() as unit:
            result = self._tracks.ingest(unit, batch, rejected)
        if result.accepted:
            self.reports_arrived.set()
        return result

    def tracks_for(self, party: str) -> list[Report]:
        """The current picture as ``party`` may see it."""
        with self._lock:
            return self._tracks.visible_to(party)

    def live_track_count(self) -> int:
        """How many tracks are in detection (every party's): reported within
        ``stale_after_s``, or within their own usual interval (``stale_after_intervals``)."""
        with self._lock:
            return len(self._live_rules.live_rows(self._picture, self.clock.now()))

    # -- alerts ------------------------------------------------------------------------

    def alerts_for(self, party: str) -> list[Alert]:
        """The party's open and acknowledged alerts."""
        with self._lock:
            return self._alerts.active_for(party)

    def closed_alerts_for(self, party: str, limit: int = 500) -> list[Alert]:
        return self._alerts.closed_for(party, limit)

    def alert(self, party: str, alert_id: str) -> Alert:
        with self._lock:
            return self._alerts.get(party, alert_id)

    def acknowledge_alert(self, party: str, alert_id: str) -> Alert:
        """The party acknowledges its alert, and with it the hub's thread message about it."""
        with self.write() as unit:
            alert = self._alerts.acknowledge(unit, party, alert_id)
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
                    self._alerts.acknowledge(unit, party, alert_id)
            return message

    def hotline_stats(self, caller: Principal, since_s: float | None = None) -> list[ChannelStats]:
        """Acknowledgement figures: of the caller's own desks, and of each partner's desks
        over the messages the caller sent it only (every party's in full for the admin)."""
        if caller.admin:
            return stats_of(self._store, [p.name for p in self._parties.all()], since_s)
        partners = self._parties.partners(caller.name)
        own = stats_of(self._store, [caller.name], since_s)
        return own + stats_of(self._store, partners, since_s, sent_by=caller.name)

    # -- streams -----------------------------------------------------------------------

    def events_after(self, party: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return self._streams.after(party, after_seq, limit or self.settings.stream_backlog_limit)

    def last_event_seq(self, party: str) -> int:
        return self._streams.last_seq(party)

    def subscribe(
        self, party: str, callback: Subscriber, after_seq: int | None = None
    ) -> Callable[[], None]:
        """Call ``callback`` with each new event of ``party`` after ``after_seq`` (default:
        the last stored), whichever process of the hub writes it; returns the unsubscribe."""
        return self._streams.subscribe(party, callback, after_seq)

    # -- the cycle and the timers ------------------------------------------------------

    def tick(self, now_s: float | None = None, *, housekeeping: bool = True) -> None:
        """One cycle: detection, then the timers that are due, then (unless told not to)
        the housekeeping. Called every ``cycle_s`` by the runner, or by tests."""
        now = self.clock.now() if now_s is None else now_s
        self._parties.refresh()
        if self._parties.version != self._registry_seen:  # (authentication may have refreshed)
            with self._lock:
                self._registry_seen = self._parties.version
                self._forget_revoked()
        if not self.lead():
            return
        leading = _LEADER_WORK.set(True)
        try:
            self.run_cycle(now)
            self.run_timers(now)
            if housekeeping:
                self.housekeeping(now)
                self.archive_journal(now)
        finally:
            _LEADER_WORK.reset(leading)

    def lead(self) -> bool:
        """Take or renew the lease to run detection and the timers (one process of the hub
        at a time: :mod:`deconfliction.hub.lease`); whether this process has it. A write
        only when the lease is free, run out, or this process's and half over: a process
        that follows only reads."""
        now = self.clock.now()
        if self.lease.fresh(now):
            return True
        if not self.lease.may_take(self._store.get_meta(LEASE_META), now):
            return False
        with self.write() as unit:
            return self.lease.hold(unit)

    def run_cycle(self, now_s: float | None = None) -> CycleStats:
        """One detection cycle: every check over the live tracks at ``now_s``, then alerts."""
        now = self.clock.now() if now_s is None else now_s
        with self._lock:
            live = live_tracks(self._picture, now, self._live_rules)
        self.last_cycle = self._cycle.run(live)
        return self.last_cycle

    def run_timers(self, now_s: float | None = None) -> None:
        """Deadlines that are due: hotline escalation, zones and operations ending, the live
        picture's checkpoint."""
        now = self.clock.now() if now_s is None else now_s
        if self.hotline.due(now):
            with self.write() as unit:
                self.hotline.escalate(unit, at_most=self.settings.escalations_per_cycle)
        if now >= self._next_checkpoint_s:
            with self.write() as unit:
                self._tracks.checkpoint(unit, self._peers.reports_seq)
            self.hotline.crossings.prune(now)
            self._next_checkpoint_s = now + self.settings.tracks_checkpoint_s
        self.zones.run_timers(now)
        self.operations.run_timers(now)

    def housekeeping(self, now_s: float | None = None) -> None:
        """Slow work that needs no lock and must not delay detection: signing the journal's
        head when a checkpoint is due (which first re-reads and checks the entries since the
        last one: a second or so for a minute of 25,000 reports a second). The runner calls
        it from its own thread; only the process that leads does it."""
        if self.lease.may_lead:
            self.journal.tick(self.clock.now() if now_s is None else now_s)

    def archive_journal(self, now_s: float | None = None) -> None:
        """Archive the journal's old entries when a run is due (``journal_online_s``; see
        :mod:`deconfliction.hub.archive`). A first run on a large journal may take long:
        the runner calls it from a thread of its own, so checkpoints go on meanwhile."""
        if self.archiver is not None and self.lease.may_lead:
            self.archiver.tick(self.clock.now() if now_s is None else now_s)

    def _forget_revoked(self) -> None:
        for party in self._parties.all():
            if not party.active:
                self._picture.forget_party(party.name)

    # -- the picture back in time, presence for the operator ---------------------------

    def tracks_at(self, party: str, at_s: float) -> list[Report]:
        """The picture ``party`` may see as it stood at ``at_s``, read from the recorded
        reports: of each track, the latest report at or before ``at_s`` and not older than
        ``stale_after_s`` then. The visibility rule is the live picture's, as agreed now:
        the party's own tracks and those of parties that share their picture with it."""
        start_s = at_s - self.settings.stale_after_s
        latest: dict[tuple[str, str], Report] = {}
        for owner in self._parties.active():
            if self._parties.shares_tracks(party, owner.name):
                for report in self._tracks.history(start_s, at_s, party=owner.name):
                    latest[(report.party, report.track)] = report  # ordered by time
        return [latest[key] for key in sorted(latest)]

    def presence_all(self) -> list[tuple[PartyPresence, bool]]:
        """Every active party's duty desks and whether it has a webhook (for the operator)."""
        return [
            (self.desks.presence(p.name), self.desks.has_webhook(p.name))
            for p in self._parties.active()
        ]
