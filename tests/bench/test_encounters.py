"""Ground truth from recorded positions (bench._encounters)."""

from __future__ import annotations

import numpy as np
from bench._encounters import TrackHistory, coverage_of, encounters

T = 1_000_000.0
M_PER_DEG = 111_319.49  # along the equator (WGS84)


def track(key: str, times: list[float], lon: list[float], alt: list[float]) -> TrackHistory:
    t = np.array(times)
    return TrackHistory(
        key, key.split("/")[0], T + t, np.zeros(t.size), np.array(lon), np.array(alt)
    )


def test_coverage_breaks_at_gaps_longer_than_60_s() -> None:
    history = track("a/1", [0, 5, 10, 80, 85, 200], [0.0] * 6, [0.0] * 6)
    assert [(a - T, b - T) for a, b in coverage_of(history)] == [(0, 10), (80, 85), (200, 200)]


def test_a_pair_closing_head_on_is_near_then_in_loss_along_interpolated_positions() -> None:
    # a flies east at 100 m/s from lon 0, reported every 10 s; b stands 20 km east, 200 m above,
    # reported every 50 s.
    east = [100.0 * t / M_PER_DEG for t in range(0, 201, 10)]
    a = track("red/a", list(range(0, 201, 10)), east, [3000.0] * len(east))
    b = track("blue/b", [0.0, 50.0, 100.0, 150.0, 200.0], [20_000 / M_PER_DEG] * 5, [3200.0] * 5)
    found = encounters([a, b], horizontal_m=9260.0, vertical_m=304.8)
    pair = ("blue/b", "red/a")
    loss = found.loss[pair] - T
    near = found.near[pair] - T
    # Inside 9,260 m from t = (20,000 - 9,260) / 100 = 107.4 s until the end.
    assert loss[0] == 108.0 and loss[-1] == 200.0 and loss.size == 93
    # Within twice the minima (18,520 m, 609.6 m) from t = 14.8 s.
    assert near[0] == 15.0 and near.size == 186
    assert found.coverage.known("blue/b", T + 100.0)


def test_vertical_separation_of_a_minimum_or_more_is_no_loss() -> None:
    a = track("red/a", [0.0, 10.0], [0.0, 0.0], [3000.0, 3000.0])
    b = track("blue/b", [0.0, 10.0], [0.0, 0.0], [3304.8, 3304.8])
    c = track("green/c", [0.0, 10.0], [0.0, 0.0], [3304.7, 3304.7])
    found = encounters([a, b, c], horizontal_m=9260.0, vertical_m=304.8)
    assert ("blue/b", "red/a") not in found.loss
    assert ("blue/b", "red/a") in found.near
    assert found.loss[("green/c", "red/a")].size == 11


def test_tracks_of_one_party_and_positions_across_long_gaps_are_left_out() -> None:
    a = track("red/a", [0.0, 10.0], [0.0, 0.0], [3000.0, 3000.0])
    same = track("red/b", [0.0, 10.0], [0.0, 0.0], [3000.0, 3000.0])
    gappy = track("blue/c", [0.0, 70.0], [0.0, 0.0], [3000.0, 3000.0])
    found = encounters([a, same, gappy], horizontal_m=9260.0, vertical_m=304.8)
    assert set(found.loss) == {("blue/c", "red/a"), ("blue/c", "red/b")}
    assert (found.loss[("blue/c", "red/a")] - T).tolist() == [0.0]  # not interpolated to 10 s


def test_a_coarser_step_samples_the_grid_from_the_first_report() -> None:
    a = track("red/a", [0.0, 20.0], [0.0, 0.0], [3000.0, 3000.0])
    b = track("blue/b", [0.0, 20.0], [0.0, 0.0], [3000.0, 3000.0])
    found = encounters([a, b], horizontal_m=9260.0, vertical_m=304.8, step_s=5.0)
    assert (found.loss[("blue/b", "red/a")] - T).tolist() == [0.0, 5.0, 10.0, 15.0, 20.0]
