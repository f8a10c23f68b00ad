"""What the out conversions share: who the events are for, and where a geometry is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DAY_S = 86_400.0


@dataclass(frozen=True)
class Reader:
    """Who the events are for: the party, its language and time zone, and the uid of the
    TAK client (if it has said who it is), to address GeoChat to."""

    party: str
    language: str = "en"
    timezone: str = "UTC"
    client_uid: str | None = None


def outline_point(geojson: Any) -> tuple[float, float] | None:
    """The mean of the first ring's (or line's) positions of a GeoJSON geometry."""
    coords = geojson.get("coordinates") if isinstance(geojson, Mapping) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        if not isinstance(coords[0][0], list):
            break
        coords = coords[0]
    if not isinstance(coords, list) or not coords:
        return None
    if not isinstance(coords[0], list):
        coords = [coords]
    points = [p for p in coords if isinstance(p, list) and len(p) >= 2]
    if not points:
        return None
    return (
        sum(float(p[1]) for p in points) / len(points),
        sum(float(p[0]) for p in points) / len(points),
    )
