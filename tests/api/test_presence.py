"""Presence: a party's desks (stream connections) and heartbeats, seen by its partners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deconfliction.model import Agreement
from tests.conftest import Deployment
from tests.scenarios import report


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    deployment = deploy("blue", "red", "green")
    deployment.hub.set_agreement(Agreement("blue", "red"))
    return deployment


def presence(d: Deployment, party: str) -> dict[str, dict[str, Any]]:
    response = d.client(party).get("/v1/presence")
    assert response.status_code == 200
    return {row["party"]: row for row in response.json()}


def test_partners_see_whether_anyone_is_listening(d: Deployment) -> None:
    seen = presence(d, "blue")
    assert set(seen) == {"blue", "red"}  # not green: no agreement
    assert seen["red"] == {
        "party": "red",
        "connected": False,
        "desks": 0,
        "connected_since": None,
        "last_heartbeat": None,
        "last_disconnect": None,
        "webhook": False,
    }
    d.client("red").post("/v1/reports", json=[report("r1")])
    with d.client("red").websocket_connect("/v1/stream?after=0") as one:
        one.receive_json()  # the desk is registered before the backlog is sent
        d.clock.advance(5)
        with d.client("red").websocket_connect("/v1/stream?after=0") as two:
            two.receive_json()
            red = presence(d, "blue")["red"]
            assert (red["connected"], red["desks"]) == (True, 2)
            assert red["connected_since"] == "2026-11-23T10:00:00Z"
            assert red["last_heartbeat"] == "2026-11-23T10:00:05Z"
    d.clock.advance(5)
    red = presence(d, "blue")["red"]
    assert (red["connected"], red["desks"]) == (False, 0)
    assert red["last_disconnect"] is not None
    assert set(presence(d, "green")) == {"green"}


def test_every_frame_a_desk_sends_is_a_heartbeat(d: Deployment) -> None:
    handle = d.hub.desks.connected("red")
    d.clock.advance(30)
    d.hub.desks.heard("red")
    red = presence(d, "blue")["red"]
    assert red["connected_since"] == "2026-11-23T10:00:00Z"
    assert red["last_heartbeat"] == "2026-11-23T10:00:30Z"
    d.hub.desks.disconnected("red", handle)
    d.hub.desks.disconnected("red", handle)  # twice changes nothing
    assert presence(d, "blue")["red"]["desks"] == 0


def test_a_frame_on_the_stream_is_a_heartbeat(d: Deployment) -> None:
    red = d.client("red")
    with red.websocket_connect("/v1/stream") as ws:
        d.clock.advance(30)
        ws.send_json({"type": "ping"})
        # The ping is in the socket before the report is posted, so the desk has read it
        # by the time the report's event comes back.
        red.post("/v1/reports", json=[report("r1", time=d.clock.now())])
        assert ws.receive_json()["kind"] == "reports.accepted"
        seen = presence(d, "blue")["red"]
        assert seen["last_heartbeat"] == "2026-11-23T10:00:30Z"
        assert seen["desks"] == 1


def test_a_webhook_shows_in_presence(d: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    import deconfliction.hub.webhooks.addresses as webhook_module

    # The hub resolves a webhook's host (public addresses only); the tests have no DNS.
    monkeypatch.setattr(webhook_module, "resolve", lambda host, port: ["93.184.216.34"])
    answer = d.client("red").put("/v1/me/webhook", json={"url": "https://hooks.example.org/red"})
    assert answer.status_code == 200, answer.text
    assert presence(d, "blue")["red"]["webhook"] is True


def test_the_admin_sees_every_partys_presence(d: Deployment) -> None:
    with d.client("green").websocket_connect("/v1/stream"):
        seen = presence(d, "admin")
        assert set(seen) == {"blue", "red", "green"}
        assert seen["green"]["desks"] == 1 and seen["blue"]["desks"] == 0
