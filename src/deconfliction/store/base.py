"""The storage seam: one ``Store`` protocol, implemented by SQLite and by PostgreSQL.

A store persists; it does not decide. The hub keeps its working sets in memory and writes
through one :meth:`Store.transaction` per change, inside which it stages objects, stream
events and journal entries. Reports are stored once, inside the journal entries that record
their batches, with an index by party and time (``index_report_batch``). Everything staged
in one transaction is committed together, durably, or not at all. Reads outside a
transaction see committed data only.

Several processes may share one database (the CLI adds a party while the hub runs), so
anything that must be consistent across them — the journal head, stream sequence numbers —
is read *inside* the write transaction, never from a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.model import Agreement, Party, Report, ReportBatch

ADMIN = "*admin*"  # the principal of admin credentials (not a valid party name)
REPORTS_KIND = "reports"  # the journal kind of an entry holding a batch of reports


@dataclass(frozen=True)
class StoredObject:
    """A zone, operation, alert, message or incident as the store keeps it: a JSON document
    with the few fields the hub needs to find it without reading the document."""

    kind: str
    id: str
    owner: str
    version: int
    state: str
    updated_s: float
    doc: dict[str, Any]


@dataclass
class WriteStats:
    """Write transactions one store object (one process) committed, and how long they held
    the database's write lock in all: from taking it to the end of the commit. The lock is
    shared by every process on the database, so the sum over processes per second of wall
    time is how busy it is (1.0: writes queue; past it, more processes add no writes)."""

    writes: int = 0
    lock_held_s: float = 0.0


@dataclass(frozen=True)
class Event:
    """One item of a party's stream; ``seq`` counts from 1 for each party."""

    party: str
    seq: int
    time_s: float
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class IdempotentAnswer:
    """The first answer to a write a party sent with ``Idempotency-Key: key``.

    ``request_hash`` identifies the request (method, path, body), so that the same key sent
    with a different request is told apart; ``answer`` is the JSON document to return again.
    """

    party: str
    key: str
    request_hash: str
    created_s: float
    answer: dict[str, Any]


