"""Closest approach and path summaries, checked against independent computations."""

from __future__ import annotations

import csv
import gzip
import math

import numpy as np
import pytest

from deconfliction.detect.evidence import (
    TrackPath,
    closest_approach,
    encounter_evidence,
    summarise_path,
)
from deconfliction.errors import InvalidInput
from deconfliction.model.minima import GROUND_MINIMA
from tests.scenarios import (
    NEAR_MISS_A,
    NEAR_MISS_B,
    NEAR_MISS_END_S,
    NEAR_MISS_FILE,
    NEAR_MISS_START_S,
)

MEAN_EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance on a sphere: a different formula from the ellipsoid under test."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * MEAN_EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def brute_force(a, b, start_s, end_s, step_s=0.01):
    """The closest approach by sampling a dense common grid (haversine distance)."""
    times = np.arange(start_s, end_s + step_s / 2, step_s)
    lat_a, lon_a = np.interp(times, a.time_s, a.lat), np.interp(times, a.time_s, a.lon)
    lat_b, lon_b = np.interp(times, b.time_s, b.lat), np.interp(times, b.time_s, b.lon)
    alt_a, alt_b = np.interp(times, a.time_s, a.alt_m), np.interp(times, b.time_s, b.alt_m)
    horizontal = haversine_m(lat_a, lon_a, lat_b, lon_b)
    i = int(np.argmin(horizontal))
    inside = (horizontal < 9260.0) & (np.abs(alt_a - alt_b) < 304.8)
    return times[i], horizontal[i], abs(alt_a[i] - alt_b[i]), inside.sum() * step_s


def crossing(vertical_m=300.0, samples=2):
    """Blue flies east and red flies north over (48, 2) at t=50, ``vertical_m`` apart."""
    t = np.linspace(0.0, 100.0, samples)
    s = t / 100.0
    east = TrackPath.from_arrays(
        "blue", "b1", t, np.full(samples, 48.0), 1.99 + 0.02 * s, [3000.0] * samples
    )
    north = TrackPath.from_arrays(
        "red", "r1", t, 47.99 + 0.02 * s, np.full(samples, 2.0), [3000.0 + vertical_m] * samples
    )
    return east, north


def read_quickstart(path, wanted):
    columns = {track: ([], [], [], [], []) for _, track in wanted}
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["track"] in columns:
                for column, name in zip(
                    columns[row["track"]], ("party", "time", "lat", "lon", "alt_m"), strict=True
                ):
                    column.append(row[name] if name == "party" else float(row[name]))
    return [
        TrackPath.from_arrays(party, track, *columns[track][1:])
        for party, track in wanted
        if columns[track][0] and columns[track][0][0] == party
    ]


def test_the_quickstart_near_miss_matches_an_independent_brute_force(shared_data):
    a, b = read_quickstart(shared_data / NEAR_MISS_FILE, [NEAR_MISS_A, NEAR_MISS_B])

    approach = closest_approach(a, b, NEAR_MISS_START_S, NEAR_MISS_END_S)
    time_s, horizontal_m, vertical_m, inside_s = brute_force(
        a, b, NEAR_MISS_START_S, NEAR_MISS_END_S
    )

    assert approach is not None
    assert approach.time_s == pytest.approx(time_s, abs=0.5)
    assert approach.horizontal_m == pytest.approx(horizontal_m, rel=0.005)  # sphere vs WGS84
    assert approach.vertical_m == pytest.approx(vertical_m, abs=5.0)
    assert approach.min_ratio < 1.0  # a loss of separation: that is why it is a near miss
    assert approach.loss_of_separation_s == pytest.approx(inside_s, abs=2.0)
    assert approach.min_slant_m <= math.hypot(approach.horizontal_m, approach.vertical_m) + 1e-6
    between = haversine_m(approach.a_lat, approach.a_lon, approach.b_lat, approach.b_lon)
    assert approach.horizontal_m == pytest.approx(between, rel=0.005)


def test_the_minimum_between_two_reports_is_found_exactly():
    east, north = crossing()

    approach = closest_approach(east, north, 0.0, 100.0, step_s=1000.0)  # no extra samples

    assert approach.time_s == pytest.approx(50.0, abs=0.01)
    assert approach.horizontal_m == pytest.approx(0.0, abs=1.0)
    assert approach.vertical_m == pytest.approx(300.0)
    assert (approach.a_lat, approach.b_lon) == pytest.approx((48.0, 2.0), abs=1e-6)
    assert approach.report_gap_s == pytest.approx(100.0)


def test_loss_of_separation_measures_the_time_inside_both_minima():
    inside = closest_approach(*crossing(vertical_m=300.0), 0.0, 100.0)
    outside = closest_approach(*crossing(vertical_m=400.0), 0.0, 100.0)

    assert inside.loss_of_separation_s == pytest.approx(100.0)
    assert inside.min_ratio == pytest.approx(300.0 / 304.8, rel=1e-6)
    assert outside.loss_of_separation_s == 0.0
    assert outside.min_ratio == pytest.approx(400.0 / 304.8, rel=1e-6)
    assert outside.min_slant_m == pytest.approx(400.0, abs=1.0)


