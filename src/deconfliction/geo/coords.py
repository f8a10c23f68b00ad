"""Reading the coordinates of a GeoJSON geometry, with plain-language errors.

Positions are ``[lon, lat]`` (an optional third number, an altitude, is accepted and
ignored: altitude bands are properties of the zone or volume, not of its outline). Every
error names the object (``label``, e.g. ``zone 'river-line'``) and where in the geometry
the problem is (``position 3 of ring 1 of polygon 1``).

>>> geometry = read_geometry({"type": "Point", "coordinates": [39.01, 35.95]}, label="zone 'a'",
...                          max_vertices=10)
>>> geometry.points
[(39.01, 35.95)]
>>> read_geometry({"type": "Point", "coordinates": [35.95, 139.0]}, label="zone 'a'",
...               max_vertices=10)
Traceback (most recent call last):
...
deconfliction.errors.InvalidInput: zone 'a': the point [35.95, 139.0] has latitude 139.0, \
out of range [-90, 90]; the pair looks like (lat, lon) — GeoJSON wants [lon, lat]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deconfliction.errors import InvalidInput

Position = tuple[float, float]
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
# How deep the coordinates of each type nest (a position is depth 0).
_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


@dataclass(frozen=True)
class SourceGeometry:
    """A geometry as submitted, checked: (lon, lat) positions with lon in [-180, 180].

    Exactly one of ``points``, ``lines``, ``polygons`` is filled, by ``type``. Rings are
    closed (the last position repeats the first) and have at least three distinct points;
    consecutive repeated positions are kept as given.
    """

    type: str
    vertex_count: int
    points: list[Position] = field(default_factory=list)
    lines: list[list[Position]] = field(default_factory=list)
    polygons: list[list[list[Position]]] = field(default_factory=list)


def fmt(value: float) -> str:
    """A coordinate as people write it: at most 6 decimals, no trailing noise."""
    return repr(round(float(value), 6))


def fmt_position(position: Position) -> str:
    return f"({fmt(position[0])}, {fmt(position[1])})"


def read_geometry(geojson: Any, *, label: str, max_vertices: int) -> SourceGeometry:
    """Check a GeoJSON geometry object and return its positions.

    Raises :class:`~deconfliction.errors.InvalidInput` naming ``label`` and the problem:
    not an object, unknown or unsupported type, coordinates missing or mis-nested, a
    position that is not two finite numbers or is out of range (with a hint when it looks
    like ``[lat, lon]``), more positions than ``max_vertices``, a line with fewer than two
    distinct points, a ring that is not closed or has fewer than three distinct points.
    """
    if not isinstance(geojson, dict):
        raise InvalidInput(f"{label}: the geometry must be a GeoJSON object, got {_kind(geojson)}")
    kind = geojson.get("type")
    if kind == "GeometryCollection" or kind not in GEOMETRY_TYPES:
        raise InvalidInput(
            f"{label}: geometry type {kind!r} is not supported; use " + ", ".join(GEOMETRY_TYPES)
        )
    if "coordinates" not in geojson:
        raise InvalidInput(f'{label}: the {kind} has no "coordinates"')
    coordinates = geojson["coordinates"]
    count = _count_positions(coordinates, _DEPTH[kind])
    if count > max_vertices:
        raise InvalidInput(
            f"{label}: the geometry has {count:,} positions, more than the limit of "
            f"{max_vertices:,}; simplify it or split it into several objects"
        )
    reader = _Reader(label)
    if kind == "Point":
        return SourceGeometry(kind, count, points=[reader.position(coordinates, "the point")])
    if kind == "MultiPoint":
        items = reader.array(coordinates, "the MultiPoint", "points", minimum=1)
        points = [reader.position(p, f"point {i}") for i, p in enumerate(items, 1)]
        return SourceGeometry(kind, count, points=points)
    if kind == "LineString":
        return SourceGeometry(kind, count, lines=[reader.line(coordinates, "the line")])
    if kind == "MultiLineString":
        items = reader.array(coordinates, "the MultiLineString", "lines", minimum=1)
        lines = [reader.line(line, f"line {i}") for i, line in enumerate(items, 1)]
        return SourceGeometry(kind, count, lines=lines)
    if kind == "Polygon":
        return SourceGeometry(kind, count, polygons=[reader.polygon(coordinates, 1)])
    items = reader.array(coordinates, "the MultiPolygon", "polygons", minimum=1)
    polygons = [reader.polygon(polygon, i) for i, polygon in enumerate(items, 1)]
    return SourceGeometry(kind, count, polygons=polygons)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _count_positions(coordinates: Any, depth: int) -> int:
    """Positions in a nest of lists, counted without checking them (to refuse huge input early)."""
    if depth == 0:
        return 1
    if not isinstance(coordinates, list):
        return 0
    if depth == 1:
        return len(coordinates)
    return sum(_count_positions(item, depth - 1) for item in coordinates)


class _Reader:
    """Positions, lines and rings, each error prefixed with the label."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, message: str) -> InvalidInput:
        return InvalidInput(f"{self.label}: {message}")

    def array(self, value: Any, where: str, what: str, minimum: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"{where} must be a list of {what}, got {_kind(value)}")
        if len(value) < minimum:
            raise self.fail(f"{where} has no {what}")
        return value

    def position(self, value: Any, where: str) -> Position:
        if not isinstance(value, list) or not 2 <= len(value) <= 3:
            raise self.fail(
                f"{where} must be a position [lon, lat] (two numbers), got {_short(value)}"
            )
        for number in value:
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise self.fail(f"{where} must hold numbers, got {_short(value)}")
            if not math.isfinite(number):
                raise self.fail(f"{where} must hold finite numbers, got {_short(value)}")
        lon, lat = float(value[0]), float(value[1])
        if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
            return (lon, lat)
        shown = f"[{fmt(lon)}, {fmt(lat)}]"
        if not -90.0 <= lat <= 90.0:
            hint = ""
            if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0:
                hint = "; the pair looks like (lat, lon) — GeoJSON wants [lon, lat]"
            raise self.fail(
                f"{where} {shown} has latitude {fmt(lat)}, out of range [-90, 90]{hint}"
            )
        raise self.fail(f"{where} {shown} has longitude {fmt(lon)}, out of range [-180, 180]")

    def line(self, value: Any, where: str) -> list[Position]:
        items = self.array(value, where, "positions", minimum=1)
        line = [self.position(p, f"position {i} of {where}") for i, p in enumerate(items, 1)]
        if len(set(line)) < 2:
            raise self.fail(f"{where} has fewer than 2 distinct points")
        return line

    def polygon(self, value: Any, number: int) -> list[list[Position]]:
        where = f"polygon {number}"
        rings = self.array(value, where, "rings", minimum=1)
        return [self.ring(ring, f"ring {i} of {where}") for i, ring in enumerate(rings, 1)]

    def ring(self, value: Any, where: str) -> list[Position]:
        items = self.array(value, where, "positions", minimum=1)
        ring = [self.position(p, f"position {i} of {where}") for i, p in enumerate(items, 1)]
        distinct = len(set(ring))
        if distinct < 3:
            raise self.fail(
                f"{where} has {distinct} distinct point{'s' if distinct != 1 else ''}; "
                "a ring needs at least 3"
            )
        if ring[0] != ring[-1]:
            raise self.fail(
                f"{where} is not closed: it starts at {fmt_position(ring[0])} and ends at "
                f"{fmt_position(ring[-1])}; repeat the first position at the end"
            )
        return ring


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
