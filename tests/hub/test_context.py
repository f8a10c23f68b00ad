"""What a request carries into the hub's writes: its signature, and the entries it wrote."""

from __future__ import annotations

import orjson
import pytest

from deconfliction.hub import Hub
from deconfliction.hub.unit import SignedRequest, recording, signed_request


def failing_write(hub: Hub, party: str) -> None:
    """A write that journals an entry for ``party`` and then fails (rolled back)."""
    with hub.write() as unit:
        unit.journal(party, "note", {})
        raise RuntimeError("the write fails")


SIGNED = {"algorithm": "ed25519", "method": "POST", "path": "/v1/x", "body": "{}", "signature": "s"}


def test_the_signature_goes_into_the_first_entry_of_the_signer_only(hub: Hub) -> None:
    request = SignedRequest("blue", SIGNED)
    with signed_request(request), hub.write() as unit:
        unit.journal("red", "note", {"n": 1})
        first = unit.journal("blue", "note", {"n": 2})
        second = unit.journal("blue", "note", {"n": 3})
    assert orjson.loads(first.content)["party_signature"] == SIGNED
    assert b"party_signature" not in second.content
    assert request.journalled_seq == first.seq
    with hub.write() as unit:  # outside the request: nothing attached
        assert b"party_signature" not in unit.journal("blue", "note", {"n": 4}).content


def test_a_rolled_back_write_leaves_the_signature_for_the_next(hub: Hub) -> None:
    request = SignedRequest("blue", SIGNED)
    with signed_request(request):
        with pytest.raises(RuntimeError):
            failing_write(hub, "blue")
        assert request.journalled_seq is None
        with hub.write() as unit:
            entry = unit.journal("blue", "note", {"n": 2})
    assert b"party_signature" in entry.content


def test_recording_collects_what_was_committed(hub: Hub) -> None:
    with recording() as written:
        hub.add_party("blue")
        with pytest.raises(RuntimeError):
            failing_write(hub, "blue")
        hub.submit_reports("blue", [])  # nothing written
    assert [e.kind for e in written.entries] == ["party.added"]
    assert written.first("blue") is None and written.first().kind == "party.added"
