"""The operations API: filing and replacing with version keys (409), idempotent retries,
state changes, input checks, and that a party learns nothing of another party's plan but
the overlap, through any endpoint or stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import shapely
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import StaleKey
from deconfliction.journal.entries import party_signature_in
from deconfliction.journal.signing import SIGNATURE_HEADER, public_key_b64, sign_submission
from deconfliction.store import Store
from deconfliction.units import format_time
from tests.conftest import Deployment
from tests.scenarios import OP_END, OP_START, T0, box_geojson, op_volume, shifted


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    return deploy("blue", "red")


def put(d: Deployment, party: str, op_id: str, *volumes: dict[str, Any], **fields: Any) -> Any:
    body = {"volumes": list(volumes) or [op_volume()], **fields}
    return d.client(party).put(f"/v1/operations/{op_id}", json=body)


# -- filing, versions and keys --------------------------------------------------------------


def test_file_read_replace_and_list(d: Deployment) -> None:
    created = put(d, "blue", "survey-1", priority=20)
    assert created.status_code == 201, created.text
    version = created.json()["version"]
    assert d.client("blue").get("/v1/operations/survey-1").json()["version"] == version
    replaced = put(d, "blue", "survey-1", shifted(0.001), version=version)
    assert replaced.status_code == 200 and replaced.json()["version"] != version
    assert [o["id"] for o in d.client("blue").get("/v1/operations").json()] == ["survey-1"]
    assert d.client("red").get("/v1/operations").json() == []
    assert d.client("red").get("/v1/operations/survey-1").status_code == 404
    assert d.client("admin").get("/v1/operations").status_code == 403


def test_a_write_omitting_an_overlapping_version_gets_409_naming_it_then_succeeds(
    d: Deployment,
) -> None:
    one = put(d, "blue", "one").json()["version"]
    put(d, "blue", "elsewhere", shifted(1.0))
    refused = put(d, "blue", "two", shifted(0.01))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["type"] == "stale_key"
    assert [(e["id"], e["kind"], e["version"]) for e in error["details"]] == [
        ("one", "operation", one)
    ]
    overlap = error["details"][0]["overlaps"][0]
    assert set(overlap) >= {"footprint", "alt_lower_m", "alt_upper_m", "start", "end"}
    assert d.client("blue").get("/v1/operations/two").status_code == 404  # nothing changed
    retried = put(d, "blue", "two", shifted(0.01), key={"one": one})
    assert retried.status_code == 201, retried.text


def test_a_stale_own_version_is_409_version_mismatch(d: Deployment) -> None:
    put(d, "blue", "one")
    answer = put(d, "blue", "one", version="not-it")
    assert answer.status_code == 409 and answer.json()["error"]["type"] == "version_mismatch"


def test_another_partys_id_is_409_already_exists(d: Deployment) -> None:
    put(d, "blue", "one", priority=61)
    answer = put(d, "red", "one")
    assert answer.status_code == 409 and answer.json()["error"]["type"] == "already_exists"
    assert "blue" not in answer.text and "61" not in answer.text


# -- idempotency ----------------------------------------------------------------------------


def test_a_repeated_write_with_the_same_idempotency_key_is_not_applied_twice(
    d: Deployment,
) -> None:
    blue = d.client("blue")
    body = orjson.dumps({"volumes": [op_volume()], "priority": 5})
    headers = {"Idempotency-Key": "9b2f7c1e", "Content-Type": "application/json"}
    first = blue.put("/v1/operations/op", content=body, headers=headers)
    again = blue.put("/v1/operations/op", content=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    stored = d.hub._store.get_object("operation", "op")
    assert stored is not None and stored.version == 1
    assert [e.kind for e in d.hub.events_after("blue", 0)].count("operation.created") == 1
    other = orjson.dumps({"volumes": [op_volume()], "priority": 6})
    refused = blue.put("/v1/operations/op", content=other, headers=headers)
    assert refused.status_code == 422 and "different request" in refused.json()["error"]["message"]
    cancel = {"Idempotency-Key": "c-1"}
    assert blue.delete("/v1/operations/op", headers=cancel).status_code == 200
    replay = blue.delete("/v1/operations/op", headers=cancel)
    assert replay.status_code == 200 and replay.json()["state"] == "cancelled"
    assert blue.delete("/v1/operations/op").status_code == 409  # without the key: illegal


# -- state changes --------------------------------------------------------------------------


def test_activate_end_and_cancel(d: Deployment) -> None:
    blue = d.client("blue")
    put(d, "blue", "a")
    put(d, "blue", "b", shifted(1.0))
    assert blue.post("/v1/operations/a/activate").json()["state"] == "activated"
    assert blue.post("/v1/operations/a/activate").status_code == 409
    assert blue.post("/v1/operations/a/end").json()["state"] == "ended"
    assert blue.delete("/v1/operations/b").json()["state"] == "cancelled"
    assert blue.get("/v1/operations").json() == []
    states = {o["id"]: o["state"] for o in blue.get("/v1/operations?state=all").json()}
    assert states == {"a": "ended", "b": "cancelled"}
    assert d.client("red").post("/v1/operations/a/end").status_code == 404
    stale = blue.post("/v1/operations/x/activate")
    assert stale.status_code == 404


def test_operations_expire_on_tick(d: Deployment) -> None:
    put(d, "blue", "short", op_volume(end=OP_START + 60))
    d.clock.set(OP_START + 61)
    d.hub.tick()
    assert d.client("blue").get("/v1/operations/short").json()["state"] == "ended"


# -- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volumes", "status", "message"),
    [
        ([], 422, "at least one volume"),
        ([op_volume(start=OP_END, end=OP_START)], 422, "is before start"),
        ([op_volume(start=T0 - 600, end=T0 - 60)], 422, "is in the past"),
        ([op_volume(alt=(300, 100))], 422, "altitude band is inverted"),
        ([op_volume({"type": "Circle", "coordinates": [2, 48]})], 422, "is not supported"),
        ([op_volume(box_geojson(0.0, 45.0, 5.0, 50.0))], 422, "more than the limit"),
        ([op_volume()] * 21, 413, "at most 20 are allowed"),
    ],
)
def test_bad_plans_are_refused_with_a_clear_message(
    d: Deployment, volumes: list[dict[str, Any]], status: int, message: str
) -> None:
    answer = d.client("blue").put("/v1/operations/bad", json={"volumes": volumes})
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]["message"]


# -- signatures -----------------------------------------------------------------------------


def test_a_signed_write_is_journalled_with_its_signature(d: Deployment) -> None:
    key = Ed25519PrivateKey.generate()
    blue = d.client("blue")
    assert blue.put("/v1/me/key", json={"public_key": public_key_b64(key)}).status_code == 200
    body = orjson.dumps({"volumes": [op_volume()]})
    unsigned = blue.put(
        "/v1/operations/op", content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    signature = sign_submission(key, "blue", "PUT", "/v1/operations/op", body)
    headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
    answer = blue.put("/v1/operations/op", content=body, headers=headers)
    assert answer.status_code == 201, answer.text
    (entry,) = [
        e for e in d.hub._store.journal_entries() if e.seq == answer.json()["receipt"]["seq"]
    ]
    carried = party_signature_in(entry)
    assert carried is not None and carried.path == "/v1/operations/op"


# -- nothing but the overlap ----------------------------------------------------------------

RED_BOX = (2.31, 48.79, 2.35, 48.83)  # overlaps blue's square (2.30-2.32, 48.80-48.82)
RED_FAR_BOX = (2.50, 48.90, 2.60, 48.95)
BLUE_BOXES = [(2.30, 48.80, 2.32, 48.82), (2.30, 48.80, 2.32, 48.82)]
RED_ONLY_TIMES = [format_time(t) for t in (T0 - 600, T0 + 7200, T0 + 7260, T0 + 7300, T0 + 18000)]


def walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) in a JSON document, depth first."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)


def positions(document: Any) -> Iterator[tuple[float, float]]:
    """Every lon/lat in a document: GeoJSON coordinates and ``{"lat", "lon"}`` objects."""
    for key, value in walk(document):
        if (
            isinstance(value, dict)
            and isinstance(value.get("lat"), int | float)
            and isinstance(value.get("lon"), int | float)
        ):
            yield float(value["lon"]), float(value["lat"])
        if (
            key == "coordinates"
            and isinstance(value, list)
            and len(value) == 2
            and all(isinstance(x, int | float) for x in value)
        ):
            yield float(value[0]), float(value[1])


def test_a_party_learns_nothing_of_another_partys_plan_beyond_the_overlap(
    d: Deployment,
) -> None:
    red, blue = d.client("red"), d.client("blue")
    secret = {
        "volumes": [
            op_volume(box_geojson(*RED_BOX), start=T0 - 600, end=T0 + 7200, alt=(50, 3000)),
            op_volume(box_geojson(*RED_FAR_BOX), start=T0 + 7260, end=T0 + 18000),
        ],
        "priority": 87,
        "domain": "ground",
    }
    assert red.put("/v1/operations/red-secret", json=secret).status_code == 201
    seen: list[Any] = []
    with blue.websocket_connect("/v1/stream?after=0") as ws:
        first = put(d, "blue", "blue-1", priority=10)
        assert first.status_code == 201
        seen.append(first.json())
        version = first.json()["version"]
        moved = put(d, "blue", "blue-1", op_volume(alt=(0, 100)), version=version, priority=10)
        seen.append(moved.json())
        # Red moves its far volume (not the overlap) and then cancels: blue is told only
        # that the advisory expired.
        far = box_geojson(2.6, 48.9, 2.7, 48.95)
        secret["volumes"][1] = op_volume(far, start=T0 + 7300, end=T0 + 18000)
        secret["version"] = red.get("/v1/operations/red-secret").json()["version"]
        assert red.put("/v1/operations/red-secret", json=secret).status_code == 200
        stream = [ws.receive_json() for _ in range(d.hub.last_event_seq("blue"))]
    seen.append(stream)
    for path in ("/v1/operations", "/v1/operations?state=all", "/v1/alerts", "/v1/messages"):
        seen.append(blue.get(path).json())
    for alert in blue.get("/v1/alerts").json():
        seen.append(blue.get(f"/v1/alerts/{alert['id']}").json())
        seen.append(blue.post(f"/v1/alerts/{alert['id']}/ack").json())
    for refused in (
        blue.get("/v1/operations/red-secret"),
        put(d, "blue", "red-secret"),
        blue.delete("/v1/operations/red-secret"),
        blue.post("/v1/operations/red-secret/activate"),
    ):
        # The refusals echo the id blue asked about, and say nothing else of it.
        assert refused.status_code in (404, 409)
        said = refused.text.replace("red-secret", "ID")
        assert "red" not in said and "87" not in said and "ground" not in said, said
    incident = blue.post(
        "/v1/incidents",
        json={
            "kind": "other",
            "start": format_time(T0 - 60),
            "end": format_time(T0),
            "lat": 48.81,
            "lon": 2.31,
            "narrative": "planning conflict",
        },
    )
    assert incident.status_code == 201, incident.text
    seen.append(incident.json())
    seen.append(blue.get("/v1/journal").text)
    assert red.delete("/v1/operations/red-secret").status_code == 200
    seen.append(blue.get("/v1/alerts?state=all").json())
    seen.append([e.data for e in d.hub.events_after("blue", 0)])

    text = orjson.dumps(seen).decode()
    assert "red-secret" not in text
    for moment in RED_ONLY_TIMES:
        assert moment not in text
    blue_area = shapely.union_all([shapely.box(*b) for b in BLUE_BOXES])
    coordinates = list(positions([s for s in seen if not isinstance(s, str)]))
    assert coordinates  # the overlap itself was shown
    for lon, lat in coordinates:
        assert blue_area.buffer(1e-9).contains(shapely.Point(lon, lat)), (lon, lat)
    for key, value in walk([s for s in seen if not isinstance(s, str)]):
        if key in ("alt_lower_m", "alt_upper_m") and value is not None:
            assert 0 <= value <= 120, (key, value)
        if key == "priority":  # operations' (a number or a relation); messages' are words
            assert value in (10, "higher", "routine", "urgent", "flash"), value
        if key == "domain":
            assert value == "air", value
    # And the advisories said what they should: the overlap, red's name, who resolves.
    advisories = [
        a for a in blue.get("/v1/alerts?state=all").json() if a["kind"] == "operation_operation"
    ]
    assert advisories and all(a["other"]["party"] == "red" for a in advisories)
    assert all(a["resolve_by"] == "blue" for a in advisories)


def test_a_409_lists_a_shared_operation_with_the_overlap_only(d: Deployment) -> None:
    d.client("admin").put(
        "/v1/agreements", json={"parties": ["blue", "red"], "share_operations": True}
    )
    secret = {"volumes": [op_volume(box_geojson(*RED_BOX)), op_volume(box_geojson(*RED_FAR_BOX))]}
    assert d.client("red").put("/v1/operations/red-1", json=secret).status_code == 201
    refused = put(d, "blue", "blue-1")
    assert refused.status_code == 409
    (entry,) = refused.json()["error"]["details"]
    assert entry["id"] == "red-1" and entry["party"] == "red"
    (overlap,) = entry["overlaps"]
    shown = shapely.geometry.shape(overlap["footprint"])
    assert shown.within(shapely.box(*BLUE_BOXES[0]).buffer(1e-9))
    # Shared: blue may read it in full.
    assert d.client("blue").get("/v1/operations/red-1").json()["owner"] == "red"


# -- zones declared through the hub are volumes for operations -------------------------------


def zone_feature(rule: str, shared_with: list[str] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": "depot", "rule": rule, "valid_to": OP_END + 86_400}
    if shared_with is not None:
        properties["shared_with"] = shared_with
    return {
        "type": "Feature",
        "geometry": box_geojson(2.31, 48.81, 2.33, 48.83),
        "properties": properties,
    }


def test_a_declared_zone_must_be_keyed_and_advises_the_planner(d: Deployment) -> None:
    declared = d.client("red").put(
        "/v1/zones/red-depot", json=zone_feature("no_entry", shared_with=["blue"])
    )
    assert declared.status_code in (200, 201), declared.text
    version = str(declared.json()["deconfliction"]["version"])
    refused = put(d, "blue", "survey-1")
    assert refused.status_code == 409
    assert [(e["kind"], e["id"], e["version"]) for e in refused.json()["error"]["details"]] == [
        ("zone", "red-depot", version)
    ]
    filed = put(d, "blue", "survey-1", key={"red-depot": version})
    assert filed.status_code == 201, filed.text
    kinds = {a["kind"] for a in d.client("blue").get("/v1/alerts").json()}
    assert "operation_zone" in kinds


def test_withdrawing_the_zone_takes_it_out_of_the_keys(d: Deployment) -> None:
    d.client("red").put("/v1/zones/red-depot", json=zone_feature("no_entry", ["blue"]))
    assert d.client("red").delete("/v1/zones/red-depot").status_code in (200, 204)
    assert put(d, "blue", "survey-1").status_code == 201


def test_zones_are_indexed_again_after_a_restart(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    from deconfliction.hub import Hub
    from deconfliction.settings import Settings

    first = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    first.add_party("blue")
    first.add_party("red")
    first.zones.put("red", "red-depot", zone_feature("no_entry", ["blue"]))
    first.close()
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    try:
        request = {"volumes": [op_volume()], "priority": 10}
        with pytest.raises(StaleKey):
            again.operations.put("blue", "survey-1", request)
        answer = again.operations.put("blue", "survey-1", {**request, "key": {"red-depot": "1"}})
        assert answer.created
    finally:
        again.close()
