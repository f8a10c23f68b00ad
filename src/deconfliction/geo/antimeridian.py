"""The antimeridian: unwrapping outlines that cross it, and splitting them as RFC 7946 asks.

An edge whose longitude jumps by more than 180° is taken to cross the antimeridian (the
short way round), as RFC 7946 §3.1.9 implies. Outlines are *unwrapped* (longitudes made
continuous, possibly beyond ±180) for every metric computation, and the canonical shape of
a region is *split* into pieces within [-180, 180], so that a ring drawn across the
antimeridian and the same ring pre-split into a MultiPolygon give the same region.

A ring whose unwrapped longitudes do not come back to where they started goes around a
pole; regions containing a pole are refused (see :func:`unwrap_ring`).

>>> unwrap([179.0, -179.0, -178.0])
[179.0, 181.0, 182.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from deconfliction.errors import InvalidInput
from deconfliction.geo.coords import Position

WORLD_WEST = -180.0
WORLD_EAST = 180.0


def unwrap(lons: Sequence[float]) -> list[float]:
    """Longitudes made continuous: each differs from the previous by at most 180°."""
    out: list[float] = []
    shift = 0.0
    previous: float | None = None
    for lon in lons:
        if previous is not None:
            step = lon - previous
            if step > 180.0:
                shift -= 360.0
            elif step < -180.0:
                shift += 360.0
        out.append(lon + shift)
        previous = lon
    return out


def unwrap_positions(positions: Sequence[Position]) -> list[Position]:
    """Positions with their longitudes unwrapped (see :func:`unwrap`)."""
    lons = unwrap([p[0] for p in positions])
    return [(lon, p[1]) for lon, p in zip(lons, positions, strict=True)]


def unwrap_ring(ring: Sequence[Position], *, label: str, where: str) -> list[Position]:
    """A closed ring unwrapped; refused with a clear message if it goes around a pole."""
    out = unwrap_positions(ring)
    if abs(out[-1][0] - out[0][0]) > 1e-9:
        pole = "North" if sum(p[1] for p in ring) >= 0 else "South"
        raise InvalidInput(
            f"{label}: {where} goes all the way round the {pole} Pole; outlines that "
            "contain a pole are not supported — split it into parts that do not"
        )
    return out


def shift_near(positions: Sequence[Position], reference_lon: float) -> list[Position]:
    """Positions shifted by a multiple of 360° so the first longitude is near ``reference_lon``."""
    if not positions:
        return []
    turns = round((reference_lon - positions[0][0]) / 360.0)
    if turns == 0:
        return list(positions)
    return [(lon + 360.0 * turns, lat) for lon, lat in positions]


def shift_into_world(positions: Sequence[Position]) -> list[Position]:
    """Positions shifted by a multiple of 360° so the westernmost is in [-180, 180)."""
    west = min(p[0] for p in positions)
    turns = -((west + 180.0) // 360.0)
    if turns == 0:
        return list(positions)
    return [(lon + 360.0 * turns, lat) for lon, lat in positions]


def split_at_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """An unwrapped geometry cut at ±180° with every piece moved into [-180, 180].

    The pieces are unioned and normalised, so equal regions give equal geometries whatever
    side of the antimeridian they were drawn on.
    """
    west, _, east, _ = geometry.bounds
    if west > WORLD_WEST and east < WORLD_EAST:
        # Clear of the antimeridian (the common case): nothing to cut, no overlays to run.
        return shapely.normalize(_polygonal(shapely.union_all([geometry])))
    pieces = []
    for turn in (-2, -1, 0, 1, 2):
        window = shapely.box(WORLD_WEST + 360.0 * turn, -90.0, WORLD_EAST + 360.0 * turn, 90.0)
        piece = shapely.intersection(geometry, window)
        if piece.is_empty:
            continue
        pieces.append(shapely.transform(piece, lambda xy, t=turn: xy - [360.0 * t, 0.0]))
    merged = shapely.union_all(pieces)
    return shapely.normalize(_polygonal(merged))


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (intersections can leave slivers of lower dimension)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()
