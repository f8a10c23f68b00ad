"""What only the PostgreSQL store does: its dialect of the schema, its version row, and what
happens when its connections are lost (the shared behaviour is in test_store.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from deconfliction.cli.common import KEY_ENV
from deconfliction.errors import SchemaTooNew, StoreError, StoreUnavailable
from deconfliction.model import Party
from deconfliction.store import SQLiteStore
from deconfliction.store.migrations import SCHEMA_VERSION, to_postgres
from deconfliction.store.postgres import PostgresStore
from tests.conftest import Deployment, PostgresDatabases
from tests.scenarios import T0, report


@pytest.fixture
def database(postgres_databases: PostgresDatabases) -> object:
    """An empty database of this test: (its name, its URL)."""
    name = postgres_databases.take()
    yield name, postgres_databases.server.url(name)
    postgres_databases.give_back(name)


def _terminate_connections(databases: PostgresDatabases, name: str) -> int:
    """Close every server connection to database ``name`` (as a restarting server does)."""
    rows = databases.server.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
        (name,),
    )
    return int(rows[0][0])


def test_both_dialects_make_the_same_tables_and_columns(
    database: tuple[str, str], postgres_databases: PostgresDatabases, tmp_path: Path
) -> None:
    name, url = database
    PostgresStore(url).close()
    SQLiteStore(tmp_path / "hub.db").close()
    in_postgres: dict[str, list[str]] = {}
    for table, column in postgres_databases.server.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        dbname=name,
    ):
        in_postgres.setdefault(table, []).append(column)
    assert in_postgres.pop("deconfliction_store") == ["id", "schema_version", "last_write"]
    conn = sqlite3.connect(tmp_path / "hub.db")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    in_sqlite = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    assert in_postgres == in_sqlite


def test_the_translation_keeps_eight_byte_numbers() -> None:
    sql = "CREATE TABLE t (a INTEGER PRIMARY KEY, b REAL NOT NULL, c BLOB, d TEXT) WITHOUT ROWID;"
    assert to_postgres(sql) == (
        "CREATE TABLE t (a BIGINT PRIMARY KEY, b DOUBLE PRECISION NOT NULL, c BYTEA, d TEXT);"
    )


def test_a_newer_schema_is_refused(
    database: tuple[str, str], postgres_databases: PostgresDatabases
) -> None:
    name, url = database
    store = PostgresStore(url)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    postgres_databases.server.execute(
        "UPDATE deconfliction_store SET schema_version = %s", (SCHEMA_VERSION + 1,), dbname=name
    )
    with pytest.raises(SchemaTooNew, match="upgrade deconfliction"):
        PostgresStore(url)


def test_a_database_out_of_reach_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as raised:
        PostgresStore("postgresql://hub:s3cret@127.0.0.1:1/hub", timeout_s=1)
    assert "cannot connect to the database postgresql://hub:***@127.0.0.1:1/hub" in str(
        raised.value
    )
    assert "s3cret" not in str(raised.value)


def test_lost_connections_fail_one_write_and_the_next_reconnects(
    database: tuple[str, str], postgres_databases: PostgresDatabases
) -> None:
    name, url = database
    store = PostgresStore(url)
    try:
        with store.transaction() as tx:
            tx.put_party(Party("blue", T0))
        assert _terminate_connections(postgres_databases, name) >= 1
        with pytest.raises(StoreUnavailable, match="try again"), store.transaction() as tx:
            tx.put_party(Party("red", T0))
        with store.transaction() as tx:
            tx.put_party(Party("red", T0))
        _terminate_connections(postgres_databases, name)
        # A read changes nothing: it is tried again on a fresh connection.
        assert [p.name for p in store.list_parties()] == ["blue", "red"]
    finally:
        store.close()


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_a_write_the_database_could_not_take_is_answered_503_and_can_be_sent_again(
    deploy: Callable[..., Deployment], postgres_databases: PostgresDatabases
) -> None:
    d = deploy("blue")
    client = d.client("blue")
    assert client.post("/v1/reports", json=[report("a", time=T0 - 1)]).status_code == 200
    store = d.hub._store
    assert isinstance(store, PostgresStore)
    _terminate_connections(postgres_databases, store.url.rsplit("/", 1)[1])
    first = client.post("/v1/reports", json=[report("a")])
    assert first.status_code == 503, first.text
    assert first.headers["Retry-After"] == "1"
    assert first.json()["error"]["type"] == "store_unavailable"
    again = client.post("/v1/reports", json=[report("a")])
    assert again.status_code == 200 and again.json()["accepted"] == 1
    assert len(list(store.report_batches(T0 - 10, T0 + 10))) == 2


def test_a_read_only_server_opens_for_reads_and_refuses_writes_as_unavailable(
    database: tuple[str, str],
) -> None:
    """Opening does not write when the schema is current, so a standby can be read (history,
    journal verify); a write there fails as one to send again (to the primary)."""
    _, url = database
    writer = PostgresStore(url)
    with writer.transaction() as tx:
        tx.put_party(Party("blue", T0))
    writer.close()
    reader = PostgresStore(url + "?options=-c%20default_transaction_read_only%3Don")
    try:
        assert [p.name for p in reader.list_parties()] == ["blue"]
        with pytest.raises(StoreUnavailable), reader.transaction() as tx:
            tx.put_party(Party("red", T0))
    finally:
        reader.close()


def test_the_cli_opens_a_postgres_url_with_the_key_it_is_given(
    database: tuple[str, str], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from deconfliction.cli import main

    _, url = database
    runner = CliRunner()
    refused = runner.invoke(main, ["party", "add", "blue", "--db", url], env={KEY_ENV: None})
    assert refused.exit_code == 1
    assert "name the hub's key file: --key FILE or DECONFLICTION_KEY" in refused.output
    env = {KEY_ENV: str(tmp_path / "hub.key"), "DECONFLICTION_DB": url}
    added = runner.invoke(main, ["party", "add", "blue"], env=env)
    assert added.exit_code == 0, added.output
    assert added.output.startswith("dcf_")
    listed = runner.invoke(main, ["party", "list", "--json"], env=env)
    assert '"blue"' in listed.output
    verified = runner.invoke(main, ["journal", "verify", "--db", url], env=env)
    assert verified.exit_code == 0 and "OK" in verified.output


def test_large_values_are_stored_uncompressed_as_sqlite_stores_them(
    database: tuple[str, str], postgres_databases: PostgresDatabases
) -> None:
    name, url = database
    PostgresStore(url).close()
    found = postgres_databases.server.execute(
        "SELECT c.relname, a.attname, a.attstorage FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relname IN ('journal', 'objects', 'events', 'idempotency') "
        "AND a.attname IN ('content', 'doc', 'data', 'answer')",
        dbname=name,
    )
    assert sorted(found) == [
        ("events", "data", "e"),
        ("idempotency", "answer", "e"),
        ("journal", "content", "e"),
        ("objects", "doc", "e"),
    ]
