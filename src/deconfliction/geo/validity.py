"""Checking polygon outlines, with the place of each problem in the message.

Rings are checked in unwrapped longitudes (see :mod:`deconfliction.geo.antimeridian`), so a
ring drawn across the antimeridian is judged as drawn. Places are reported as
``(lon, lat)`` with the longitude brought back into [-180, 180].

Parts of a MultiPolygon may overlap or touch: the region is their union.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import shapely

from deconfliction.errors import InvalidInput
from deconfliction.geo.coords import Position, fmt

_REASON = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>[-+0-9.eE]+) (?P<y>[-+0-9.eE]+)\]")


def check_polygon(rings: Sequence[Sequence[Position]], *, label: str, number: int) -> None:
    """Raise unless the rings (outer first, then holes; unwrapped) make a valid polygon."""
    where = f"polygon {number}"
    for index, ring in enumerate(rings, 1):
        # shapely.multipoints makes the points in one call (MultiPoint makes a Point each).
        if shapely.area(shapely.convex_hull(shapely.multipoints(ring))) == 0.0:
            raise _fail(label, f"ring {index} of {where} has no area: its points lie on one line")
        if not shapely.is_simple(shapely.LinearRing(ring)):
            place = _place(shapely.is_valid_reason(shapely.Polygon(ring)))
            raise _fail(label, f"ring {index} of {where} self-intersects{place}")
    polygon = shapely.Polygon(rings[0], rings[1:])
    if shapely.is_valid(polygon):
        return
    reason = shapely.is_valid_reason(polygon)
    match = _REASON.match(reason)
    text = match.group("reason").strip().lower() if match else reason.lower()
    place = _place(reason)
    if text == "self-intersection":
        problem = f"the rings of {where} cross each other{place}"
    elif text == "hole lies outside shell":
        problem = f"a hole of {where} lies outside its outer ring (ring 1){place}"
    elif text == "nested holes":
        problem = f"a hole of {where} lies inside another hole{place}"
    elif text == "interior is disconnected":
        problem = f"the holes of {where} cut it into separate pieces{place}"
    else:
        problem = f"{where} is not a valid polygon ({text}){place}"
    raise _fail(label, problem)


def _place(reason: str) -> str:
    match = _REASON.match(reason)
    if not match:
        return ""
    x = float(match.group("x"))
    lon = (x + 180.0) % 360.0 - 180.0
    if lon == -180.0 and x > 0.0:
        lon = 180.0  # the antimeridian, as reached from the east
    lat = float(match.group("y"))
    return f" near ({fmt(lon)}, {fmt(lat)})"


def _fail(label: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{label}: {problem}")
