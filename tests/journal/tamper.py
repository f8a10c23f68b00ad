"""What someone with write access to the hub's database (an SQLite file, or a PostgreSQL
URL) might do to its journal."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.checkpoint import sign_checkpoint
from deconfliction.journal.entries import genesis_entry

_ENTRY = "seq, time, party, kind, content, prev_hash, hash"


class _Postgres:
    """A psycopg connection that takes sqlite3's ``?`` placeholders."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        self._conn.cursor().executemany(sql.replace("?", "%s"), params)


@contextmanager
def _connect(db: Path | str) -> Iterator[Any]:
    """A connection to ``db`` that commits at the end."""
    if isinstance(db, str) and db.startswith("postgres"):
        import psycopg

        with psycopg.connect(db) as conn:
            yield _Postgres(conn)
        return
    with sqlite3.connect(db) as conn:
        yield conn


def _entries(conn: Any) -> list[JournalEntry]:
    rows = conn.execute(f"SELECT {_ENTRY} FROM journal ORDER BY seq").fetchall()
    return [JournalEntry(s, t, p, k, bytes(c), ph, h) for s, t, p, k, c, ph, h in rows]


def flip_byte(db: Path | str, seq: int, offset: int = 2) -> None:
    """Change one byte of entry ``seq``'s content, in place."""
    with _connect(db) as conn:
        (content,) = conn.execute("SELECT content FROM journal WHERE seq = ?", (seq,)).fetchone()
        changed = bytearray(content)
        changed[offset] = changed[offset] ^ 0x01
        conn.execute("UPDATE journal SET content = ? WHERE seq = ?", (bytes(changed), seq))


def delete_entry(db: Path | str, seq: int) -> None:
    with _connect(db) as conn:
        conn.execute("DELETE FROM journal WHERE seq = ?", (seq,))


def delete_from(db: Path | str, seq: int) -> None:
    """Remove entries ``seq`` and after (the end of the journal)."""
    with _connect(db) as conn:
        conn.execute("DELETE FROM journal WHERE seq >= ?", (seq,))


def swap_entries(db: Path | str, seq_a: int, seq_b: int) -> None:
    """Swap two entries: each row takes the other's fields (a row's seq is its place)."""
    with _connect(db) as conn:
        rows = {
            seq: conn.execute(
                "SELECT time, party, kind, content, prev_hash, hash FROM journal WHERE seq = ?",
                (seq,),
            ).fetchone()
            for seq in (seq_a, seq_b)
        }
        for seq, other in ((seq_a, seq_b), (seq_b, seq_a)):
            conn.execute(
                "UPDATE journal SET time = ?, party = ?, kind = ?, content = ?, prev_hash = ?, "
                "hash = ? WHERE seq = ?",
                (*rows[other], seq),
            )


def rewrite_under(
    db: Path | str,
    key: Ed25519PrivateKey,
    *,
    seq: int | None = None,
    change: Callable[[bytes], bytes] | None = None,
) -> None:
    """The thorough forger, holding ``key``: changes entry ``seq``'s content with ``change``
    (if given), writes a genesis with ``key``, recomputes every hash and signs every
    checkpoint again with ``key``."""
    with _connect(db) as conn:
        entries = _entries(conn)
        entries[0] = replace(entries[0], content=genesis_entry(key, 0.0).content)
        if seq is not None and change is not None:
            entries[seq - 1] = replace(entries[seq - 1], content=change(entries[seq - 1].content))
        prev, rewritten = GENESIS_HASH, []
        for entry in entries:
            fixed = replace(entry, prev_hash=prev)
            fixed = replace(fixed, hash=fixed.recomputed_hash())
            rewritten.append(fixed)
            prev = fixed.hash
        conn.execute("DELETE FROM journal")
        conn.executemany(
            f"INSERT INTO journal ({_ENTRY}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(e.seq, e.time, e.party, e.kind, e.content, e.prev_hash, e.hash) for e in rewritten],
        )
        by_seq = {e.seq: e for e in rewritten}
        seqs = [row[0] for row in conn.execute("SELECT seq FROM journal_checkpoints")]
        conn.execute("DELETE FROM journal_checkpoints")
        for seq in seqs:
            resigned = sign_checkpoint(key, seq, by_seq[seq].hash, 0.0)
            conn.execute(
                "INSERT INTO journal_checkpoints (seq, hash, time, signature, key_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (seq, resigned.hash, resigned.time, resigned.signature, resigned.key_id),
            )


def resign_checkpoint(db: Path | str, seq: int, key: Ed25519PrivateKey) -> None:
    """Replace the checkpoint at ``seq`` by one over the same hash signed with ``key``."""
    with _connect(db) as conn:
        (hash_,) = conn.execute(
            "SELECT hash FROM journal_checkpoints WHERE seq = ?", (seq,)
        ).fetchone()
        forged = sign_checkpoint(key, seq, hash_, 0.0)
        conn.execute(
            "UPDATE journal_checkpoints SET time = ?, signature = ?, key_id = ? WHERE seq = ?",
            (forged.time, forged.signature, forged.key_id, seq),
        )


def checkpoint_seqs(db: Path | str) -> list[int]:
    with _connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT seq FROM journal_checkpoints ORDER BY seq")]


def delete_checkpoint(db: Path | str, seq: int) -> None:
    with _connect(db) as conn:
        conn.execute("DELETE FROM journal_checkpoints WHERE seq = ?", (seq,))
