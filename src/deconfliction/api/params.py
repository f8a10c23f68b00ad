"""Bounds of the API's integer parameters, so that no number reaches the store or a client
that it cannot hold."""

from __future__ import annotations

from deconfliction.errors import InvalidInput

# Sequence numbers (journal entries, a party's stream) and versions: the largest integer
# every JSON reader keeps exactly (JavaScript's Number.MAX_SAFE_INTEGER), far below the
# store's 2**63 - 1.
MAX_SEQ = 2**53 - 1


def parse_seq(text: str | None, name: str) -> int | None:
    """A sequence number given as text (a query parameter the framework does not check, such
    as the stream's), or None if absent; raise ``InvalidInput`` naming ``name`` otherwise.

    >>> parse_seq("42", "after"), parse_seq(None, "after")
    (42, None)
    """
    if text is None:
        return None
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 16 or int(value) > MAX_SEQ:
        raise InvalidInput(f"{name} must be a whole number from 0 to {MAX_SEQ}, got {text[:40]!r}")
    return int(value)
