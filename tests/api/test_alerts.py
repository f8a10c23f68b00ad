"""Issue 3's walk-through: two parties' aircraft on a collision course through the hub."""

import json
from collections.abc import Callable
from typing import Any

from pyproj import Geod

from tests.conftest import Deployment

WGS84 = Geod(ellps="WGS84")


def fly(d: Deployment, seconds: int) -> None:
    """Blue east and red west at 200 m/s, 45 km apart at the start (a loss 89 s ahead),
    reporting every second and the hub cycling every second; they pass each other after
    112.5 s and separate."""
    start = d.clock.now()
    red_lon, red_lat, _ = WGS84.fwd(5.0, 45.0, 90.0, 45_000)
    for second in range(seconds):
        now = start + second
        d.clock.set(now)
        blue_lon, blue_lat, _ = WGS84.fwd(5.0, 45.0, 90.0, 200.0 * second)
        r_lon, r_lat, _ = WGS84.fwd(red_lon, red_lat, 270.0, 200.0 * second)
        # after passing, red climbs away 1,000 ft above: separated sooner
        d.client("blue").post(
            "/v1/reports",
            json=[
                {
                    "track": "BLUE-JET-1",
                    "time": now,
                    "lat": blue_lat,
                    "lon": blue_lon,
                    "alt_m": 9000.0,
                    "gs_mps": 200.0,
                    "course_deg": 90.0,
                }
            ],
        )
        d.client("red").post(
            "/v1/reports",
            json=[
                {
                    "track": "RED-JET-1",
                    "time": now,
                    "lat": r_lat,
                    "lon": r_lon,
                    "alt_m": 9000.0,
                    "gs_mps": 200.0,
                    "course_deg": 270.0,
                }
            ],
        )
        d.hub.tick()


def alert_events(ws: Any) -> list[dict[str, Any]]:
    events = []
    while True:
        event = ws.receive_json()
        if event["kind"].startswith("alert."):
            events.append(event)
            if event["kind"] in ("alert.resolved", "alert.expired"):
                return events


def test_collision_course_alerts_both_resolves_and_does_not_flicker(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", "red")
    with (
        d.client("blue").websocket_connect("/v1/stream") as blue_ws,
        d.client("red").websocket_connect("/v1/stream") as red_ws,
    ):
        fly(d, 230)  # passing at 112.5 s; 5 NM apart again at ~136 s; + hysteresis
        blue, red = alert_events(blue_ws), alert_events(red_ws)
    for events, own, other, other_track in (
        (blue, "BLUE-JET-1", "red", "RED-JET-1"),
        (red, "RED-JET-1", "blue", "BLUE-JET-1"),
    ):
        kinds = [e["kind"] for e in events]
        assert kinds[0] == "alert.opened" and kinds[-1] == "alert.resolved"
        assert kinds.count("alert.opened") == 1  # no flicker
        assert set(kinds[1:-1]) <= {"alert.updated"}
        opened = events[0]["data"]
        assert opened["own"]["track"] == own
        assert opened["other"]["party"] == other
        assert set(opened["other"]) == {"party", "state"}
        assert other_track not in json.dumps(opened)  # minimal: never the other's track id
        assert abs(opened["geometry"]["t_in_s"] - 89.35) < 1.5  # at the second cycle
        resolved_at = events[-1]["data"]["closed"]
        assert resolved_at > opened["opened"]
    # 5 NM apart again about 136 s in; resolved after the hysteresis, not before
    closed = d.client("blue").get("/v1/alerts", params={"state": "closed"}).json()
    assert [a["state"] for a in closed] == ["resolved"]
    assert d.client("blue").get("/v1/alerts").json() == []


def test_acknowledge_through_the_api(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    fly(d, 2)
    [alert] = d.client("blue").get("/v1/alerts").json()
    assert alert["state"] == "open" and alert["severity"] == "predicted"  # 89 s ahead
    answer = d.client("blue").post(f"/v1/alerts/{alert['id']}/ack")
    assert answer.status_code == 200 and answer.json()["state"] == "acknowledged"
    assert d.client("red").post(f"/v1/alerts/{alert['id']}/ack").status_code == 404
    assert d.client("blue").get(f"/v1/alerts/{alert['id']}").json()["acknowledged"]
