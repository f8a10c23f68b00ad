"""The registry of parties and agreements, changed by another process (the CLI) while a hub
runs: refusals read the registry again, views answer from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import PermissionDenied
from deconfliction.hub import Hub, MessageRequest
from deconfliction.hub.parties import registry as parties
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore


@pytest.fixture
def frozen_monotonic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No time passes for the registry's recheck: only a refusal can make it read again."""
    now = parties.time.monotonic()
    monkeypatch.setattr(parties.time, "monotonic", lambda: now)


def _cli(db_path: Path, clock: ManualClock, hub_key: Ed25519PrivateKey) -> Hub:
    return Hub(Settings(), SQLiteStore(db_path), clock=clock, key=hub_key)


def test_an_agreement_set_by_another_process_allows_a_message_at_once(
    db_path: Path, clock: ManualClock, hub_key: Ed25519PrivateKey, frozen_monotonic: None
) -> None:
    running = _cli(db_path, clock, hub_key)
    running.add_party("blue")
    running.add_party("red")
    request = MessageRequest(to="red", channel="air", priority="flash", text="climbing to FL120")
    with pytest.raises(PermissionDenied, match="no agreement"):
        running.hotline.send("blue", request)
    cli = _cli(db_path, clock, hub_key)
    cli.set_agreement(Agreement("blue", "red"))
    cli.close()
    message = running.hotline.send("blue", request)  # no cycle, no recheck in between
    assert (message.sender, message.recipient) == ("blue", "red")
    assert running.agreement("red", "blue") == Agreement("blue", "red")
    running.close()


def test_a_refusal_reads_the_registry_and_a_view_does_not(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, frozen_monotonic: None
) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    hub.add_party("green")
    hub.set_agreement(Agreement("blue", "red", share_tracks=True))
    reads: list[str] = []
    get_meta = hub._store.get_meta
    monkeypatch.setattr(hub._store, "get_meta", lambda key: reads.append(key) or get_meta(key))
    assert hub._parties.agreement("blue", "red") is not None
    assert hub._parties.shares_tracks("blue", "red")
    assert not hub._parties.shares_tracks("blue", "green")
    assert not hub._parties.shares_operations("blue", "green")
    assert reads == []  # hits and views: from the cache
    assert hub._parties.agreement("blue", "green") is None
    assert reads == [parties.REGISTRY_VERSION]  # a refusal: read once more
