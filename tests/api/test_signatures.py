"""Party signatures: once a party registered a key its writes must be signed; the hub checks
the signature, journals it, and the journal's verification checks it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from deconfliction.journal.entries import party_signature_in
from deconfliction.journal.signing import SIGNATURE_HEADER, public_key_b64, sign_submission
from deconfliction.journal.source import verify_source
from deconfliction.settings import Settings
from tests.conftest import Deployment
from tests.scenarios import T0, report


def signed_post(
    client: TestClient,
    key: Ed25519PrivateKey,
    party: str,
    path: str,
    value: Any,
    *,
    sign_as: bytes | None = None,
) -> Any:
    body = orjson.dumps(value)
    signature = sign_submission(key, party, "POST", path, body if sign_as is None else sign_as)
    headers = {"content-type": "application/json", SIGNATURE_HEADER: signature}
    return client.post(path, content=body, headers=headers)


@pytest.fixture
def keyed(deploy: Callable[..., Deployment]) -> tuple[Deployment, Ed25519PrivateKey]:
    d = deploy("blue", "red")
    key = Ed25519PrivateKey.generate()
    response = d.client("blue").put("/v1/me/key", json={"public_key": public_key_b64(key)})
    assert response.status_code == 200, response.text
    assert response.json()["receipt"]["seq"] > 0
    return d, key


def test_a_signed_submission_is_accepted_journalled_and_verifies(keyed) -> None:
    d, key = keyed

    response = signed_post(d.client("blue"), key, "blue", "/v1/reports", [report("a")])

    assert response.status_code == 200, response.text
    seq = response.json()["receipt"]["seq"]
    [entry] = [e for e in d.hub._store.journal_entries() if e.seq == seq]
    carried = party_signature_in(entry)
    assert carried is not None
    assert (carried.method, carried.path) == ("POST", "/v1/reports")
    assert carried.body == orjson.dumps([report("a")])
    verified = verify_source(d.hub.journal.source())
    assert verified.ok and verified.party_signatures == 1
    assert d.hub.tracks_for("blue")[0].track == "a"


def test_a_missing_signature_is_refused_with_a_plain_message(keyed) -> None:
    d, _ = keyed

    response = d.client("blue").post("/v1/reports", json=[report("a")])

    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert SIGNATURE_HEADER in message and "'blue'" in message
    assert d.hub.tracks_for("blue") == []


@pytest.mark.parametrize(
    "forgery",
    ["another key", "another body", "another path", "not base64"],
)
def test_a_forged_signature_is_refused(keyed, forgery: str) -> None:
    d, key = keyed
    client = d.client("blue")
    items = [report("a")]
    if forgery == "another key":
        response = signed_post(client, Ed25519PrivateKey.generate(), "blue", "/v1/reports", items)
    elif forgery == "another body":
        response = signed_post(
            client, key, "blue", "/v1/reports", items, sign_as=orjson.dumps([report("b")])
        )
    elif forgery == "another path":
        body = orjson.dumps(items)
        signature = sign_submission(key, "blue", "POST", "/v1/incidents", body)
        response = client.post(
            "/v1/reports",
            content=body,
            headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
        )
    else:
        response = client.post(
            "/v1/reports", json=items, headers={SIGNATURE_HEADER: "%%%not-a-signature"}
        )

    assert response.status_code == 401
    assert "does not hold a valid signature by party 'blue'" in response.json()["error"]["message"]
    assert d.hub.tracks_for("blue") == []


def test_reads_other_parties_and_the_key_registration_need_no_signature(keyed) -> None:
    d, _ = keyed
    assert d.client("blue").get("/v1/tracks").status_code == 200
    assert d.client("red").post("/v1/reports", json=[report("r")]).status_code == 200
    assert d.client("blue").post("/v1/reports", json=[report("a")]).status_code == 401

    withdrawn = d.client("blue").put("/v1/me/key", json={"public_key": None})

    assert withdrawn.status_code == 200 and withdrawn.json()["public_key"] is None
    assert d.client("blue").get("/v1/me/key").json()["key_id"] is None
    assert d.client("blue").post("/v1/reports", json=[report("a")]).status_code == 200


def test_the_query_string_is_part_of_what_is_signed(keyed) -> None:
    d, key = keyed
    path = "/v1/zones/z1?if_version=0"
    body = orjson.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
            "properties": {"rule": "no_entry", "radius_m": 1000},
        }
    )
    client = d.client("blue")
    client.headers["content-type"] = "application/json"
    unsigned_query = sign_submission(key, "blue", "PUT", "/v1/zones/z1", body)
    refused = client.put(path, content=body, headers={SIGNATURE_HEADER: unsigned_query})
    assert refused.status_code == 401
    signature = sign_submission(key, "blue", "PUT", path, body)
    assert client.put(path, content=body, headers={SIGNATURE_HEADER: signature}).status_code == 201


def test_a_signed_incident_carries_the_signature_in_its_entry(keyed) -> None:
    d, key = keyed
    signed_post(d.client("blue"), key, "blue", "/v1/reports", [report("a")])
    d.clock.advance(60)
    item = {
        "kind": "other",
        "start": T0 - 60,
        "end": T0 + 30,
        "lat": 48.85,
        "lon": 2.35,
        "narrative": "Laser illumination from the ground",
        "tracks": ["a"],
    }

    response = signed_post(d.client("blue"), key, "blue", "/v1/incidents", item)

    assert response.status_code == 201, response.text
    seq = response.json()["receipt"]["seq"]
    [entry] = [e for e in d.hub._store.journal_entries() if e.seq == seq]
    assert entry.kind == "incident.reported"
    assert party_signature_in(entry).path == "/v1/incidents"
    assert verify_source(d.hub.journal.source()).party_signatures == 2


def test_a_signed_body_over_the_limit_is_refused_before_it_is_read_whole(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", settings=Settings(max_batch_bytes=1000))
    key = Ed25519PrivateKey.generate()
    d.client("blue").put("/v1/me/key", json={"public_key": public_key_b64(key)})

    response = signed_post(d.client("blue"), key, "blue", "/v1/reports", [report("a")] * 20)

    assert response.status_code == 413
