"""The write transaction both stores share (see ``store.base.Transaction``).

Its SQL is portable between SQLite and PostgreSQL: written with ``?`` placeholders, which
the PostgreSQL store rewrites to ``%s``. A store subclasses :class:`SQLTransaction` with how
to run a statement on its connection, and holds the writer's lock and the database's write
lock around it (``BEGIN IMMEDIATE``; PostgreSQL's head row, see ``store.postgres``).

The writer remembers what it last wrote at the ends of the append-only tables
(:class:`Tails`: the journal's head, its latest checkpoint, each party's last stream
sequence number), so that a write does not query them again. Each store tells at the start
of a transaction whether another process has written since, and then they are read afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from deconfliction.errors import AlreadyExists, VersionMismatch
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.model import Agreement, Party, ReportBatch
from deconfliction.store import rows
from deconfliction.store.base import REPORTS_KIND, Event, IdempotentAnswer, StoredObject

# The ends of the append-only tables (read by the writer and by readers alike).
LAST_EVENT_SQL = "SELECT max(seq) FROM events WHERE party = ?"
META_SQL = "SELECT value FROM meta WHERE key = ?"
JOURNAL_HEAD_SQL = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1"
LATEST_CHECKPOINT_SQL = (
    f"SELECT {rows.CHECKPOINT_COLUMNS} FROM journal_checkpoints ORDER BY seq DESC LIMIT 1"
)
IDEMPOTENT_SQL = (
    "SELECT request_hash, created_s, answer FROM idempotency WHERE party = ? AND key = ?"
)
_PAGE = 1000

UNREAD: Any = object()  # not read since the last write by another process


class Cursor(Protocol):
    """What a statement returns on either database (sqlite3's and psycopg's cursors)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> Sequence[Any]: ...


class Tails:
    """The ends of the append-only tables as of ``version`` (the store's change counter:
    SQLite's ``data_version``, PostgreSQL's count of write transactions)."""

    def __init__(self, version: int | None) -> None:
        self.version = version
        self.journal_head: tuple[int, str] | None = UNREAD
        self.checkpoint: Checkpoint | None = UNREAD
        self.event_seq: dict[str, int] = {}  # party -> last sequence number

    def copy(self) -> Tails:
        tails = Tails(self.version)
        tails.journal_head, tails.checkpoint = self.journal_head, self.checkpoint
        tails.event_seq = dict(self.event_seq)
        return tails


