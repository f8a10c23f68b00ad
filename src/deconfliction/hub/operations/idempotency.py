"""Idempotent writes: the first answer to a request sent with ``Idempotency-Key`` is kept.

A client that timed out cannot tell whether its write was applied. If it sent the header
``Idempotency-Key: <key>``, it repeats the request with the same key: the hub returns the
first answer again (the same version, the same receipt) and applies nothing. The answer is
stored in the same transaction as the write itself, so either both are durable or neither.

Rules (see ``docs/operations.md``):

- Keys are per party: two parties may use the same key without meeting.
- Only successful answers are kept. A request that failed (a 409 for a stale key, a 422)
  changed nothing, so repeating it simply runs it again against the current state.
- The same key with a different request (method, path or body) is refused (422): a key
  names one request.
- Answers are kept for ``idempotency_retention_s`` (24 h by default), then forgotten.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.hub.unit import WriteUnit
from deconfliction.store import IdempotentAnswer, Store, Transaction
from deconfliction.units import format_time

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
PRUNE_EVERY_S = 600.0


@dataclass(frozen=True)
class IdempotencyKey:
    """The key a request carried and the fingerprint of the request itself."""

    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str, method: str, path: str, body: bytes) -> IdempotencyKey:
        """Check ``key`` and fingerprint the request (method, path and exact body bytes)."""
        if not _KEY.match(key):
            raise InvalidInput(
                f"{HEADER} {key[:80]!r} is not allowed: use 1 to 255 visible ASCII characters "
                "(a UUID is a good choice)"
            )
        digest = hashlib.sha256()
        for part in (method.upper().encode(), path.encode(), body):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return cls(key, digest.hexdigest())


class Idempotency:
    """Kept answers: looked up and stored inside the write."""

    def __init__(self, store: Store, retention_s: float) -> None:
        self._store = store
        self.retention_s = retention_s
        self._next_prune_s: float | None = None

    def replay(
        self, tx: Transaction, party: str, key: IdempotencyKey | None, now_s: float
    ) -> dict[str, Any] | None:
        """The answer kept for this request, if it was already applied (read in the write
        ``tx``: a first request that another process was still writing is committed by
        then); raise if the key was used for a different request."""
        if key is None:
            return None
        kept = tx.get_idempotent(party, key.key)
        if kept is None or kept.created_s < now_s - self.retention_s:
            return None
        if kept.request_hash != key.request_hash:
            raise InvalidInput(
                f"{HEADER} {key.key!r} was already used at {format_time(kept.created_s)} for a "
                "different request (another method, path or body); a key names one request: "
                "send a new key with a new request"
            )
        return kept.answer

    def remember(
        self, unit: WriteUnit, party: str, key: IdempotencyKey | None, answer: dict[str, Any]
    ) -> None:
        """Keep ``answer`` as the answer to this request (inside the write that made it)."""
        if key is None:
            return
        unit.tx.put_idempotent(
            IdempotentAnswer(party, key.key, key.request_hash, unit.now_s, answer)
        )

    def prune_due(self, now_s: float) -> bool:
        """Whether :meth:`prune` should run (at the first tick, then every PRUNE_EVERY_S)."""
        return self._next_prune_s is None or now_s >= self._next_prune_s

    def prune(self, unit: WriteUnit) -> int:
        """Forget answers older than the retention (every ``PRUNE_EVERY_S``)."""
        self._next_prune_s = unit.now_s + PRUNE_EVERY_S
        return unit.tx.prune_idempotent(unit.now_s - self.retention_s)
