"""Incidents over HTTP: the quickstart near miss replayed through the hub, visibility,
accounts, review and the HTML report."""

from __future__ import annotations

import base64
import csv
import gzip
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deconfliction.api import create_app
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore
from deconfliction.units import format_time, parse_time
from tests.conftest import Deployment
from tests.scenarios import (
    CROSSING_TIMES,
    NEAR_MISS_A,
    NEAR_MISS_B,
    NEAR_MISS_END_S,
    NEAR_MISS_FILE,
    NEAR_MISS_START_S,
    T0,
    crossing_report,
)

MEAN_EARTH_RADIUS_M = 6_371_008.8
REPLAY_MARGIN_S = 300.0  # replay this much of the recording either side of the window


def read_rows(path: Path, wanted: set[tuple[str, str]], start_s: float, end_s: float) -> list:
    """The recorded reports of the ``wanted`` (party, track) between the times, in order."""
    rows = []
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            time_s = float(row["time"])
            if (row["party"], row["track"]) in wanted and start_s <= time_s <= end_s:
                rows.append(row)
    return sorted(rows, key=lambda r: float(r["time"]))


def as_report(row: dict[str, str]) -> dict[str, Any]:
    return {
        "track": row["track"],
        "time": float(row["time"]),
        "lat": float(row["lat"]),
        "lon": float(row["lon"]),
        "alt_m": float(row["alt_m"]),
        "gs_mps": float(row["gs_mps"]),
        "course_deg": float(row["course_deg"]),
        "vs_mps": float(row["vs_mps"]),
    }


def closest_by_brute_force(rows: list, a: tuple[str, str], b: tuple[str, str]) -> tuple:
    """Independently of the hub: sample both paths every 0.05 s over the window (linear in
    time), measure on a sphere (haversine), take the least horizontal distance."""

    def column(track: tuple[str, str], name: str) -> np.ndarray:
        return np.array([float(r[name]) for r in rows if (r["party"], r["track"]) == track])

    times = np.arange(NEAR_MISS_START_S, NEAR_MISS_END_S, 0.05)
    at = {
        track: [
            np.interp(times, column(track, "time"), column(track, n))
            for n in ("lat", "lon", "alt_m")
        ]
        for track in (a, b)
    }
    (lat1, lon1, alt1), (lat2, lon2, alt2) = at[a], at[b]
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    horizontal = 2 * MEAN_EARTH_RADIUS_M * np.arcsin(np.sqrt(h))
    i = int(np.argmin(horizontal))
    return times[i], horizontal[i], abs(alt1[i] - alt2[i])


