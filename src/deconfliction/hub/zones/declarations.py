"""Zone writes inside a write unit: a declaration (new, updated, declared again), its end
(withdrawn or expired), an acknowledgement, and what each party is told of them.

Every write is journalled and told on the streams of the owner and of the parties the zone is
shared with, each only for zones it may see: ``zone.declared``, ``zone.updated``,
``zone.withdrawn`` (also to a party an update stops sharing it with), ``zone.acknowledged``,
``zone.expiring`` and ``zone.expired``. Listeners (planned operations index zones as
volumes) hear each change inside its write; a listener that raises fails the write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import (
    AlreadyExists,
    Conflict,
    DeconflictionError,
    IllegalTransition,
    PermissionDenied,
    VersionMismatch,
)
from deconfliction.hub.hotline.service import Hotline
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.advice import ZoneAdvice
from deconfliction.hub.zones.records import ZoneRecord, feature_view
from deconfliction.hub.zones.registry import ZoneRegistry
from deconfliction.journal.chain import HUB_PARTY
from deconfliction.model.states import ZoneState
from deconfliction.model.zone import Zone


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


ZoneListener = Callable[[WriteUnit, ZoneChange], None]


class Declarations:
    """The writes of zones, kept in ``registry`` (see the module docs)."""

    def __init__(self, registry: ZoneRegistry, advice: ZoneAdvice, hotline: Hotline) -> None:
        self._registry = registry
        self._advice = advice
        self._hotline = hotline
        self.listeners: list[ZoneListener] = []

    def declare(self, unit: WriteUnit, zone: Zone, if_version: int | None) -> ZoneWrite:
        """Declare ``zone`` (new, or replacing its id's declaration); ``if_version``: refuse
        unless the id is at that version (0: new)."""
        registry, now = self._registry, unit.now_s
        old = registry.record(zone.id)
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
        was_active = old is not None and old.active and old.zone is not None
        if (
            was_active
            and old is not None
            and old.zone is not None
            and (old.zone.feature_json == zone.feature_json)
        ):
            return ZoneWrite(old, created=False, changed=False)
        registry.touch(unit)
        expected = registry.expected_for(zone)
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
            order=registry.take_order() if old is None else old.order,
            feature=zone.to_feature(),
            declared_s=old.declared_s if was_active and old is not None else now,
            updated_s=now,
            zone=zone,
            acks=acks,
            asked=asked,
            chased=chased,
        )
        unit.tx.put_object(record.to_stored())
        if was_active and old is not None:
            self._end_version(unit, old, "replaced")
        registry.versions.declared(unit, zone, record.version)
        registry.set(record)
        parties = registry.party_names()
        before = set(old.audience(parties)) if was_active and old is not None else set()
        after = record.audience(parties)
        kind = "zone.updated" if was_active else "zone.declared"
        for party in after:  # the owner first: its entry records what it submitted
            self.tell(unit, party, kind if party in before else "zone.declared", record)
        for party in sorted(before - set(after)):
            self.tell(unit, party, "zone.withdrawn", record, reason="no longer shared with you")
        previous = old.zone if was_active and old is not None else None
        self._changed(unit, ZoneChange(kind.removeprefix("zone."), zone, record.version, previous))
        return ZoneWrite(record, created=not was_active, changed=True)

    def advise(self, unit: WriteUnit, changed: list[Zone]) -> None:
        """Zone–zone advice about the zones just declared or changed."""
        self._advice.changed(unit, changed, self._registry.active())

    def withdraw(self, unit: WriteUnit, owner: str, zone_id: str) -> ZoneWrite:
        record = self._registry.get(owner, zone_id)
        if record.owner != owner:
            raise PermissionDenied(f"zone {zone_id!r} is {record.owner}'s; only it may withdraw it")
        if not record.active:
            raise IllegalTransition(
                f"zone {zone_id!r} is already {record.state.value}; declare it again with "
                "PUT to bring it back"
            )
        return ZoneWrite(self.end(unit, record, ZoneState.WITHDRAWN), created=False, changed=True)

    def acknowledge(self, unit: WriteUnit, party: str, zone_id: str) -> ZoneWrite:
        registry = self._registry
        record = registry.get(party, zone_id)
        if party == record.owner:
            raise PermissionDenied(
                f"you declared zone {zone_id!r}; acknowledgements come from the parties "
                "it is shared with"
            )
        if not record.protected:
            raise Conflict(
                f"zone {zone_id!r} has rule {record.rule}; only protected zones are acknowledged"
            )
        if not record.active:
            raise IllegalTransition(f"zone {zone_id!r} is {record.state.value}")
        if party in record.acks:
            return ZoneWrite(record, created=False, changed=False)
        registry.touch(unit)
        acked = record.with_changes(acks={**record.acks, party: unit.now_s})
        unit.tx.put_object(acked.to_stored())
        registry.set(acked)
        self.tell(unit, party, "zone.acknowledged", acked)
        self.tell(unit, record.owner, "zone.acknowledged", acked, acknowledged_by=party)
        message_id = record.chased.get(party)
        if message_id is not None:
            with contextlib.suppress(DeconflictionError):
                self._hotline.acknowledge(unit, party, message_id)
        return ZoneWrite(acked, created=False, changed=True)

    def end(self, unit: WriteUnit, record: ZoneRecord, state: ZoneState) -> ZoneRecord:
        """Withdraw or expire ``record``; everyone who saw it is told."""
        registry = self._registry
        registry.touch(unit)
        ended = record.with_changes(
            state=record.state.to(state),
            version=record.version + 1,
            updated_s=unit.now_s,
            ended_s=unit.now_s,
        )
        unit.tx.put_object(ended.to_stored())
        self._end_version(unit, record, state.value)
        registry.set(ended)
        kind = f"zone.{state.value}"
        if state is ZoneState.EXPIRED:
            unit.journal(HUB_PARTY, kind, {"zone": record.id, "version": ended.version})
        for party in ended.audience(registry.party_names()):
            self.tell(unit, party, kind, ended)
        self._advice.ended(unit, record.id)
        assert record.zone is not None
        self._changed(unit, ZoneChange(state.value, record.zone, ended.version))
        return ended

    def tell(
        self, unit: WriteUnit, party: str, kind: str, record: ZoneRecord, **extra: Any
    ) -> None:
        """An event about ``record`` on ``party``'s stream, journalled with its seq."""
        if kind == "zone.withdrawn" and "reason" in extra:
            shown: dict[str, Any] = {"id": record.id}  # it may no longer see the zone
        else:
            shown = feature_view(record, party, unit.now_s, self._registry.expected(record))
        data = {"zone": shown, **extra}
        event = unit.emit(party, kind, data)
        unit.journal(party, kind, {"stream_seq": event.seq, **data})

    def _changed(self, unit: WriteUnit, change: ZoneChange) -> None:
        for listener in self.listeners:
            listener(unit, change)

    def _end_version(self, unit: WriteUnit, record: ZoneRecord, reason: str) -> None:
        self._registry.versions.ended(
            unit,
            zone_id=record.id,
            owner=record.owner,
            version=record.version,
            feature=record.feature,
            from_s=record.updated_s,
            reason=reason,
        )


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
