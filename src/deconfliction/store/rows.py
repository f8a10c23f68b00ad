"""Rows of the schema as the model's objects: what both stores read back the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.model import DOMAINS, Report
from deconfliction.store.base import Event, IdempotentAnswer, StoredObject

REPORT_COLUMNS = (
    "party, track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain, operation"
)
OBJECT_COLUMNS = "kind, id, owner, version, state, updated_s, doc"
ENTRY_COLUMNS = "j.seq, j.time, j.party, j.kind, j.content, j.prev_hash, j.hash"
CHECKPOINT_COLUMNS = "seq, hash, time, signature, key_id"

_DOMAIN = {d.value: d for d in DOMAINS}


def report(row: Sequence[Any]) -> Report:
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


def stored_object(row: Sequence[Any]) -> StoredObject:
    kind, object_id, owner, version, state, updated_s, doc = row
    return StoredObject(kind, object_id, owner, int(version), state, updated_s, orjson.loads(doc))


def entry(row: Sequence[Any]) -> JournalEntry:
    seq, time, party, kind, content, prev_hash, hash_ = row
    return JournalEntry(int(seq), time, party, kind, bytes(content), prev_hash, hash_)


def checkpoint(row: Sequence[Any]) -> Checkpoint:
    seq, hash_, time, signature, key_id = row
    return Checkpoint(int(seq), str(hash_), str(time), str(signature), str(key_id))


def event(row: Sequence[Any]) -> Event:
    party, seq, time_s, kind, data = row
    return Event(party, int(seq), time_s, kind, orjson.loads(data))


def idempotent(party: str, key: str, row: Sequence[Any]) -> IdempotentAnswer:
    request_hash, created_s, answer = row
    return IdempotentAnswer(party, key, request_hash, created_s, orjson.loads(answer))


def dumps(doc: Any) -> str:
    """A JSON document as the stores keep it (text)."""
    return orjson.dumps(doc).decode()
