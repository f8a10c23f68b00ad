"""GeoJSON geometry in, a validated region out: the one geometry model of zones and volumes.

:func:`parse_geometry` reads a GeoJSON geometry and the sizes that go with it and returns a
:class:`Region`, or raises :class:`~deconfliction.errors.InvalidInput` with a message that
names the object (``label``) and the problem.

What a geometry means:

- ``Polygon``/``MultiPolygon``: the area inside (holes excluded; parts may overlap), grown
  by ``buffer_m`` if given. Edges are straight lines in longitude/latitude (RFC 7946).
- ``Point``/``MultiPoint``: a disc of ``radius_m + buffer_m`` (geodesic) around each point.
- ``LineString``/``MultiLineString``: the points within ``buffer_m`` of the line.

Distances are metres on the ground, never degrees. An edge that jumps more than 180° of
longitude crosses the antimeridian; a ring drawn across it and the same ring pre-split as
RFC 7946 asks give the same region. Regions that contain a pole (a ring that goes round a
pole, or a circle or buffer that reaches one) are refused: longitude/latitude outlines
cannot represent them and no operating area needs one.

A :class:`Region` has two exact-enough descriptions of the same set of points:

- ``shape``: its outline as a shapely Polygon/MultiPolygon in longitude/latitude, split at
  the antimeridian into pieces within [-180, 180] and normalised. Circles and buffers are
  polygons whose vertices lie on the exact boundary, within 5 m of it
  (:data:`~deconfliction.geo.metric.TOLERANCE_M`). Use it to intersect regions (zone
  overlaps, operation volumes), to draw them and for their area.
- ``parts``: the exact union of discs, capsules and small polygonal pieces
  (:class:`~deconfliction.geo.parts.RegionParts`) that detection tests tracks against;
  made on first use (zones need them, operations' volumes do not).

>>> region = parse_geometry({"type": "Point", "coordinates": [38.66, 33.5]}, radius_m=55_000,
...                         label="zone 'tanf'")
>>> region.kind.value, round(region.area_m2 / 1e6)
('circle', 9502)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from deconfliction.errors import InvalidInput
from deconfliction.geo.antimeridian import (
    shift_into_world,
    shift_near,
    split_at_antimeridian,
    unwrap_positions,
    unwrap_ring,
)
from deconfliction.geo.coords import Position, SourceGeometry, fmt, read_geometry
from deconfliction.geo.metric import (
    buffer_lines,
    distance_to_pole_m,
    geodesic_area_m2,
    geodesic_circle,
)
from deconfliction.geo.parts import RegionParts, capsules, convex_pieces, discs
from deconfliction.geo.validity import check_polygon

MAX_REACH_M = 2_000_000.0  # largest radius or buffer: beyond it local projections mislead


class RegionKind(StrEnum):
    """What a region was drawn as."""

    AREA = "area"  # Polygon or MultiPolygon (possibly buffered)
    CIRCLE = "circle"  # Point or MultiPoint with a radius
    LINE = "line"  # LineString or MultiLineString with a buffer


@dataclass(frozen=True)
class GeometryLimits:
    """Limits on submitted geometry (settings ``zone_max_vertices``, ``zone_max_area_m2``)."""

    max_vertices: int = 10_000
    max_area_m2: float = 500_000e6


@dataclass(frozen=True, eq=False)
class Region:
    """A validated region (see the module docs for ``shape`` and ``parts``)."""

    kind: RegionKind
    shape: BaseGeometry
    make_parts: Callable[[], RegionParts] = field(repr=False)
    area_m2: float
    radius_m: float
    buffer_m: float
    vertex_count: int

    @cached_property
    def parts(self) -> RegionParts:
        return self.make_parts()

    def geojson(self) -> dict[str, Any]:
        """The outline as GeoJSON (RFC 7946: split at ±180, outer rings counter-clockwise)."""
        oriented = shapely.orient_polygons(self.shape)
        result: dict[str, Any] = json.loads(shapely.to_geojson(oriented))
        return result

    def intersects(self, other: Region) -> bool:
        """Whether the outlines share at least one point (touching counts)."""
        return bool(shapely.intersects(self.shape, other.shape))

    def intersection(self, other: Region) -> BaseGeometry:
        """The points the outlines share (a polygon, or a line or point where they only touch)."""
        return shapely.intersection(self.shape, other.shape)

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each point is inside or on the outline (within 5 m of the exact region)."""
        lon_array = (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0
        return np.asarray(
            shapely.intersects_xy(self.shape, lon_array, np.asarray(lat, dtype=np.float64))
        )


def parse_geometry(
    geojson: Any,
    *,
    radius_m: float | None = None,
    buffer_m: float | None = None,
    limits: GeometryLimits | None = None,
    label: str = "geometry",
) -> Region:
    """Read a GeoJSON geometry into a validated :class:`Region`.

    Parameters
    ----------
    geojson
        A GeoJSON geometry object (parsed JSON): Point, MultiPoint, LineString,
        MultiLineString, Polygon or MultiPolygon.
    radius_m
        Radius of the disc around each point (Point and MultiPoint only).
    buffer_m
        Distance by which to grow the geometry; required (> 0) for lines.
    limits
        Most vertices and largest area accepted.
    label
        How the messages name the object, e.g. ``"zone 'river-line'"``.

    Raises
    ------
    InvalidInput
        With a plain-language message naming ``label`` and the problem.

    Examples
    --------
    >>> line = {"type": "LineString", "coordinates": [[39.01, 35.95], [40.14, 35.33]]}
    >>> parse_geometry(line, buffer_m=5000, label="zone 'river-line'").kind.value
    'line'
    >>> parse_geometry(line, buffer_m=-5, label="zone 'river-line'")
    Traceback (most recent call last):
    ...
    deconfliction.errors.InvalidInput: zone 'river-line': buffer_m is -5.0; a buffer is a \
distance of 0 metres or more
    """
    limits = limits or GeometryLimits()
    radius = _distance(radius_m, "radius_m", "a radius", label)
    buffer = _distance(buffer_m, "buffer_m", "a buffer", label)
    source = read_geometry(geojson, label=label, max_vertices=limits.max_vertices)
    if radius and not source.points:
        raise InvalidInput(
            f"{label}: radius_m applies to Point geometries only; "
            f"to widen a {source.type} use buffer_m"
        )
    if source.points:
        region = _circles(source, radius + buffer, label)
    elif source.lines:
        region = _lines(source, buffer, label)
    else:
        region = _areas(source, buffer, label)
    if region.area_m2 > limits.max_area_m2:
        raise InvalidInput(
            f"{label}: its area is {region.area_m2 / 1e6:,.0f} km², more than the limit of "
            f"{limits.max_area_m2 / 1e6:,.0f} km²; split it into smaller objects"
        )
    return Region(
        kind=region.kind,
        shape=region.shape,
        make_parts=region.make_parts,
        area_m2=region.area_m2,
        radius_m=radius,
        buffer_m=buffer,
        vertex_count=source.vertex_count,
    )


def _distance(value: float | None, name: str, what: str, label: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{label}: {name} must be a number of metres, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{label}: {name} must be a finite number of metres, got {value!r}")
    if number < 0:
        raise InvalidInput(
            f"{label}: {name} is {fmt(number)}; {what} is a distance of 0 metres or more"
        )
    if number > MAX_REACH_M:
        raise InvalidInput(
            f"{label}: {name} is {number:,.0f} m; the largest supported is {MAX_REACH_M:,.0f} m"
        )
    return number


def _check_clear_of_poles(positions: list[Position], reach_m: float, label: str) -> None:
    nearest = max(positions, key=lambda p: abs(p[1]))
    if distance_to_pole_m(nearest[0], nearest[1]) <= reach_m:
        pole = "North" if nearest[1] >= 0 else "South"
        raise InvalidInput(
            f"{label}: it reaches the {pole} Pole (from {fmt(nearest[0])}, {fmt(nearest[1])} "
            f"with {reach_m:,.0f} m); regions that contain a pole are not supported"
        )


def _circles(source: SourceGeometry, radius: float, label: str) -> Region:
    if radius <= 0.0:
        raise InvalidInput(
            f"{label}: a {source.type} needs radius_m (or buffer_m) greater than 0 metres"
        )
    _check_clear_of_poles(source.points, radius, label)
    rings = [geodesic_circle(lon, lat, radius) for lon, lat in source.points]
    shape = split_at_antimeridian(shapely.union_all([shapely.Polygon(r) for r in rings]))
    return _region(RegionKind.CIRCLE, shape, lambda: discs(source.points, radius))


def _lines(source: SourceGeometry, buffer: float, label: str) -> Region:
    if buffer <= 0.0:
        raise InvalidInput(
            f"{label}: a {source.type} needs buffer_m greater than 0 metres "
            "(the distance on each side of the line)"
        )
    lines = [unwrap_positions(line) for line in source.lines]
    _check_clear_of_poles([p for line in lines for p in line], buffer, label)
    shape = split_at_antimeridian(buffer_lines(lines, buffer))
    return _region(RegionKind.LINE, shape, lambda: capsules(lines, buffer))


def _areas(source: SourceGeometry, buffer: float, label: str) -> Region:
    polygons: list[list[list[Position]]] = []
    for number, rings in enumerate(source.polygons, 1):
        unwrapped = [
            unwrap_ring(ring, label=label, where=f"ring {i} of polygon {number}")
            for i, ring in enumerate(rings, 1)
        ]
        outer = shift_into_world(unwrapped[0])
        holes = [shift_near(hole, outer[0][0]) for hole in unwrapped[1:]]
        check_polygon([outer, *holes], label=label, number=number)
        polygons.append([outer, *holes])
    plain = split_at_antimeridian(
        shapely.union_all([shapely.Polygon(p[0], p[1:]) for p in polygons])
    )
    shape = plain
    rings = [ring for polygon in polygons for ring in polygon]
    if buffer > 0.0:
        _check_clear_of_poles([p for ring in rings for p in ring], buffer, label)
        grown = buffer_lines(rings, buffer)
        shape = split_at_antimeridian(shapely.union_all([plain, grown]))

    def parts() -> RegionParts:
        pieces = [_pieces(plain)]
        if buffer > 0.0:
            pieces.append(capsules(rings, buffer))
        return RegionParts.concat(pieces)

    return _region(RegionKind.AREA, shape, parts)


def _pieces(shape: BaseGeometry) -> RegionParts:
    pieces = []
    for polygon in shapely.get_parts(shape):
        rings = [list(polygon.exterior.coords), *(list(h.coords) for h in polygon.interiors)]
        pieces.append(convex_pieces([[(x, y) for x, y in ring] for ring in rings]))
    return RegionParts.concat(pieces)


def _region(kind: RegionKind, shape: BaseGeometry, parts: Callable[[], RegionParts]) -> Region:
    return Region(
        kind=kind,
        shape=shape,
        make_parts=parts,
        area_m2=geodesic_area_m2(shape),
        radius_m=0.0,
        buffer_m=0.0,
        vertex_count=0,
    )
