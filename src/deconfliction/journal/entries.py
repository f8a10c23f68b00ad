"""Entries whose meaning the verifier relies on: the hub's key, parties' keys, signed writes.

- **Genesis.** Entry ``seq`` 1 of every journal has kind ``hub.key``, party ``-`` and content
  ``{"algorithm": "ed25519", "public_key": "<base64 of 32 raw bytes>"}``. Every checkpoint
  must verify with that key. (A later key rotation would be a ``hub.key`` entry carrying the
  new key and a ``signature`` of it by the old key; it is not implemented, and a verifier
  today refuses a second ``hub.key`` entry.)
- **Party keys.** Kind ``party.key``, party the registering party, content
  ``{"algorithm": "ed25519", "public_key": "<base64>"}`` (``null`` withdraws the key). It
  applies to that party's entries after it. The hub should let every party see these
  entries (and the genesis entry) so that anyone can check signatures.
- **Signed writes.** When a party signed its request (see
  :mod:`deconfliction.journal.signing`), the journaled content carries, next to whatever
  else the hub records, the key ``"party_signature"`` with the object
  ``{"algorithm": "ed25519", "method": "PUT", "path": "/v1/zones/z1",
  "body": "<request body as text, exactly>", "signature": "<base64>"}``. The entry's
  ``party`` is the signer. The body is stored as a JSON string: it is UTF-8 JSON, so the
  string round-trips to exactly the signed bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import GENESIS_HASH, HUB_PARTY, JournalEntry
from deconfliction.journal.signing import ALGORITHM, public_key_b64

HUB_KEY_KIND = "hub.key"
PARTY_KEY_KIND = "party.key"
PARTY_SIGNATURE_FIELD = "party_signature"
# Kinds every party may read in full: without them nobody can check a signature.
PUBLIC_KINDS = frozenset({HUB_KEY_KIND, PARTY_KEY_KIND})


def genesis_entry(key: Ed25519PrivateKey | Ed25519PublicKey, time_s: float) -> JournalEntry:
    """Entry 1 of a new journal: the hub's public key."""
    content = {"algorithm": ALGORITHM, "public_key": public_key_b64(key)}
    return JournalEntry.make(GENESIS_HASH, 1, time_s, HUB_PARTY, HUB_KEY_KIND, content)


def party_key_content(public_key: Ed25519PublicKey | None) -> dict[str, Any]:
    """The content of a ``party.key`` entry (``None`` withdraws the party's key)."""
    return {
        "algorithm": ALGORITHM,
        "public_key": None if public_key is None else public_key_b64(public_key),
    }


def signed_write(method: str, path: str, body: bytes, signature_b64: str) -> dict[str, Any]:
    """The ``party_signature`` object to put in a signed write's journaled content."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("a signed request body must be UTF-8 text") from None
    return {
        "algorithm": ALGORITHM,
        "method": method.upper(),
        "path": path,
        "body": text,
        "signature": signature_b64,
    }


@dataclass(frozen=True)
class PartySignature:
    """A party's signature as carried by a journal entry."""

    method: str
    path: str
    body: bytes
    signature: str


def key_in_entry(entry: JournalEntry) -> str | None:
    """The base64 key a ``hub.key`` or ``party.key`` entry records; raise if unreadable."""
    content = _content_object(entry)
    if content.get("algorithm") != ALGORITHM:
        raise InvalidInput(
            f"entry {entry.seq} ({entry.kind}) names algorithm {content.get('algorithm')!r}; "
            f"only {ALGORITHM!r} is known"
        )
    key = content.get("public_key")
    if key is not None and not isinstance(key, str):
        raise InvalidInput(f"entry {entry.seq} ({entry.kind}) has a public_key that is not text")
    return key


def party_signature_in(entry: JournalEntry) -> PartySignature | None:
    """The party signature an entry carries, if any; raise if it is there but malformed."""
    if PARTY_SIGNATURE_FIELD.encode() not in entry.content:  # cheap test before parsing
        return None
    content = _content_object(entry)
    carried = content.get(PARTY_SIGNATURE_FIELD)
    if carried is None:
        return None
    fields = ("method", "path", "body", "signature")
    if (
        not isinstance(carried, dict)
        or carried.get("algorithm") != ALGORITHM
        or not all(isinstance(carried.get(name), str) for name in fields)
    ):
        raise InvalidInput(
            f"entry {entry.seq} carries a party_signature without the text fields "
            "algorithm (ed25519), method, path, body and signature"
        )
    return PartySignature(
        method=carried["method"],
        path=carried["path"],
        body=carried["body"].encode("utf-8"),
        signature=carried["signature"],
    )


def _content_object(entry: JournalEntry) -> dict[str, Any]:
    try:
        content = orjson.loads(entry.content)
    except orjson.JSONDecodeError:
        raise InvalidInput(f"entry {entry.seq} has content that is not JSON") from None
    if not isinstance(content, dict):
        raise InvalidInput(f"entry {entry.seq} ({entry.kind}) has content that is not an object")
    return content
