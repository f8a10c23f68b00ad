"""The embedded store: one SQLite file in WAL mode.

All writes go through one connection, one transaction at a time (``BEGIN IMMEDIATE``, so a
second process — the CLI adding a party while the hub runs — waits its turn instead of
failing). Reads use one connection per thread and see committed data.

The writer remembers what it last wrote at the ends of the append-only tables (see
``store.transaction``); ``PRAGMA data_version`` tells, at the start of each transaction,
whether another process has written since, and then they are read afresh. ``synchronous=FULL``
(the default) makes a commit survive power loss; ``NORMAL`` survives a crash of the hub
process only. Either way a report the hub has acknowledged survives ``kill -9``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deconfliction.errors import InvalidInput, SchemaTooNew, StoreError
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.store import rows
from deconfliction.store.base import WriteStats
from deconfliction.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from deconfliction.store.reads import SQLReads
from deconfliction.store.transaction import LATEST_CHECKPOINT_SQL, UNREAD, SQLTransaction, Tails

_SYNCHRONOUS = ("full", "normal", "extra")
_BUSY_TIMEOUT_MS = 10_000


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


class SQLiteTransaction(SQLTransaction):
    """Writes staged on the writer connection (see ``store.transaction``)."""

    def __init__(self, conn: sqlite3.Connection, tails: Tails, *, others_wrote: bool) -> None:
        super().__init__(tails, others_wrote=others_wrote)
        self._conn = conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def _executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, params)


class SQLiteStore(SQLReads):
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
        self._tails = Tails(None)
        self.write_stats = WriteStats()
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
                    for statement in statements(MIGRATIONS[number].sqlite):
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
            locked = time.perf_counter()
            known = self._tails
            tails = self._current_tails()
            tx = SQLiteTransaction(conn, tails.copy(), others_wrote=tails is not known)
            try:
                yield tx
            except BaseException:
                conn.execute("ROLLBACK")
                tx.drop_callbacks()
                raise
            conn.execute("COMMIT")
            self.write_stats.writes += 1
            self.write_stats.lock_held_s += time.perf_counter() - locked
            self._tails = tx.tails
        tx.run_callbacks()

    def _current_tails(self) -> Tails:
        """The writer's knowledge of the tables' ends, forgotten if another connection (another
        process) has committed since (call with the write lock held)."""
        version = int(self._writer.execute("PRAGMA data_version").fetchone()[0])
        if version != self._tails.version:
            self._tails = Tails(version)
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

    def latest_checkpoint(self) -> Checkpoint | None:
        # From what the writer knows (a receipt per write asks for it), unless another thread
        # is writing. Within this thread's own transaction, the writer's knowledge holds what
        # was committed when the transaction began (no one else can have committed since).
        if self._write_lock.acquire(blocking=False):
            try:
                if not self._writer.in_transaction:
                    tails = self._current_tails()
                    if tails.checkpoint is UNREAD:
                        row = self._writer.execute(LATEST_CHECKPOINT_SQL).fetchone()
                        tails.checkpoint = None if row is None else rows.checkpoint(row)
                    return tails.checkpoint
                if self._tails.checkpoint is not UNREAD:
                    return self._tails.checkpoint
            finally:
                self._write_lock.release()
        return super().latest_checkpoint()
