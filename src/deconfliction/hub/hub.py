"""The Hub: one object, built from settings and a store, that the API and the CLI drive.

It is synchronous. Writes are serialised by one lock and each is one store transaction
(:meth:`Hub.write`); time comes from an injected clock; timers run when :meth:`Hub.tick` is
called (by :class:`~deconfliction.hub.runner.Runner` in a server, by hand in tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import Clock, SystemClock
from deconfliction.errors import PayloadTooLarge
from deconfliction.hub.alerts import AlertBook
from deconfliction.hub.events import Streams, Subscriber
from deconfliction.hub.incidents import Incidents
from deconfliction.hub.journal import HubJournal
from deconfliction.hub.parties import Parties, Principal
from deconfliction.hub.party_keys import PartyKeys
from deconfliction.hub.picture import LivePicture
from deconfliction.hub.tracks import IngestResult, Tracks
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.signing import generate_hub_key
from deconfliction.model import Agreement, Party, Report, validate_reports
from deconfliction.model.alert import Alert
from deconfliction.settings import Settings
from deconfliction.store import Event, Store


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
        self._lock = threading.RLock()
        # The journal's key: None makes a throwaway one (fine for a hub that never restarts).
        self.journal = HubJournal(
            store, key or generate_hub_key(), checkpoint_every_s=settings.journal_checkpoint_s
        )
        self.journal.open(self.clock.now())
        self.streams = Streams(store)
        self.parties = Parties(store)
        self.picture = LivePicture()
        self.tracks = Tracks(store, self.parties, self.picture)
        self.tracks.restore()
        self._forget_revoked()
        self._next_checkpoint_s = self.clock.now() + settings.tracks_checkpoint_s
        self.alerts = AlertBook(store, hysteresis_s=settings.alert_hysteresis_s)
        self.alerts.load(self.clock.now())
        self.party_keys = PartyKeys(store, self.write)
        self.incidents = Incidents(
            store, self.tracks, self.parties, settings, self.write, self.clock
        )

    def close(self) -> None:
        """Checkpoint the picture (a faster next start), sign the journal's head, close."""
        with self.write() as unit:
            self.tracks.checkpoint(unit)
        self.journal.close(self.clock.now())
        self.store.close()

    # -- the write pattern -------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[WriteUnit]:
        """One atomic, durable write: stage in the unit; memory and streams follow the commit."""
        with self._lock:
            unit: WriteUnit | None = None
            try:
                with self.store.transaction() as tx:
                    unit = WriteUnit(tx, self.clock.now())
                    yield unit
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
            return self.tracks.ingest(unit, batch, rejected)

    def tracks_for(self, party: str) -> list[Report]:
        """The current picture as ``party`` may see it."""
        with self._lock:
            return self.tracks.visible_to(party)

    # -- alerts ------------------------------------------------------------------------

    def alerts_for(self, party: str) -> list[Alert]:
        """The party's open and acknowledged alerts."""
        with self._lock:
            return self.alerts.active_for(party)

    def closed_alerts_for(self, party: str, limit: int = 500) -> list[Alert]:
        return self.alerts.closed_for(party, limit)

    def alert(self, party: str, alert_id: str) -> Alert:
        with self._lock:
            return self.alerts.get(party, alert_id)

    def acknowledge_alert(self, party: str, alert_id: str) -> Alert:
        with self.write() as unit:
            return self.alerts.acknowledge(unit, party, alert_id)

    # -- streams -----------------------------------------------------------------------

    def events_after(self, party: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return self.streams.after(party, after_seq, limit or self.settings.stream_backlog_limit)

    def last_event_seq(self, party: str) -> int:
        return self.streams.last_seq(party)

    def subscribe(self, party: str, callback: Subscriber) -> Callable[[], None]:
        return self.streams.subscribe(party, callback)

    # -- timers ------------------------------------------------------------------------

    def tick(self, now_s: float | None = None) -> None:
        """Run whatever is due: called every ``cycle_s`` by the runner, or by tests."""
        now = self.clock.now() if now_s is None else now_s
        if self.parties.refresh():
            with self._lock:
                self._forget_revoked()
        if now >= self._next_checkpoint_s:
            with self.write() as unit:
                self.tracks.checkpoint(unit)
            self._next_checkpoint_s = now + self.settings.tracks_checkpoint_s
        self.journal.tick(now)

    def _forget_revoked(self) -> None:
        for party in self.parties.all():
            if not party.active:
                self.picture.forget_party(party.name)
