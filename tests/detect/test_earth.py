"""The Earth model: ECEF conversions, local frames, motion and horizontal separation."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from deconfliction.detect.earth import (
    Motion,
    course_from_vector,
    from_ecef,
    horizontal_separation_m,
    local_frame,
    midpoint_up,
    surface_point_and_course,
    to_ecef,
)

GEOD = Geod(ellps="WGS84")
RNG = np.random.default_rng(20211007)


def random_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    lat = np.degrees(np.arcsin(RNG.uniform(-1.0, 1.0, n)))
    lon = RNG.uniform(-180.0, 180.0, n)
    # Include the awkward places on purpose.
    lat[:6] = [90.0, -90.0, 89.999, -89.999, 0.0, 45.0]
    lon[:6] = [0.0, 123.0, 180.0, -180.0, 180.0, -179.9999]
    return lat, lon


def test_to_ecef_matches_pyproj() -> None:
    lat, lon = random_points(2000)
    alt = RNG.uniform(-500.0, 15_000.0, lat.size)
    x, y, z = Transformer.from_crs("EPSG:4979", "EPSG:4978").transform(lat, lon, alt)
    assert np.allclose(to_ecef(lat, lon, alt), np.stack([x, y, z]), rtol=0, atol=1e-6)


def test_from_ecef_inverts_to_ecef_everywhere() -> None:
    lat, lon = random_points(5000)
    alt = RNG.uniform(-500.0, 80_000.0, lat.size)
    back_lat, back_lon, back_alt = from_ecef(to_ecef(lat, lon, alt))
    assert np.abs(back_lat - lat).max() < 1e-9
    away_from_poles = np.abs(lat) < 90.0
    wrapped = (back_lon - lon + 180.0) % 360.0 - 180.0
    assert np.abs(wrapped[away_from_poles]).max() < 1e-9
    assert np.abs(back_alt - alt).max() < 1e-3


def test_local_frame_is_orthonormal_right_handed_and_up_is_the_normal() -> None:
    lat, lon = random_points(500)
    east, north, up = local_frame(lat, lon)
    for vector in (east, north, up):
        assert np.allclose(np.linalg.norm(vector, axis=0), 1.0)
    assert np.allclose((east * north).sum(axis=0), 0.0, atol=1e-15)
    assert np.allclose(np.cross(east.T, north.T).T, up, atol=1e-15)
    # The normal of x²/a² + y²/a² + z²/b² = 1 is its gradient.
    a, b = 6_378_137.0, 6_356_752.314245
    point = to_ecef(lat, lon)
    gradient = point / np.array([[a * a], [a * a], [b * b]])
    assert np.allclose(gradient / np.linalg.norm(gradient, axis=0), up, atol=1e-12)


def test_frame_at_a_pole_is_the_limit_along_the_meridian() -> None:
    for pole in (90.0, -90.0):
        near = local_frame([pole - np.sign(pole) * 1e-7], [37.0])
        at = local_frame([pole], [37.0])
        for limit, value in zip(near, at, strict=True):
            assert np.allclose(limit, value, atol=1e-8)


def test_heading_from_a_pole_follows_the_geodesic_convention() -> None:
    # pyproj: leaving the North Pole at lon 30 with azimuth 0 goes down meridian -150.
    motion = Motion.from_arrays(np.array([90.0]), np.array([30.0]), np.array([100.0]), np.zeros(1))
    lat, lon, _ = from_ecef(motion.at(100.0))
    expected_lon, expected_lat, _ = GEOD.fwd(30.0, 90.0, 0.0, 10_000.0)
    assert lon[0] == pytest.approx(expected_lon, abs=1e-6)
    assert lat[0] == pytest.approx(expected_lat, abs=1e-6)


def test_velocity_is_horizontal_with_the_ground_speed_and_course() -> None:
    lat, lon = random_points(500)
    gs = RNG.uniform(0.0, 300.0, lat.size)
    course = RNG.uniform(0.0, 360.0, lat.size)
    motion = Motion.from_arrays(lat, lon, gs, course)
    assert np.allclose(np.linalg.norm(motion.velocity_mps, axis=0), gs)
    assert np.allclose((motion.velocity_mps * motion.up).sum(axis=0), 0.0, atol=1e-9)
    moving = gs > 1.0
    recovered = course_from_vector(motion.velocity_mps, lat, lon)
    difference = (recovered - course + 180.0) % 360.0 - 180.0
    assert np.abs(difference[moving]).max() < 1e-9
    assert np.allclose(motion.position_m, to_ecef(lat, lon))


def test_straight_line_follows_the_geodesic_for_minutes() -> None:
    lat, lon = random_points(300)
    lat = np.clip(lat, -89.0, 89.0)
    gs = np.full(lat.size, 250.0)
    course = RNG.uniform(0.0, 360.0, lat.size)
    motion = Motion.from_arrays(lat, lon, gs, course)
    moved_lat, moved_lon, _ = from_ecef(motion.at(300.0))
    geo_lon, geo_lat, _ = GEOD.fwd(lon, lat, course, gs * 300.0)
    _, _, error = GEOD.inv(moved_lon, moved_lat, geo_lon, geo_lat)
    # 75 km along a straight line: within a few metres of the geodesic.
    assert np.max(error) < 10.0


@pytest.mark.parametrize("distance_m", [10.0, 1_000.0, 9_260.0, 50_000.0])
def test_horizontal_separation_matches_geodesic_distance(distance_m: float) -> None:
    lat, lon = random_points(1000)
    azimuth = RNG.uniform(0.0, 360.0, lat.size)
    lon_b, lat_b, _ = GEOD.fwd(lon, lat, azimuth, np.full(lat.size, distance_m))
    _, _, up_a = local_frame(lat, lon)
    _, _, up_b = local_frame(lat_b, lon_b)
    separation = horizontal_separation_m(to_ecef(lat, lon), to_ecef(lat_b, lon_b), up_a, up_b)
    # The chord and the geodesic differ by d³/24R²: 0.1 m at 50 km.
    assert (
        np.abs(separation - distance_m).max()
        < max(1e-6 * distance_m, 1e-3) + distance_m**3 / 24 / 6.3e6**2
    )


def test_horizontal_separation_ignores_height_difference_along_the_vertical() -> None:
    _, _, up = local_frame([10.0], [20.0])
    low, high = to_ecef([10.0], [20.0], [0.0]), to_ecef([10.0], [20.0], [10_000.0])
    assert horizontal_separation_m(low, high, up, up)[0] == pytest.approx(0.0, abs=1e-6)


def test_midpoint_up_of_antipodes_falls_back_to_the_first() -> None:
    up_a = np.array([[0.0], [0.0], [1.0]])
    assert np.array_equal(midpoint_up(up_a, -up_a), up_a)


def test_surface_point_and_course_agree_with_the_general_conversions() -> None:
    lat, lon = random_points(3000)
    height = RNG.uniform(-100.0, 5000.0, lat.size)
    east, north, _ = local_frame(lat, lon)
    course = RNG.uniform(0.0, 360.0, lat.size)
    radians = np.radians(course)
    vector = 150.0 * (np.sin(radians) * east + np.cos(radians) * north)
    got_lat, got_lon, got_course = surface_point_and_course(to_ecef(lat, lon, height), vector)
    assert np.abs(got_lat - lat).max() < 1e-9
    off_pole = np.abs(lat) < 90.0
    assert np.abs(((got_lon - lon + 180.0) % 360.0 - 180.0)[off_pole]).max() < 1e-9
    assert np.abs(((got_course - course + 180.0) % 360.0 - 180.0)[off_pole]).max() < 1e-9
    # Exactly at a pole the longitude is 0 and the course is read in that meridian's frame.
    pole_lat, pole_lon, pole_course = surface_point_and_course(
        to_ecef([90.0], [0.0]), local_frame([90.0], [0.0])[0]
    )
    assert (pole_lat[0], pole_lon[0], round(float(pole_course[0]), 9)) == (90.0, 0.0, 90.0)
