"""Earth-centred coordinates and local tangent-plane frames on the WGS84 ellipsoid.

A *local frame* at an origin on the ellipsoid is the tangent plane there with axes east and
north; a point is placed in it by orthographic projection (its ECEF offset from the origin
dotted with the east and north unit vectors). Within 100 km of the origin this moves a
point by less than 4 m (R·sin(d/R) against d), and every frame is the same map for every
object placed in it, so tests of "is this point inside this shape" done in one frame are
consistent. Everything here is vectorised over numpy arrays and is pure.

>>> import numpy as np
>>> x, y, z = ecef(np.array([0.0]), np.array([0.0]))
>>> round(float(x[0]))
6378137
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)


def ecef(lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Earth-centred, earth-fixed coordinates (m) of points on the ellipsoid's surface."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    return (
        n * cos_lat * np.cos(lon),
        n * cos_lat * np.sin(lon),
        n * (1.0 - WGS84_E2) * sin_lat,
    )


def tangent_axes(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """East and north unit vectors of the tangent plane at each point, as an (n, 5) array.

    Columns: east = (-sin λ, cos λ, 0) is stored as its two non-zero components, then north
    = (-sin φ cos λ, -sin φ sin λ, cos φ).
    """
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    return np.stack([-sin_lon, cos_lon, -sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat], axis=-1)


def to_tangent(
    dx: FloatArray, dy: FloatArray, dz: FloatArray, axes: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """East and north (m) of ECEF offsets ``(dx, dy, dz)`` from an origin with ``axes``."""
    east = axes[..., 0] * dx + axes[..., 1] * dy
    north = axes[..., 2] * dx + axes[..., 3] * dy + axes[..., 4] * dz
    return east, north


def from_tangent(
    east: FloatArray, north: FloatArray, axes: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF offset (m) of a vector lying in the tangent plane with ``axes``."""
    return (
        axes[..., 0] * east + axes[..., 2] * north,
        axes[..., 1] * east + axes[..., 3] * north,
        axes[..., 4] * north,
    )


def metres_per_degree(lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres per degree of latitude and of longitude at each latitude."""
    lat = np.radians(lat_deg)
    w2 = 1.0 - WGS84_E2 * np.sin(lat) ** 2
    meridian = WGS84_A_M * (1.0 - WGS84_E2) / w2**1.5
    normal = WGS84_A_M / np.sqrt(w2)
    return np.radians(meridian), np.radians(normal * np.cos(lat))


def gaussian_radius_m(lat_deg: FloatArray) -> FloatArray:
    """The Gaussian mean radius of curvature √(M·N) at each latitude (m)."""
    lat = np.radians(lat_deg)
    w2 = 1.0 - WGS84_E2 * np.sin(lat) ** 2
    return np.asarray(WGS84_A_M * np.sqrt(1.0 - WGS84_E2) / w2, dtype=np.float64)


def wrap_lon(lon_deg: FloatArray) -> FloatArray:
    """Longitudes (or differences of longitude) brought into [-180, 180)."""
    return np.asarray((lon_deg + 180.0) % 360.0 - 180.0, dtype=np.float64)
