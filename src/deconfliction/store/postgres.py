"""The PostgreSQL store: several hub processes on one database, which may be replicated.

Selected by a URL, ``postgresql://user@host:port/dbname`` (libpq's form: several hosts,
``target_session_attrs=read-write`` and the other parameters work as libpq documents
them). Connections come from a pool (``psycopg_pool``), which replaces broken ones.

Write transactions are serialised across every process that shares the database by one
row: each begins by writing a fresh random token into ``deconfliction_store.last_write``,
and the row's lock is held until it commits or rolls back. Within that lock the journal's
head and each party's last stream sequence number are read and advanced, so that the
journal stays one chain (never two entries with one seq, never a fork) and stream numbers
have no gaps or repeats, however many processes write. The token the write replaced tells
whether another process (or a failover that lost a write) has written since this one last
did: if not, the ends of the append-only tables this process remembers still hold
(``store.transaction``); if so, they are read afresh.

A write that cannot reach the database (the primary is gone, a failover is under way)
raises :class:`~deconfliction.errors.StoreUnavailable`: it was not acknowledged, and may
be sent again (with its ``Idempotency-Key``). The pool reconnects on its own; with a
multi-host URL and ``target_session_attrs=read-write`` it finds the promoted standby.
Commits are as durable as the server makes them (``synchronous_commit``, and with
``synchronous_standby_names`` a commit is on the standby before the hub acknowledges it).
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from deconfliction.errors import SchemaTooNew, StoreError, StoreUnavailable
from deconfliction.store.base import WriteStats
from deconfliction.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from deconfliction.store.reads import SQLReads
from deconfliction.store.transaction import SQLTransaction, Tails
from deconfliction.store.urls import redact_url

# The store's own row: the schema version (SQLite's user_version) and the write lock.
_STORE_TABLE = """
CREATE TABLE IF NOT EXISTS deconfliction_store (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    last_write     BIGINT NOT NULL
)
"""
# Lock the row (waiting for the writer that holds it), read the token of the last write
# (the latest committed one: a row locked after waiting is read again) and put this one's.
_BEGIN_WRITE = """
WITH previous AS (SELECT last_write FROM deconfliction_store WHERE id = 1 FOR UPDATE)
UPDATE deconfliction_store SET last_write = %s WHERE id = 1
RETURNING (SELECT last_write FROM previous)
"""
_FEW_ROWS = 16  # rows a write sends one statement each (more: one executemany)
_MIGRATION_LOCK = 0x6465636F6E66  # pg_advisory_xact_lock key while migrating ("deconf")
# Errors after which the same request may succeed later: the database is out of reach,
# restarting, failing over, or this connection landed on a read-only standby.
_UNAVAILABLE = (psycopg.OperationalError, pg_errors.ReadOnlySqlTransaction, PoolTimeout)


@functools.lru_cache(maxsize=1024)
def _pg(sql: str) -> str:
    """The portable SQL's ``?`` placeholders as psycopg's ``%s``."""
    return sql.replace("?", "%s")


class _Result:
    """A statement's cursor in pipeline mode: its rows and row count once they are in."""

    def __init__(self, cursor: psycopg.Cursor[Any], pipeline: psycopg.Pipeline) -> None:
        self._cursor = cursor
        self._pipeline = pipeline

    @property
    def rowcount(self) -> int:
        self._pipeline.sync()
        return self._cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone()  # (fetching waits for the result)

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


class PostgresTransaction(SQLTransaction):
    """Writes staged on one pooled connection inside the database's write lock.

    The connection is in pipeline mode: a statement whose result is not needed is sent
    without waiting for it, so that a write costs two round trips to the server (its start,
    which reads the write lock's token, and its commit), plus one per read it makes.
    """

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        pipeline: psycopg.Pipeline,
        tails: Tails,
        *,
        others_wrote: bool,
    ) -> None:
        super().__init__(tails, others_wrote=others_wrote)
        self._conn = conn
        self._pipeline = pipeline

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        return _Result(self._conn.execute(_pg(sql), params), self._pipeline)

    def _executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        rows = list(params)
        if len(rows) <= _FEW_ROWS:
            # executemany opens a nested pipeline, whose end waits for the server: a few
            # rows are sent one by one instead, without waiting.
            for row in rows:
                self._conn.execute(_pg(sql), row)
            return
        with self._conn.cursor() as cursor:
            cursor.executemany(_pg(sql), rows)


