"""A PostgreSQL server for the benchmarks that compare the stores: Debian's binaries, a data
directory in a temporary folder, loopback only (``tests.postgres_server``), with the
server's durable defaults (``fsync`` and ``synchronous_commit`` on: a commit is on disk
before the hub acknowledges it, as with SQLite's ``synchronous=full``)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.postgres_server import PostgresServer, find_bindir

DURABLE = {"shared_buffers": "256MB", "max_connections": "200"}


class Databases:
    """Fresh databases on one server, one per run."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._names = (f"bench{n}" for n in itertools.count(1))

    def new(self) -> str:
        """The URL of a new, empty database."""
        return self.server.create_database(next(self._names))


@contextmanager
def postgres() -> Iterator[Databases | None]:
    """A server for this run, or None (with a note) where PostgreSQL is not installed."""
    bindir = find_bindir()
    if bindir is None:
        print("  (PostgreSQL is not installed here: apt-get install postgresql; skipped)")
        yield None
        return
    server = PostgresServer(bindir, settings=DURABLE).init().start()
    try:
        yield Databases(server)
    finally:
        server.remove()


def describe(server: PostgresServer) -> str:
    version = server.execute("SHOW server_version")[0][0]
    settings = {
        name: server.execute(f"SHOW {name}")[0][0]
        for name in ("fsync", "synchronous_commit", "wal_sync_method")
    }
    return f"PostgreSQL {version} ({', '.join(f'{k}={v}' for k, v in settings.items())})"
