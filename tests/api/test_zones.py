"""Zones over HTTP: the Euphrates scenario end to end, validation errors, ids, versions,
acknowledgements, withdrawal, and what a party a zone is not shared with can see."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from deconfliction.clock import ManualClock
from deconfliction.settings import Settings
from tests.conftest import Deployment
from tests.detect.hand import distance_to_line_m, first_within_m
from tests.scenarios import (
    CONVOY_SPEED_MPS,
    EUPHRATES_BUFFER_M,
    EUPHRATES_LINE,
    EUPHRATES_ZONES,
    GROUND_LOOKAHEAD_S,
    ZONE_PARTIES,
    ZONES_NOW_S,
    euphrates_convoy_start,
    protected_site,
)

LINE = EUPHRATES_ZONES["features"][0]
CIRCLE = EUPHRATES_ZONES["features"][1]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ZONES_NOW_S)


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    return deploy(*ZONE_PARTIES)


def put(d: Deployment, party: str, feature: dict[str, Any], **params: Any) -> Any:
    return d.client(party).put(f"/v1/zones/{feature['id']}", json=feature, params=params)


def events_until(ws: Any, kind: str) -> list[dict[str, Any]]:
    """Events read from a stream up to the first of ``kind``."""
    events = []
    while True:
        event = ws.receive_json()
        events.append(event)
        if event["kind"] == kind:
            return events


def reports(start: tuple[float, float], course: float) -> list[dict[str, Any]]:
    """West's convoy heading for the line, and an aircraft on the same path above the band."""
    common = {"time": ZONES_NOW_S, "lat": start[1], "lon": start[0], "course_deg": course}
    return [
        {**common, "track": "convoy-7", "gs_mps": CONVOY_SPEED_MPS, "domain": "ground"},
        {**common, "track": "high-1", "gs_mps": 200.0, "alt_m": 6000.0, "domain": "air"},
    ]


def test_euphrates_line_a_convoy_is_warned_and_an_aircraft_above_the_band_is_not(
    d: Deployment,
) -> None:
    for feature in EUPHRATES_ZONES["features"]:
        assert put(d, "east", feature).status_code == 201
    start, course = euphrates_convoy_start()
    # By hand: how far along its geodesic the convoy first comes within 5 km of the line.
    reach = first_within_m(
        lambda lon, lat: distance_to_line_m(lon, lat, EUPHRATES_LINE),
        EUPHRATES_BUFFER_M,
        *start,
        course,
        CONVOY_SPEED_MPS * GROUND_LOOKAHEAD_S,
    )
    assert reach is not None
    expected_s = reach / CONVOY_SPEED_MPS
    with (
        d.client("east").websocket_connect("/v1/stream") as east_ws,
        d.client("west").websocket_connect("/v1/stream") as west_ws,
    ):
        answer = d.client("west").post("/v1/reports", json=reports(start, course))
        assert answer.json()["accepted"] == 2
        d.hub.tick()
        east = events_until(east_ws, "alert.opened")[-1]["data"]
        west = events_until(west_ws, "alert.opened")[-1]["data"]
    assert east["conflict"] == west["conflict"]
    assert east["kind"] == west["kind"] == "track_zone"
    for alert in (east, west):
        assert alert["geometry"]["time_to_entry_s"] == pytest.approx(expected_s, abs=1.0)
        assert alert["now"]["t_in_s"] == pytest.approx(expected_s, abs=1.0)
    assert east["own"]["zone"]["id"] == "euphrates-line"
    assert east["other"]["party"] == "west"
    assert "convoy-7" not in json.dumps(east)
    assert west["own"]["track"] == "convoy-7"
    assert west["other"]["zone"]["alt_upper_m"] == 3000.0
    # One alert each: the aircraft at 6,000 m crosses above the band.
    for party in ("east", "west"):
        alerts = d.client(party).get("/v1/alerts").json()
        assert [a["kind"] for a in alerts] == ["track_zone"]
    assert "high-1" not in json.dumps(d.client("west").get("/v1/alerts").json())


