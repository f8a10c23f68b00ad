from collections.abc import Callable

from tests.conftest import Deployment
from tests.scenarios import report


def test_admin_adds_a_party_whose_token_works(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    response = d.client("admin").post("/v1/parties", json={"name": "blue", "language": "ru"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "blue" and body["language"] == "ru"
    client = d.app_client
    client.headers["Authorization"] = f"Bearer {body['token']}"
    assert client.post("/v1/reports", json=[report()]).json()["accepted"] == 1
    assert client.get("/v1/me").json()["name"] == "blue"


def test_only_the_admin_manages_parties(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    response = d.client("blue").post("/v1/parties", json={"name": "red"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "this needs the admin token"


def test_party_input_errors(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    admin = d.client("admin")
    assert admin.post("/v1/parties", json={"name": "blue"}).status_code == 409
    bad = admin.post("/v1/parties", json={"name": "a b"})
    assert bad.status_code == 422 and "is not allowed" in bad.json()["error"]["message"]
    tz = admin.post("/v1/parties", json={"name": "c", "timezone": "Mars/Olympus"})
    assert "unknown time zone 'Mars/Olympus'" in tz.json()["error"]["message"]
    missing = admin.post("/v1/parties", json={})
    assert missing.status_code == 422 and missing.json()["error"]["message"].startswith("name")


def test_revoke_and_rotate(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    admin = d.client("admin")
    token = admin.post("/v1/parties/red/token").json()["token"]
    assert d.client("red").get("/v1/me").status_code == 401
    d.tokens["red"] = token
    assert d.client("red").get("/v1/me").status_code == 200
    assert admin.delete("/v1/parties/blue").json()["revoked"] is not None
    assert d.client("blue").get("/v1/me").status_code == 401
    names = [p["name"] for p in admin.get("/v1/parties").json()]
    assert names == ["blue", "red"]
    assert [p["name"] for p in d.client("red").get("/v1/parties").json()] == ["red"]


def test_agreements(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    admin = d.client("admin")
    body = {
        "parties": ["red", "blue"],
        "minima": {"air": {"horizontal_m": 18520, "vertical_m": 609.6, "lookahead_s": 600}},
    }
    saved = admin.put("/v1/agreements", json=body).json()
    assert saved["parties"] == ["blue", "red"]
    assert d.client("red").get("/v1/agreements").json() == [saved]
    assert admin.delete("/v1/agreements/blue/red").status_code == 204
    assert admin.delete("/v1/agreements/blue/red").status_code == 404
    unknown = admin.put("/v1/agreements", json={"parties": ["blue", "nobody"]})
    assert unknown.status_code == 404
