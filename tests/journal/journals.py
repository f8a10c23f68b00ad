"""Journals built in tests: a hub key, a few parties' writes, checkpoints on a cadence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.checkpoint import Checkpoint, sign_checkpoint
from deconfliction.journal.entries import (
    PARTY_KEY_KIND,
    genesis_entry,
    party_key_content,
    signed_write,
)
from deconfliction.journal.signing import sign_submission

START_S = 1_633_608_000.0


@dataclass(frozen=True)
class Journal:
    hub_key: Ed25519PrivateKey
    party_keys: dict[str, Ed25519PrivateKey]
    entries: list[JournalEntry]
    checkpoints: list[Checkpoint]


def _content(seq: int, party: str) -> dict[str, Any]:
    if seq % 3 == 0:
        return {"alert": f"a{seq}", "state": "open", "to": party}
    return {"reports": [{"track": f"{party}-{seq % 4}", "lat": 48.0 + seq / 1000, "lon": 2.0}]}


def chain(
    rows: Sequence[tuple[str, str, Any]], start_seq: int, prev_hash: str
) -> list[JournalEntry]:
    """Entries for ``(party, kind, content)`` rows chained after ``prev_hash``."""
    entries = []
    for offset, (party, kind, content) in enumerate(rows):
        seq = start_seq + offset
        entry = JournalEntry.make(prev_hash, seq, START_S + seq, party, kind, content)
        entries.append(entry)
        prev_hash = entry.hash
    return entries


def rechain(entries: Sequence[JournalEntry]) -> list[JournalEntry]:
    """What a forger who knows the format does: relink and rehash every entry in order."""
    prev_hash, out = GENESIS_HASH, []
    for entry in entries:
        entry = replace(entry, prev_hash=prev_hash)
        entry = replace(entry, hash=entry.recomputed_hash())
        out.append(entry)
        prev_hash = entry.hash
    return out


def checkpoints_for(
    key: Ed25519PrivateKey, entries: Sequence[JournalEntry], every: int
) -> list[Checkpoint]:
    """A checkpoint after every ``every``-th entry and one at the head."""
    chosen = [e for e in entries if e.seq % every == 0]
    if entries and (not chosen or chosen[-1].seq != entries[-1].seq):
        chosen.append(entries[-1])
    return [sign_checkpoint(key, e.seq, e.hash, START_S + e.seq + 0.5) for e in chosen]


def build_journal(
    size: int = 20, *, hub_key: Ed25519PrivateKey | None = None, every: int = 5
) -> Journal:
    """Genesis, blue registers a key, then writes by blue and red; blue's are signed."""
    hub_key = hub_key or Ed25519PrivateKey.generate()
    blue = Ed25519PrivateKey.generate()
    genesis = genesis_entry(hub_key, START_S)
    rows: list[tuple[str, str, Any]] = [
        ("blue", PARTY_KEY_KIND, party_key_content(blue.public_key()))
    ]
    for seq in range(3, size + 1):
        party = "blue" if seq % 2 else "red"
        content = _content(seq, party)
        if party == "blue" and seq % 3 != 0:
            body = orjson.dumps(content["reports"])
            signature = sign_submission(blue, "blue", "POST", "/v1/reports", body)
            content = {
                **content,
                "party_signature": signed_write("POST", "/v1/reports", body, signature),
            }
        rows.append((party, "reports" if "reports" in content else "alert.delivery", content))
    entries = [genesis, *chain(rows, 2, genesis.hash)]
    return Journal(hub_key, {"blue": blue}, entries, checkpoints_for(hub_key, entries, every))
