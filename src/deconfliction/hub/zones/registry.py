"""The zones of a hub in memory: one record per id, rebuilt from the store, and how they are
read; the base of :class:`~deconfliction.hub.zones.Zones`, which changes them.

Memory follows the store: a write changes the records during its unit and, should the unit
fail, they are read again from the store. ``zones_version`` in the store's meta table
changes with every zone write, so :meth:`ZoneRegistry.refresh` notices the writes of another
process (the CLI) and reads the zones again.

The index for detection is kept by *generation*: any change to the set of active zones (a
zone declared, updated, withdrawn, expired) bumps it, and :meth:`ZoneRegistry.indexed`
builds a new :class:`~deconfliction.hub.zone_checks.IndexedZones` outside the hub lock when
the one it has is of an older generation. The next due time of the timers is kept the same
way: raised by each record that needs attention sooner, computed again after the timers ran.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from deconfliction.clock import Clock
from deconfliction.errors import InvalidInput, NotFound
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.check import IndexedZones
from deconfliction.hub.zones.history import ZoneVersions, parse_stored
from deconfliction.hub.zones.records import KIND, ZoneRecord, feature_view
from deconfliction.hub.zones.schedule import next_due_s
from deconfliction.model.ids import new_id
from deconfliction.model.states import ZoneState
from deconfliction.model.zone import Zone, ZoneOutline, to_collection
from deconfliction.settings import Settings
from deconfliction.store import Store

log = logging.getLogger(__name__)
ZONES_VERSION = "zones_version"  # meta key: changes with every zone write (any process)


class ZoneRegistry:
    """The zone records of one hub (see the module docs)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        parties: Parties,
        clock: Clock,
        lock: threading.RLock,
    ) -> None:
        self._store = store
        self.settings = settings
        self._parties = parties
        self._clock = clock
        self._lock = lock
        self._records: dict[str, ZoneRecord] = {}
        self._next_order = 1
        self._meta_version: str | None = None
        self._generation = 0  # bumped when the active zones change: the index is stale
        self._indexed: IndexedZones | None = None
        self._next_due_s: float | None = None
        self._due_parties: str | None = None  # the parties' version the schedule was made for
        self.versions = ZoneVersions(store)

    # -- start, recovery, other processes --------------------------------------------------

    def load(self) -> None:
        """Read every zone from the store (only active ones are parsed again)."""
        with self._lock:
            self._meta_version = self._store.get_meta(ZONES_VERSION)
            records: dict[str, ZoneRecord] = {}
            for stored in self._store.list_objects(KIND):
                zone = None
                if stored.state == ZoneState.ACTIVE.value:
                    try:
                        zone = parse_stored(stored.doc["feature"], stored.owner)
                    except InvalidInput:
                        log.exception("zone %s cannot be read again; it is left out", stored.id)
                records[stored.id] = ZoneRecord.from_stored(stored, zone)
            self._records = records
            self._next_order = max((r.order for r in records.values()), default=0) + 1
            self._generation += 1
            self.reschedule()

    def reload(self, _now_s: float) -> None:
        """After a failed write: read everything again."""
        self.load()

    def refresh(self) -> bool:
        """Reload if another process (the CLI) changed the zones; True if it did."""
        if self._store.get_meta(ZONES_VERSION) == self._meta_version:
            return False
        self.load()
        return True

    def touch(self, unit: WriteUnit) -> None:
        """Mark the zones changed by ``unit`` (for other processes; memory is read again if
        the unit fails)."""
        token = new_id("zv", unit.now_s)
        unit.tx.set_meta(ZONES_VERSION, token)
        unit.after_commit(lambda: setattr(self, "_meta_version", token))
        unit.on_rollback(self.reload)

    # -- reading ---------------------------------------------------------------------------

    def record(self, zone_id: str) -> ZoneRecord | None:
        with self._lock:
            return self._records.get(zone_id)

    def version_of(self, zone_id: str) -> int | None:
        """The current version of zone ``zone_id`` (``None`` if no such id was declared)."""
        record = self.record(zone_id)
        return None if record is None else record.version

    def active(self) -> list[Zone]:
        """The active zones (those in detection, including any not yet valid), in
        declaration order."""
        with self._lock:
            records = sorted(self._records.values(), key=lambda r: (r.order, r.id))
        return [r.zone for r in records if r.active and r.zone is not None]

    def records_for(self, viewer: str | None, *, ended: bool = False) -> list[ZoneRecord]:
        """The zones ``viewer`` (``None``: the admin) may see, active ones (and with
        ``ended`` the withdrawn and expired ones too), in declaration order."""
        with self._lock:
            found = [
                r for r in self._records.values() if (ended or r.active) and r.visible_to(viewer)
            ]
        return sorted(found, key=lambda r: (r.order, r.id))

    def get(self, viewer: str | None, zone_id: str) -> ZoneRecord:
        """A zone ``viewer`` may see; ``NotFound`` for any other, whether it exists or not."""
        record = self.record(zone_id)
        if record is None or not record.visible_to(viewer):
            raise NotFound(f"no zone {zone_id!r}")
        return record

    def expected(self, record: ZoneRecord) -> list[str]:
        """The parties that are to acknowledge a protected zone: the active parties it is
        shared with (all of them for ``"all"``), its owner aside."""
        if not record.protected or not record.active:
            return []
        return [
            p.name
            for p in self._parties.active()
            if p.name != record.owner and record.visible_to(p.name)
        ]

    def view(self, record: ZoneRecord, viewer: str | None) -> dict[str, Any]:
        """The Feature ``viewer`` is shown (see :mod:`~deconfliction.hub.zones.records`)."""
        return feature_view(record, viewer, self._clock.now(), self.expected(record))

    def collection(self, viewer: str | None, *, ended: bool = False) -> dict[str, Any]:
        """A FeatureCollection of the zones ``viewer`` may see, as it is shown them."""
        records = self.records_for(viewer, ended=ended)
        return {"type": "FeatureCollection", "features": [self.view(r, viewer) for r in records]}

    def export(self, owner: str | None = None) -> dict[str, Any]:
        """The active zones of ``owner`` (all parties' if ``None``) as submitted: a
        FeatureCollection that imports back to the same zones."""
        records = [r for r in self.records_for(None) if owner is None or r.owner == owner]
        return to_collection(r.zone for r in records if r.zone is not None)

    # -- memory ----------------------------------------------------------------------------

    def set(self, record: ZoneRecord) -> None:
        """Keep ``record`` (the index and the schedule follow)."""
        with self._lock:
            old = self._records.get(record.id)
            self._records[record.id] = record
            if old is None or old.active != record.active or old.version != record.version:
                self._generation += 1
            due = next_due_s(record, self.expected(record), self.created(), self.settings)
            if due is not None and (self._next_due_s is None or due < self._next_due_s):
                self._next_due_s = due

    def party_names(self) -> list[str]:
        return [p.name for p in self._parties.active()]

    def created(self) -> dict[str, float]:
        return {p.name: p.created_s for p in self._parties.all()}

    def expected_for(self, zone: Zone) -> list[str]:
        if zone.rule.value != "protected":
            return []
        return [p for p in self.party_names() if p != zone.owner and zone.visible_to(p)]

    def current(self, zone_id: str, version: int) -> Zone | None:
        """The zone ``zone_id`` if ``version`` is its active declaration."""
        record = self._records.get(zone_id)
        if record is None or not record.active or record.version != version:
            return None
        return record.zone

    def take_order(self) -> int:
        """The declaration order of a new zone id."""
        order = self._next_order
        self._next_order += 1
        return order

    def in_order(self) -> list[ZoneRecord]:
        """Every record, in declaration order."""
        with self._lock:
            return sorted(self._records.values(), key=lambda r: (r.order, r.id))

    def indexed(self) -> IndexedZones:
        """The active zones indexed for detection, rebuilt (outside the lock) if they changed."""
        with self._lock:
            built = self._indexed
            if built is not None and built.generation == self._generation:
                return built
            generation = self._generation
            snapshot = [
                (r.zone, r.version)
                for r in sorted(self._records.values(), key=lambda r: r.order)
                if r.active and r.zone is not None
            ]
        indexed = IndexedZones.build(generation, snapshot)
        with self._lock:
            if self._indexed is None or self._indexed.generation < generation:
                self._indexed = indexed
        return indexed

    # -- timers ----------------------------------------------------------------------------

    def reschedule(self) -> None:
        created = self.created()
        times = [
            due
            for r in self._records.values()
            if (due := next_due_s(r, self.expected(r), created, self.settings)) is not None
        ]
        self._next_due_s = min(times, default=None)
        self._due_parties = self._parties.version

    def due(self, now_s: float) -> bool:
        """Whether an expiry, reminder or acknowledgement deadline is due (constant time,
        unless the parties changed since the schedule was made)."""
        if self._due_parties != self._parties.version:
            with self._lock:
                self.reschedule()
        return self._next_due_s is not None and now_s >= self._next_due_s

    # -- incident evidence (the ZoneHistory hook) ------------------------------------------

    def states_during(self, start_s: float, end_s: float) -> Sequence[ZoneOutline]:
        """Every declaration in force at some moment of the window, as it stood."""
        with self._lock:
            records = dict(self._records)

        def current(zone_id: str, version: int) -> Zone | None:
            record = records.get(zone_id)
            if record is None or not record.active or record.version != version:
                return None
            return record.zone

        return self.versions.states_during(start_s, end_s, current)

    def visible_to(self, zone: ZoneOutline, viewer: str) -> bool:
        """Whether ``viewer`` may see a zone of incident evidence: its owner, or a party the
        zone is shared with now (a zone no longer shared with it is not shown)."""
        if viewer == zone.owner:
            return True
        record = self.record(zone.name)
        return record is not None and record.owner == zone.owner and record.visible_to(viewer)
