"""The zones service of the hub: declarations, acknowledgements, expiry, and the zones' check
in every detection cycle.

A zone is a GeoJSON Feature (:mod:`deconfliction.model.zone`) declared by its owner under an
id the owner chooses; ids are global, and an id stays its owner's even after the zone ended
(another party's ``PUT`` on it is refused without a word about the zone). Each zone is a
store object (``kind="zone"``) whose ``version`` counts the changes of its declaration;
each declaration is also kept for incident evidence (:mod:`~deconfliction.hub.zones.history`).

:class:`Zones` is the service the edges use. It is made of the records in memory
(:class:`~deconfliction.hub.zones.registry.ZoneRegistry`: rebuilt from the store at start and
when another process changed them, the detection index, the zones as they stood), the writes
(:class:`~deconfliction.hub.zones.declarations.Declarations`: what each party is told), the
deadlines (:class:`~deconfliction.hub.zones.timers.ZoneTimers`), zone–zone advice
(:mod:`~deconfliction.hub.zones.advice`) and the track–zone check of the cycle
(:class:`~deconfliction.hub.zones.check.ZoneCheck`).

Others plug in through :attr:`Zones.listeners` (called inside the write that declares,
updates, withdraws or expires a zone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from deconfliction.clock import Clock
from deconfliction.errors import InvalidInput
from deconfliction.geo import GeometryLimits
from deconfliction.hub.alerts.book import AlertBook
from deconfliction.hub.hotline.service import Hotline
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.advice import ZoneAdvice
from deconfliction.hub.zones.check import IndexedZones, ZoneCheck, domain_lookaheads
from deconfliction.hub.zones.declarations import Declarations, ZoneListener, ZoneWrite
from deconfliction.hub.zones.records import HUB_MEMBER, ZoneRecord
from deconfliction.hub.zones.registry import ZoneRegistry
from deconfliction.hub.zones.timers import ZoneTimers
from deconfliction.model.zone import Zone, ZoneOutline, zones_from_collection
from deconfliction.settings import Settings
from deconfliction.store import Store


@dataclass(frozen=True)
class ImportResult:
    """What an import did: zones declared (new), updated, and left as they were."""

    declared: int
    updated: int
    unchanged: int


def without_hub_member(feature: Any) -> Any:
    """A Feature as a client may send it back: the hub's own member is dropped."""
    if isinstance(feature, dict) and HUB_MEMBER in feature:
        return {key: value for key, value in feature.items() if key != HUB_MEMBER}
    return feature


