"""Every declaration a zone has had, and when each was in force: what incident evidence
shows of the zones "as they stood".

Each declaration (a new zone, an update, a declaration again after it ended) is stored as an
object of kind ``zone_version`` (id ``<zone id>@<version>``) holding the Feature and the
time it took effect; when it stops being the current one (replaced, withdrawn, expired)
that time and the reason are added. :meth:`ZoneVersions.states_during` reads them back for
a window and draws each that was in force during it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.geo import GeometryLimits
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.zone import Zone, ZoneOutline
from deconfliction.store import Store, StoredObject
from deconfliction.units import parse_time

KIND = "zone_version"
CURRENT = "current"
# Stored zones were accepted under the limits of their day; reading them back must not
# refuse them if the limits were lowered since.
STORED_LIMITS = GeometryLimits(max_vertices=10**9, max_area_m2=math.inf)


def version_id(zone_id: str, version: int) -> str:
    return f"{zone_id}@{version}"


def parse_stored(feature: dict[str, Any], owner: str) -> Zone:
    """A zone from a Feature the hub accepted before (no limits, no check against now)."""
    return Zone.from_feature(feature, owner=owner, limits=STORED_LIMITS)


class ZoneVersions:
    """The declarations of every zone, in the store (see the module docs)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def declared(self, unit: WriteUnit, zone: Zone, version: int) -> None:
        """``zone`` is in force from now as ``version`` of its id."""
        doc = {"zone": zone.id, "feature": zone.to_feature(), "from_s": unit.now_s}
        unit.tx.put_object(
            StoredObject(
                KIND, version_id(zone.id, version), zone.owner, version, CURRENT, unit.now_s, doc
            )
        )

    def ended(
        self,
        unit: WriteUnit,
        *,
        zone_id: str,
        owner: str,
        version: int,
        feature: dict[str, Any],
        from_s: float,
        reason: str,
    ) -> None:
        """Version ``version`` of ``zone_id``, in force since ``from_s``, stopped being the
        current one: ``reason`` is ``replaced``, ``withdrawn`` or ``expired``."""
        doc = {"zone": zone_id, "feature": feature, "from_s": from_s, "until_s": unit.now_s}
        unit.tx.put_object(
            StoredObject(
                KIND, version_id(zone_id, version), owner, version, reason, unit.now_s, doc
            )
        )

    def states_during(
        self,
        start_s: float,
        end_s: float,
        current: Callable[[str, int], Zone | None] = lambda _id, _version: None,
    ) -> list[ZoneOutline]:
        """Every declaration in force at some moment of ``[start_s, end_s]``, drawn.

        ``state`` is ``active`` if it was still in force at the end of the window, else
        how it ended inside it (``replaced``, ``withdrawn``, ``expired``). ``current`` gives
        the zone already parsed for a current declaration (``(id, version)``), so that only
        older declarations are parsed again.
        """
        found: list[tuple[float, str, ZoneOutline]] = []
        for stored in self._store.list_objects(KIND):
            doc = stored.doc
            until = doc.get("until_s")
            life_end = math.inf if until is None else float(until)
            valid_from, valid_to = _window(doc["feature"])
            begins = max(float(doc["from_s"]), valid_from)
            ends = min(life_end, valid_to)
            if begins > end_s or ends < start_s or begins >= ends:
                continue
            zone = current(str(doc["zone"]), stored.version)
            if zone is None:
                try:
                    zone = parse_stored(doc["feature"], stored.owner)
                except (InvalidInput, KeyError):
                    continue  # a declaration that cannot be read again is left out, not fatal
            if ends > end_s:
                state = "active"
            elif life_end <= valid_to:
                state = stored.state
            else:
                state = "expired"
            outline = ZoneOutline(zone.id, zone.region.shape, zone.rule.value, zone.owner, state)
            found.append((begins, stored.id, outline))
        return [outline for _, _, outline in sorted(found, key=lambda f: (f[0], f[1]))]


def _window(feature: dict[str, Any]) -> tuple[float, float]:
    """A stored Feature's validity window (unix s; ±inf for none), without its geometry."""
    props = feature.get("properties") or {}
    bounds = []
    for name, default in (("valid_from", -math.inf), ("valid_to", math.inf)):
        value = props.get(name)
        try:
            bounds.append(default if value is None else parse_time(value, name))
        except InvalidInput:
            bounds.append(default)
    return bounds[0], bounds[1]
