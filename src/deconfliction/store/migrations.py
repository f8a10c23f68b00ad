"""The schema, as an ordered list of migrations; the store applies the missing ones on open.

Never edit a migration that has shipped: add a new one. Each migration is written once, in
SQLite's dialect, and translated for PostgreSQL (:func:`to_postgres`: the type names, and
SQLite's ``WITHOUT ROWID``); one whose meaning differs between the two gives both texts
(:class:`Migration`). The version a database is at changes in the same transaction as the
schema itself: SQLite's ``PRAGMA user_version``; PostgreSQL's ``deconfliction_store`` row
(see ``store.postgres``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_POSTGRES_TYPES = (
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # SQLite's REAL is 8 bytes; PostgreSQL's 4
    (re.compile(r"\bINTEGER\b"), "BIGINT"),  # SQLite's INTEGER is 8 bytes
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\)\s*WITHOUT ROWID"), ")"),  # PostgreSQL tables have no rowid anyway
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema in each dialect."""

    sqlite: str
    postgres: str


def to_postgres(sqlite: str) -> str:
    """SQLite's text of a migration in PostgreSQL's dialect (the same tables and columns)."""
    for pattern, replacement in _POSTGRES_TYPES:
        sqlite = pattern.sub(replacement, sqlite)
    return sqlite


def portable(sqlite: str, *, postgres_also: str = "") -> Migration:
    """A migration that means the same in both dialects once its types are translated;
    ``postgres_also``: statements for PostgreSQL alone (storage settings SQLite has not)."""
    return Migration(sqlite, to_postgres(sqlite) + postgres_also)


def statements(script: str) -> list[str]:
    """The statements of a migration (comments are whole lines starting with ``--``)."""
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in code.split(";") if s.strip()]


MIGRATIONS: tuple[Migration, ...] = (
    # 1: foundation
    portable(
        """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE parties (
        name      TEXT PRIMARY KEY,
        created_s REAL NOT NULL,
        language  TEXT NOT NULL DEFAULT 'en',
        timezone  TEXT NOT NULL DEFAULT 'UTC',
        revoked_s REAL
    );
    CREATE TABLE credentials (
        token_hash TEXT PRIMARY KEY,
        principal  TEXT NOT NULL,
        created_s  REAL NOT NULL,
        revoked_s  REAL
    );
    CREATE INDEX credentials_principal ON credentials (principal);
    CREATE TABLE agreements (
        party_a TEXT NOT NULL,
        party_b TEXT NOT NULL,
        doc     TEXT NOT NULL,
        PRIMARY KEY (party_a, party_b)
    );
    -- Reports are stored once, in the journal (kind 'reports', one entry per batch); this
    -- indexes those entries by party and time so that history can be read back.
    CREATE TABLE report_batches (
        seq    INTEGER PRIMARY KEY,
        party  TEXT NOT NULL,
        t_min  REAL NOT NULL,
        t_max  REAL NOT NULL,
        count  INTEGER NOT NULL
    );
    CREATE INDEX report_batches_party ON report_batches (party, t_max);
    CREATE INDEX report_batches_time ON report_batches (t_max);
    -- A checkpoint of the live picture (latest report per track); at start the hub loads it
    -- and replays the report batches journalled after meta 'tracks_seq'.
    CREATE TABLE tracks (
        party      TEXT NOT NULL,
        track      TEXT NOT NULL,
        time_s     REAL NOT NULL,
        lat        REAL NOT NULL,
        lon        REAL NOT NULL,
        alt_m      REAL NOT NULL,
        gs_mps     REAL NOT NULL,
        course_deg REAL NOT NULL,
        vs_mps     REAL NOT NULL,
        domain     TEXT NOT NULL,
        operation  TEXT,
        PRIMARY KEY (party, track)
    ) WITHOUT ROWID;
    CREATE TABLE objects (
        kind      TEXT NOT NULL,
        id        TEXT NOT NULL,
        owner     TEXT NOT NULL,
        version   INTEGER NOT NULL,
        state     TEXT NOT NULL,
        updated_s REAL NOT NULL,
        doc       TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX objects_owner ON objects (kind, owner);
    CREATE INDEX objects_state ON objects (kind, state);
    CREATE TABLE events (
        party  TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        time_s REAL NOT NULL,
        kind   TEXT NOT NULL,
        data   TEXT NOT NULL,
        PRIMARY KEY (party, seq)
    ) WITHOUT ROWID;
    CREATE TABLE journal (
        seq       INTEGER PRIMARY KEY,
        time      TEXT NOT NULL,
        party     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        content   BLOB NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX journal_party ON journal (party);
    """,
        # PostgreSQL compresses large values (pglz) by default: on a batch of 1,000 reports
        # that costs more than the rest of the write, for a quarter of the space. Stored as
        # SQLite stores them (out of line, uncompressed); a DBA may choose lz4 instead.
        postgres_also="""
    ALTER TABLE journal ALTER COLUMN content SET STORAGE EXTERNAL;
    ALTER TABLE objects ALTER COLUMN doc SET STORAGE EXTERNAL;
    ALTER TABLE events ALTER COLUMN data SET STORAGE EXTERNAL;
    """,
    ),
    # 2: signed checkpoints of the journal head (deconfliction.journal.checkpoint); at most
    # one per seq: a head that has not moved is not signed again.
    portable(
        """
    CREATE TABLE journal_checkpoints (
        seq       INTEGER PRIMARY KEY,
        hash      TEXT NOT NULL,
        time      TEXT NOT NULL,
        signature TEXT NOT NULL,
        key_id    TEXT NOT NULL
    );
    """
    ),
    # 3: the first answer to each write sent with an Idempotency-Key header, per party, so a
    # repeat returns it instead of applying the write again (hub.operations.idempotency).
    portable(
        """
    CREATE TABLE idempotency (
        party        TEXT NOT NULL,
        key          TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        created_s    REAL NOT NULL,
        answer       TEXT NOT NULL,
        PRIMARY KEY (party, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_created ON idempotency (created_s);
    """,
        postgres_also="""
    ALTER TABLE idempotency ALTER COLUMN answer SET STORAGE EXTERNAL;
    """,
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
