"""Parties' signing keys: registered, journalled where every party can read them, withdrawn."""

from __future__ import annotations

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.errors import InvalidInput
from deconfliction.hub import Hub
from deconfliction.journal.redact import view_for
from deconfliction.journal.signing import key_id, public_key_b64, public_key_pem


def test_a_key_is_registered_journalled_and_withdrawn(hub: Hub) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    private = Ed25519PrivateKey.generate()
    assert hub.party_key("blue").public_key is None

    key, entry = hub.register_party_key("blue", public_key_pem(private).decode())

    assert key.key_id == key_id(private)
    assert hub.party_key("blue").public_key_b64 == public_key_b64(private)
    assert (entry.party, entry.kind) == ("blue", "party.key")
    assert orjson.loads(entry.content)["public_key"] == public_key_b64(private)
    seen_by_red = [e for e in view_for(hub._store.journal_entries(), "red") if e.seq == entry.seq]
    assert getattr(seen_by_red[0], "kind", None) == "party.key"  # public, so red can check

    withdrawn, second = hub.register_party_key("blue", None)
    assert withdrawn.public_key is None and hub.party_key("blue").public_key is None
    assert orjson.loads(second.content)["public_key"] is None


def test_a_malformed_key_is_refused(hub: Hub) -> None:
    hub.add_party("blue")
    with pytest.raises(InvalidInput, match="public_key: expected base64"):
        hub.register_party_key("blue", "not a key")
