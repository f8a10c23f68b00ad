"""Track–track conflicts of a snapshot: broad and exact phases together, minima, order."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deconfliction.detect.tracks as tracks_module
from deconfliction.detect import MinimaTable, Snapshot, TrackConflict, detect_conflicts
from deconfliction.model.minima import Minima
from tests.detect.encounters import TABLES, cluster, snapshot_of
from tests.detect.reference import all_pairs_conflicts
from tests.scenarios import (
    HEAD_ON,
    HEAD_ON_ANTIMERIDIAN,
    OVER_THE_POLE,
    SAME_POSITION,
    VERTICAL_BOUNDARY,
    TrackRow,
)


def conflicts(
    rows: list[TrackRow], table: MinimaTable | None = None, **kwargs: bool
) -> list[TrackConflict]:
    return list(detect_conflicts(snapshot_of(rows), table or MinimaTable(), **kwargs))


@pytest.fixture(autouse=True, scope="module")
def _always_prune() -> Iterator[None]:
    """Send even small snapshots through the broad phase, which is what these tests test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tracks_module, "_SMALL", 0)
        yield


@settings(max_examples=300, deadline=None)
@given(cluster(max_tracks=150), st.sampled_from(sorted(TABLES)), st.booleans())
def test_same_pairs_and_intervals_as_the_all_pairs_reference(
    snap: Snapshot, table: str, same_party: bool
) -> None:
    minima = TABLES[table]
    found = detect_conflicts(snap, minima, same_party=same_party)
    got = {(c.party_a, c.track_a, c.party_b, c.track_b): (c.t_in_s, c.t_out_s) for c in found}
    assert got == all_pairs_conflicts(snap, minima, same_party=same_party)


@settings(max_examples=100, deadline=None)
@given(cluster(max_tracks=80), st.booleans())
def test_small_snapshots_skip_the_broad_phase_with_the_same_result(
    snap: Snapshot, same_party: bool
) -> None:
    pruned = detect_conflicts(snap, MinimaTable(), same_party=same_party)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tracks_module, "_SMALL", 10**9)
        every_pair = detect_conflicts(snap, MinimaTable(), same_party=same_party)
    assert list(pruned) == list(every_pair)


@settings(max_examples=100, deadline=None)
@given(cluster(max_tracks=80))
def test_rows_are_ordered_by_tracks(snap: Snapshot) -> None:
    rows = list(detect_conflicts(snap, MinimaTable(), same_party=True))
    keys = [(c.track_a, c.party_a, c.track_b, c.party_b) for c in rows]
    assert keys == sorted(keys)
    assert all((c.track_a, c.party_a) < (c.track_b, c.party_b) for c in rows)
    assert all(0.0 <= c.t_in_s < c.t_out_s <= 300.0 and 0.0 <= c.t_cpa_s <= 300.0 for c in rows)


@pytest.mark.parametrize("rows", [HEAD_ON, HEAD_ON_ANTIMERIDIAN, OVER_THE_POLE, SAME_POSITION])
def test_geometry_anywhere_on_earth(rows: list[TrackRow]) -> None:
    (found,) = conflicts(rows)
    assert (found.track_a, found.track_b, found.party_a, found.party_b) == (
        "b1",
        "r1",
        "blue",
        "red",
    )
    assert found.d_cpa_m < 1.0


def test_conflict_fields() -> None:
    (found,) = conflicts(HEAD_ON)
    assert found.t_in_s == pytest.approx(76.85, abs=0.01)
    assert found.t_out_s == pytest.approx(123.15, abs=0.01)
    assert found.t_cpa_s == pytest.approx(100.0, abs=0.01)
    assert found.dz_cpa_m == 0.0


def test_vertical_boundary_is_not_a_conflict() -> None:
    assert conflicts(VERTICAL_BOUNDARY) == []


def test_same_party_pairs_only_when_asked() -> None:
    rows = [(p, t, *rest) for (_, t, *rest), p in zip(HEAD_ON, ["red", "red"], strict=True)]
    assert conflicts(rows) == []
    assert len(conflicts(rows, same_party=True)) == 1


