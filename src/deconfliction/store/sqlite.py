"""The embedded store: one SQLite file in WAL mode.

All writes go through one connection, one transaction at a time (``BEGIN IMMEDIATE``, so a
second process — the CLI adding a party while the hub runs — waits its turn instead of
failing). Reads use one connection per thread and see committed data.

The writer remembers what it last wrote at the ends of the append-only tables (the journal's
head, its latest checkpoint, each party's last stream sequence number), so that a write does
not query them again; ``PRAGMA data_version`` tells, at the start of each transaction,
whether another process has written since, and then they are read afresh. ``synchronous=FULL``
(the default) makes a commit survive power loss; ``NORMAL`` survives a crash of the hub
process only. Either way a report the hub has acknowledged survives ``kill -9``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from deconfliction.errors import InvalidInput, SchemaTooNew, StoreError
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.model import DOMAINS, Agreement, Party, Report, ReportBatch
from deconfliction.store.base import Event, IdempotentAnswer, StoredObject
from deconfliction.store.migrations import MIGRATIONS, SCHEMA_VERSION

_SYNCHRONOUS = ("full", "normal", "extra")
_BUSY_TIMEOUT_MS = 10_000
_REPORT_COLUMNS = (
    "party, track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain, operation"
)
_DOMAIN = {d.value: d for d in DOMAINS}
_ENTRY_COLUMNS = "j.seq, j.time, j.party, j.kind, j.content, j.prev_hash, j.hash"
_CHECKPOINT_COLUMNS = "seq, hash, time, signature, key_id"
# The ends of the append-only tables (read by the writer and by readers alike).
_LAST_EVENT_SQL = "SELECT max(seq) FROM events WHERE party = ?"
_JOURNAL_HEAD_SQL = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1"
_LATEST_CHECKPOINT_SQL = (
    f"SELECT {_CHECKPOINT_COLUMNS} FROM journal_checkpoints ORDER BY seq DESC LIMIT 1"
)


def _connect(path: str, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    return conn


def _report(row: Sequence[Any]) -> Report:
    party, track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain, operation = row
    return Report(
        party,
        track,
        time_s,
        lat,
        lon,
        alt_m,
        gs_mps,
        course_deg,
        vs_mps,
        _DOMAIN[domain],
        operation,
    )


_UNREAD: Any = object()  # not read since the last write by another process


class _Tails:
    """The ends of the append-only tables as of ``data_version`` (see the module's text)."""

    def __init__(self, data_version: int | None) -> None:
        self.data_version = data_version
        self.journal_head: tuple[int, str] | None = _UNREAD
        self.checkpoint: Checkpoint | None = _UNREAD
        self.event_seq: dict[str, int] = {}  # party -> last sequence number

    def copy(self) -> _Tails:
        tails = _Tails(self.data_version)
        tails.journal_head, tails.checkpoint = self.journal_head, self.checkpoint
        tails.event_seq = dict(self.event_seq)
        return tails


class SQLiteTransaction:
    """Writes staged on the writer connection (see ``store.base.Transaction``)."""

    def __init__(self, conn: sqlite3.Connection, tails: _Tails) -> None:
        self._conn = conn
        self._callbacks: list[Callable[[], object]] = []
        # What this transaction knows of the tables' ends (the store's, once committed).
        self.tails = tails

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._callbacks.append(callback)

    def put_party(self, party: Party) -> None:
        self._conn.execute(
            "INSERT INTO parties (name, created_s, language, timezone, revoked_s) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "language = excluded.language, timezone = excluded.timezone, "
            "revoked_s = excluded.revoked_s",
            (party.name, party.created_s, party.language, party.timezone, party.revoked_s),
        )

    def add_credential(self, token_hash: str, principal: str, created_s: float) -> None:
        self._conn.execute(
            "INSERT INTO credentials (token_hash, principal, created_s) VALUES (?, ?, ?)",
            (token_hash, principal, created_s),
        )

    def revoke_credentials(self, principal: str, at_s: float) -> int:
        cursor = self._conn.execute(
            "UPDATE credentials SET revoked_s = ? WHERE principal = ? AND revoked_s IS NULL",
            (at_s, principal),
        )
        return cursor.rowcount

    def put_agreement(self, agreement: Agreement) -> None:
        self._conn.execute(
            "INSERT INTO agreements (party_a, party_b, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (party_a, party_b) DO UPDATE SET doc = excluded.doc",
            (agreement.party_a, agreement.party_b, orjson.dumps(agreement.to_json()).decode()),
        )

    def delete_agreement(self, party_a: str, party_b: str) -> bool:
        first, second = sorted((party_a, party_b))
        cursor = self._conn.execute(
            "DELETE FROM agreements WHERE party_a = ? AND party_b = ?", (first, second)
        )
        return cursor.rowcount > 0

    def index_report_batch(
        self, seq: int, party: str, t_min: float, t_max: float, count: int
    ) -> None:
        self._conn.execute(
            "INSERT INTO report_batches (seq, party, t_min, t_max, count) VALUES (?, ?, ?, ?, ?)",
            (seq, party, t_min, t_max, count),
        )

    def upsert_tracks(self, batch: ReportBatch) -> None:
        party = batch.party
        self._conn.executemany(
            f"INSERT INTO tracks ({_REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (party, track) DO UPDATE SET time_s = excluded.time_s, "
            "lat = excluded.lat, lon = excluded.lon, alt_m = excluded.alt_m, "
            "gs_mps = excluded.gs_mps, course_deg = excluded.course_deg, "
            "vs_mps = excluded.vs_mps, domain = excluded.domain, "
            "operation = excluded.operation WHERE excluded.time_s > tracks.time_s",
            ((party, *row) for row in batch.rows()),
        )

    def put_object(self, obj: StoredObject) -> None:
        self._conn.execute(
            "INSERT INTO objects (kind, id, owner, version, state, updated_s, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET "
            "owner = excluded.owner, version = excluded.version, state = excluded.state, "
            "updated_s = excluded.updated_s, doc = excluded.doc",
            (
                obj.kind,
                obj.id,
                obj.owner,
                obj.version,
                obj.state,
                obj.updated_s,
                orjson.dumps(obj.doc).decode(),
            ),
        )

    def delete_object(self, kind: str, object_id: str) -> bool:
        cursor = self._conn.execute(
            "DELETE FROM objects WHERE kind = ? AND id = ?", (kind, object_id)
        )
        return cursor.rowcount > 0

    def next_event_seq(self, party: str) -> int:
        last = self.tails.event_seq.get(party)
        if last is None:
            row = self._conn.execute(_LAST_EVENT_SQL, (party,)).fetchone()
            last = self.tails.event_seq[party] = int(row[0] or 0)
        return last + 1

    def append_events(self, events: Sequence[Event]) -> None:
        self._conn.executemany(
            "INSERT INTO events (party, seq, time_s, kind, data) VALUES (?, ?, ?, ?, ?)",
            ((e.party, e.seq, e.time_s, e.kind, orjson.dumps(e.data).decode()) for e in events),
        )
        seqs = self.tails.event_seq
        for event in events:
            if event.seq > seqs.get(event.party, 0):
                seqs[event.party] = event.seq

    def journal_head(self) -> tuple[int, str] | None:
        if self.tails.journal_head is _UNREAD:
            row = self._conn.execute(_JOURNAL_HEAD_SQL).fetchone()
            self.tails.journal_head = None if row is None else (int(row[0]), str(row[1]))
        return self.tails.journal_head

    def append_journal(self, entries: Sequence[JournalEntry]) -> None:
        self._conn.executemany(
            "INSERT INTO journal (seq, time, party, kind, content, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((e.seq, e.time, e.party, e.kind, e.content, e.prev_hash, e.hash) for e in entries),
        )
        if entries:
            last = max(entries, key=lambda e: e.seq)
            head = self.tails.journal_head
            if head is not _UNREAD and (head is None or last.seq > head[0]):
                self.tails.journal_head = (last.seq, last.hash)

    def journal_entries_from(self, seq: int) -> Iterator[JournalEntry]:
        cursor = self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM journal j WHERE j.seq >= ? ORDER BY j.seq", (seq,)
        )
        for row in cursor:
            yield _entry(row)

    def latest_checkpoint(self) -> Checkpoint | None:
        if self.tails.checkpoint is _UNREAD:
            row = self._conn.execute(_LATEST_CHECKPOINT_SQL).fetchone()
            self.tails.checkpoint = None if row is None else _checkpoint(row)
        return self.tails.checkpoint

    def append_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._conn.execute(
            f"INSERT INTO journal_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            (
                checkpoint.seq,
                checkpoint.hash,
                checkpoint.time,
                checkpoint.signature,
                checkpoint.key_id,
            ),
        )
        known = self.tails.checkpoint
        if known is _UNREAD or known is None or checkpoint.seq >= known.seq:
            self.tails.checkpoint = checkpoint

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def put_idempotent(self, answer: IdempotentAnswer) -> None:
        self._conn.execute(
            "INSERT INTO idempotency (party, key, request_hash, created_s, answer) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (party, key) DO UPDATE SET "
            "request_hash = excluded.request_hash, created_s = excluded.created_s, "
            "answer = excluded.answer",
            (
                answer.party,
                answer.key,
                answer.request_hash,
                answer.created_s,
                orjson.dumps(answer.answer).decode(),
            ),
        )

    def prune_idempotent(self, before_s: float) -> int:
        cursor = self._conn.execute("DELETE FROM idempotency WHERE created_s < ?", (before_s,))
        return cursor.rowcount

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()


