"""Earth-centred coordinates and tangent frames against pyproj."""

from __future__ import annotations

import numpy as np
import pyproj

from deconfliction.geo.frames import (
    ecef,
    from_tangent,
    metres_per_degree,
    tangent_axes,
    to_tangent,
    wrap_lon,
)


def test_ecef_matches_pyproj() -> None:
    rng = np.random.default_rng(3)
    lat = rng.uniform(-89.0, 89.0, 200)
    lon = rng.uniform(-180.0, 180.0, 200)
    to_geocentric = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    expected = np.column_stack(to_geocentric.transform(lon, lat, np.zeros_like(lat)))
    assert np.abs(np.column_stack(ecef(lat, lon)) - expected).max() < 1e-3


def test_tangent_axes_are_orthonormal_east_and_north() -> None:
    lat, lon = np.array([35.3]), np.array([40.1])
    axes = tangent_axes(lat, lon)
    east = np.array([axes[0, 0], axes[0, 1], 0.0])
    north = axes[0, 2:]
    assert abs(np.dot(east, north)) < 1e-12
    assert abs(np.linalg.norm(east) - 1.0) < 1e-12
    assert abs(np.linalg.norm(north) - 1.0) < 1e-12
    # A point 1 km north (geodesic) lands about 1 km up the north axis.
    geod = pyproj.Geod(ellps="WGS84")
    lon2, lat2, _ = geod.fwd(lon[0], lat[0], 0.0, 1000.0)
    here = np.array(ecef(lat, lon)).ravel()
    there = np.array(ecef(np.array([lat2]), np.array([lon2]))).ravel()
    e, n = to_tangent(*(there - here), axes[0])
    assert abs(e) < 1e-3
    assert abs(n - 1000.0) < 0.01


def test_from_tangent_inverts_to_tangent() -> None:
    axes = tangent_axes(np.array([-12.0]), np.array([170.0]))[0]
    dx, dy, dz = from_tangent(np.array(300.0), np.array(-400.0), axes)
    e, n = to_tangent(dx, dy, dz, axes)
    assert abs(e - 300.0) < 1e-9
    assert abs(n + 400.0) < 1e-9


def test_metres_per_degree_match_short_geodesics() -> None:
    geod = pyproj.Geod(ellps="WGS84")
    for lat in (0.0, 35.0, 60.0):
        per_lat, per_lon = metres_per_degree(np.array(lat))
        assert abs(geod.inv(10.0, lat, 10.0, lat + 0.001)[2] / 0.001 - per_lat) < 1.0
        assert abs(geod.inv(10.0, lat, 10.001, lat)[2] / 0.001 - per_lon) < 1.0


def test_wrap_lon() -> None:
    assert wrap_lon(np.array([180.0, -180.0, 190.0, -190.0, 540.0])).tolist() == [
        -180.0,
        -180.0,
        -170.0,
        170.0,
        -180.0,
    ]
