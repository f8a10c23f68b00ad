from collections.abc import Callable

from tests.conftest import Deployment
from tests.scenarios import report


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