def test_the_ratio_ignores_altitude_when_the_vertical_minimum_is_infinite():
    east, north = crossing(vertical_m=5000.0)
    approach = closest_approach(east, north, 0.0, 100.0, minima=GROUND_MINIMA)
    assert approach.min_ratio == pytest.approx(0.0, abs=1e-3)
    assert approach.loss_of_separation_s > 0


def test_parallel_tracks_keep_their_separation():
    t = np.arange(0.0, 600.0, 10.0)
    lon = 2.0 + t * 1e-4
    a = TrackPath.from_arrays("blue", "b1", t, np.full(t.size, 48.0), lon, np.full(t.size, 900.0))
    b = TrackPath.from_arrays("red", "r1", t, np.full(t.size, 48.05), lon, np.full(t.size, 1200.0))

    approach = closest_approach(a, b, 0.0, 600.0)

    assert approach.horizontal_m == pytest.approx(haversine_m(48.0, 2.0, 48.05, 2.0), rel=0.005)
    assert approach.vertical_m == pytest.approx(300.0)


def test_tracks_crossing_the_antimeridian_are_not_a_world_apart():
    t = np.array([0.0, 60.0])
    a = TrackPath.from_arrays("blue", "b1", t, [10.0, 10.0], [179.99, -179.99], [3000.0, 3000.0])
    b = TrackPath.from_arrays("red", "r1", t, [10.01, 10.01], [-179.99, 179.99], [3000.0, 3000.0])

    approach = closest_approach(a, b, 0.0, 60.0)

    assert approach.time_s == pytest.approx(30.0, abs=0.1)
    assert approach.horizontal_m == pytest.approx(haversine_m(10.0, 180.0, 10.01, 180.0), rel=0.01)
    assert abs(approach.a_lon) == pytest.approx(180.0, abs=1e-6)


def test_only_the_common_part_of_the_window_counts():
    east, north = crossing(samples=101)
    late = TrackPath(
        north.party, north.track, north.time_s + 70.0, north.lat, north.lon, north.alt_m
    )

    approach = closest_approach(east, late, 0.0, 100.0)

    assert (approach.start_s, approach.end_s) == (70.0, 100.0)
    assert closest_approach(east, late, 0.0, 60.0) is None
    empty = east.window(500.0, 600.0)
    assert closest_approach(east, empty, 0.0, 100.0) is None


def test_paths_are_sorted_and_a_repeated_time_keeps_the_last_report():
    path = TrackPath.from_arrays(
        "blue", "b1", [10, 0, 10], [48.1, 48.0, 48.2], [2, 2, 2], [1, 2, 3]
    )

    assert path.time_s.tolist() == [0.0, 10.0]
    assert path.lat.tolist() == [48.0, 48.2]


@pytest.mark.parametrize(
    ("columns", "word"),
    [
        (([0, 1], [48.0], [2.0, 2.0], [0, 0]), "length"),
        (([0, 1], [48.0, math.nan], [2.0, 2.0], [0, 0]), "missing"),
        (([0, 1], [48.0, 91.0], [2.0, 2.0], [0, 0]), "out of range"),
    ],
)
def test_bad_paths_are_refused_naming_the_track(columns, word):
    with pytest.raises(InvalidInput, match=f"track b1: .*{word}"):
        TrackPath.from_arrays("blue", "b1", *columns)


def test_a_path_summary_gives_span_count_and_longest_gap():
    t = [0.0, 5.0, 10.0, 40.0, 45.0, 100.0]
    path = TrackPath.from_arrays("blue", "b1", t, [48.0] * 6, [2.0] * 6, [900.0] * 6)

    summary = summarise_path(path, 1.0, 50.0)

    assert (summary.reports, summary.first_s, summary.last_s, summary.max_gap_s) == (
        4,
        5.0,
        45.0,
        30.0,
    )
    nothing = summarise_path(path, 200.0, 300.0)
    assert (nothing.reports, nothing.first_s, nothing.max_gap_s) == (0, None, 0.0)


def test_encounter_evidence_serialises_with_rfc3339_times():
    east, north = crossing()
    evidence = encounter_evidence(east, north, 0.0, 100.0)

    data = evidence.to_json()

    assert data["a"]["track"] == "b1"
    assert data["closest_approach"]["time"] == "1970-01-01T00:00:50Z"
    assert data["closest_approach"]["vertical_m"] == pytest.approx(300.0)
    assert encounter_evidence(east, north, 500.0, 600.0).to_json()["closest_approach"] is None


def test_the_sampling_step_must_be_positive():
    with pytest.raises(InvalidInput, match="step_s"):
        closest_approach(*crossing(), 0.0, 100.0, step_s=0.0)
