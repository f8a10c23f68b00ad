"""The authorization matrix: every route of the served OpenAPI schema, and the stream, with
no credential, another party's token and the admin's, against what one party owns.

Blue owns a track, an alert (with green, its partner), a zone, an operation, a message to
green, an incident and a webhook, each carrying a marker string. Red has no agreement with
anyone: nothing of blue's or green's may reach it, in any answer, and none of its requests
may change them. For objects whose ids the hub makes (alerts, messages, incidents), red
must not even learn that blue's id exists: its answer for blue's id is the answer for an
unknown id. Ids of zones and operations are global by design (a clash is a 409), so there
red learns only that the id is taken.

A route added to the API without a row in ``MATRIX`` fails ``test_every_route_is_covered``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from deconfliction.model import Agreement
from tests.conftest import Deployment
from tests.scenarios import T0, op_volume, report

MARKERS = (
    "bsecret1",
    "gtrack1",
    "bluezonex",
    "blueopx",
    "bluesecrettext",
    "bluesecretnarrative",
    "bluehook",
    '"blue"',
    '"green"',
)


@dataclass
class World:
    d: Deployment
    ids: dict[str, str]

    def path(self, template: str, *, unknown: bool = False) -> str:
        values = {
            "alert_id": "al_0000000000000000000000" if unknown else self.ids["alert"],
            "message_id": "ms_0000000000000000000000" if unknown else self.ids["message"],
            "incident_id": "in_0000000000000000000000" if unknown else self.ids["incident"],
            "zone_id": "bluezonex",
            "operation_id": "blueopx",
            "name": "blue",
            "party_a": "blue",
            "party_b": "green",
        }
        return template.format(**values)


FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
    "properties": {"rule": "no_entry", "radius_m": 1000},
}


@pytest.fixture
def world(deploy: Callable[..., Deployment], monkeypatch: pytest.MonkeyPatch) -> World:
    import deconfliction.hub.webhooks.addresses as webhook_module

    monkeypatch.setattr(webhook_module, "resolve", lambda host, port: ["93.184.216.34"])
    d = deploy("blue", "green", "red")
    d.hub.set_agreement(Agreement("blue", "green"))
    blue, green = d.client("blue"), d.client("green")
    assert blue.post("/v1/reports", json=[report("bsecret1")]).status_code == 200
    assert green.post("/v1/reports", json=[report("gtrack1", lat=48.86)]).status_code == 200
    d.hub.run_cycle()
    [alert] = blue.get("/v1/alerts").json()
    zone = blue.put(
        "/v1/zones/bluezonex",
        json={**FEATURE, "properties": {**FEATURE["properties"], "name": "bluezonex"}},
    )
    assert zone.status_code == 201, zone.text
    operation = blue.put("/v1/operations/blueopx", json={"volumes": [op_volume()]})
    assert operation.status_code == 201, operation.text
    message = blue.post(
        "/v1/messages", json={"to": "green", "channel": "air", "text": "bluesecrettext"}
    )
    assert message.status_code == 201, message.text
    incident = blue.post(
        "/v1/incidents",
        json={
            "kind": "other",
            "start": T0 - 60,
            "end": T0,
            "lat": 48.85,
            "lon": 2.35,
            "narrative": "bluesecretnarrative",
            "tracks": ["bsecret1"],
        },
    )
    assert incident.status_code == 201, incident.text
    hook = blue.put("/v1/me/webhook", json={"url": "https://hooks.example.org/bluehook"})
    assert hook.status_code == 200, hook.text
    ids = {
        "alert": alert["id"],
        "message": message.json()["id"],
        "incident": incident.json()["id"],
    }
    return World(d, ids)


# -- the matrix ---------------------------------------------------------------------------

PUBLIC = "public"  # answers without a credential
PARTY = "party"  # a party's route: the admin token is refused (403)
ADMIN = "admin"  # an admin route: a party's token is refused (403)
BOTH = "both"  # a party (its own view) or the admin (everything)


@dataclass(frozen=True)
class Row:
    who: str
    body: Any = None
    # What red may get with blue's object in the path or the body (None: any answer that
    # leaks nothing, changes nothing and is no 5xx).
    red: tuple[int, ...] | None = None
    # The id is one the hub made: red's answer must not tell it from an unknown one.
    hidden: bool = False


NOT_YOURS = (403, 404, 409)
MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/v1/health"): Row(PUBLIC),
    ("GET", "/v1/version"): Row(PUBLIC),
    ("GET", "/v1/journal/key"): Row(PUBLIC),
    ("GET", "/v1/parties"): Row(BOTH, red=(200,)),
    ("POST", "/v1/parties"): Row(ADMIN, {"name": "mallory"}, red=(403,)),
    ("DELETE", "/v1/parties/{name}"): Row(ADMIN, red=(403,)),
    ("POST", "/v1/parties/{name}/token"): Row(ADMIN, red=(403,)),
    ("GET", "/v1/me"): Row(PARTY, red=(200,)),
    ("GET", "/v1/agreements"): Row(BOTH, red=(200,)),
    ("PUT", "/v1/agreements"): Row(
        ADMIN, {"parties": ["red", "blue"], "share_tracks": True}, red=(403,)
    ),
    ("DELETE", "/v1/agreements/{party_a}/{party_b}"): Row(ADMIN, red=(403,)),
    ("GET", "/v1/me/key"): Row(PARTY, red=(200,)),
    ("PUT", "/v1/me/key"): Row(PARTY, {"public_key": None}, red=(200,)),
    ("POST", "/v1/reports"): Row(PARTY, [report("r1")], red=(200,)),
    ("GET", "/v1/tracks"): Row(PARTY, red=(200,)),
    ("GET", "/v1/alerts"): Row(PARTY, red=(200,)),
    ("GET", "/v1/alerts/{alert_id}"): Row(PARTY, red=(404,), hidden=True),
    ("POST", "/v1/alerts/{alert_id}/ack"): Row(PARTY, red=(404,), hidden=True),
    ("PUT", "/v1/operations/{operation_id}"): Row(PARTY, {"volumes": [op_volume()]}, red=(409,)),
    ("GET", "/v1/operations/{operation_id}"): Row(PARTY, red=(404,)),
    ("DELETE", "/v1/operations/{operation_id}"): Row(PARTY, red=NOT_YOURS),
    ("GET", "/v1/operations"): Row(PARTY, red=(200,)),
    ("POST", "/v1/operations/{operation_id}/activate"): Row(PARTY, red=NOT_YOURS),
    ("POST", "/v1/operations/{operation_id}/end"): Row(PARTY, red=NOT_YOURS),
    ("POST", "/v1/messages"): Row(
        PARTY, {"to": "blue", "channel": "air", "text": "hello"}, red=(403,)
    ),
    ("GET", "/v1/messages"): Row(PARTY, red=(200,)),
    ("GET", "/v1/messages/{message_id}"): Row(PARTY, red=(404,), hidden=True),
    ("POST", "/v1/messages/{message_id}/ack"): Row(PARTY, red=(404,), hidden=True),
    ("GET", "/v1/hotline/stats"): Row(BOTH, red=(200,)),
    ("GET", "/v1/hotline/crossings"): Row(PARTY, red=(200,)),
    ("GET", "/v1/presence"): Row(BOTH, red=(200,)),
    ("GET", "/v1/me/webhook"): Row(PARTY, red=(404,)),
    ("PUT", "/v1/me/webhook"): Row(PARTY, {"url": "https://hooks.example.org/red"}, red=(200,)),
    ("DELETE", "/v1/me/webhook"): Row(PARTY, red=(204, 404)),
    ("GET", "/v1/me/webhook/deliveries"): Row(PARTY, red=(200,)),
    ("GET", "/v1/incidents"): Row(BOTH, red=(200,)),
    ("POST", "/v1/incidents"): Row(
        PARTY,
        {
            "kind": "other",
            "start": T0 - 60,
            "end": T0,
            "lat": 48.85,
            "lon": 2.35,
            "narrative": "red saw something",
            "tracks": [{"party": "blue", "track": "bsecret1"}],
        },
        red=(403, 404, 422),
    ),
    ("GET", "/v1/incidents/{incident_id}"): Row(BOTH, red=(404,), hidden=True),
    ("POST", "/v1/incidents/{incident_id}/accounts"): Row(
        PARTY, {"narrative": "not mine"}, red=(404,), hidden=True
    ),
    ("POST", "/v1/incidents/{incident_id}/state"): Row(
        BOTH, {"state": "closed"}, red=(404,), hidden=True
    ),
    ("GET", "/v1/incidents/{incident_id}/report"): Row(BOTH, red=(404,), hidden=True),
    ("GET", "/v1/journal"): Row(BOTH, red=(200,)),
    ("POST", "/v1/journal/checkpoints"): Row(BOTH, red=(200,)),
    ("GET", "/v1/zones"): Row(BOTH, red=(200,)),
    ("GET", "/v1/zones/{zone_id}"): Row(BOTH, red=(404,)),
    ("PUT", "/v1/zones/{zone_id}"): Row(PARTY, FEATURE, red=(409,)),
    ("DELETE", "/v1/zones/{zone_id}"): Row(PARTY, red=NOT_YOURS),
    ("POST", "/v1/zones/{zone_id}/ack"): Row(PARTY, red=NOT_YOURS),
}


def served_routes(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def test_every_route_is_covered(deploy: Callable[..., Deployment]) -> None:
    served = served_routes(deploy().app_client)
    assert sorted(served - MATRIX.keys()) == [], "routes without a row in MATRIX"
    assert sorted(MATRIX.keys() - served) == [], "rows in MATRIX for routes that are gone"


def _request(client: TestClient, method: str, path: str, body: Any) -> Any:
    if body is None:
        return client.request(method, path)
    return client.request(
        method, path, content=orjson.dumps(body), headers={"content-type": "application/json"}
    )


def _leaks(text: str, sent: str) -> list[str]:
    """Markers of blue's and green's objects in ``text`` that red did not send itself."""
    return [m for m in MARKERS if m in text and m not in sent]


ROUTES = sorted(MATRIX)


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_no_credential(world: World, method: str, template: str) -> None:
    row = MATRIX[(method, template)]
    answer = _request(world.d.app_client, method, world.path(template), row.body)
    if row.who == PUBLIC:
        assert answer.status_code == 200
        assert _leaks(answer.text, "") == []
    else:
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["type"] == "authentication_failed"


def blue_view(d: Deployment) -> dict[str, Any]:
    """Everything blue (and green, its partner) can see of their objects: it must not
    change while red probes."""
    blue, green = d.client("blue"), d.client("green")
    view = {
        path: blue.get(path).json()
        for path in (
            "/v1/tracks",
            "/v1/alerts?state=all",
            "/v1/zones?state=all",
            "/v1/operations?state=all",
            "/v1/messages",
            "/v1/incidents",
            "/v1/me/webhook",
            "/v1/agreements",
            "/v1/me",
        )
    }
    view["green alerts"] = green.get("/v1/alerts?state=all").json()
    view["green messages"] = green.get("/v1/messages").json()
    return view


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_another_partys_token(world: World, method: str, template: str) -> None:
    row = MATRIX[(method, template)]
    before = blue_view(world.d)
    red = world.d.client("red")
    path = world.path(template)
    answer = _request(red, method, path, row.body)
    sent = path + orjson.dumps(row.body).decode()
    assert answer.status_code < 500, answer.text
    if row.red is not None:
        assert answer.status_code in row.red, answer.text
    assert _leaks(answer.text, sent) == []
    if row.hidden:  # blue's id answers exactly as an id that does not exist
        other = world.path(template, unknown=True)
        unknown = _request(red, method, other, row.body)
        blue_id, unknown_id = path.split("/")[3], other.split("/")[3]
        assert unknown.status_code == answer.status_code
        assert answer.text.replace(blue_id, "ID") == unknown.text.replace(unknown_id, "ID")
    assert blue_view(world.d) == before


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_the_admin_token(world: World, method: str, template: str) -> None:
    row = MATRIX[(method, template)]
    answer = _request(world.d.client("admin"), method, world.path(template), row.body)
    assert answer.status_code < 500, answer.text
    if row.who == PARTY:
        assert answer.status_code == 403, answer.text
    else:
        assert answer.status_code != 403, answer.text


def test_the_stream(world: World) -> None:
    d = world.d
    with (
        pytest.raises(WebSocketDisconnect) as anonymous,
        d.app_client.websocket_connect("/v1/stream?after=0") as ws,
    ):
        ws.receive_text()
    assert anonymous.value.code == 4401
    with (
        pytest.raises(WebSocketDisconnect) as admin,
        d.client("admin").websocket_connect("/v1/stream?after=0") as ws,
    ):
        ws.receive_text()
    assert admin.value.code == 4403
    # Red's stream from the start, then one event of its own to know the backlog is over.
    with d.client("red").websocket_connect("/v1/stream?after=0") as ws:
        d.client("red").post("/v1/reports", json=[report("r1")])
        seen = []
        while True:
            event = ws.receive_text()
            seen.append(event)
            if '"reports.accepted"' in event:
                break
    assert all(_leaks(event, "") == [] for event in seen), seen


def test_the_markers_are_real(world: World) -> None:
    """Blue and green see every marker in their own views: their absence from red's
    answers means something."""
    text = orjson.dumps(blue_view(world.d)).decode()
    assert [m for m in MARKERS if m not in text] == []
