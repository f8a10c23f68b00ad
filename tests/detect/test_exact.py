"""The exact phase on its own: conflict intervals of given pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from deconfliction.detect import MinimaTable, PairConflicts, Snapshot, exact_conflicts
from deconfliction.model.minima import AIR_MINIMA, GROUND_MINIMA, Minima
from tests.detect.encounters import encounter, snapshot_of
from tests.detect.reference import sampled_encounter
from tests.scenarios import (
    HEAD_ON,
    HEAD_ON_ANTIMERIDIAN,
    OVER_THE_POLE,
    SAME_POSITION,
    VERTICAL_BOUNDARY,
    TrackRow,
)


def exact(snap: Snapshot, minima: Minima = AIR_MINIMA) -> PairConflicts:
    return exact_conflicts(
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        np.array([0]),
        np.array([1]),
        np.array([minima.horizontal_m]),
        np.array([minima.vertical_m]),
        np.array([minima.lookahead_s]),
    )


def one(rows: list[TrackRow], minima: Minima = AIR_MINIMA) -> PairConflicts:
    return exact(snapshot_of(rows), minima)


@pytest.mark.parametrize("rows", [HEAD_ON, HEAD_ON_ANTIMERIDIAN])
def test_head_on(rows: list[TrackRow]) -> None:
    found = one(rows)
    assert len(found) == 1
    assert found.t_in_s[0] == pytest.approx((40_000 - 9_260) / 400, abs=0.01)
    assert found.t_out_s[0] == pytest.approx((40_000 + 9_260) / 400, abs=0.01)
    assert found.t_cpa_s[0] == pytest.approx(100.0, abs=0.01)
    assert found.d_cpa_m[0] == pytest.approx(0.0, abs=1.0)
    assert found.dz_cpa_m[0] == 0.0


def test_converging_over_the_pole() -> None:
    found = one(OVER_THE_POLE)
    assert len(found) == 1
    assert found.t_in_s[0] == pytest.approx((20_000 - 9_260) / 400, abs=0.05)
    assert found.t_cpa_s[0] == pytest.approx(50.0, abs=0.05)
    assert found.d_cpa_m[0] == pytest.approx(0.0, abs=1.0)


def test_same_position_is_a_current_loss_of_separation() -> None:
    found = one(SAME_POSITION)
    assert len(found) == 1
    assert found.t_in_s[0] == 0.0
    assert found.t_cpa_s[0] == 0.0
    assert found.d_cpa_m[0] == pytest.approx(0.0, abs=1e-6)
    assert 0.0 < found.t_out_s[0] < 300.0


def test_zero_relative_velocity_inside_lasts_the_whole_lookahead() -> None:
    # One above the other, 100 m apart, same velocity: the relative velocity is exactly 0.
    rows = [
        ("r", "1", 30.0, 40.0, 5000.0, 180.0, 45.0, 2.0),
        ("b", "2", 30.0, 40.0, 5100.0, 180.0, 45.0, 2.0),
    ]
    found = one(rows)
    assert (found.t_in_s[0], found.t_out_s[0], found.t_cpa_s[0], found.d_cpa_m[0]) == (
        0.0,
        300.0,
        0.0,
        0.0,
    )
    # Formation flight 5 km apart: inside all along; 10 km apart: never within 5 NM.
    formation = [
        ("r", "1", 30.0, 40.0, 5000.0, 180.0, 45.0, 2.0),
        ("b", "2", 30.0, 40.04, 5100.0, 180.0, 45.0, 2.0),
    ]
    found = one(formation)
    assert (found.t_in_s[0], found.t_out_s[0]) == (0.0, 300.0)
    apart = [
        ("r", "1", 30.0, 40.0, 5000.0, 180.0, 45.0, 2.0),
        ("b", "2", 30.0, 40.11, 5000.0, 180.0, 45.0, 2.0),
    ]
    assert len(one(apart)) == 0


def test_both_stationary_at_one_point() -> None:
    found = one(
        [("r", "1", -33.0, 151.0, 0.0, 0.0, 0.0, 0.0), ("b", "2", -33.0, 151.0, 0.0, 0.0, 0.0, 0.0)]
    )
    assert (found.t_in_s[0], found.t_out_s[0], found.d_cpa_m[0]) == (0.0, 300.0, 0.0)


def test_vertical_separation_equal_to_the_minimum_is_not_a_conflict() -> None:
    assert len(one(VERTICAL_BOUNDARY)) == 0
    exactly = [
        ("r", "1", 45.0, 10.0, 0.0, 0.0, 0.0, 0.0),
        ("b", "2", 45.0, 10.0, 304.8, 0.0, 0.0, 0.0),
    ]
    assert len(one(exactly)) == 0
    just_inside = [
        ("r", "1", 45.0, 10.0, 10_000.0, 0.0, 0.0, 0.0),
        ("b", "2", 45.0, 10.0, 10_304.79, 0.0, 0.0, 0.0),
    ]
    assert len(one(just_inside)) == 1


def test_climbing_through_the_other_level() -> None:
    # Co-located, one climbing at 10 m/s from 1,000 m below: inside from 69.52 s to 130.48 s.
    rows = [
        ("r", "1", 10.0, 10.0, 9000.0, 0.0, 0.0, 0.0),
        ("b", "2", 10.0, 10.0, 8000.0, 0.0, 0.0, 10.0),
    ]
    found = one(rows)
    assert found.t_in_s[0] == pytest.approx((1000 - 304.8) / 10, abs=1e-6)
    assert found.t_out_s[0] == pytest.approx((1000 + 304.8) / 10, abs=1e-6)
    assert found.dz_cpa_m[0] == 1000.0  # cpa at 0 (no horizontal motion)


def test_lookahead_bounds_the_interval() -> None:
    short = Minima(AIR_MINIMA.horizontal_m, AIR_MINIMA.vertical_m, 76.0)
    assert len(one(HEAD_ON, short)) == 0  # it starts at 76.85 s
    longer = Minima(AIR_MINIMA.horizontal_m, AIR_MINIMA.vertical_m, 77.0)
    found = one(HEAD_ON, longer)
    assert found.t_out_s[0] == 77.0
    assert found.t_cpa_s[0] == 77.0  # closest approach within the lookahead


def test_diverging_pair_outside_the_minimum() -> None:
    rows = [
        ("r", "1", 0.0, 0.0, 9000.0, 200.0, 270.0, 0.0),
        ("b", "2", 0.0, 0.1, 9000.0, 200.0, 90.0, 0.0),
    ]
    assert len(one(rows)) == 0


def test_ground_pairs_ignore_altitude() -> None:
    rows = [
        ("r", "1", 50.0, 30.0, 0.0, 10.0, 0.0, 0.0),
        ("b", "2", 50.0, 30.0, 5000.0, 10.0, 90.0, 0.0),
    ]
    found = one(rows, GROUND_MINIMA)
    assert len(found) == 1
    assert found.t_out_s[0] == pytest.approx(1000.0 / (10.0 * math.sqrt(2)), rel=1e-3)


def test_no_pairs() -> None:
    snap = snapshot_of(HEAD_ON)
    empty = np.empty(0, dtype=np.intp)
    found = exact_conflicts(
        snap.motion(), snap.alt_m, snap.vs_mps, empty, empty, 9260.0, 304.8, 300.0
    )
    assert len(found) == 0


@settings(max_examples=300, deadline=None)
@given(encounter())
def test_intervals_agree_with_geodesic_sampling(snap: Snapshot) -> None:
    """Against pyproj geodesics sampled every 0.25 s: every sample clearly inside the minima
    lies in [t_in, t_out], and every sample inside (t_in, t_out) is at most 1% outside."""
    minima = MinimaTable().minima("red", "blue", "air", "air")
    assert minima is not None
    band = 0.01
    times = np.arange(0.0, minima.lookahead_s + 0.25, 0.25)
    ref = sampled_encounter(snap, 0, 1, times)
    inner = (ref.horizontal_m < minima.horizontal_m * (1 - band)) & (
        ref.vertical_m < minima.vertical_m * (1 - band)
    )
    outer = (ref.horizontal_m < minima.horizontal_m * (1 + band)) & (
        ref.vertical_m < minima.vertical_m * (1 + band)
    )
    found = exact(snap, minima)
    if len(found) == 0:
        assert not inner.any()
        return
    t_in, t_out = found.t_in_s[0], found.t_out_s[0]
    assert 0.0 <= t_in < t_out <= minima.lookahead_s
    assert np.all((times[inner] >= t_in) & (times[inner] <= t_out))
    within = (times > t_in) & (times < t_out)
    assert outer[within].all()
    # Closest approach: the sampled minimum is close to it (sampling adds at most half a step).
    rel_speed = float(snap.gs_mps.sum())
    d_min = float(ref.horizontal_m.min())
    assert d_min >= found.d_cpa_m[0] - 10.0
    assert d_min <= math.hypot(found.d_cpa_m[0], rel_speed * 0.125) + 10.0
