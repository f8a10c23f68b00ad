"""The edge of the API: authentication before any body is read, a size limit on every body,
the content types each route takes, bounded JSON nesting, one shape for every error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from deconfliction.settings import Settings
from tests.conftest import Deployment
from tests.scenarios import report

CHUNK = 64 * 1024


@dataclass
class Sent:
    """What the app sent back, and how much of the body it asked for."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    consumed: int = 0


def call(
    d: Deployment,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body_bytes: int,
    declare_length: bool = False,
) -> Sent:
    """Call the ASGI app directly with a body of ``body_bytes`` streamed in chunks, counting
    the bytes the app actually pulls with ``receive``."""
    sent = Sent()
    remaining = body_bytes
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare_length:
        raw.append((b"content-length", str(body_bytes).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal remaining
        if remaining <= 0:
            await asyncio.sleep(3600)  # a client that sends nothing more
        size = min(CHUNK, remaining)
        remaining -= size
        sent.consumed += size
        return {"type": "http.request", "body": b"[" * size, "more_body": remaining > 0}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    asyncio.run(asyncio.wait_for(d.app_client.app(scope, receive, send), 30))
    return sent


HUGE = 400 * 1024 * 1024  # never produced: the app must stop long before


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/incidents", "/v1/reports", "/v1/parties"])
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_body_without_a_valid_token_is_refused_unread(
    deploy: Callable[..., Deployment], path: str, token: str | None
) -> None:
    d = deploy("blue")
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    sent = call(d, "POST", path, headers=headers, body_bytes=HUGE)
    assert sent.status == 401
    assert sent.consumed == 0
    assert sent.headers["www-authenticate"] == "Bearer"
    assert b'"type":"authentication_failed"' in sent.body


def test_a_declared_length_over_the_limit_is_413_unread(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", settings=Settings(max_body_bytes=10_000))
    headers = {"content-type": "application/json", "authorization": f"Bearer {d.tokens['blue']}"}
    sent = call(d, "POST", "/v1/messages", headers=headers, body_bytes=HUGE, declare_length=True)
    assert sent.status == 413
    assert sent.consumed == 0
    assert b"max_body_bytes" in sent.body


def test_a_streamed_body_over_the_limit_is_413_reading_no_further(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", settings=Settings(max_body_bytes=100_000))
    headers = {"content-type": "application/json", "authorization": f"Bearer {d.tokens['blue']}"}
    sent = call(d, "POST", "/v1/messages", headers=headers, body_bytes=HUGE)
    assert sent.status == 413
    assert sent.consumed <= 100_000 + CHUNK


def test_reports_zones_and_operations_take_the_batch_limit(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", settings=Settings(max_body_bytes=1000, max_batch_bytes=200_000))
    blue = d.client("blue")
    batch = [report(f"t{i}") for i in range(100)]  # ~ 12 kB
    assert blue.post("/v1/reports", json=batch).status_code == 200
    text = "x" * 2000
    refused = blue.post("/v1/messages", json={"to": "red", "channel": "air", "text": text})
    assert refused.status_code == 413
    assert refused.json()["error"]["type"] == "payload_too_large"
    headers = {"authorization": f"Bearer {d.tokens['blue']}", "content-type": "application/json"}
    sent = call(d, "PUT", "/v1/zones/z1", headers=headers, body_bytes=300_000)
    assert sent.status == 413
    assert b"max_batch_bytes" in sent.body


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/xml", "application/x-www-form-urlencoded", "text/json"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/messages"),
        ("POST", "/v1/reports"),
        ("PUT", "/v1/zones/z1"),
        ("PUT", "/v1/operations/op1"),
        ("PUT", "/v1/me/webhook"),
    ],
)
def test_a_body_of_a_type_the_route_does_not_take_is_415(
    deploy: Callable[..., Deployment], content_type: str | None, method: str, path: str
) -> None:
    d = deploy("blue")
    headers = {} if content_type is None else {"content-type": content_type}
    answer = d.client("blue").request(method, path, content=b"{}", headers=headers)
    assert answer.status_code == 415
    error = answer.json()["error"]
    assert error["type"] == "unsupported_media_type"
    assert "application/json" in error["message"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/reports", "application/json; charset=utf-8"),
        ("/v1/reports", "application/x-ndjson"),
        ("/v1/reports", "application/vnd.deconfliction+json"),
    ],
)
def test_json_its_suffix_and_ndjson_are_taken(
    deploy: Callable[..., Deployment], path: str, content_type: str
) -> None:
    import orjson

    d = deploy("blue")
    body = orjson.dumps(report("a"))
    answer = d.client("blue").post(path, content=body, headers={"content-type": content_type})
    assert answer.status_code == 200, answer.text


def test_geo_json_is_taken_for_zones(deploy: Callable[..., Deployment]) -> None:
    import orjson

    d = deploy("blue")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
        "properties": {"rule": "no_entry", "radius_m": 1000},
    }
    answer = d.client("blue").put(
        "/v1/zones/z1",
        content=orjson.dumps(feature),
        headers={"content-type": "application/geo+json"},
    )
    assert answer.status_code == 201, answer.text


