from collections.abc import Callable
from typing import Any

import orjson
import pytest

from deconfliction.settings import Settings
from tests.conftest import Deployment
from tests.scenarios import T0, report


def post(deployment: Deployment, party: str, items: Any, **kwargs: Any) -> Any:
    return deployment.client(party).post("/v1/reports", json=items, **kwargs)


def test_accepted_duplicates_and_receipt(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    response = post(d, "blue", [report("a"), report("b")])
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 0, [])
    assert body["receipt"]["seq"] > 0 and len(body["receipt"]["hash"]) == 64
    again = post(d, "blue", [report("a")]).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"lat": 90.5}, "lat 90.5 is out of range [-90, 90]"),
        ({"lon": 181}, "lon 181 is out of range [-180, 180]"),
        ({"gs_mps": -3}, "gs_mps must not be negative, got -3"),
        ({"domain": "space"}, "unknown domain 'space'; use one of air, ground, sea"),
        (
            {"time": T0 + 120},
            "time 2026-11-23T10:02:00Z is 120 s in the future; "
            "at most 60 s ahead of the hub's clock is accepted",
        ),
    ],
)
def test_each_rejection_has_its_index_and_reason(
    deploy: Callable[..., Deployment], changes: dict[str, Any], reason: str
) -> None:
    d = deploy("blue")
    response = post(d, "blue", [report("ok"), report("bad", **changes)])
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 1, "reason": reason}]


@pytest.mark.parametrize(
    ("field", "token", "shown"),
    [
        ("alt_m", "NaN", "nan"),
        ("gs_mps", "Infinity", "inf"),
        ("lat", "-Infinity", "-inf"),
        ("lon", "1e999", "inf"),
    ],
)
def test_nan_and_infinite_values(
    deploy: Callable[..., Deployment], field: str, token: str, shown: str
) -> None:
    """JSON has no NaN or infinity, but encoders write them (Python's json does): such an
    item is rejected with a reason while the rest of the batch is stored."""
    d = deploy("blue")
    body = orjson.dumps([report("ok"), report("x", **{field: 0.0})]).replace(
        f'"{field}":0.0'.encode(), f'"{field}":{token}'.encode()
    )
    response = d.client("blue").post(
        "/v1/reports", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"] == [
        {"index": 1, "reason": f"{field} must be a finite number, got {shown}"}
    ]


def test_all_rejected_is_422_with_the_same_shape(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    response = post(d, "blue", [report(lat=100)])
    assert response.status_code == 422
    assert response.json()["rejected"][0]["index"] == 0


def test_malformed_json_names_the_position(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    body = b'[{"track": "a",\n  "time": 1, "lat": 4x}]'
    response = d.client("blue").post(
        "/v1/reports", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "malformed_payload"
    assert "line 2, column" in error["message"]


def test_ndjson_one_report_per_line(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    lines = b"\n".join(orjson.dumps(r) for r in (report("a"), report("b")))
    response = d.client("blue").post(
        "/v1/reports", content=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert response.json()["accepted"] == 2
    broken = lines + b'\n{"track": '
    response = d.client("blue").post(
        "/v1/reports", content=broken, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 400
    assert "line 3 of the NDJSON body is not valid JSON" in response.json()["error"]["message"]


def test_too_many_items_is_413_with_the_limit(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", settings=Settings(max_batch_items=3))
    response = post(d, "blue", [report(f"t{i}") for i in range(4)])
    assert response.status_code == 413
    assert "the limit is 3 per request" in response.json()["error"]["message"]


def test_too_many_bytes_is_413_with_the_limit(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", settings=Settings(max_batch_bytes=1000))
    response = post(d, "blue", [report(f"t{i}") for i in range(20)])
    assert response.status_code == 413
    assert "larger than the limit of 1000 bytes" in response.json()["error"]["message"]


def test_no_or_bad_token_is_401(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    response = d.app_client.post("/v1/reports", json=[report()])
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"]["message"]
    response = d.app_client.post(
        "/v1/reports", json=[report()], headers={"Authorization": "Bearer dcf_nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "the token is unknown or has been revoked"


def test_the_admin_has_no_tracks(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    response = post(d, "admin", [report()])
    assert response.status_code == 403


def test_body_must_be_an_array_or_object(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    response = post(d, "blue", "hello")
    assert response.status_code == 400
    assert "must be a JSON array of reports" in response.json()["error"]["message"]


def test_a_selected_altitude_is_accepted_and_journalled(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    items = [report("a", selected_alt_m=3600.0), report("b")]
    body = post(d, "blue", items).json()
    assert (body["accepted"], body["rejected"]) == (2, [])
    history = d.hub.tracks_at("blue", T0)
    assert [(r.track, r.selected_alt_m) for r in history] == [("a", 3600.0), ("b", None)]
    bad = post(d, "blue", [report("c", selected_alt_m="FL120")]).json()
    assert bad["rejected"] == [
        {"index": 0, "reason": "selected_alt_m must be a number, got 'FL120'"}
    ]