class SQLTransaction:
    """Writes staged on the writer connection; subclasses say how a statement is run."""

    def __init__(self, tails: Tails, *, others_wrote: bool = True) -> None:
        self._callbacks: list[Callable[[], object]] = []
        # What this transaction knows of the tables' ends (the store's, once committed).
        self.tails = tails
        self.others_wrote = others_wrote

    # -- what a store provides ---------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def _executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    # -- the protocol ------------------------------------------------------------------

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._callbacks.append(callback)

    def put_party(self, party: Party) -> None:
        self._execute(
            "INSERT INTO parties (name, created_s, language, timezone, revoked_s) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "language = excluded.language, timezone = excluded.timezone, "
            "revoked_s = excluded.revoked_s",
            (party.name, party.created_s, party.language, party.timezone, party.revoked_s),
        )

    def add_credential(self, token_hash: str, principal: str, created_s: float) -> None:
        self._execute(
            "INSERT INTO credentials (token_hash, principal, created_s) VALUES (?, ?, ?)",
            (token_hash, principal, created_s),
        )

    def revoke_credentials(self, principal: str, at_s: float) -> int:
        cursor = self._execute(
            "UPDATE credentials SET revoked_s = ? WHERE principal = ? AND revoked_s IS NULL",
            (at_s, principal),
        )
        return cursor.rowcount

    def put_agreement(self, agreement: Agreement) -> None:
        self._execute(
            "INSERT INTO agreements (party_a, party_b, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (party_a, party_b) DO UPDATE SET doc = excluded.doc",
            (agreement.party_a, agreement.party_b, rows.dumps(agreement.to_json())),
        )

    def delete_agreement(self, party_a: str, party_b: str) -> bool:
        first, second = sorted((party_a, party_b))
        cursor = self._execute(
            "DELETE FROM agreements WHERE party_a = ? AND party_b = ?", (first, second)
        )
        return cursor.rowcount > 0

    def index_report_batch(
        self, seq: int, party: str, t_min: float, t_max: float, count: int
    ) -> None:
        self._execute(
            "INSERT INTO report_batches (seq, party, t_min, t_max, count) VALUES (?, ?, ?, ?, ?)",
            (seq, party, t_min, t_max, count),
        )

    def upsert_tracks(self, batch: ReportBatch) -> None:
        party = batch.party
        self._executemany(
            f"INSERT INTO tracks ({rows.REPORT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (party, track) DO UPDATE SET time_s = excluded.time_s, "
            "lat = excluded.lat, lon = excluded.lon, alt_m = excluded.alt_m, "
            "gs_mps = excluded.gs_mps, course_deg = excluded.course_deg, "
            "vs_mps = excluded.vs_mps, domain = excluded.domain, "
            "operation = excluded.operation WHERE excluded.time_s > tracks.time_s",
            ((party, *row) for row in batch.rows()),
        )

    def put_object(self, obj: StoredObject, *, expected_version: int | None = None) -> None:
        """Store ``obj``; with ``expected_version``, only over that version of it (0: only
        if there is none yet), else raise :class:`VersionMismatch` (:class:`AlreadyExists`).

        Write transactions are serialised by the database, so the check holds across
        processes: of two racing writers that read the same version, one fails.
        """
        values = (obj.owner, obj.version, obj.state, obj.updated_s, rows.dumps(obj.doc))
        if expected_version is None:
            self._execute(
                f"INSERT INTO objects ({rows.OBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO UPDATE SET "
                "owner = excluded.owner, version = excluded.version, state = excluded.state, "
                "updated_s = excluded.updated_s, doc = excluded.doc",
                (obj.kind, obj.id, *values),
            )
        elif expected_version == 0:
            cursor = self._execute(
                f"INSERT INTO objects ({rows.OBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO NOTHING",
                (obj.kind, obj.id, *values),
            )
            if cursor.rowcount != 1:
                raise AlreadyExists(f"{obj.kind} {obj.id!r} exists already")
        else:
            cursor = self._execute(
                "UPDATE objects SET owner = ?, version = ?, state = ?, updated_s = ?, doc = ? "
                "WHERE kind = ? AND id = ? AND version = ?",
                (*values, obj.kind, obj.id, expected_version),
            )
            if cursor.rowcount != 1:
                raise VersionMismatch(
                    f"{obj.kind} {obj.id!r} is no longer at version {expected_version}: "
                    "another write changed it first"
                )

    def delete_object(self, kind: str, object_id: str) -> bool:
        cursor = self._execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
        return cursor.rowcount > 0

    def next_event_seq(self, party: str) -> int:
        last = self.tails.event_seq.get(party)
        if last is None:
            row = self._execute(LAST_EVENT_SQL, (party,)).fetchone()
            last = self.tails.event_seq[party] = int(row[0] or 0)
        return last + 1

    def append_events(self, events: Sequence[Event]) -> None:
        self._executemany(
            "INSERT INTO events (party, seq, time_s, kind, data) VALUES (?, ?, ?, ?, ?)",
            ((e.party, e.seq, e.time_s, e.kind, rows.dumps(e.data)) for e in events),
        )
        seqs = self.tails.event_seq
        for event in events:
            if event.seq > seqs.get(event.party, 0):
                seqs[event.party] = event.seq

    def journal_head(self) -> tuple[int, str] | None:
        if self.tails.journal_head is UNREAD:
            row = self._execute(JOURNAL_HEAD_SQL).fetchone()
            self.tails.journal_head = None if row is None else (int(row[0]), str(row[1]))
        return self.tails.journal_head

    def append_journal(self, entries: Sequence[JournalEntry]) -> None:
        self._executemany(
            "INSERT INTO journal (seq, time, party, kind, content, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((e.seq, e.time, e.party, e.kind, e.content, e.prev_hash, e.hash) for e in entries),
        )
        if entries:
            last = max(entries, key=lambda e: e.seq)
            head = self.tails.journal_head
            if head is not UNREAD and (head is None or last.seq > head[0]):
                self.tails.journal_head = (last.seq, last.hash)

    def journal_entries_from(self, seq: int) -> Iterator[JournalEntry]:
        return self._entries_after("", (), seq - 1)

    def changes_after(self, seq: int) -> Iterator[JournalEntry]:
        return self._entries_after(" AND j.kind <> ?", (REPORTS_KIND,), seq)

    def _entries_after(
        self, where: str, params: tuple[Any, ...], seq: int
    ) -> Iterator[JournalEntry]:
        """Journal entries after ``seq`` (and ``where``), in order, a page at a time."""
        sql = (
            f"SELECT {rows.ENTRY_COLUMNS} FROM journal j WHERE j.seq > ?{where} "
            "ORDER BY j.seq LIMIT ?"
        )
        while True:
            page = self._execute(sql, (seq, *params, _PAGE)).fetchall()
            for row in page:
                yield rows.entry(row)
            if len(page) < _PAGE:
                return
            seq = int(page[-1][0])

    def latest_checkpoint(self) -> Checkpoint | None:
        if self.tails.checkpoint is UNREAD:
            row = self._execute(LATEST_CHECKPOINT_SQL).fetchone()
            self.tails.checkpoint = None if row is None else rows.checkpoint(row)
        return self.tails.checkpoint

    def append_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._execute(
            f"INSERT INTO journal_checkpoints ({rows.CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            (
                checkpoint.seq,
                checkpoint.hash,
                checkpoint.time,
                checkpoint.signature,
                checkpoint.key_id,
            ),
        )
        known = self.tails.checkpoint
        if known is UNREAD or known is None or checkpoint.seq >= known.seq:
            self.tails.checkpoint = checkpoint

    def get_meta(self, key: str) -> str | None:
        row = self._execute(META_SQL, (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def get_idempotent(self, party: str, key: str) -> IdempotentAnswer | None:
        """The answer kept for ``party``'s key, read in this transaction: after it, no other
        writer can keep one for the same key before this transaction ends."""
        row = self._execute(IDEMPOTENT_SQL, (party, key)).fetchone()
        return None if row is None else rows.idempotent(party, key, row)

    def put_idempotent(self, answer: IdempotentAnswer) -> None:
        self._execute(
            "INSERT INTO idempotency (party, key, request_hash, created_s, answer) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (party, key) DO UPDATE SET "
            "request_hash = excluded.request_hash, created_s = excluded.created_s, "
            "answer = excluded.answer",
            (
                answer.party,
                answer.key,
                answer.request_hash,
                answer.created_s,
                rows.dumps(answer.answer),
            ),
        )

    def prune_journal(self, before_seq: int, at_most: int) -> int:
        low = self._execute("SELECT min(seq) FROM journal").fetchone()
        if low is None or low[0] is None or int(low[0]) >= before_seq:
            return 0
        upto = min(before_seq, int(low[0]) + at_most)
        self._execute("DELETE FROM report_batches WHERE seq < ?", (upto,))
        self._execute("DELETE FROM journal_checkpoints WHERE seq < ?", (upto,))
        return self._execute("DELETE FROM journal WHERE seq < ?", (upto,)).rowcount

    def prune_idempotent(self, before_s: float) -> int:
        cursor = self._execute("DELETE FROM idempotency WHERE created_s < ?", (before_s,))
        return cursor.rowcount

    # -- for the store -----------------------------------------------------------------

    def run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def drop_callbacks(self) -> None:
        """Forget the callbacks of a rolled-back transaction (they close over the write that
        staged them: dropping them lets reference counting free it, not the collector)."""
        self._callbacks.clear()
