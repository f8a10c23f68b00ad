"""Zone-to-zone advice: a protected zone declared in or on another party's no-entry zone.

When a zone is declared or changed, :func:`find_overlaps` pairs it with the active zones of
other parties it forms a protected/no-entry pair with (candidates from an R-tree of the
outlines' boxes, then :func:`~deconfliction.detect.zone_overlap.overlap_advice`), and
:class:`ZoneAdvice` makes each pair a one-shot advisory alert (kind ``zone_zone``) for both
owners at once, through :meth:`AlertBook.open <deconfliction.hub.alerts.AlertBook.open>`.

What each owner is told: its own zone, the other party's name, the overlap (its outline,
area, altitude band and time window) and the other zone only if it is shared with it.

An advisory is closed when the pair no longer holds: resolved when either zone is changed so
that they no longer overlap (a change that alters what the owners are told closes it and
opens a new one), expired when either zone is withdrawn or expires.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import shapely

from deconfliction.detect.zone_overlap import ZoneOverlap, overlap_advice
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import AlertBook, Finding, Lazy
from deconfliction.hub.alerts.keys import ConflictKey, ZonePair
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.alert_views import ZoneOverlapGeometry
from deconfliction.model.states import AlertState
from deconfliction.model.zone import Zone, ZoneRule
from deconfliction.units import format_time

_PAIRED = {ZoneRule.PROTECTED: ZoneRule.NO_ENTRY, ZoneRule.NO_ENTRY: ZoneRule.PROTECTED}
KINDS = frozenset({AlertKind.ZONE_ZONE})


def advice_key(overlap: ZoneOverlap) -> ZonePair:
    return ZonePair(overlap.protected.id, overlap.no_entry.id)


def find_overlaps(changed: Sequence[Zone], active: Sequence[Zone]) -> list[ZoneOverlap]:
    """The protected/no-entry pairs the ``changed`` zones form with the ``active`` ones
    (which may include them), each pair once."""
    pools: dict[ZoneRule, tuple[list[Zone], shapely.STRtree]] = {}
    for rule in _PAIRED:
        members = [zone for zone in active if zone.rule is rule]
        pools[rule] = (members, shapely.STRtree([zone.region.shape for zone in members]))
    found: dict[ZonePair, ZoneOverlap] = {}
    for zone in changed:
        wanted = _PAIRED.get(zone.rule)
        if wanted is None:
            continue
        members, tree = pools[wanted]
        near = [members[int(j)] for j in tree.query(zone.region.shape).tolist()]
        for overlap in overlap_advice(zone, near):
            found.setdefault(advice_key(overlap), overlap)
    return list(found.values())


def _limit(value: float) -> float | None:
    return None if math.isinf(value) else value


def _time(value: float) -> str | None:
    return None if math.isinf(value) else format_time(value)


def advice_views(overlap: ZoneOverlap) -> visibility.Views:
    """What each of the two owners is told (see the module docs)."""
    a, b = overlap.protected, overlap.no_entry
    starts = max(-math.inf if z.valid_from_s is None else z.valid_from_s for z in (a, b))
    ends = min(math.inf if z.valid_to_s is None else z.valid_to_s for z in (a, b))
    geometry = ZoneOverlapGeometry(
        overlap=overlap.overlap_geojson(),
        overlap_area_m2=round(overlap.area_m2, 1),
        touches_only=overlap.touches_only,
        protected_zone_inside=overlap.inside,
        alt_lower_m=_limit(max(a.alt_lower_m, b.alt_lower_m)),
        alt_upper_m=_limit(min(a.alt_upper_m, b.alt_upper_m)),
        valid_from=_time(starts),
        valid_to=_time(ends),
    )
    return visibility.zone_pair(a, b, geometry)


class ZoneAdvice:
    """Opens and closes the zone–zone advisories in the alert book."""

    def __init__(self, alerts: AlertBook) -> None:
        self._alerts = alerts

    def _open_about(self, zone_ids: Iterable[str]) -> list[ConflictKey]:
        ids = set(zone_ids)
        return [
            key
            for key in self._alerts.open_keys(KINDS)
            if isinstance(key, ZonePair) and (key.protected_zone in ids or key.no_entry_zone in ids)
        ]

    def changed(self, unit: WriteUnit, changed: Sequence[Zone], active: Sequence[Zone]) -> None:
        """The zones ``changed`` were declared or changed; ``active``: every active zone."""
        wanted: dict[ConflictKey, ZoneOverlap] = {
            advice_key(o): o for o in find_overlaps(changed, active)
        }
        for key in self._open_about(z.id for z in changed):
            overlap = wanted.get(key)
            if overlap is not None and self._alerts.views(key) == advice_views(overlap):
                del wanted[key]  # told already, and still true as told
                continue
            self._alerts.close(unit, key, AlertState.RESOLVED)
        for key, overlap in wanted.items():
            if not self._alerts.is_open(key):
                views = Lazy.of(advice_views(overlap))
                self._alerts.open(unit, Finding(key, Severity.ADVISORY, views))

    def ended(self, unit: WriteUnit, zone_id: str) -> None:
        """Zone ``zone_id`` was withdrawn or expired: its advisories expire."""
        for key in self._open_about([zone_id]):
            self._alerts.close(unit, key, AlertState.EXPIRED)
