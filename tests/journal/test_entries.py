"""The entries the verifier relies on: genesis, party keys, signed writes."""

from __future__ import annotations

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.entries import (
    HUB_KEY_KIND,
    genesis_entry,
    key_in_entry,
    party_signature_in,
    signed_write,
)
from deconfliction.journal.signing import public_key_b64


def test_the_genesis_entry_records_the_hub_key():
    key = Ed25519PrivateKey.generate()
    entry = genesis_entry(key, 1_633_608_000.0)

    assert (entry.seq, entry.prev_hash, entry.party, entry.kind) == (
        1,
        GENESIS_HASH,
        "-",
        "hub.key",
    )
    assert orjson.loads(entry.content) == {
        "algorithm": "ed25519",
        "public_key": public_key_b64(key),
    }
    assert entry.recomputed_hash() == entry.hash
    assert key_in_entry(entry) == public_key_b64(key)


def test_a_signed_write_round_trips_the_exact_body():
    body = '{"name":"Hôpital \\u00e9","note":"tab\\there"}\n'.encode()
    carried = signed_write("put", "/v1/zones/z1", body, "c2ln")
    entry = JournalEntry.make(GENESIS_HASH, 2, 0.0, "blue", "zone", {"party_signature": carried})

    found = party_signature_in(entry)

    assert found is not None
    assert (found.method, found.path, found.body, found.signature) == (
        "PUT",
        "/v1/zones/z1",
        body,
        "c2ln",
    )


def test_an_entry_without_a_signature_has_none():
    entry = JournalEntry.make(GENESIS_HASH, 2, 0.0, "blue", "zone", {"id": "z1"})
    assert party_signature_in(entry) is None


def test_a_signed_write_needs_a_utf8_body():
    with pytest.raises(InvalidInput, match="UTF-8"):
        signed_write("POST", "/v1/reports", b"\xff\xfe", "c2ln")


@pytest.mark.parametrize(
    ("content", "word"),
    [
        ({"algorithm": "rsa", "public_key": "x"}, "algorithm"),
        ({"algorithm": "ed25519", "public_key": 5}, "not text"),
        (["not", "an", "object"], "not an object"),
    ],
)
def test_an_unreadable_key_entry_is_refused(content, word):
    entry = JournalEntry.make(GENESIS_HASH, 1, 0.0, "-", HUB_KEY_KIND, content)
    with pytest.raises(InvalidInput, match=word):
        key_in_entry(entry)