class Zones:
    """The zones of one hub (see the module docs)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        parties: Parties,
        alerts: AlertBook,
        hotline: Hotline,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        clock: Clock,
        lock: threading.RLock,
    ) -> None:
        self._parties = parties
        self._write = write
        self._clock = clock
        self._limits = GeometryLimits(settings.zone_max_vertices, settings.zone_max_area_m2)
        self._registry = registry = ZoneRegistry(store, settings, parties, clock, lock)
        self._declarations = Declarations(registry, ZoneAdvice(alerts), hotline)
        self._timers = ZoneTimers(registry, self._declarations, hotline, settings, write)
        lookaheads = domain_lookaheads(
            settings.air_lookahead_s, settings.ground_lookahead_s, settings.sea_lookahead_s
        )
        self.check = ZoneCheck(
            self._indexed_now, registry.current, hotline.crossings.expected, lookaheads
        )

    @property
    def listeners(self) -> list[ZoneListener]:
        """Called inside the write of each change (a listener that raises fails it)."""
        return self._declarations.listeners

    def load(self) -> None:
        self._registry.load()

    def refresh(self) -> bool:
        """Read the zones again if another process changed them; True if it did."""
        return self._registry.refresh()

    def _indexed_now(self) -> IndexedZones:
        self._registry.refresh()  # another process (the CLI) may have changed the zones
        return self._registry.indexed()

    # -- declaring -------------------------------------------------------------------------

    def put(
        self, owner: str, zone_id: str, feature: Any, *, if_version: int | None = None
    ) -> ZoneWrite:
        """Declare or update zone ``zone_id`` of ``owner`` from a GeoJSON Feature.

        ``if_version``: refuse (``VersionMismatch``) unless the zone's version is this one
        (0: the id must be new). The hub's own member of a Feature it answered is ignored.
        """
        zone = self._validated(owner, zone_id, feature)
        with self._write() as unit:
            result = self._declarations.declare(unit, zone, if_version)
            if result.changed:
                self._declarations.advise(unit, [zone])
        return result

    def put_many(self, owner: str, collection: Any) -> ImportResult:
        """Declare or update every zone of a FeatureCollection of ``owner``, all or none:
        every bad feature is reported (``details``) and nothing is written."""
        if isinstance(collection, dict) and isinstance(collection.get("features"), list):
            collection = {
                **collection,
                "features": [without_hub_member(f) for f in collection["features"]],
            }
        zones = zones_from_collection(
            collection, owner=owner, limits=self._limits, now_s=self._clock.now()
        )
        problems = [
            {"index": i, "id": z.id, "reason": reason}
            for i, z in enumerate(zones)
            if (reason := self._unknown_sharing(z)) is not None
        ]
        if problems:
            raise InvalidInput(
                f"{len(problems)} of {len(zones)} zone features were refused; "
                f"{problems[0]['reason']}",
                details=problems,
            )
        with self._write() as unit:
            results = [self._declarations.declare(unit, zone, None) for zone in zones]
            changed = [r.record.zone for r in results if r.changed and r.record.zone is not None]
            if changed:
                self._declarations.advise(unit, changed)
        declared = sum(r.created for r in results)
        updated = sum(r.changed and not r.created for r in results)
        return ImportResult(declared, updated, len(results) - declared - updated)

    def withdraw(self, owner: str, zone_id: str) -> ZoneWrite:
        """The owner withdraws its zone: it leaves detection at once."""
        with self._write() as unit:
            return self._declarations.withdraw(unit, owner, zone_id)

    def acknowledge(self, party: str, zone_id: str) -> ZoneWrite:
        """``party``, which a protected zone is shared with, acknowledges it; the owner is
        told. Twice changes nothing."""
        with self._write() as unit:
            return self._declarations.acknowledge(unit, party, zone_id)

    def run_timers(self, now_s: float) -> None:
        """Expire, remind and chase what is due."""
        self._timers.run(now_s)

    def _validated(self, owner: str, zone_id: str, feature: Any) -> Zone:
        try:
            zone = Zone.from_feature(
                without_hub_member(feature),
                owner=owner,
                limits=self._limits,
                zone_id=zone_id,
                now_s=self._clock.now(),
            )
        except InvalidInput as error:
            details = [{"id": zone_id, "reason": error.message}]
            raise InvalidInput(error.message, details=details) from None
        problem = self._unknown_sharing(zone)
        if problem is not None:
            raise InvalidInput(problem, details=[{"id": zone_id, "reason": problem}])
        return zone

    def _unknown_sharing(self, zone: Zone) -> str | None:
        unknown = self._parties.unknown(zone.shared_with)
        if not unknown:
            return None
        names = ", ".join(repr(name) for name in unknown)
        return (
            f"{zone.label}: shared_with names {names}, which "
            f"{'is not a party' if len(unknown) == 1 else 'are not parties'} of this hub; "
            "check the spelling (party names are case-sensitive)"
        )

    # -- reading ---------------------------------------------------------------------------

    def get(self, viewer: str | None, zone_id: str) -> ZoneRecord:
        """A zone ``viewer`` may see; ``NotFound`` for any other, whether it exists or not."""
        return self._registry.get(viewer, zone_id)

    def records_for(self, viewer: str | None, *, ended: bool = False) -> list[ZoneRecord]:
        """The zones ``viewer`` (``None``: the admin) may see, in declaration order."""
        return self._registry.records_for(viewer, ended=ended)

    def view(self, record: ZoneRecord, viewer: str | None) -> dict[str, Any]:
        """The Feature ``viewer`` is shown (see :mod:`~deconfliction.hub.zones.records`)."""
        return self._registry.view(record, viewer)

    def collection(self, viewer: str | None, *, ended: bool = False) -> dict[str, Any]:
        """A FeatureCollection of the zones ``viewer`` may see, as it is shown them."""
        return self._registry.collection(viewer, ended=ended)

    def export(self, owner: str | None = None) -> dict[str, Any]:
        """The active zones of ``owner`` (all if ``None``) as submitted: they import back."""
        return self._registry.export(owner)

    def active(self) -> list[Zone]:
        """The active zones, in declaration order."""
        return self._registry.active()

    def version_of(self, zone_id: str) -> int | None:
        return self._registry.version_of(zone_id)

    def states_during(self, start_s: float, end_s: float) -> list[ZoneOutline]:
        """Every declaration in force at some moment of the window, as it stood (incidents)."""
        return list(self._registry.states_during(start_s, end_s))

    def visible_to(self, zone: ZoneOutline, viewer: str) -> bool:
        """Whether ``viewer`` may see a zone of incident evidence."""
        return self._registry.visible_to(zone, viewer)
