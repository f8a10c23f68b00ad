"""What only the SQLite store does (the shared behaviour is in test_store.py)."""

import sqlite3
from pathlib import Path

import pytest

from deconfliction.errors import InvalidInput, SchemaTooNew
from deconfliction.model import Party
from deconfliction.store import SQLiteStore
from deconfliction.store.migrations import SCHEMA_VERSION
from tests.scenarios import T0


def test_new_database_is_at_the_current_schema_in_wal_mode(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    assert store.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade deconfliction"):
        SQLiteStore(db_path)


def test_unknown_synchronous_mode(db_path: Path) -> None:
    with pytest.raises(InvalidInput, match="synchronous mode 'sometimes'"):
        SQLiteStore(db_path, synchronous="sometimes")


def test_memory_store_works_for_one_process() -> None:
    store = SQLiteStore(":memory:")
    with store.transaction() as tx:
        tx.put_party(Party("blue", T0))
    assert store.get_party("blue") == Party("blue", T0)


# -- journal checkpoints (migration 2) --------------------------------------------------


def test_a_database_of_schema_1_gains_the_checkpoints_table(db_path: Path) -> None:
    from deconfliction.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    store = SQLiteStore(db_path)
    assert store.schema_version() == SCHEMA_VERSION >= 2
    assert store.latest_checkpoint() is None
    store.close()
