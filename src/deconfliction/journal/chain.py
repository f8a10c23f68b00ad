"""The hash chain of the journal (pure: no I/O).

An entry's hash is SHA-256 over its header and content, joined by newlines, so that a
verifier needs nothing but the exported fields and ``hashlib``::

    prev_hash \\n seq \\n time \\n party \\n kind \\n content

``content`` is canonical JSON (:func:`canonical_json`): UTF-8, keys sorted, no spaces. The
verifier hashes the stored bytes as they are and never re-serialises them. ``time`` is RFC
3339 UTC with milliseconds; ``party`` is the submitting or addressed party, ``-`` for the
hub itself. The first entry chains to :data:`GENESIS_HASH`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS_HASH = "0" * 64
HUB_PARTY = "-"


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: UTF-8, keys sorted, no insignificant white space."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def journal_time(unix_s: float) -> str:
    """The journal's fixed time format: RFC 3339 UTC with milliseconds."""
    moment = datetime.fromtimestamp(unix_s, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_hash(prev_hash: str, seq: int, time: str, party: str, kind: str, content: bytes) -> str:
    """The hex SHA-256 that chains an entry to the one before it."""
    digest = hashlib.sha256()
    digest.update(f"{prev_hash}\n{seq}\n{time}\n{party}\n{kind}\n".encode())
    digest.update(content)
    return digest.hexdigest()


@dataclass(frozen=True)
class JournalEntry:
    """One entry of the chain, as stored and as exported."""

    seq: int
    time: str
    party: str
    kind: str
    content: bytes
    prev_hash: str
    hash: str

    @classmethod
    def make(
        cls, prev_hash: str, seq: int, time_s: float, party: str, kind: str, content: Any
    ) -> JournalEntry:
        """Chain ``content`` (a JSON-able value, serialised canonically) after ``prev_hash``."""
        body = canonical_json(content)
        time = journal_time(time_s)
        return cls(
            seq,
            time,
            party,
            kind,
            body,
            prev_hash,
            entry_hash(prev_hash, seq, time, party, kind, body),
        )

    def recomputed_hash(self) -> str:
        return entry_hash(self.prev_hash, self.seq, self.time, self.party, self.kind, self.content)
