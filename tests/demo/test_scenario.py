"""The Euphrates scenario's geometry does what its timeline says, checked with the hub's own
detector (no hub): the two transports lose separation and no other pair conflicts."""

from __future__ import annotations

import pytest

from deconfliction.demo import scenario as s
from deconfliction.detect import MinimaTable, detect_conflicts
from deconfliction.detect.snapshot import Snapshot


def _snapshot(t_s: float) -> Snapshot:
    rows = [m.report(t_s, t_s) for m in s.MOVERS]
    return Snapshot.from_columns(
        t_s,
        party=[m.party for m in s.MOVERS],
        track=[r["track"] for r in rows],
        lat=[r["lat"] for r in rows],
        lon=[r["lon"] for r in rows],
        alt_m=[r["alt_m"] for r in rows],
        gs_mps=[r["gs_mps"] for r in rows],
        course_deg=[r["course_deg"] for r in rows],
        domain=[r["domain"] for r in rows],
    )


@pytest.mark.parametrize("t_s", [0.0, 30.0, 60.0, 90.0, 110.0, 140.0])
def test_only_the_two_transports_conflict(t_s: float) -> None:
    pairs = {(c.track_a, c.track_b) for c in detect_conflicts(_snapshot(t_s), MinimaTable())}
    expected = {("COAL21", "FED14")} if t_s <= 100 else set()
    assert {tuple(sorted(p)) for p in pairs} == expected


def test_the_pair_is_predicted_at_the_start_and_loses_separation_by_the_encounter() -> None:
    [start] = detect_conflicts(_snapshot(0.0), MinimaTable())
    assert 30 < start.t_in_s < 60  # predicted from the first report: loss within a minute
    assert start.d_cpa_m < 2500 and abs(start.dz_cpa_m) == pytest.approx(150)
    [during] = detect_conflicts(_snapshot(s.ENCOUNTER_AT_S), MinimaTable())
    assert during.t_in_s == 0


def test_a_mover_on_an_orbit_keeps_its_radius() -> None:
    tanker = next(m for m in s.MOVERS if m.orbit_m)
    for t_s in (0.0, 100.0, 400.0):
        r = tanker.report(t_s, t_s)
        back = s.destination(r["lat"], r["lon"], r["course_deg"] + 90.0, tanker.orbit_m or 0)
        assert back == pytest.approx(tanker.anchor, abs=1e-3)
