"""Signed checkpoints of the chain head, and the receipts handed out for accepted writes.

A checkpoint says "after entry ``seq`` the chain's head hash was ``hash``", signed by the
hub's key at ``time``. The signed message is UTF-8 text, four lines joined by ``\\n`` with no
trailing newline (:func:`checkpoint_message`)::

    deconfliction-checkpoint
    {seq}
    {hash}
    {time}

``seq`` in decimal, ``hash`` the 64 lower-case hex digits of entry ``seq``'s hash, ``time``
RFC 3339 UTC with milliseconds (as journal entries). ``key_id`` names the signing key
(:func:`deconfliction.journal.signing.key_id`) but is not signed: a verifier always checks
the signature against the journal's own key, recorded in its first entry.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import journal_time
from deconfliction.journal.signing import key_id

CHECKPOINT_DOMAIN = "deconfliction-checkpoint"


def checkpoint_message(seq: int, head_hash: str, time: str) -> bytes:
    """The exact bytes the hub signs for a checkpoint."""
    return f"{CHECKPOINT_DOMAIN}\n{seq}\n{head_hash}\n{time}".encode()


@dataclass(frozen=True)
class Checkpoint:
    """The hub's signature over the chain's head hash after entry ``seq``."""

    seq: int
    hash: str
    time: str
    signature: str  # base64 of the 64-byte Ed25519 signature
    key_id: str

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """A checkpoint from its JSON object (``codec.dump``'s); raise :class:`InvalidInput`
        naming a bad field (an export is read from anywhere: nothing is coerced)."""
        if not isinstance(data, dict):
            raise InvalidInput(f"a checkpoint must be a JSON object, got {type(data).__name__}")
        seq = data.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise InvalidInput(f"checkpoint: seq must be a positive integer, got {seq!r}")
        fields = {}
        for name in ("hash", "time", "signature", "key_id"):
            value = data.get(name)
            if not isinstance(value, str):
                raise InvalidInput(f"checkpoint at seq {seq}: {name} must be a string")
            fields[name] = value
        return cls(seq=seq, **fields)


def sign_checkpoint(key: Ed25519PrivateKey, seq: int, head_hash: str, time_s: float) -> Checkpoint:
    """Sign the head hash after entry ``seq`` at ``time_s`` (unix seconds)."""
    time = journal_time(time_s)
    signature = key.sign(checkpoint_message(seq, head_hash, time))
    return Checkpoint(
        seq=seq,
        hash=head_hash,
        time=time,
        signature=base64.b64encode(signature).decode("ascii"),
        key_id=key_id(key),
    )


def verify_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """Whether the checkpoint's signature verifies with ``public_key``."""
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(
            signature, checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.time)
        )
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class Receipt:
    """What a party keeps for an accepted write: its entry and the latest signed checkpoint.

    The checkpoint may precede the entry (checkpoints are made on a cadence); a later one,
    fetched from ``GET /v1/journal``, covers it. Together with the entries between them, the
    receipt proves the entry ``hash`` was in the journal at position ``seq``.
    """

    seq: int
    hash: str
    checkpoint: Checkpoint | None

    @classmethod
    def from_json(cls, data: Any) -> Receipt:
        """A receipt from its JSON object (``codec.dump``'s), checked as a checkpoint is."""
        if not isinstance(data, dict):
            raise InvalidInput(f"a receipt must be a JSON object, got {type(data).__name__}")
        seq, hash_ = data.get("seq"), data.get("hash")
        if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(hash_, str):
            raise InvalidInput("a receipt needs an integer seq and a string hash")
        raw = data.get("checkpoint")
        return cls(seq, hash_, None if raw is None else Checkpoint.from_json(raw))
