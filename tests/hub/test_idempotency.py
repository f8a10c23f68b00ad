"""Idempotency keys: checked, and a fingerprint of the whole request."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.hub.operations.idempotency import IdempotencyKey


def test_the_fingerprint_covers_method_path_and_body() -> None:
    one = IdempotencyKey.of("k", "PUT", "/v1/operations/a", b"{}")
    assert one == IdempotencyKey.of("k", "put", "/v1/operations/a", b"{}")
    others = [
        IdempotencyKey.of("k", "DELETE", "/v1/operations/a", b"{}"),
        IdempotencyKey.of("k", "PUT", "/v1/operations/b", b"{}"),
        IdempotencyKey.of("k", "PUT", "/v1/operations/a", b"{ }"),
        # Lengths are part of the fingerprint: the parts cannot slide into each other.
        IdempotencyKey.of("k", "PUT", "/v1/operations/a{", b"}"),
    ]
    assert all(o.request_hash != one.request_hash for o in others)


@pytest.mark.parametrize("key", ["", "has space", "é", "x" * 256])
def test_keys_are_short_visible_ascii(key: str) -> None:
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        IdempotencyKey.of(key, "PUT", "/", b"")
