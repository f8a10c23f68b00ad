from collections.abc import Callable

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import Deployment
from tests.scenarios import T0, report


def test_live_events_then_resume_after_a_sequence(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    blue = d.client("blue")
    with blue.websocket_connect("/v1/stream") as ws:
        blue.post("/v1/reports", json=[report("a"), report("b")])
        event = ws.receive_json()
        assert (event["seq"], event["kind"]) == (1, "reports.accepted")
        assert event["data"]["count"] == 2
    # while disconnected, two more batches
    blue.post("/v1/reports", json=[report("a", time=T0 + 1)])
    blue.post("/v1/reports", json=[report("a", time=T0 + 2)])
    with blue.websocket_connect("/v1/stream?after=1") as ws:
        assert [ws.receive_json()["seq"] for _ in range(2)] == [2, 3]
        blue.post("/v1/reports", json=[report("a", time=T0 + 3)])
        assert ws.receive_json()["seq"] == 4


def test_a_party_hears_only_its_own_events(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    with d.client("red").websocket_connect("/v1/stream?after=0") as ws:
        d.client("blue").post("/v1/reports", json=[report("a")])
        d.client("red").post("/v1/reports", json=[report("r")])
        event = ws.receive_json()
        assert event["seq"] == 1 and event["data"]["count"] == 1
    assert d.hub.last_event_seq("red") == 1


def test_bad_token_closes_with_4401(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        d.app_client.websocket_connect("/v1/stream?token=dcf_nope") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4401


def test_token_in_the_query_for_browsers(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("a")])
    with d.app_client.websocket_connect(f"/v1/stream?after=0&token={d.tokens['blue']}") as ws:
        assert ws.receive_json()["seq"] == 1


def test_token_in_a_subprotocol_for_browsers(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("a")])
    offered = ["deconfliction.v1", f"bearer.{d.tokens['blue']}"]
    with d.app_client.websocket_connect("/v1/stream?after=0", subprotocols=offered) as ws:
        assert ws.accepted_subprotocol == "deconfliction.v1"
        assert ws.receive_json()["seq"] == 1


def test_a_bad_token_in_a_subprotocol_closes_with_4401(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        d.app_client.websocket_connect(
            "/v1/stream", subprotocols=["deconfliction.v1", "bearer.dcf_nope"]
        ) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4401