class PostgresStore(SQLReads):
    """The store on a PostgreSQL database named by ``url``.

    ``pool_size`` connections at most (one writes at a time, the others read);
    ``timeout_s`` is how long a request waits for a connection before it is answered with
    :class:`StoreUnavailable`.
    """

    def __init__(self, url: str, *, pool_size: int = 8, timeout_s: float = 10.0) -> None:
        self.url = url
        self._where = redact_url(url)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            kwargs={"autocommit": True, "connect_timeout": 5},
            min_size=1,
            max_size=max(2, pool_size),
            timeout=timeout_s,
            open=False,
            name="deconfliction",
        )
        try:
            self._pool.open(wait=True, timeout=timeout_s)
        except (PoolTimeout, psycopg.Error) as error:
            self._pool.close()
            raise StoreError(f"cannot connect to the database {self._where}: {error}") from None
        self._write_lock = threading.RLock()
        self._checking = threading.Lock()  # held while a thread checks the pool
        self._tails = Tails(None)  # version: the token of this process's last write
        self.write_stats = WriteStats()
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------

    def _migrate(self) -> None:
        """Apply the missing migrations (one process at a time); a database at the current
        version is not written to, so that a read-only standby can be opened for reads."""
        if self._current_version() == SCHEMA_VERSION:
            return
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(_STORE_TABLE)
            conn.execute(
                "INSERT INTO deconfliction_store (id, schema_version, last_write) "
                "VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING"
            )
            row = conn.execute("SELECT schema_version FROM deconfliction_store").fetchone()
            version = int(row[0]) if row else 0
            self._refuse_newer(version)
            for number in range(version, SCHEMA_VERSION):
                for statement in statements(MIGRATIONS[number].postgres):
                    conn.execute(statement)
                conn.execute("UPDATE deconfliction_store SET schema_version = %s", (number + 1,))

    def _current_version(self) -> int | None:
        with self._pool.connection() as conn:
            exists = conn.execute("SELECT to_regclass('deconfliction_store')").fetchone()
            if exists is None or exists[0] is None:
                return None
            row = conn.execute("SELECT schema_version FROM deconfliction_store").fetchone()
        version = None if row is None else int(row[0])
        if version is not None:
            self._refuse_newer(version)
        return version

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the database {self._where} has schema version {version}, newer than this "
                f"release understands ({SCHEMA_VERSION}); upgrade deconfliction"
            )

    def close(self) -> None:
        self._pool.close()

    def schema_version(self) -> int:
        found = self._query("SELECT schema_version FROM deconfliction_store")
        return int(found[0][0])

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        with self._write_lock:
            try:
                conn = self._pool.getconn()
            except PoolTimeout as error:
                raise self._unavailable(error) from None
            try:
                with conn.pipeline() as pipeline, conn.transaction():
                    token = secrets.randbits(63)
                    row = conn.execute(_BEGIN_WRITE, (token,)).fetchone()
                    locked = time.perf_counter()  # the lock is this transaction's now
                    if row is None:
                        raise StoreError(
                            f"the database {self._where} has no deconfliction_store row"
                        )
                    others_wrote = row[0] != self._tails.version
                    tails = Tails(None) if others_wrote else self._tails.copy()
                    tails.version = token
                    tx = PostgresTransaction(conn, pipeline, tails, others_wrote=others_wrote)
                    try:
                        yield tx
                    except BaseException:
                        tx.drop_callbacks()
                        raise
            except _UNAVAILABLE as error:
                # Whether it committed is unknown: what this process remembers is not trusted.
                self._tails = Tails(None)
                raise self._unavailable(error) from None
            except psycopg.Error:
                self._tails = Tails(None)  # the database refused a write: read it afresh
                raise
            finally:
                self._pool.putconn(conn)
            self.write_stats.writes += 1
            self.write_stats.lock_held_s += time.perf_counter() - locked
            self._tails = tx.tails
        tx.run_callbacks()

    def _unavailable(self, error: BaseException) -> StoreUnavailable:
        """The error to raise when the database cannot be used now; broken connections are
        dropped so that the next request connects afresh (to the new primary)."""
        if not isinstance(error, PoolTimeout) and self._checking.acquire(blocking=False):
            threading.Thread(target=self._check_pool, daemon=True).start()
        return StoreUnavailable(
            f"the database {self._where} cannot be reached now ({type(error).__name__}: "
            f"{str(error).strip() or 'no detail'}); nothing was changed that was not "
            "acknowledged: try again"
        )

    def _check_pool(self) -> None:
        """Drop the pool's broken connections (one thread at a time)."""
        try:
            self._pool.check()
        except Exception:  # the pool is closed, or the check itself failed: nothing to do
            pass
        finally:
            self._checking.release()

    # -- reads -------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a read on a pooled connection; once more on another if that one was broken
        (a read changes nothing, so it may be repeated)."""
        sql = _pg(sql)
        for attempt in range(2):
            try:
                with self._pool.connection() as conn:
                    return conn.execute(sql, params).fetchall()
            except _UNAVAILABLE as error:
                if attempt or isinstance(error, PoolTimeout):
                    raise self._unavailable(error) from None
                self._pool.check()
        raise AssertionError("unreachable")