class SQLiteStore:
    """The embedded store. ``path`` is a file, or ``:memory:`` for a throwaway one."""

    def __init__(self, path: str | Path, *, synchronous: str = "full") -> None:
        if synchronous.lower() not in _SYNCHRONOUS:
            raise InvalidInput(
                f"sqlite synchronous mode {synchronous!r} is unknown; use one of "
                + ", ".join(_SYNCHRONOUS)
            )
        self.path = str(path)
        self._synchronous = synchronous
        self._memory = self.path == ":memory:"
        try:
            self._writer = _connect(self.path, synchronous)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {self.path}: {error}") from None
        self._write_lock = threading.RLock()
        self._tails = _Tails(None)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._migrate()

    # -- lifecycle ---------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise SchemaTooNew(
                        f"the database {self.path} has schema version {version}, newer than "
                        f"this release understands ({SCHEMA_VERSION}); upgrade deconfliction"
                    )
                for number in range(version, SCHEMA_VERSION):
                    for statement in _statements(MIGRATIONS[number]):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._write_lock:
            self._writer.close()

    def schema_version(self) -> int:
        return int(self._read().execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[SQLiteTransaction]:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            tx = SQLiteTransaction(conn, self._current_tails().copy())
            try:
                yield tx
            except BaseException:
                conn.execute("ROLLBACK")
                # Callbacks close over the write that staged them (which holds ``tx``):
                # dropping them lets reference counting free the write, not the collector.
                tx._callbacks.clear()
                raise
            conn.execute("COMMIT")
            self._tails = tx.tails
        tx._run_callbacks()

    def _current_tails(self) -> _Tails:
        """The writer's knowledge of the tables' ends, forgotten if another connection (another
        process) has committed since (call with the write lock held)."""
        version = int(self._writer.execute("PRAGMA data_version").fetchone()[0])
        if version != self._tails.data_version:
            self._tails = _Tails(version)
        return self._tails

    def _read(self) -> sqlite3.Connection:
        if self._memory:
            return self._writer  # one connection holds a memory database
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, self._synchronous)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._memory:
            with self._write_lock:
                return self._writer.execute(sql, params).fetchall()
        return self._read().execute(sql, params).fetchall()

    # -- reads -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def get_party(self, name: str) -> Party | None:
        rows = self._query(
            "SELECT name, created_s, language, timezone, revoked_s FROM parties WHERE name = ?",
            (name,),
        )
        return Party(*rows[0]) if rows else None

    def list_parties(self) -> list[Party]:
        rows = self._query(
            "SELECT name, created_s, language, timezone, revoked_s FROM parties ORDER BY name"
        )
        return [Party(*row) for row in rows]

    def principal_for(self, token_hash: str) -> str | None:
        rows = self._query(
            "SELECT principal FROM credentials WHERE token_hash = ? AND revoked_s IS NULL",
            (token_hash,),
        )
        return str(rows[0][0]) if rows else None

    def list_agreements(self) -> list[Agreement]:
        rows = self._query("SELECT party_a, party_b, doc FROM agreements ORDER BY party_a, party_b")
        return [Agreement.from_json(orjson.loads(doc)) for _, _, doc in rows]

    def latest_tracks(self) -> Iterator[Report]:
        for row in self._query(f"SELECT {_REPORT_COLUMNS} FROM tracks ORDER BY party, track"):
            yield _report(row)

    def report_batches(
        self, start_s: float, end_s: float, *, party: str | None = None
    ) -> Iterator[JournalEntry]:
        sql = (
            f"SELECT {_ENTRY_COLUMNS} "
            "FROM report_batches b JOIN journal j ON j.seq = b.seq "
            "WHERE b.t_max >= ? AND b.t_min <= ?"
        )
        params: list[Any] = [start_s, end_s]
        if party is not None:
            sql += " AND b.party = ?"
            params.append(party)
        for row in self._query(sql + " ORDER BY b.seq", params):
            yield _entry(row)

    def report_batches_after(self, seq: int) -> Iterator[JournalEntry]:
        return self._journal_pages(
            "FROM report_batches b JOIN journal j ON j.seq = b.seq WHERE b.seq > ?", [], seq
        )

    def get_idempotent(self, party: str, key: str) -> IdempotentAnswer | None:
        rows = self._query(
            "SELECT request_hash, created_s, answer FROM idempotency WHERE party = ? AND key = ?",
            (party, key),
        )
        if not rows:
            return None
        request_hash, created_s, answer = rows[0]
        return IdempotentAnswer(party, key, request_hash, created_s, orjson.loads(answer))

    def get_object(self, kind: str, object_id: str) -> StoredObject | None:
        rows = self._query(
            "SELECT kind, id, owner, version, state, updated_s, doc FROM objects "
            "WHERE kind = ? AND id = ?",
            (kind, object_id),
        )
        return _object(rows[0]) if rows else None

    def list_objects(
        self, kind: str, *, owner: str | None = None, states: Sequence[str] | None = None
    ) -> list[StoredObject]:
        sql = "SELECT kind, id, owner, version, state, updated_s, doc FROM objects WHERE kind = ?"
        params: list[Any] = [kind]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        if states is not None:
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            params.extend(states)
        sql += " ORDER BY id"
        return [_object(row) for row in self._query(sql, params)]

    def events_after(
        self, party: str, after_seq: int, limit: int, *, kind_prefix: str | None = None
    ) -> list[Event]:
        sql = "SELECT party, seq, time_s, kind, data FROM events WHERE party = ? AND seq > ?"
        params: list[Any] = [party, after_seq]
        if kind_prefix:
            sql += " AND substr(kind, 1, ?) = ?"
            params += [len(kind_prefix), kind_prefix]
        rows = self._query(sql + " ORDER BY seq LIMIT ?", [*params, limit])
        return [Event(p, s, t, k, orjson.loads(d)) for p, s, t, k, d in rows]

    def last_event_seq(self, party: str) -> int:
        rows = self._query(_LAST_EVENT_SQL, (party,))
        return int(rows[0][0] or 0)

    def journal_entries(
        self, after_seq: int = 0, until_seq: int | None = None
    ) -> Iterator[JournalEntry]:
        where = "FROM journal j WHERE j.seq > ?"
        params: list[Any] = []
        if until_seq is not None:
            where += " AND j.seq <= ?"
            params.append(until_seq)
        return self._journal_pages(where, params, after_seq)

    def journal_head(self) -> tuple[int, str] | None:
        rows = self._query(_JOURNAL_HEAD_SQL)
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def checkpoints(self, from_seq: int = 1, to_seq: int | None = None) -> Iterator[Checkpoint]:
        sql = f"SELECT {_CHECKPOINT_COLUMNS} FROM journal_checkpoints WHERE seq >= ?"
        params: list[Any] = [from_seq]
        if to_seq is not None:
            sql += " AND seq <= ?"
            params.append(to_seq)
        for row in self._query(sql + " ORDER BY seq", params):
            yield _checkpoint(row)

    def latest_checkpoint(self) -> Checkpoint | None:
        # From what the writer knows (a receipt per write asks for it), unless another thread
        # is writing. Within this thread's own transaction, the writer's knowledge holds what
        # was committed when the transaction began (no one else can have committed since).
        if self._write_lock.acquire(blocking=False):
            try:
                if not self._writer.in_transaction:
                    tails = self._current_tails()
                    if tails.checkpoint is _UNREAD:
                        row = self._writer.execute(_LATEST_CHECKPOINT_SQL).fetchone()
                        tails.checkpoint = None if row is None else _checkpoint(row)
                    return tails.checkpoint
                if self._tails.checkpoint is not _UNREAD:
                    return self._tails.checkpoint
            finally:
                self._write_lock.release()
        rows = self._query(_LATEST_CHECKPOINT_SQL)
        return _checkpoint(rows[0]) if rows else None

    def _journal_pages(
        self, where: str, params: list[Any], after_seq: int, page: int = 1000
    ) -> Iterator[JournalEntry]:
        """Journal entries ``where`` (its first ``?`` is the seq to continue after), read a
        page at a time so that a long journal never sits in memory whole."""
        sql = f"SELECT {_ENTRY_COLUMNS} {where}"
        last = after_seq
        while True:
            rows = self._query(sql + " ORDER BY j.seq LIMIT ?", [last, *params, page])
            for row in rows:
                yield _entry(row)
                last = row[0]
            if len(rows) < page:
                return


def _object(row: Sequence[Any]) -> StoredObject:
    kind, object_id, owner, version, state, updated_s, doc = row
    return StoredObject(kind, object_id, owner, int(version), state, updated_s, orjson.loads(doc))


def _entry(row: Sequence[Any]) -> JournalEntry:
    seq, time, party, kind, content, prev_hash, hash_ = row
    return JournalEntry(seq, time, party, kind, bytes(content), prev_hash, hash_)


def _checkpoint(row: Sequence[Any]) -> Checkpoint:
    seq, hash_, time, signature, key_id = row
    return Checkpoint(int(seq), str(hash_), str(time), str(signature), str(key_id))


def _statements(script: str) -> list[str]:
    """The statements of a migration (comments are whole lines starting with ``--``)."""
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in code.split(";") if s.strip()]
