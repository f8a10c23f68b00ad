"""Circles, buffers and areas are in metres on the ground."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyproj
import shapely

from deconfliction.geo.metric import (
    EDGE_SAG_M,
    MAX_EDGE_M,
    TOLERANCE_M,
    buffer_lines,
    densify,
    edge_length_m,
    geodesic_area_m2,
    geodesic_circle,
    max_edge_m,
)
from tests.scenarios import CIRCLE_CENTRE, CIRCLE_RADIUS_M, EUPHRATES_BUFFER_M, EUPHRATES_LINE

GEOD = pyproj.Geod(ellps="WGS84")


def distance_to_line_m(lon: float, lat: float, line: list[tuple[float, float]]) -> float:
    """Shortest geodesic distance from a point to a line (straight in lon/lat), by sampling:
    coarsely along each edge, then finely around the nearest sample."""
    best = math.inf
    for a, b in itertools.pairwise(line):
        lo, hi = 0.0, 1.0
        for _ in range(3):
            f = np.linspace(lo, hi, 2001)
            xs, ys = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
            _, _, d = GEOD.inv(np.full(len(f), lon), np.full(len(f), lat), xs, ys)
            k = int(np.argmin(d))
            step = f[1] - f[0]
            lo, hi = max(0.0, f[k] - step), min(1.0, f[k] + step)
        best = min(best, float(d[k]))
    return best


def test_circle_vertices_are_at_the_radius_and_edges_within_tolerance() -> None:
    lon, lat = CIRCLE_CENTRE
    ring = geodesic_circle(lon, lat, CIRCLE_RADIUS_M)
    assert ring[0] == ring[-1]
    pts = np.array(ring[:-1])
    _, _, d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])
    assert np.abs(d - CIRCLE_RADIUS_M).max() < 1e-3
    mids = 0.5 * (pts + np.roll(pts, -1, axis=0))
    _, _, dm = GEOD.inv(np.full(len(mids), lon), np.full(len(mids), lat), mids[:, 0], mids[:, 1])
    assert (CIRCLE_RADIUS_M - dm).max() <= TOLERANCE_M
    assert shapely.Polygon(ring).exterior.is_ccw


def test_circle_across_the_antimeridian_is_one_continuous_ring() -> None:
    ring = geodesic_circle(179.9, 10.0, 30_000.0)
    lons = [p[0] for p in ring]
    assert max(lons) > 180.0
    assert max(lons) - min(lons) < 1.0


def test_line_buffer_boundary_is_at_the_buffer_distance() -> None:
    shape = buffer_lines([EUPHRATES_LINE], EUPHRATES_BUFFER_M)
    boundary = np.array(shape.exterior.coords)[::7]
    errors = [
        abs(distance_to_line_m(x, y, EUPHRATES_LINE) - EUPHRATES_BUFFER_M) for x, y in boundary
    ]
    assert max(errors) < TOLERANCE_M


def test_long_line_is_buffered_piece_by_piece_without_drift() -> None:
    line = [(0.0, 50.0), (25.0, 52.0)]  # about 1,800 km: several projection pieces
    shape = buffer_lines([line], 2_000.0)
    boundary = np.array(shape.exterior.coords)[::11]
    errors = [abs(distance_to_line_m(x, y, line) - 2_000.0) for x, y in boundary]
    assert max(errors) < TOLERANCE_M


def test_area_of_a_circle() -> None:
    ring = geodesic_circle(*CIRCLE_CENTRE, CIRCLE_RADIUS_M)
    area = geodesic_area_m2(shapely.Polygon(ring))
    assert abs(area / (math.pi * CIRCLE_RADIUS_M**2) - 1.0) < 1e-3


def test_area_ignores_ring_orientation_and_subtracts_holes() -> None:
    outer = [(0, 0), (1, 0), (1, 1), (0, 1)]
    hole = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]
    ccw = geodesic_area_m2(shapely.Polygon(outer, [hole]))
    cw = geodesic_area_m2(shapely.Polygon(outer[::-1], [hole[::-1]]))
    full = geodesic_area_m2(shapely.Polygon(outer))
    assert abs(ccw - cw) < 1.0
    assert abs(full - ccw - geodesic_area_m2(shapely.Polygon(hole))) < 10.0


def test_max_edge_shrinks_with_latitude() -> None:
    assert max_edge_m(0.0) == MAX_EDGE_M
    assert max_edge_m(35.0) > max_edge_m(50.0) > max_edge_m(70.0)
    # The promise: a straight lon/lat edge of that length bulges at most EDGE_SAG_M
    # from the geodesic between its ends (tested on an east-west edge, the worst case).
    lat = 50.0
    length = max_edge_m(lat)
    per_lon = edge_length_m((0.0, lat), (1.0, lat))
    east = length / per_lon
    lon_mid, lat_mid, _ = GEOD.fwd(0.0, lat, GEOD.inv(0.0, lat, east, lat)[0], length / 2)
    _, _, sag = GEOD.inv(lon_mid, lat_mid, east / 2, lat)
    assert sag <= EDGE_SAG_M * 1.05


def test_densify_keeps_the_points_and_shortens_the_edges() -> None:
    dense = densify(EUPHRATES_LINE)
    for point in EUPHRATES_LINE:
        assert point in dense
    for a, b in itertools.pairwise(dense):
        assert edge_length_m(a, b) <= max_edge_m(max(abs(a[1]), abs(b[1]))) * 1.0001