def test_ndjson_is_not_taken_where_one_json_document_is_read(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    answer = d.client("blue").post(
        "/v1/messages", content=b"{}", headers={"content-type": "application/x-ndjson"}
    )
    assert answer.status_code == 415


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/reports"),
        ("PUT", "/v1/zones/z1"),
        ("POST", "/v1/messages"),
        ("POST", "/v1/incidents"),
        ("PUT", "/v1/operations/op1"),
    ],
)
@pytest.mark.parametrize("depth", [100_000, 1_000, 200])
def test_deeply_nested_json_is_400(
    deploy: Callable[..., Deployment], method: str, path: str, depth: int
) -> None:
    d = deploy("blue")
    client = d.client("blue")
    client.headers["content-type"] = "application/json"
    answer = client.request(method, path, content=b"[" * depth + b"]" * depth)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "malformed_payload"
    assert "levels deep" in error["message"]


def test_nesting_inside_strings_does_not_count(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    text = "[" * 500 + '\\"{' * 100
    answer = d.client("blue").post(
        "/v1/messages", json={"to": "red", "channel": "air", "text": text}
    )
    assert answer.status_code == 403  # no agreement; the body itself was read fine


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/v1/nothing-here", 404, "not_found"),
        ("DELETE", "/v1/messages", 405, "method_not_allowed"),
        ("PATCH", "/v1/tracks", 405, "method_not_allowed"),
    ],
)
def test_the_frameworks_own_errors_have_the_documented_shape(
    deploy: Callable[..., Deployment], method: str, path: str, status: int, kind: str
) -> None:
    d = deploy("blue")
    answer = d.client("blue").request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == kind
    assert body["error"]["message"]


def test_a_body_the_framework_cannot_parse_is_400_in_the_documented_shape(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    answer = d.client("blue").post(
        "/v1/messages", content=b'{"to": ', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "malformed_payload"


def test_routes_without_a_credential_still_answer(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    anonymous = d.app_client
    assert anonymous.get("/v1/version").status_code == 200
    assert anonymous.get("/v1/journal/key").status_code == 200
    assert anonymous.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "path", ["/v1/alerts?stat=closed", "/v1/messages?after=0&x=1", "/v1/tracks?debug=1"]
)
def test_an_unknown_query_parameter_is_422(deploy: Callable[..., Deployment], path: str) -> None:
    d = deploy("blue")
    answer = d.client("blue").get(path)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["type"] == "invalid_input"
    assert "unknown query parameter" in error["message"]


def test_known_query_parameters_pass(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    assert d.client("blue").get("/v1/alerts?state=closed&limit=5").status_code == 200
