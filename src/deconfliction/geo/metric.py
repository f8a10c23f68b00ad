"""Distances on the ground: geodesic circles, buffers in metres, geodesic areas.

Nothing here works in degrees of distance. Circles are geodesic (points at ``radius_m``
from the centre along the ellipsoid, :meth:`pyproj.Geod.fwd`); lines and outlines are
buffered in an azimuthal equidistant projection centred on each piece of at most
:data:`CHUNK_M` of line (so the scale error inside a piece stays below 0.1 %), then brought
back to longitude/latitude. Edges are straight in longitude/latitude (RFC 7946), so before
any projection they are densified along that straight line (:func:`densify`) until the
difference from a geodesic edge is below :data:`EDGE_SAG_M`.

The outlines made here are within :data:`TOLERANCE_M` of the exact region (their vertices
lie on its boundary, so they lie slightly inside it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deconfliction.geo.coords import Position
from deconfliction.geo.frames import gaussian_radius_m, metres_per_degree

TOLERANCE_M = 5.0  # largest gap between an outline made here and the exact region
EDGE_SAG_M = 5.0  # largest gap between a straight lon/lat edge and the geodesic
BUFFER_SAG_M = 1.0  # the same, for edges about to be buffered in a projection
MAX_EDGE_M = 20_000.0  # chords of longer edges sag more than 8 m below the ground
CHUNK_M = 200_000.0
_VERTEX_SAG_M = 0.8 * TOLERANCE_M  # polygons inscribed in arcs: the rest is for projections


# A constant ellipsoid, not state (building one reads nothing from disk, but costs ~15 µs).
_WGS84 = pyproj.Geod(ellps="WGS84")


def _geod() -> pyproj.Geod:
    return _WGS84


def max_edge_m(lat_deg: float, sag_m: float = EDGE_SAG_M) -> float:
    """Longest edge, at this latitude, whose straight lon/lat line stays near the geodesic.

    A straight line in longitude/latitude and the geodesic between the same ends differ by
    at most about L²·tan|φ|/(8R) in the middle; this is the L that keeps that below
    ``sag_m``.
    """
    slope = abs(math.tan(math.radians(min(abs(lat_deg), 89.0))))
    if slope < 1e-9:
        return MAX_EDGE_M
    radius = float(gaussian_radius_m(np.array(lat_deg)))
    return min(MAX_EDGE_M, math.sqrt(8.0 * radius * sag_m / slope))


def edge_length_m(a: Position, b: Position) -> float:
    """Approximate length (m) of a short straight lon/lat edge (local metres per degree)."""
    per_lat, per_lon = metres_per_degree(np.array(0.5 * (a[1] + b[1])))
    return math.hypot((b[0] - a[0]) * float(per_lon), (b[1] - a[1]) * float(per_lat))


def densify(positions: Sequence[Position], sag_m: float = EDGE_SAG_M) -> list[Position]:
    """Positions added along straight lon/lat edges so none is longer than :func:`max_edge_m`."""
    out: list[Position] = [positions[0]]
    for a, b in itertools.pairwise(positions):
        limit = max_edge_m(max(abs(a[1]), abs(b[1])), sag_m)
        steps = max(1, math.ceil(edge_length_m(a, b) / limit))
        for k in range(1, steps):
            f = k / steps
            out.append((a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])))
        out.append(b)
    return out


def circle_vertex_count(radius_m: float) -> int:
    """Vertices of a polygon inscribed in a circle that stays within :data:`TOLERANCE_M`."""
    if radius_m <= _VERTEX_SAG_M:
        return 16
    half_angle = math.acos(1.0 - _VERTEX_SAG_M / radius_m)
    return int(min(720, max(16, math.ceil(math.pi / half_angle))))


def geodesic_circle(lon: float, lat: float, radius_m: float) -> list[Position]:
    """A closed ring of points at ``radius_m`` (geodesic) around a centre, counter-clockwise.

    Longitudes are unwrapped around the centre's, so a circle across the antimeridian is
    one continuous ring.
    """
    count = circle_vertex_count(radius_m)
    azimuths = np.linspace(360.0, 0.0, count, endpoint=False)  # clockwise azimuth = CCW ring
    lons, lats, _ = _geod().fwd(
        np.full(count, lon), np.full(count, lat), azimuths, np.full(count, radius_m)
    )
    lons = lon + (np.asarray(lons) - lon + 180.0) % 360.0 - 180.0
    ring = list(zip(lons.tolist(), np.asarray(lats).tolist(), strict=True))
    return [*ring, ring[0]]


def _quad_segs(radius_m: float) -> int:
    if radius_m <= _VERTEX_SAG_M:
        return 2
    half_angle = math.acos(1.0 - _VERTEX_SAG_M / radius_m)
    return int(min(90, max(2, math.ceil((math.pi / 4.0) / half_angle))))


def buffer_lines(lines: Sequence[Sequence[Position]], buffer_m: float) -> BaseGeometry:
    """The set of points within ``buffer_m`` of any of the lines (unwrapped lon/lat polygons).

    Each line is densified, cut into pieces of at most :data:`CHUNK_M`, and each piece is
    buffered in an azimuthal equidistant projection centred on it; the union is returned in
    the lines' own (unwrapped) longitudes.
    """
    polygons: list[BaseGeometry] = []
    for line in lines:
        for chunk in _chunks(densify(line, BUFFER_SAG_M)):
            polygons.append(_buffer_chunk(chunk, buffer_m))
    return shapely.union_all(polygons)


def _chunks(line: list[Position]) -> list[list[Position]]:
    chunks: list[list[Position]] = []
    current: list[Position] = [line[0]]
    length = 0.0
    for a, b in itertools.pairwise(line):
        step = edge_length_m(a, b)
        if length + step > CHUNK_M and len(current) > 1:
            chunks.append(current)
            current, length = [a], 0.0
        current.append(b)
        length += step
    chunks.append(current)
    return chunks


def _buffer_chunk(chunk: list[Position], buffer_m: float) -> BaseGeometry:
    lons = np.array([p[0] for p in chunk])
    lats = np.array([p[1] for p in chunk])
    lon_c = float(0.5 * (lons.min() + lons.max()))
    lat_c = float(0.5 * (lats.min() + lats.max()))
    projection = pyproj.Proj(proj="aeqd", lat_0=lat_c, lon_0=lon_c, ellps="WGS84")
    x, y = projection(lons, lats)
    if len(chunk) == 1 or (np.ptp(x) == 0.0 and np.ptp(y) == 0.0):
        planar = shapely.Point(x[0], y[0])
    else:
        planar = shapely.LineString(np.column_stack([x, y]))
    area = shapely.buffer(planar, buffer_m, quad_segs=_quad_segs(buffer_m))
    return _unproject(area, projection, lon_c)


def _unproject(planar: BaseGeometry, projection: pyproj.Proj, lon_c: float) -> BaseGeometry:
    def inverse(xy: np.ndarray) -> np.ndarray:
        lon, lat = projection(xy[:, 0], xy[:, 1], inverse=True)
        lon = lon_c + (np.asarray(lon) - lon_c + 180.0) % 360.0 - 180.0
        return np.column_stack([lon, lat])

    return shapely.transform(planar, inverse)


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area (m²) on the ellipsoid of a lon/lat polygon or multipolygon."""
    geod = _geod()
    total = 0.0
    # Outer rings counter-clockwise count positive, holes clockwise negative (as pyproj's
    # geometry_area_perimeter does it, without its slow coordinate access).
    rings = shapely.get_rings(shapely.get_parts(shapely.orient_polygons(geometry)))
    for ring in rings.tolist():
        xy = shapely.get_coordinates(ring)
        area, _ = geod.polygon_area_perimeter(xy[:, 0], xy[:, 1])
        total += area
    return float(total)


def distance_to_pole_m(lon: float, lat: float) -> float:
    """Geodesic distance (m) from a point to the nearer pole."""
    pole = 90.0 if lat >= 0 else -90.0
    _, _, distance = _geod().inv(lon, lat, lon, pole)
    return float(distance)
