"""Every integer parameter is bounded: a number too large for the store or for a JSON reader
gets a clear 422 (or, on the stream, the close code 4422), never a 500 or a broken body."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.websockets import WebSocketDisconnect

from deconfliction.api.params import MAX_SEQ
from tests.conftest import Deployment
from tests.scenarios import report

HUGE = [str(2**53), str(2**63), str(2**64 - 1), str(2**64), "99999999999999999999", "-1"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/v1/messages?after={}",
        "/v1/messages?limit={}",
        "/v1/journal?after={}",
        "/v1/journal?limit={}",
        "/v1/alerts?state=closed&limit={}",
        "/v1/me/webhook/deliveries?limit={}",
    ],
)
def test_integers_out_of_range_are_422(
    deploy: Callable[..., Deployment], path: str, value: str
) -> None:
    d = deploy("blue")
    answer = d.client("blue").get(path.format(value))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_input"
    assert error["details"][0]["field"] in ("query.after", "query.limit")


def test_the_largest_sequence_number_is_served(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("a")])
    messages = d.client("blue").get(f"/v1/messages?after={MAX_SEQ}")
    assert messages.status_code == 200
    assert messages.json()["messages"] == []
    journal = d.client("blue").get(f"/v1/journal?after={MAX_SEQ}")
    assert journal.status_code == 200
    assert journal.text.count("\n") == 1  # the header line only


@pytest.mark.parametrize("value", [str(2**63), str(2**64), "-1"])
def test_a_zone_version_out_of_range_is_422(deploy: Callable[..., Deployment], value: str) -> None:
    d = deploy("blue")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
        "properties": {"rule": "no_entry", "radius_m": 1000},
    }
    answer = d.client("blue").put(f"/v1/zones/z1?if_version={value}", json=feature)
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("value", [*HUGE, "abc", "1.5", ""])
def test_a_stream_resumed_after_a_bad_sequence_closes_with_4422(
    deploy: Callable[..., Deployment], value: str
) -> None:
    d = deploy("blue")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        d.client("blue").websocket_connect(f"/v1/stream?after={value}") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4422
    assert "after" in closed.value.reason


def test_a_stream_resumed_after_the_largest_sequence_stays_open(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    with d.client("blue").websocket_connect(f"/v1/stream?after={MAX_SEQ}") as ws:
        ws.send_json({"type": "ping"})
    assert d.hub.desks.presence("blue").desks == 0
