from collections.abc import Callable

from deconfliction.units import format_time
from tests.conftest import Deployment
from tests.scenarios import T0, report


def test_own_tracks_only(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    d.client("blue").post("/v1/reports", json=[report("b1")])
    d.client("red").post("/v1/reports", json=[report("r1")])
    blue = d.client("blue").get("/v1/tracks").json()["tracks"]
    red = d.client("red").get("/v1/tracks").json()["tracks"]
    assert [(t["party"], t["track"]) for t in blue] == [("blue", "b1")]
    assert [(t["party"], t["track"]) for t in red] == [("red", "r1")]


def test_shared_picture_after_an_agreement(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red", "green")
    d.client("red").post("/v1/reports", json=[report("r1")])
    d.client("admin").put("/v1/agreements", json={"parties": ["blue", "red"], "share_tracks": True})
    blue = d.client("blue").get("/v1/tracks").json()["tracks"]
    green = d.client("green").get("/v1/tracks").json()["tracks"]
    assert [t["track"] for t in blue] == ["r1"]
    assert green == []


def test_age_and_staleness(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("b1")])
    d.clock.advance(31)
    [track] = d.client("blue").get("/v1/tracks").json()["tracks"]
    assert track["age_s"] == 31.0 and track["stale"] is True
    assert track["time"] == "2026-11-23T10:00:00Z"


def _picture(d: Deployment, party: str, query: str) -> list[tuple[str, str, float]]:
    answer = d.client(party).get(f"/v1/tracks?{query}")
    assert answer.status_code == 200, answer.text
    return [(t["party"], t["track"], t["lon"]) for t in answer.json()["tracks"]]


def test_the_picture_back_in_time_under_the_same_visibility_rule(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", "red", "green")
    d.client("admin").put("/v1/agreements", json={"parties": ["blue", "red"], "share_tracks": True})
    for second in range(0, 40, 10):  # every 10 s, each party's track moves east
        d.clock.set(T0 + second)
        for party in ("blue", "red", "green"):
            item = report(f"{party[0]}1", time=T0 + second, lon=2.0 + second / 100)
            assert d.client(party).post("/v1/reports", json=[item]).status_code == 200
    d.clock.set(T0 + 600)
    at = format_time(T0 + 15)
    # the latest report at or before `at` of each track blue may see: its own and red's
    assert _picture(d, "blue", f"at={at}") == [("blue", "b1", 2.1), ("red", "r1", 2.1)]
    assert _picture(d, "green", f"at={T0 + 25}") == [("green", "g1", 2.2)]
    # red never agreed to see green's picture, nor green blue's
    assert [p for p, _, _ in _picture(d, "red", f"at={at}")] == ["blue", "red"]
    # before the first report, and after the tracks went stale: nothing
    assert _picture(d, "blue", f"at={T0 - 1}") == []
    assert _picture(d, "blue", f"at={T0 + 30 + 31}") == []
    # an agreement that ends hides the other party's past too
    d.client("admin").delete("/v1/agreements/blue/red")
    assert _picture(d, "blue", f"at={at}") == [("blue", "b1", 2.1)]


def test_a_past_picture_keeps_the_age_then(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("b1")])
    d.clock.advance(300)
    answer = d.client("blue").get(f"/v1/tracks?at={T0 + 5}").json()
    assert answer["time"] == "2026-11-23T10:00:05Z"
    assert [(t["age_s"], t["stale"]) for t in answer["tracks"]] == [(5.0, False)]


def test_columns_carry_the_same_tracks(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    d.client("blue").post("/v1/reports", json=[report("b1"), report("b2", lat=49.0)])
    d.client("red").post("/v1/reports", json=[report("r1")])
    columns = d.client("blue").get("/v1/tracks?format=columns").json()
    objects = d.client("blue").get("/v1/tracks").json()["tracks"]
    assert columns["count"] == 2
    for name in ("party", "track", "lat", "lon", "alt_m", "course_deg", "domain", "stale"):
        assert columns[name] == [t[name] for t in objects]


def test_a_bad_time_is_refused(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    assert d.client("blue").get("/v1/tracks?at=yesterday").status_code == 422


def test_geojson_points_for_a_map(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    d.client("blue").post("/v1/reports", json=[report("b1", lat=49.0, lon=2.5, course_deg=45)])
    d.client("red").post("/v1/reports", json=[report("r1")])
    answer = d.client("blue").get("/v1/tracks?format=geojson")
    assert answer.headers["content-type"] == "application/geo+json"
    [feature] = answer.json()["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.5, 49.0]}
    assert feature["properties"]["track"] == "b1" and feature["properties"]["course_deg"] == 45
    assert feature["properties"]["party"] == "blue" and feature["properties"]["stale"] is False
