"""Zones as volumes of the plans: every active zone is in the 4-D index beside the
operations, so that a write overlapping a zone must key its version where the zone's owner
shares it with the writer, and the owners of operations a ``no_entry`` zone or protected site
now overlaps are advised. The zones service tells of each change (:meth:`ZoneVolumes.changed`,
one of its listeners, inside the zone's write).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from deconfliction.errors import AlreadyExists
from deconfliction.hub.operations.advice import Advice
from deconfliction.hub.operations.plans import LivePlans
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.declarations import ZoneChange
from deconfliction.model.zone import Zone


class ZoneVolumes:
    """Keeps the zones in the plans' index and their advisories (see the module docs)."""

    def __init__(
        self,
        plans: LivePlans,
        advice: Advice,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        lock: threading.RLock,
        reload: Callable[[float], None],
    ) -> None:
        self._plans = plans
        self._advice = advice
        self._write = write
        self._lock = lock
        self._reload = reload

    def load(self, zones: Iterable[tuple[Zone, str]]) -> None:
        """The active zones and their versions, at start (indexed; no advice: advisories
        already open were loaded with the alert book)."""
        with self._lock:
            for zone, version in zones:
                self._plans.put_zone(zone, version)

    def changed(self, unit: WriteUnit, change: ZoneChange) -> None:
        """Declared and updated zones are (re)indexed, withdrawn and expired ones leave."""
        if change.kind in ("declared", "updated"):
            self._take(unit, change.zone, str(change.version))
        else:
            self._drop(unit, change.zone.id)

    def index(self, zone: Zone, version: str) -> None:
        """Take ``zone`` as a volume under ``version``, in a write of its own."""
        with self._write() as unit:
            self._take(unit, zone, version)

    def remove(self, zone_id: str) -> None:
        """A zone left: out of the index, its advisories expire (in a write of its own)."""
        with self._write() as unit:
            self._drop(unit, zone_id)

    def _take(self, unit: WriteUnit, zone: Zone, version: str) -> None:
        if self._plans.live(zone.id) is not None:
            raise AlreadyExists(f"{zone.id!r} is the id of an operation; choose another id")
        unit.on_rollback(self._reload)
        self._plans.put_zone(zone, version)
        self._advice.zone_written(unit, zone)

    def _drop(self, unit: WriteUnit, zone_id: str) -> None:
        unit.on_rollback(self._reload)
        self._plans.remove_zone(zone_id)
        self._advice.left(unit, zone_id)