def feature(changes: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    """The circle with property changes (None removes one) and top-level ``changes``."""
    out = copy.deepcopy(CIRCLE)
    out["properties"].update(props)
    out["properties"] = {k: v for k, v in out["properties"].items() if v is not None}
    out.update(changes or {})
    return out


BOWTIE = {"type": "Polygon", "coordinates": [[[38, 33], [39, 34], [39, 33], [38, 34], [38, 33]]]}
OPEN_RING = {"type": "Polygon", "coordinates": [[[38, 33], [39, 34], [39, 33], [38, 33.5]]]}
REFUSED = [
    (feature({"type": "Polygon"}), 'a zone must be a GeoJSON Feature (with "type": "Feature")'),
    (feature(rule=None), "zone 'southern-circle': the property \"rule\" is missing"),
    (feature(rule="closed"), "unknown rule 'closed'; use one of no_entry"),
    (feature(rule="owner_only"), "rule 'owner_only' is written 'no_entry'"),
    (feature(valid_untill="2024-01-01T00:00:00Z"), "unknown property 'valid_untill'; did you"),
    (feature(alt_upper_m="high"), "alt_upper_m must be a number of metres, got 'high'"),
    (feature(alt_lower_m=500, alt_upper_m=100), "alt_upper_m (100 m) must be above alt_lower_m"),
    (feature(valid_from="2024-12-01T00:00:00Z"), "valid_to (2024-11-01T00:00:00Z) is before"),
    (feature(valid_to="tomorrow"), "valid_to: 'tomorrow' is neither unix seconds nor"),
    (feature(valid_to="2023-11-02T00:00:00Z"), "valid_to (2023-11-02T00:00:00Z) has already"),
    (feature(rule="protected", valid_to=None), "a protected zone needs valid_to"),
    (feature(shared_with="west"), 'shared_with must be "all" or a list of party names'),
    (feature(shared_with=["wset"]), "shared_with names 'wset', which is not a party of this"),
    (feature(radius_m=None), "a Point needs radius_m (or buffer_m) greater than 0 metres"),
    (feature(radius_m=-5), "radius_m is -5.0; a radius is a distance of 0 metres or more"),
    (feature({"geometry": None}), "zone 'southern-circle': the feature has no geometry"),
    (feature({"geometry": {"type": "Point", "coordinates": [33.5, 95.0]}}), "latitude 95.0"),
    (feature({"geometry": BOWTIE}), "radius_m applies to Point geometries only"),
    (feature({"geometry": BOWTIE}, radius_m=None), "ring 1 of polygon 1 self-intersects near"),
    (feature({"geometry": OPEN_RING}, radius_m=None), "ring 1 of polygon 1 is not closed"),
    (
        feature(
            {"geometry": {"type": "LineString", "coordinates": [[38, 33], [39, 34]]}}, radius_m=None
        ),
        "a LineString needs buffer_m greater than 0 metres",
    ),
    (
        feature({"geometry": {"type": "Point", "coordinates": [0.0, 89.9]}}),
        "reaches the North Pole",
    ),
    (feature({"id": "other-id"}), "zone 'southern-circle': the feature's id is 'other-id'"),
]


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_every_refused_feature_gets_422_naming_it_and_the_problem(
    d: Deployment, body: dict[str, Any], message: str
) -> None:
    answer = d.client("east").put("/v1/zones/southern-circle", json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["type"] == "invalid_input"
    assert message in error["message"]
    assert error["details"] == [{"id": "southern-circle", "reason": error["message"]}]
    assert d.client("east").get("/v1/zones").json()["features"] == []


def test_the_limits_are_the_settings(deploy: Callable[..., Deployment]) -> None:
    d = deploy("east", "west", settings=Settings(zone_max_vertices=3, zone_max_area_m2=1e9))
    line = put(d, "east", LINE).json()["error"]
    assert line["message"] == (
        "zone 'euphrates-line': the geometry has 4 positions, more than the limit of 3; "
        "simplify it or split it into several objects"
    )
    circle = put(d, "east", CIRCLE).json()["error"]
    assert circle["message"].startswith("zone 'southern-circle': its area is 9,50")
    assert circle["message"].endswith(
        "more than the limit of 1,000 km²; split it into smaller objects"
    )


def test_bad_json_is_400_and_an_id_of_another_party_is_409(d: Deployment) -> None:
    bad = d.client("east").put(
        "/v1/zones/x", content=b'{"type": "Feature",', headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    assert put(d, "east", LINE).status_code == 201
    taken = put(d, "west", LINE)
    assert taken.status_code == 409
    assert taken.json()["error"] == {
        "type": "already_exists",
        "message": "zone id 'euphrates-line' is taken; choose another (a UUID avoids clashes)",
    }
    assert "east" not in taken.text


def test_get_put_back_and_versions(d: Deployment) -> None:
    created = put(d, "east", LINE)
    assert created.status_code == 201
    status = created.json()["deconfliction"]
    assert (status["owner"], status["version"], status["state"]) == ("east", 1, "active")
    assert status["receipt"]["seq"] > 0
    read = d.client("east").get("/v1/zones/euphrates-line").json()
    assert read["properties"] == LINE["properties"]
    same = d.client("east").put("/v1/zones/euphrates-line", json=read)  # the hub member is ignored
    assert same.status_code == 200 and same.json()["deconfliction"]["version"] == 1
    read["properties"]["name"] = "renamed"
    stale = d.client("east").put("/v1/zones/euphrates-line", json=read, params={"if_version": 0})
    assert stale.status_code == 409 and stale.json()["error"]["type"] == "version_mismatch"
    changed = d.client("east").put("/v1/zones/euphrates-line", json=read, params={"if_version": 1})
    assert changed.status_code == 200 and changed.json()["deconfliction"]["version"] == 2
    seen = d.client("west").get("/v1/zones/euphrates-line").json()
    assert "shared_with" not in seen["properties"]
    assert seen["properties"]["name"] == "renamed"


def test_acknowledging_a_protected_zone(d: Deployment) -> None:
    assert put(d, "aid", protected_site()).status_code == 201
    acked = d.client("west").post("/v1/zones/clinic/ack")
    assert acked.status_code == 200
    assert acked.json()["deconfliction"]["acknowledged"] == "2023-11-14T22:13:20Z"
    assert acked.json()["deconfliction"]["receipt"]["seq"] > 0
    owner = d.client("aid").get("/v1/zones/clinic").json()["deconfliction"]
    assert owner["acknowledgements"] == [{"party": "west", "time": "2023-11-14T22:13:20Z"}]
    assert owner["pending"] == ["east"]
    assert d.client("aid").post("/v1/zones/clinic/ack").status_code == 403
    assert d.client("other").post("/v1/zones/clinic/ack").status_code == 404
    put(d, "east", LINE)
    not_protected = d.client("west").post("/v1/zones/euphrates-line/ack")
    assert not_protected.status_code == 409


def test_withdrawing_a_zone(d: Deployment) -> None:
    put(d, "east", LINE)
    assert d.client("west").delete("/v1/zones/euphrates-line").status_code == 403
    gone = d.client("east").delete("/v1/zones/euphrates-line")
    assert gone.status_code == 200
    assert gone.json()["deconfliction"]["state"] == "withdrawn"
    assert d.client("east").delete("/v1/zones/euphrates-line").status_code == 409
    assert d.client("west").get("/v1/zones").json()["features"] == []
    listed = d.client("west").get("/v1/zones", params={"state": "all"}).json()["features"]
    assert [f["deconfliction"]["state"] for f in listed] == ["withdrawn"]
    admin = d.client("admin").get("/v1/zones", params={"state": "all"}).json()["features"]
    assert admin[0]["properties"]["shared_with"] == ["west"]


def test_a_party_a_zone_is_not_shared_with_cannot_see_it_anywhere(d: Deployment) -> None:
    put(d, "east", LINE)  # shared with west
    put(d, "east", CIRCLE)  # shared with all
    put(d, "aid", protected_site())  # shared with east and west; on the line: advice
    start, course = euphrates_convoy_start()
    d.client("west").post("/v1/reports", json=reports(start, course)[:1])
    d.client("other").post(
        "/v1/reports",
        json=[{"track": "o1", "time": ZONES_NOW_S, "lat": 33.5, "lon": 39.5, "domain": "ground"}],
    )
    d.hub.tick()
    d.clock.advance(3600)  # past the acknowledgement deadline: the hub chases east and west
    d.hub.tick()
    incident = {
        "kind": "zone_violation",
        "start": ZONES_NOW_S,
        "end": ZONES_NOW_S + 600,
        "lat": 35.6,
        "lon": 39.5,
        "narrative": "Convoy approached the line",
    }
    filed = d.client("west").post("/v1/incidents", json={**incident, "tracks": ["convoy-7"]})
    assert filed.status_code == 201
    zones_in_evidence = {z["name"] for z in filed.json()["evidence"]["zones"]}
    assert zones_in_evidence == {"euphrates-line", "southern-circle", "clinic"}
    d.client("other").post("/v1/incidents", json={**incident, "tracks": ["o1"]})

    other = d.client("other")
    hidden = ("euphrates-line", "clinic")
    seen = {
        "zones": other.get("/v1/zones", params={"state": "all"}).text,
        "alerts": other.get("/v1/alerts", params={"state": "all"}).text,
        "messages": other.get("/v1/messages").text,
        "incidents": other.get("/v1/incidents").text,
        "journal": other.get("/v1/journal").text,
    }
    with other.websocket_connect("/v1/stream?after=0") as ws:
        last = d.hub.last_event_seq("other")
        stream = [ws.receive_json() for _ in range(last)]
    seen["stream"] = json.dumps(stream)
    for where, text in seen.items():
        for zone_id in hidden:
            assert zone_id not in text, f"{zone_id} seen by other in {where}"
    assert [f["id"] for f in other.get("/v1/zones").json()["features"]] == ["southern-circle"]
    for zone_id in hidden:
        assert other.get(f"/v1/zones/{zone_id}").status_code == 404
        assert other.delete(f"/v1/zones/{zone_id}").status_code == 404
    [other_incident] = other.get("/v1/incidents").json()
    assert [z["name"] for z in other_incident["evidence"]["zones"]] == ["southern-circle"]

    # The advisory names only the overlap to aid, which the line is not shared with.
    [advice] = d.client("aid").get("/v1/alerts").json()
    assert advice["kind"] == "zone_zone" and advice["other"]["zone"] is None
    assert "euphrates-line" not in json.dumps(advice)
    assert "euphrates-line" not in d.client("aid").get("/v1/messages").text