def test_a_near_miss_replayed_through_the_hub_is_measured(
    shared_data: Path, tmp_path: Path
) -> None:
    rows = read_rows(
        shared_data / NEAR_MISS_FILE,
        {NEAR_MISS_A, NEAR_MISS_B},
        NEAR_MISS_START_S - REPLAY_MARGIN_S,
        NEAR_MISS_END_S + REPLAY_MARGIN_S,
    )
    clock = ManualClock(float(rows[0]["time"]))
    hub = Hub(Settings(), SQLiteStore(tmp_path / "replay.db"), clock=clock)
    client = Deployment(hub, clock, _test_client(hub))
    client.tokens["admin"] = hub.issue_admin_token() or ""
    for party in (NEAR_MISS_A[0], NEAR_MISS_B[0]):
        client.tokens[party] = hub.add_party(party)[1]
    # The two aircraft report as they flew: the hub's clock at each report's time.
    for row in rows:
        clock.set(float(row["time"]))
        answer = client.client(row["party"]).post("/v1/reports", json=[as_report(row)])
        assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
    # AFR may name BAW's aircraft: the two airlines share their pictures.
    client.client("admin").put(
        "/v1/agreements", json={"parties": ["AFR", "BAW"], "share_tracks": True}
    )
    clock.advance(3600)

    response = client.client("AFR").post(
        "/v1/incidents",
        json={
            "kind": "unsafe_air_encounter",
            "start": format_time(NEAR_MISS_START_S),
            "end": format_time(NEAR_MISS_END_S),
            "lat": 49.27,
            "lon": 2.41,
            "narrative": "TCAS traffic advisory climbing out: crossing traffic 300 m above.",
            "tracks": [NEAR_MISS_A[1], {"party": NEAR_MISS_B[0], "track": NEAR_MISS_B[1]}],
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    [encounter] = body["evidence"]["encounters"]
    approach = encounter["closest_approach"]
    time_s, horizontal_m, vertical_m = closest_by_brute_force(rows, NEAR_MISS_A, NEAR_MISS_B)
    assert parse_time(approach["time"]) == pytest.approx(time_s, abs=0.5)
    assert approach["horizontal_m"] == pytest.approx(horizontal_m, rel=0.005)  # sphere vs WGS84
    assert approach["vertical_m"] == pytest.approx(vertical_m, abs=5.0)
    assert approach["min_ratio"] < 1.0
    assert [p["reports"] for p in body["evidence"]["paths"]] == [
        sum(
            1
            for r in rows
            if (r["party"], r["track"]) == track
            and NEAR_MISS_START_S <= float(r["time"]) <= NEAR_MISS_END_S
        )
        for track in (NEAR_MISS_A, NEAR_MISS_B)
    ]
    seen_by_baw = client.client("BAW").get(f"/v1/incidents/{body['id']}").json()
    assert seen_by_baw["evidence"]["encounters"] == body["evidence"]["encounters"]
    hub.close()


def _test_client(hub: Hub) -> TestClient:
    return TestClient(create_app(hub, run_cycle=False))


@pytest.fixture
def filed(deploy: Callable[..., Deployment]) -> tuple[Deployment, dict[str, Any]]:
    """Blue and red crossed (they share pictures); blue filed an incident naming both."""
    d = deploy("blue", "red", "green")
    for time_s in CROSSING_TIMES:
        d.clock.set(time_s)
        d.client("blue").post("/v1/reports", json=[crossing_report("blue", time_s)])
        d.client("red").post("/v1/reports", json=[crossing_report("red", time_s)])
    d.client("admin").put("/v1/agreements", json={"parties": ["blue", "red"], "share_tracks": True})
    d.clock.set(T0 + 300)
    response = d.client("blue").post(
        "/v1/incidents",
        json={
            "kind": "unsafe_air_encounter",
            "start": format_time(T0),
            "end": format_time(T0 + 200),
            "lat": 48.0,
            "lon": 2.0,
            "narrative": "Crossing traffic <b>300 m</b> above us",
            "tracks": ["b1", {"party": "red", "track": "r1"}],
        },
    )
    assert response.status_code == 201, response.text
    return d, response.json()


def test_the_answer_has_the_incident_its_evidence_and_a_receipt(filed) -> None:
    d, body = filed
    assert body["reporter"] == "blue" and body["state"] == "open"
    assert body["tracks"] == [{"party": "blue", "track": "b1"}, {"party": "red", "track": "r1"}]
    assert [t["basis"] for t in body["evidence"]["tracks"]] == ["own", "agreement"]
    entries = {e.seq: e for e in d.hub._store.journal_entries()}
    assert entries[body["receipt"]["seq"]].kind == "incident.reported"


def test_only_the_parties_involved_see_it(filed) -> None:
    d, body = filed
    path = f"/v1/incidents/{body['id']}"
    assert d.client("red").get(path).status_code == 200
    assert d.client("admin").get(path).status_code == 200
    assert d.client("green").get(path).status_code == 404
    assert d.client("green").get(path + "/report").status_code == 404
    assert d.client("green").post(path + "/accounts", json={"narrative": "x"}).status_code == 404
    assert d.client("green").get("/v1/incidents").json() == []
    assert [i["id"] for i in d.client("red").get("/v1/incidents").json()] == [body["id"]]


def test_accounts_and_review_over_http(filed) -> None:
    d, body = filed
    path = f"/v1/incidents/{body['id']}"

    added = d.client("red").post(path + "/accounts", json={"narrative": "We held 3,300 m."})

    assert added.status_code == 201
    assert added.json()["accounts"][0]["party"] == "red" and added.json()["receipt"]
    assert d.client("blue").post(path + "/accounts", json={"narrative": "x"}).status_code == 403
    assert d.client("red").post(path + "/state", json={"state": "closed"}).status_code == 403
    moved = d.client("blue").post(path + "/state", json={"state": "under_review"})
    assert moved.status_code == 200 and moved.json()["state"] == "under_review"
    assert d.client("admin").post(path + "/state", json={"state": "closed"}).status_code == 200
    again = d.client("blue").post(path + "/state", json={"state": "under_review"})
    assert again.status_code == 409
    assert d.client("blue").post(path + "/state", json={"state": "lost"}).status_code == 422


def test_a_bad_incident_is_refused_naming_the_field(filed) -> None:
    d, _ = filed
    response = d.client("blue").post(
        "/v1/incidents",
        json={
            "kind": "other",
            "start": format_time(T0 + 100),
            "end": format_time(T0),
            "lat": 48.0,
            "lon": 2.0,
            "narrative": "backwards",
        },
    )
    assert response.status_code == 422
    assert "end is before start" in response.json()["error"]["message"]


def test_the_report_is_one_html_page_with_the_plot(filed) -> None:
    d, body = filed

    response = d.client("red").get(f"/v1/incidents/{body['id']}/report")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Crossing traffic &lt;b&gt;300 m&lt;/b&gt; above us" in page  # escaped
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1)).startswith(b"\x89PNG\r\n\x1a\n")
