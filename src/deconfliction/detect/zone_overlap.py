"""Zone-to-zone advice: a protected zone that lies in or on another party's no-entry zone.

When a party declares a protected site (a hospital, a camp, a convoy halt) inside, or
touching, a ``no_entry`` zone or line buffer of another party, both owners should know at
once: one has declared protection where the other keeps others out. :func:`overlap_advice`
finds those pairs for a newly declared or changed zone (either side: a new protected zone
against existing no-entry zones, or a new no-entry zone against existing protected
zones). Two zones meet only if their outlines share a point, their validity windows
overlap and their altitude bands overlap.

Nobody is told the other's zone unless it is shared with them: the advice for a party
(:meth:`ZoneOverlap.advice_for`) names its own zone, the other party, the overlap geometry
and its area, and the other zone's id only if that zone is visible to the party.

Outlines are within 5 m of the exact regions (see :mod:`deconfliction.geo.region`), so
"touching" is judged to that precision.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from deconfliction.geo.metric import geodesic_area_m2
from deconfliction.model.zone import Zone, ZoneRule


@dataclass(frozen=True)
class ZoneOverlap:
    """A protected zone and another party's no-entry zone that share at least one point.

    ``overlap``: the shared part in longitude/latitude (a polygon; a line or point when they
    only touch); ``area_m2``: its geodesic area; ``inside``: the protected zone lies wholly
    within the no-entry zone.
    """

    protected: Zone = field(repr=False)
    no_entry: Zone = field(repr=False)
    overlap: BaseGeometry = field(compare=False, repr=False)
    area_m2: float
    touches_only: bool
    inside: bool

    @property
    def owners(self) -> tuple[str, str]:
        return (self.protected.owner, self.no_entry.owner)

    def overlap_geojson(self) -> dict[str, Any]:
        """The shared part as a GeoJSON geometry."""
        result: dict[str, Any] = json.loads(shapely.to_geojson(self.overlap))
        return result

    def advice_for(self, party: str) -> dict[str, Any]:
        """What ``party`` (one of the two owners) is told: no more than it may see."""
        if party == self.protected.owner:
            own, other = self.protected, self.no_entry
        elif party == self.no_entry.owner:
            own, other = self.no_entry, self.protected
        else:
            raise ValueError(f"party {party!r} owns neither zone")
        return {
            "your_zone": own.id,
            "other_party": other.owner,
            "other_zone": other.id if other.visible_to(party) else None,
            "other_rule": other.rule.value,
            "overlap": self.overlap_geojson(),
            "overlap_area_m2": self.area_m2,
            "touches_only": self.touches_only,
            "protected_zone_inside": self.inside,
        }


def overlap_advice(zone: Zone, others: Iterable[Zone]) -> list[ZoneOverlap]:
    """The protected/no-entry pairs that ``zone`` forms with zones of other parties.

    Parameters
    ----------
    zone
        A newly declared or changed zone. Only ``protected`` and ``no_entry`` zones can
        form pairs; for any other rule the answer is empty.
    others
        The zones already declared (any owner, any rule; the zone itself is skipped).

    Returns
    -------
    list of ZoneOverlap
        One per other zone that meets ``zone`` in space, time and altitude, in the order of
        ``others``.

    Examples
    --------
    >>> site = Zone.from_feature(
    ...     {"type": "Feature", "id": "clinic", "properties": {"rule": "protected",
    ...      "radius_m": 300, "valid_to": "2030-01-01T00:00:00Z"},
    ...      "geometry": {"type": "Point", "coordinates": [40.14, 35.33]}}, owner="aid")
    >>> line = Zone.from_feature(
    ...     {"type": "Feature", "id": "river", "properties": {"rule": "no_entry",
    ...      "buffer_m": 5000}, "geometry": {"type": "LineString",
    ...      "coordinates": [[39.01, 35.95], [40.14, 35.33], [40.45, 35.02]]}}, owner="east")
    >>> [(o.protected.id, o.no_entry.id, o.inside) for o in overlap_advice(site, [line])]
    [('clinic', 'river', True)]
    """
    if zone.rule is ZoneRule.PROTECTED:
        wanted = ZoneRule.NO_ENTRY
    elif zone.rule is ZoneRule.NO_ENTRY:
        wanted = ZoneRule.PROTECTED
    else:
        return []
    candidates = [
        other
        for other in others
        if other.rule is wanted
        and other.owner != zone.owner
        and other.id != zone.id
        and _times_meet(zone, other)
        and _bands_meet(zone, other)
    ]
    if not candidates:
        return []
    shape = zone.region.shape
    shapely.prepare(shape)
    meets = shapely.intersects(shape, [other.region.shape for other in candidates])
    found: list[ZoneOverlap] = []
    for other, hit in zip(candidates, meets.tolist(), strict=True):
        if not hit:
            continue
        protected, no_entry = (zone, other) if wanted is ZoneRule.NO_ENTRY else (other, zone)
        shared = shapely.intersection(protected.region.shape, no_entry.region.shape)
        polygons = shapely.get_parts(shared)
        area = (
            geodesic_area_m2(shapely.union_all([p for p in polygons if p.geom_type == "Polygon"]))
            if any(p.geom_type == "Polygon" for p in polygons)
            else 0.0
        )
        found.append(
            ZoneOverlap(
                protected=protected,
                no_entry=no_entry,
                overlap=shared,
                area_m2=area,
                touches_only=area == 0.0,
                inside=bool(shapely.covers(no_entry.region.shape, protected.region.shape)),
            )
        )
    return found


def _times_meet(a: Zone, b: Zone) -> bool:
    start = max(_or(a.valid_from_s, -math.inf), _or(b.valid_from_s, -math.inf))
    end = min(_or(a.valid_to_s, math.inf), _or(b.valid_to_s, math.inf))
    return start < end


def _bands_meet(a: Zone, b: Zone) -> bool:
    return max(a.alt_lower_m, b.alt_lower_m) <= min(a.alt_upper_m, b.alt_upper_m)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