class Transaction(Protocol):
    """Writes staged in one atomic, durable unit."""

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` after a successful commit (to update memory, notify streams)."""
        ...

    def put_party(self, party: Party) -> None: ...
    def add_credential(self, token_hash: str, principal: str, created_s: float) -> None: ...
    def revoke_credentials(self, principal: str, at_s: float) -> int: ...
    def put_agreement(self, agreement: Agreement) -> None: ...
    def delete_agreement(self, party_a: str, party_b: str) -> bool: ...

    def index_report_batch(
        self, seq: int, party: str, t_min: float, t_max: float, count: int
    ) -> None:
        """Index the journal entry ``seq`` that holds a batch of ``party``'s reports."""
        ...

    def upsert_tracks(self, batch: ReportBatch) -> None:
        """Checkpoint each track's latest report (one per track in ``batch``) if newer."""
        ...

    def put_object(self, obj: StoredObject, *, expected_version: int | None = None) -> None:
        """Store ``obj``; with ``expected_version``, only over that version of it (0: only if
        there is none yet), else raise ``VersionMismatch`` (``AlreadyExists`` for 0). Write
        transactions are serialised, so the check holds across processes."""
        ...

    def delete_object(self, kind: str, object_id: str) -> bool: ...

    def next_event_seq(self, party: str) -> int:
        """The sequence number the next event of ``party`` gets (read in this transaction)."""
        ...

    def append_events(self, events: Sequence[Event]) -> None: ...

    def journal_head(self) -> tuple[int, str] | None:
        """The (seq, hash) of the last journal entry, read in this transaction."""
        ...

    def append_journal(self, entries: Sequence[JournalEntry]) -> None: ...

    def journal_entries_from(self, seq: int) -> Iterator[JournalEntry]:
        """Journal entries from ``seq`` on, in order, read in this transaction."""
        ...

    @property
    def others_wrote(self) -> bool:
        """Whether another process (or connection) may have written since this process's
        last write: what the hub holds in memory may then be behind (True when unknown)."""
        ...

    def changes_after(self, seq: int) -> Iterator[JournalEntry]:
        """Journal entries after ``seq`` other than report batches, in order, read in this
        transaction: the changes of state another process may have made."""
        ...

    def latest_checkpoint(self) -> Checkpoint | None:
        """The signed checkpoint with the highest seq, read in this transaction."""
        ...

    def append_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    def prune_journal(self, before_seq: int, at_most: int) -> int:
        """Delete the oldest journal entries before ``before_seq`` (at most ``at_most`` of
        them), with their report-batch index rows and the checkpoints before them; how many
        entries were deleted. Only for entries archived elsewhere
        (:mod:`deconfliction.hub.archive`)."""
        ...

    def set_meta(self, key: str, value: str) -> None: ...
    def get_meta(self, key: str) -> str | None:
        """A meta value, read in this transaction (after it, no other writer can change it
        before this transaction ends)."""
        ...

    def get_idempotent(self, party: str, key: str) -> IdempotentAnswer | None:
        """The answer kept for ``party``'s key, read in this transaction (so a retry that
        raced the first write, in another process, finds its answer here)."""
        ...

    def put_idempotent(self, answer: IdempotentAnswer) -> None:
        """Keep the first answer to a write sent with an Idempotency-Key."""
        ...

    def prune_idempotent(self, before_s: float) -> int:
        """Forget answers kept since before ``before_s``; how many were forgotten."""
        ...


class Store(Protocol):
    """Durable state of one hub (or of several hub processes sharing it)."""

    write_stats: WriteStats

    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def close(self) -> None: ...

    def get_meta(self, key: str) -> str | None: ...
    def schema_version(self) -> int: ...

    def get_party(self, name: str) -> Party | None: ...
    def list_parties(self) -> list[Party]: ...
    def principal_for(self, token_hash: str) -> str | None:
        """The party name (or :data:`ADMIN`) an active credential belongs to."""
        ...

    def list_agreements(self) -> list[Agreement]: ...

    def latest_tracks(self) -> Iterator[Report]:
        """The checkpointed latest report of every track (see ``upsert_tracks``)."""
        ...

    def report_batches(
        self, start_s: float, end_s: float, *, party: str | None = None
    ) -> Iterator[JournalEntry]:
        """Journal entries of report batches with reports inside [start_s, end_s]."""
        ...

    def report_batches_after(self, seq: int) -> Iterator[JournalEntry]:
        """Journal entries of report batches after journal sequence ``seq``, in order."""
        ...

    def changes_after(self, seq: int) -> Iterator[JournalEntry]:
        """Journal entries after ``seq`` other than report batches, in order (what other
        hub processes changed: :mod:`deconfliction.hub.peers`)."""
        ...

    def get_idempotent(self, party: str, key: str) -> IdempotentAnswer | None:
        """The answer kept for ``party``'s ``Idempotency-Key: key``, if any."""
        ...

    def get_object(self, kind: str, object_id: str) -> StoredObject | None: ...
    def list_objects(
        self, kind: str, *, owner: str | None = None, states: Sequence[str] | None = None
    ) -> list[StoredObject]: ...

    def events_after(
        self, party: str, after_seq: int, limit: int, *, kind_prefix: str | None = None
    ) -> list[Event]:
        """Events of ``party`` after ``after_seq``, in order; only kinds starting with
        ``kind_prefix`` if given (``"message."``)."""
        ...

    def last_event_seq(self, party: str) -> int: ...

    def journal_entries(
        self, after_seq: int = 0, until_seq: int | None = None
    ) -> Iterator[JournalEntry]: ...

    def journal_head(self) -> tuple[int, str] | None:
        """The (seq, hash) of the last committed journal entry."""
        ...

    def checkpoints(self, from_seq: int = 1, to_seq: int | None = None) -> Iterator[Checkpoint]:
        """Signed checkpoints with ``from_seq <= seq <= to_seq``, in seq order."""
        ...

    def latest_checkpoint(self) -> Checkpoint | None: ...
