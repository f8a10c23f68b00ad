"""One write of the hub: a store transaction plus the journal entries and stream events it
produces, committed together.

The journal head and each party's next stream sequence number are read inside the
transaction (another process may have written since), then advanced in memory for the rest
of the unit. Subscribers hear of the events only after the commit.

What one request carries into the hub's writes without every service passing it along — a
party's verified signature (journalled in the first entry the unit makes for that party),
and the journal entries its writes committed (for receipts) — is held in context variables,
set by the API around the hub call that serves one request (:func:`signed_request`,
:func:`recording`). They are scoped to that request: a context variable set in the API's
task is copied into the worker thread that runs the hub call, and is invisible to the cycle
thread and to other requests. Nothing in the hub sets them; the hub only reads them (see
:class:`~deconfliction.hub.unit.WriteUnit`).

Why context variables rather than a parameter of every write: a signature must reach the
journal entry of whatever write the request makes (reports, zones, operations, messages,
acknowledgements, incidents), and those services are written by different people. With a
parameter, each service and each ``Hub`` method would have to take and pass it on, and one
that forgot would silently drop signatures. Here the one place that builds entries
(``WriteUnit.journal``) attaches it, whatever the service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.entries import PARTY_SIGNATURE_FIELD
from deconfliction.store import Event, Transaction


class WriteUnit:
    """Stage journal entries and events of one write; see :meth:`Hub.write`."""

    def __init__(self, tx: Transaction, now_s: float) -> None:
        self.tx = tx
        self.now_s = now_s
        self.entries: list[JournalEntry] = []
        self.events: list[Event] = []
        self._head: tuple[int, str] | None = None
        self._next_seq: dict[str, int] = {}
        self._after: list[Callable[[], object]] = []
        self._undo: dict[Callable[[float], object], None] = {}
        self._signed = current_signed_request()

    def journal(self, party: str, kind: str, content: Any) -> JournalEntry:
        """Chain an entry recording ``content`` (JSON-able) for ``party``."""
        if self._head is None:
            self._head = self.tx.journal_head() or (0, GENESIS_HASH)
        seq, prev_hash = self._head
        signed = self._signed
        if (
            signed is not None
            and signed.journalled_seq is None
            and signed.party == party
            and isinstance(content, dict)
        ):
            content = {**content, PARTY_SIGNATURE_FIELD: signed.signed_write}
            signed.journalled_seq = seq + 1
            self.on_rollback(lambda _now: setattr(signed, "journalled_seq", None))
        entry = JournalEntry.make(prev_hash, seq + 1, self.now_s, party, kind, content)
        self.entries.append(entry)
        self._head = (entry.seq, entry.hash)
        return entry

    def last_entry(self, party: str | None = None) -> JournalEntry | None:
        """The last entry staged so far (of ``party``, if given): what a receipt is made of."""
        for entry in reversed(self.entries):
            if party is None or entry.party == party:
                return entry
        return None

    def emit(self, party: str, kind: str, data: dict[str, Any]) -> Event:
        """Queue an event on ``party``'s stream."""
        seq = self._next_seq.get(party)
        if seq is None:
            seq = self.tx.next_event_seq(party)
        event = Event(party, seq, self.now_s, kind, data)
        self._next_seq[party] = seq + 1
        self.events.append(event)
        return event

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the unit is durable (update memory, notify)."""
        self._after.append(callback)

    def on_rollback(self, callback: Callable[[float], object]) -> None:
        """Run ``callback(now_s)`` once if the unit fails: for services that changed memory
        during the unit and must rebuild it from the store."""
        self._undo[callback] = None

    def rolled_back(self) -> None:
        for callback in self._undo:
            callback(self.now_s)

    def flush(self) -> None:
        """Write what was staged into the transaction (called once, before commit)."""
        if self.entries:
            self.tx.append_journal(self.entries)
            recorded = current_recording()
            if recorded is not None:
                entries = list(self.entries)
                self.tx.on_commit(lambda: recorded.entries.extend(entries))
        if self.events:
            self.tx.append_events(self.events)
        for callback in self._after:
            self.tx.on_commit(callback)


@dataclass
class SignedRequest:
    """A request whose signature the API verified: the ``party_signature`` object to journal
    (:func:`deconfliction.journal.entries.signed_write`) in the first entry of ``party``."""

    party: str
    signed_write: dict[str, Any]
    journalled_seq: int | None = None  # set once an entry carries it


@dataclass
class Recorded:
    """The journal entries committed while recording, in order."""

    entries: list[JournalEntry] = field(default_factory=list)

    def first(self, party: str | None = None) -> JournalEntry | None:
        """The first entry (of ``party``, if given): the record of what the request itself
        did, before its consequences (and the entry that holds the request's signature);
        what a receipt is made of."""
        for entry in self.entries:
            if party is None or entry.party == party:
                return entry
        return None


_SIGNED: ContextVar[SignedRequest | None] = ContextVar("deconfliction_signed", default=None)
_RECORDED: ContextVar[Recorded | None] = ContextVar("deconfliction_recorded", default=None)


@contextmanager
def signed_request(request: SignedRequest) -> Iterator[SignedRequest]:
    """Writes inside this block journal ``request``'s signature (in the signer's first entry)."""
    token = _SIGNED.set(request)
    try:
        yield request
    finally:
        _SIGNED.reset(token)


def current_signed_request() -> SignedRequest | None:
    return _SIGNED.get()


@contextmanager
def recording() -> Iterator[Recorded]:
    """Collect the journal entries that writes inside this block commit.

    >>> with recording() as written:
    ...     pass  # hub calls
    >>> written.first() is None
    True
    """
    recorded = Recorded()
    token = _RECORDED.set(recorded)
    try:
        yield recorded
    finally:
        _RECORDED.reset(token)


def current_recording() -> Recorded | None:
    return _RECORDED.get()
