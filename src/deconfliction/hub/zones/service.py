"""The zones service of the hub: declarations, acknowledgements, expiry, and the checks of
every detection cycle.

A zone is a GeoJSON Feature (:mod:`deconfliction.model.zone`) declared by its owner under an
id the owner chooses; ids are global, and an id stays its owner's even after the zone ended
(another party's ``PUT`` on it is refused without a word about the zone). Each zone is a
store object (``kind="zone"``) whose ``version`` counts the changes of its declaration;
each declaration is also kept for incident evidence (:mod:`~deconfliction.hub.zones.history`).

Every write is journalled and told on the streams of the owner and of the parties the zone is
shared with, each only for zones it may see: ``zone.declared``, ``zone.updated``,
``zone.withdrawn`` (also to a party an update stops sharing it with), ``zone.acknowledged``,
``zone.expiring`` and ``zone.expired``.

The zones are kept in memory and read through
:class:`~deconfliction.hub.zone_registry.ZoneRegistry` (rebuilt from the store at start and
when another process changed them; the detection index rebuilt outside the hub lock when
they changed; the zones as they stood, for incident evidence). Detection is in
:mod:`~deconfliction.hub.zones.check`, zone–zone advice in
:mod:`~deconfliction.hub.zones.advice`, deadlines in :mod:`~deconfliction.hub.zones.timers`.

Others plug in through :attr:`Zones.listeners` (called inside the write that declares,
updates, withdraws or expires a zone) and read :meth:`Zones.version_of`.
"""

from __future__ import annotations

import contextlib
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
    PermissionDenied,
    VersionMismatch,
)
from deconfliction.geo import GeometryLimits
from deconfliction.hub.alerts.book import AlertBook
from deconfliction.hub.hotline.service import Hotline
from deconfliction.hub.live.detection import LiveTracks
from deconfliction.hub.parties import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.advice import ZoneAdvice, find_overlaps
from deconfliction.hub.zones.check import domain_lookaheads, incursions, still_live, zone_findings
from deconfliction.hub.zones.records import HUB_MEMBER, ZoneRecord, feature_view
from deconfliction.hub.zones.registry import ZoneRegistry
from deconfliction.hub.zones.timers import ask_since, chase_draft, due_now
from deconfliction.journal.chain import HUB_PARTY
from deconfliction.model.alert import AlertKind
from deconfliction.model.states import ZoneState
from deconfliction.model.zone import Zone, zones_from_collection
from deconfliction.settings import Settings
from deconfliction.store import Store


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


class Zones(ZoneRegistry):
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
        super().__init__(store, settings, parties, clock, lock)
        self._alerts = alerts
        self._hotline = hotline
        self._write = write
        self.limits = GeometryLimits(settings.zone_max_vertices, settings.zone_max_area_m2)
        self.advice = ZoneAdvice(alerts)
        # Called inside the write of each change (ZoneChange); a listener that raises fails it.
        self.listeners: list[ZoneListener] = []
        self._lookaheads = domain_lookaheads(
            settings.air_lookahead_s, settings.ground_lookahead_s, settings.sea_lookahead_s
        )

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

    def check(self, live: LiveTracks) -> int:
        """Track–zone checks of one cycle (see :mod:`~deconfliction.hub.zones.check`): how
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
                self._hotline.crossings.expected,
            )
            self._alerts.reconcile(
                unit,
                {AlertKind.TRACK_ZONE},
                findings,
                still_live(live, self._current),
                open_at_most=self.settings.alerts_opened_per_cycle,
            )
        return len(found)

    # -- timers ----------------------------------------------------------------------------

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