def test_domains_have_their_own_minima() -> None:
    # Two ground vehicles 800 m apart, altitude irrelevant: inside the 1 km ground minimum.
    ground = [
        ("red", "g1", 50.0, 30.0, 0.0, 0.0, 0.0, 0.0),
        ("blue", "g2", 50.0, 30.0112, 900.0, 0.0, 0.0, 0.0),
    ]
    snap = snapshot_of(ground)
    ground_snap = Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["g1", "g2"],
        lat=snap.lat,
        lon=snap.lon,
        alt_m=snap.alt_m,
        gs_mps=snap.gs_mps,
        course_deg=snap.course_deg,
        domain=["ground", "ground"],
    )
    (found,) = detect_conflicts(ground_snap, MinimaTable())
    assert (found.t_in_s, found.t_out_s) == (0.0, 600.0)
    # The same two as aircraft: 900 m apart vertically, no conflict.
    assert len(detect_conflicts(snap, MinimaTable())) == 0
    # An air track over a ground track: not checked by default, checked under an agreement.
    mixed = Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["a1", "g2"],
        lat=[50.0, 50.0],
        lon=[30.0, 30.0],
        alt_m=[100.0, 0.0],
        gs_mps=[50.0, 0.0],
        course_deg=[0.0, 0.0],
        domain=["air", "ground"],
    )
    assert len(detect_conflicts(mixed, MinimaTable())) == 0
    agreed = MinimaTable(agreements={("red", "blue"): {"air-ground": Minima(2000.0, 300.0, 120.0)}})
    (found,) = detect_conflicts(mixed, agreed)
    assert found.t_out_s == pytest.approx(40.0, abs=0.01)


def test_agreement_widens_minima_for_its_parties_only() -> None:
    # Head-on but 600 m apart vertically: clear by default, a conflict under a 2,000 ft deal.
    # Green overtakes red from behind, 600 m below: the same separation, but no deal.
    rows = [
        HEAD_ON[0],
        ("blue", "b1", 0.0, 0.359326, 9744.0, 200.0, 270.0, 0.0),
        ("green", "g1", 0.0, -0.359326, 8544.0, 400.0, 90.0, 0.0),
    ]
    assert conflicts(rows) == []
    deal = MinimaTable(agreements={("blue", "red"): {"air": Minima(9260.0, 2000 * 0.3048, 300.0)}})
    assert [(c.track_a, c.track_b) for c in conflicts(rows, deal)] == [("b1", "r1")]


def test_empty_and_single_track_snapshots() -> None:
    assert conflicts(HEAD_ON[:1]) == []
    empty = Snapshot.from_columns(
        0.0, party=[], track=[], lat=[], lon=[], alt_m=[], gs_mps=[], course_deg=[]
    )
    found = detect_conflicts(empty, MinimaTable())
    assert len(found) == 0
    assert list(found) == []


def test_columns_index_the_snapshot() -> None:
    snap = snapshot_of([*HEAD_ON, ("green", "g1", 10.0, 10.0, 0.0, 0.0, 0.0, 0.0)])
    found = detect_conflicts(snap, MinimaTable())
    assert snap.track[found.index_a].tolist() == ["b1"]
    assert snap.track[found.index_b].tolist() == ["r1"]
    assert found.pairs() == {("blue", "b1", "red", "r1")}
    assert math.isclose(found.t_cpa_s[0], 100.0, abs_tol=0.01)


def test_many_tracks_use_the_grid_and_agree_with_the_reference() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(44)), np.sin(np.radians(52)), n)))
    snap = Snapshot.from_columns(
        0.0,
        party=[f"p{i}" for i in rng.integers(0, 20, n)],
        track=[f"t{i}" for i in range(n)],
        lat=lat,
        lon=rng.uniform(-5.0, 8.0, n),
        alt_m=rng.uniform(3000.0, 12_500.0, n),
        gs_mps=rng.uniform(100.0, 250.0, n),
        course_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < 0.3, rng.choice([-10.0, 10.0], n), 0.0),
    )
    found = detect_conflicts(snap, MinimaTable())
    reference = all_pairs_conflicts(snap, MinimaTable())
    assert len(reference) > 50
    assert {(c.party_a, c.track_a, c.party_b, c.track_b) for c in found} == set(reference)


@pytest.mark.parametrize("gs", [1e4, 1e154, 1e200, 1e308])
@pytest.mark.parametrize("vs", [0.0, 1e308, -1e308])
@pytest.mark.parametrize("course", [0.0, 45.0, 90.0])
@pytest.mark.parametrize("pruned", [True, False])
def test_an_absurd_speed_never_hides_a_current_loss(
    gs: float, vs: float, course: float, pruned: bool
) -> None:
    """A track 1.1 km from another party's aircraft at its level has lost separation now,
    however fast it says it moves."""
    snap = Snapshot.from_columns(
        0.0,
        party=["blue", "red"],
        track=["b1", "r1"],
        lat=[45.0, 45.00990],  # 1.1 km north
        lon=[5.0, 5.0],
        alt_m=[3000.0, 3000.0],
        gs_mps=[gs, 100.0],
        course_deg=[course, 180.0],
        vs_mps=[vs, 0.0],
    )
    with pytest.MonkeyPatch.context() as patch:
        if not pruned:
            patch.setattr(tracks_module, "_SMALL", 100)
        with np.errstate(all="raise"):  # no overflow anywhere, not only a right answer
            [found] = list(detect_conflicts(snap, MinimaTable()))
    assert found.t_in_s == 0.0
    assert found.d_cpa_m < 9260.0 or found.t_cpa_s == 0.0
