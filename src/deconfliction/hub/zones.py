"""The zones service of the hub: declarations, acknowledgements, expiry, and the checks of
every detection cycle.

A zone is a GeoJSON Feature (:mod:`deconfliction.model.zone`) declared by its owner under an
id the owner chooses; ids are global, and an id stays its owner's even after the zone ended
(another party's ``PUT`` on it is refused without a word about the zone). Each zone is a
store object (``kind="zone"``) whose ``version`` counts the changes of its declaration;
each declaration is also kept for incident evidence (:mod:`~deconfliction.hub.zone_history`).

Every write is journalled and told on the streams of the owner and of the parties the zone is
shared with, each only for zones it may see: ``zone.declared``, ``zone.updated``,
``zone.withdrawn`` (also to a party an update stops sharing it with), ``zone.acknowledged``,
``zone.expiring`` and ``zone.expired``.

The active zones are kept in memory (rebuilt from the store at start, and when another
process such as the CLI changed them), with a :class:`~deconfliction.detect.zone_index.ZoneIndex`
rebuilt by the detection cycle when they changed, outside the hub lock (see
:mod:`~deconfliction.hub.zone_checks`). Timers (:mod:`~deconfliction.hub.zone_timers`) keep
their next due time, so an idle tick costs one comparison.

Others plug in through :attr:`Zones.listeners` (called inside the write that declares,
updates, withdraws or expires a zone) and read :meth:`Zones.version_of`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from deconfliction.clock import Clock
from deconfliction.errors import (
    AlreadyExists,
    Conflict,
    DeconflictionError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    VersionMismatch,
)
from deconfliction.geo import GeometryLimits
from deconfliction.hub.alerts import AlertBook
from deconfliction.hub.detection import LiveTracks
from deconfliction.hub.hotline import Hotline
from deconfliction.hub.parties import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zone_advice import ZoneAdvice, find_overlaps
from deconfliction.hub.zone_checks import (
    IndexedZones,
    domain_lookaheads,
    incursions,
    still_live,
    zone_findings,
)
from deconfliction.hub.zone_history import ZoneVersions, parse_stored
from deconfliction.hub.zone_records import HUB_MEMBER, KIND, ZoneRecord, feature_view
from deconfliction.hub.zone_timers import ask_since, chase_draft, due_now, next_due_s
from deconfliction.journal.chain import HUB_PARTY
from deconfliction.model.alert import AlertKind
from deconfliction.model.ids import new_id
from deconfliction.model.states import ZoneState
from deconfliction.model.zone import Zone, to_collection, zones_from_collection
from deconfliction.render.incident import ZoneOutline
from deconfliction.settings import Settings
from deconfliction.store import Store

log = logging.getLogger(__name__)
ZONES_VERSION = "zones_version"  # meta key: changes with every zone write (any process)


@dataclass(frozen=True)
class ZoneChange:
    """A change of a zone's declaration, as listeners hear it.

    ``kind``: ``declared``, ``updated``, ``withdrawn`` or ``expired``; ``zone`` the
    declaration now (for withdrawn and expired: the last one); ``version`` the zone's version
    after the change; ``previous`` the declaration an update replaced.
    """

    kind: str
    zone: Zone
    version: int
    previous: Zone | None = None


@dataclass(frozen=True)
class ZoneWrite:
    """The outcome of one zone write: the record now, whether the zone was new (or declared
    again after it ended), and whether anything changed (a ``PUT`` of the same Feature
    changes nothing)."""

    record: ZoneRecord
    created: bool
    changed: bool


@dataclass(frozen=True)
class ImportResult:
    """What an import did: zones declared (new), updated, and left as they were."""

    declared: int
    updated: int
    unchanged: int


ZoneListener = Callable[[WriteUnit, ZoneChange], None]


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
        self._store = store
        self.settings = settings
        self._parties = parties
        self._alerts = alerts
        self._hotline = hotline
        self._write = write
        self._clock = clock
        self._lock = lock
        self.limits = GeometryLimits(settings.zone_max_vertices, settings.zone_max_area_m2)
        self.versions = ZoneVersions(store)
        self.advice = ZoneAdvice(alerts)
        # Called inside the write of each change (ZoneChange); a listener that raises fails it.
        self.listeners: list[ZoneListener] = []
        self._records: dict[str, ZoneRecord] = {}
        self._next_order = 1
        self._meta_version: str | None = None
        self._generation = 0  # bumped when the active zones change: the index is stale
        self._indexed: IndexedZones | None = None
        self._next_due_s: float | None = None
        self._due_parties: str | None = None  # the parties' version the schedule was made for
        self._lookaheads = domain_lookaheads(
            settings.air_lookahead_s, settings.ground_lookahead_s, settings.sea_lookahead_s
        )

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
            self._reschedule()

    def _reload(self, _now_s: float) -> None:
        self.load()

    def refresh(self) -> bool:
        """Reload if another process (the CLI) changed the zones; True if it did."""
        if self._store.get_meta(ZONES_VERSION) == self._meta_version:
            return False
        self.load()
        return True

    def _touch(self, unit: WriteUnit) -> None:
        token = new_id("zv", unit.now_s)
        unit.tx.set_meta(ZONES_VERSION, token)
        unit.after_commit(lambda: setattr(self, "_meta_version", token))
        unit.on_rollback(self._reload)

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
        """The Feature ``viewer`` is shown (see :mod:`~deconfliction.hub.zone_records`)."""
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

    # -- declaring -------------------------------------------------------------------------

    def _validated(self, owner: str, zone_id: str, feature: Any) -> Zone:
        try:
            zone = Zone.from_feature(
                without_hub_member(feature),
                owner=owner,
                limits=self.limits,
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
        known = {p.name for p in self._parties.all()}
        unknown = sorted(zone.shared_with - known)
        if not unknown:
            return None
        names = ", ".join(repr(name) for name in unknown)
        return (
            f"{zone.label}: shared_with names {names}, which "
            f"{'is not a party' if len(unknown) == 1 else 'are not parties'} of this hub; "
            "check the spelling (party names are case-sensitive)"
        )

    def put(
        self, owner: str, zone_id: str, feature: Any, *, if_version: int | None = None
    ) -> ZoneWrite:
        """Declare or update zone ``zone_id`` of ``owner`` from a GeoJSON Feature.

        ``if_version``: refuse (``VersionMismatch``) unless the zone's version is this one
        (0: the id must be new). The hub's own member of a Feature it answered is ignored.
        """
        zone = self._validated(owner, zone_id, feature)
        with self._write() as unit:
            result = self._declare(unit, zone, if_version)
            if result.changed:
                self._advise(unit, [zone])
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
            collection, owner=owner, limits=self.limits, now_s=self._clock.now()
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
            results = [self._declare(unit, zone, None) for zone in zones]
            changed = [r.record.zone for r in results if r.changed and r.record.zone is not None]
            if changed:
                self._advise(unit, changed)
        declared = sum(r.created for r in results)
        updated = sum(r.changed and not r.created for r in results)
        return ImportResult(declared, updated, len(results) - declared - updated)

    def _declare(self, unit: WriteUnit, zone: Zone, if_version: int | None) -> ZoneWrite:
        now = unit.now_s
        old = self._records.get(zone.id)
        if old is not None and old.owner != zone.owner:
            raise AlreadyExists(
                f"zone id {zone.id!r} is taken; choose another (a UUID avoids clashes)"
            )
        current = 0 if old is None else old.version
        if if_version is not None and if_version != current:
            raise VersionMismatch(
                f"zone {zone.id!r} is at version {current}, not {if_version}: read it again "
                "and apply your change to what it is now"
            )
        if (
            old is not None
            and old.active
            and old.zone is not None
            and old.zone.feature_json == zone.feature_json
        ):
            return ZoneWrite(old, created=False, changed=False)
        self._touch(unit)
        was_active = old is not None and old.active and old.zone is not None
        expected = self._expected_for(zone)
        if was_active and old is not None and not _substantive(old.zone, zone):
            acks = {p: t for p, t in old.acks.items() if p in expected}
            asked = {p: old.asked.get(p, now) for p in expected}
            chased = {p: m for p, m in old.chased.items() if p in expected}
        else:
            acks, asked, chased = {}, {p: now for p in expected}, {}
        record = ZoneRecord(
            id=zone.id,
            owner=zone.owner,
            version=current + 1,
            state=ZoneState.ACTIVE,
            order=self._next_order if old is None else old.order,
            feature=zone.to_feature(),
            declared_s=old.declared_s if was_active and old is not None else now,
            updated_s=now,
            zone=zone,
            acks=acks,
            asked=asked,
            chased=chased,
        )
        if old is None:
            self._next_order += 1
        unit.tx.put_object(record.to_stored())
        if was_active and old is not None:
            self._end_version(unit, old, "replaced")
        self.versions.declared(unit, zone, record.version)
        self._set(record)
        parties = self._party_names()
        before = set(old.audience(parties)) if was_active and old is not None else set()
        after = record.audience(parties)
        kind = "zone.updated" if was_active else "zone.declared"
        for party in after:  # the owner first: its entry records what it submitted
            self._tell(unit, party, kind if party in before else "zone.declared", record)
        for party in sorted(before - set(after)):
            self._tell(unit, party, "zone.withdrawn", record, reason="no longer shared with you")
        change = ZoneChange(
            "updated" if was_active else "declared",
            zone,
            record.version,
            old.zone if was_active and old is not None else None,
        )
        for listener in self.listeners:
            listener(unit, change)
        return ZoneWrite(record, created=not was_active, changed=True)

    def _advise(self, unit: WriteUnit, changed: Sequence[Zone]) -> None:
        self.advice.changed(unit, [z.id for z in changed], find_overlaps(changed, self.active()))

    # -- withdrawing, acknowledging --------------------------------------------------------

    def withdraw(self, owner: str, zone_id: str) -> ZoneWrite:
        """The owner withdraws its zone: it leaves detection at once."""
        with self._write() as unit:
            record = self.get(owner, zone_id)
            if record.owner != owner:
                raise PermissionDenied(
                    f"zone {zone_id!r} is {record.owner}'s; only it may withdraw it"
                )
            if not record.active:
                raise IllegalTransition(
                    f"zone {zone_id!r} is already {record.state.value}; declare it again with "
                    "PUT to bring it back"
                )
            ended = self._end(unit, record, ZoneState.WITHDRAWN)
        return ZoneWrite(ended, created=False, changed=True)

    def acknowledge(self, party: str, zone_id: str) -> ZoneWrite:
        """``party``, which a protected zone is shared with, acknowledges it; the owner is
        told. Twice changes nothing."""
        with self._write() as unit:
            record = self.get(party, zone_id)
            if party == record.owner:
                raise PermissionDenied(
                    f"you declared zone {zone_id!r}; acknowledgements come from the parties "
                    "it is shared with"
                )
            if not record.protected:
                raise Conflict(
                    f"zone {zone_id!r} has rule {record.rule}; only protected zones are "
                    "acknowledged"
                )
            if not record.active:
                raise IllegalTransition(f"zone {zone_id!r} is {record.state.value}")
            if party in record.acks:
                return ZoneWrite(record, created=False, changed=False)
            self._touch(unit)
            acked = record.with_changes(acks={**record.acks, party: unit.now_s})
            unit.tx.put_object(acked.to_stored())
            self._set(acked)
            self._tell(unit, party, "zone.acknowledged", acked)
            self._tell(unit, record.owner, "zone.acknowledged", acked, acknowledged_by=party)
            message_id = record.chased.get(party)
            if message_id is not None:
                with contextlib.suppress(DeconflictionError):
                    self._hotline.acknowledge(unit, party, message_id)
        return ZoneWrite(acked, created=False, changed=True)

    def _end(self, unit: WriteUnit, record: ZoneRecord, state: ZoneState) -> ZoneRecord:
        """Withdraw or expire ``record`` (inside ``unit``); everyone who saw it is told."""
        self._touch(unit)
        ended = record.with_changes(
            state=record.state.to(state),
            version=record.version + 1,
            updated_s=unit.now_s,
            ended_s=unit.now_s,
        )
        unit.tx.put_object(ended.to_stored())
        self._end_version(unit, record, state.value)
        self._set(ended)
        kind = f"zone.{state.value}"
        if state is ZoneState.EXPIRED:
            unit.journal(HUB_PARTY, kind, {"zone": record.id, "version": ended.version})
        for party in ended.audience(self._party_names()):
            self._tell(unit, party, kind, ended)
        self.advice.ended(unit, record.id)
        assert record.zone is not None
        change = ZoneChange(state.value, record.zone, ended.version)
        for listener in self.listeners:
            listener(unit, change)
        return ended

    def _end_version(self, unit: WriteUnit, record: ZoneRecord, reason: str) -> None:
        self.versions.ended(
            unit,
            zone_id=record.id,
            owner=record.owner,
            version=record.version,
            feature=record.feature,
            from_s=record.updated_s,
            reason=reason,
        )

    # -- memory and streams ----------------------------------------------------------------

    def _set(self, record: ZoneRecord) -> None:
        with self._lock:
            old = self._records.get(record.id)
            self._records[record.id] = record
            if old is None or old.active != record.active or old.version != record.version:
                self._generation += 1
            due = next_due_s(record, self.expected(record), self._created(), self.settings)
            if due is not None and (self._next_due_s is None or due < self._next_due_s):
                self._next_due_s = due

    def _party_names(self) -> list[str]:
        return [p.name for p in self._parties.active()]

    def _created(self) -> dict[str, float]:
        return {p.name: p.created_s for p in self._parties.all()}

    def _expected_for(self, zone: Zone) -> list[str]:
        if zone.rule.value != "protected":
            return []
        return [p for p in self._party_names() if p != zone.owner and zone.visible_to(p)]

    def _tell(
        self, unit: WriteUnit, party: str, kind: str, record: ZoneRecord, **extra: Any
    ) -> None:
        """An event about ``record`` on ``party``'s stream, journalled with its seq."""
        if kind == "zone.withdrawn" and "reason" in extra:
            shown: dict[str, Any] = {"id": record.id}  # it may no longer see the zone
        else:
            shown = feature_view(record, party, unit.now_s, self.expected(record))
        data = {"zone": shown, **extra}
        event = unit.emit(party, kind, data)
        unit.journal(party, kind, {"stream_seq": event.seq, **data})

    # -- the detection cycle ---------------------------------------------------------------

    def _current(self, zone_id: str, version: int) -> Zone | None:
        record = self._records.get(zone_id)
        if record is None or not record.active or record.version != version:
            return None
        return record.zone

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

    def check(self, live: LiveTracks) -> int:
        """Track–zone checks of one cycle (see :mod:`~deconfliction.hub.zone_checks`): how
        many incursions were found. Call it outside the hub lock."""
        self.refresh()
        indexed = self.indexed()
        found = incursions(indexed, live, self._lookaheads)
        if not len(found) and not self._alerts.open_keys({AlertKind.TRACK_ZONE}):
            return 0
        with self._write() as unit:
            findings = zone_findings(
                live,
                indexed,
                found,
                self._current,
                self._alerts.is_open,
                self._hotline.expected_crossing,
            )
            self._alerts.reconcile(
                unit, {AlertKind.TRACK_ZONE}, findings, still_live(live, self._current)
            )
        return len(found)

    # -- timers ----------------------------------------------------------------------------

    def _reschedule(self) -> None:
        created = self._created()
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
                self._reschedule()
        return self._next_due_s is not None and now_s >= self._next_due_s

    def run_timers(self, now_s: float) -> None:
        """Expire, remind and chase what is due (one write, only if something is)."""
        if not self.due(now_s):
            return
        with self._write() as unit:
            created = self._created()
            for record in sorted(self._records.values(), key=lambda r: (r.order, r.id)):
                expected = self.expected(record)
                due = due_now(record, expected, created, self.settings, unit.now_s)
                if due.expire:
                    self._end(unit, record, ZoneState.EXPIRED)
                    continue
                if due.remind:
                    record = self._remind(unit, record)
                for party in due.chase:
                    record = self._chase(unit, record, party, ask_since(record, party, created))
            self._reschedule()
            unit.on_rollback(self._reload)

    def _remind(self, unit: WriteUnit, record: ZoneRecord) -> ZoneRecord:
        self._touch(unit)
        reminded = record.with_changes(reminded_s=unit.now_s)
        unit.tx.put_object(reminded.to_stored())
        self._set(reminded)
        assert record.zone is not None and record.zone.valid_to_s is not None
        left = round(record.zone.valid_to_s - unit.now_s, 1)
        for party in reminded.audience(self._party_names()):
            self._tell(unit, party, "zone.expiring", reminded, expires_in_s=left)
        return reminded

    def _chase(self, unit: WriteUnit, record: ZoneRecord, party: str, since_s: float) -> ZoneRecord:
        self._touch(unit)
        message = self._hotline.post(
            unit, chase_draft(record, party, since_s, unit.now_s, self.settings)
        )
        chased = record.with_changes(chased={**record.chased, party: message.id})
        unit.tx.put_object(chased.to_stored())
        self._set(chased)
        return chased

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


def _substantive(old: Zone | None, new: Zone) -> bool:
    """Whether a change alters what was acknowledged: the place, band, window or rule (not
    the name, styling or sharing)."""
    if old is None:
        return True
    before, after = old.to_feature(), new.to_feature()
    keys = ("rule", "radius_m", "buffer_m", "alt_lower_m", "alt_upper_m", "valid_from", "valid_to")
    props_a, props_b = before.get("properties") or {}, after.get("properties") or {}
    return before.get("geometry") != after.get("geometry") or any(
        props_a.get(k) != props_b.get(k) for k in keys
    )
