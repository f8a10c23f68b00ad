"""Shared scenario constants and small builders for tests, one headed section per topic."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

# --- Operations: footprints, volumes, times ------------------------------------------------
# Footprints are built here because `deconfliction.geo` (GeoJSON → geometry) is separate
# work; these helpers give the same kind of shapes: lon/lat degrees, metres for radii.

WGS84 = Geod(ellps="WGS84")
NOW_S = 1_750_000_000.0  # 2025-06-15T15:06:40Z
HOUR_S = 3600.0
PARIS = (48.8566, 2.3522)  # lat, lon


def circle(lat: float, lon: float, radius_m: float, segments: int = 64) -> shapely.Polygon:
    """A geodesic circle; its first vertex is due east of the centre."""
    azimuths = 90.0 - np.arange(segments) * 360.0 / segments
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), azimuths, np.full(segments, radius_m)
    )
    return shapely.Polygon(np.column_stack([lons, lats]))


def corridor(points: list[tuple[float, float]], half_width_m: float) -> BaseGeometry:
    """A route (lat, lon points) buffered by ``half_width_m`` in a local equidistant projection."""
    lat0, lon0 = points[0]
    local = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    forward = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    back = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    xs, ys = forward.transform([p[1] for p in points], [p[0] for p in points])
    buffered = shapely.LineString(np.column_stack([xs, ys])).buffer(half_width_m)
    return shapely.transform(buffered, lambda xy: np.column_stack(back.transform(*xy.T)))


def split_box(lat_south: float, lat_north: float, west: float, east: float) -> BaseGeometry:
    """A box from ``west`` (e.g. 179.9) across the antimeridian to ``east`` (e.g. -179.9)."""
    eastern_part = shapely.box(west, lat_south, 180.0, lat_north)
    western_part = shapely.box(-180.0, lat_south, east, lat_north)
    return shapely.MultiPolygon([eastern_part, western_part])
