"""Advisories about plans: operation–operation and operation–zone overlaps between parties.

Notification is not permission: a plan that overlaps another party's plan, or enters its
``no_entry`` zone or protected site, is accepted, and both owners are told at once with an
advisory alert that carries only the overlap (see
:mod:`deconfliction.hub.operations.records` for the views). The alert book's listeners open
the hotline thread between them. One conflict per pair of objects: it is revised
(``alert.updated``) when either moves and they still overlap, resolved when they no longer
overlap, expired when either leaves the active set. Overlaps between objects of one party
are not advised: a party deconflicts its own plans (its writes must key them).

Everything here runs inside a write unit, under the hub lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.hub.alerts.book import AlertBook, ConflictKey, Finding
from deconfliction.hub.operations.records import (
    ADVISED_RULES,
    Filed,
    pair_key,
    pair_views,
    zone_key,
    zone_views,
    zone_volume,
)
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.states import AlertState
from deconfliction.model.zone import Zone

if TYPE_CHECKING:
    from deconfliction.hub.operations.service import Operations

KINDS = frozenset({AlertKind.OPERATION_OPERATION, AlertKind.OPERATION_ZONE})


class Advice:
    """The open advisories of one :class:`Operations` service, by the objects they involve."""

    def __init__(self, operations: Operations, alerts: AlertBook) -> None:
        self._ops = operations
        self._alerts = alerts
        self._keys: dict[str, set[ConflictKey]] = {}

    def load(self) -> None:
        """Rebuild the registry from the alert book (at start, after a failed write)."""
        self._keys = {}
        for key in self._alerts.open_keys(KINDS):
            self._register(key)

    def alert_ids(self, filed: Filed) -> list[str]:
        """The owner's open alert ids about ``filed``'s overlaps."""
        found = []
        for key in sorted(self._keys.get(filed.id, ())):
            conflict = self._alerts.conflict(key)
            alert = None if conflict is None else conflict.alerts.get(filed.owner)
            if alert is not None:
                found.append(alert.id)
        return found

    # -- after a write of an operation ---------------------------------------------------

    def operation_written(self, unit: WriteUnit, filed: Filed, found: Overlaps) -> None:
        """Open, revise or close the advisories of ``filed`` (``found``: what its new volumes
        overlap, its own old volumes excluded); ``filed.owner`` wrote it."""
        rows_of: dict[tuple[ObjectKind, str], list[int]] = {}
        for row, (kind, object_id, owner, rule) in enumerate(
            zip(found.kinds, found.ids, found.owners, found.rules, strict=True)
        ):
            if owner == filed.owner or (kind is ObjectKind.ZONE and rule not in ADVISED_RULES):
                continue
            rows_of.setdefault((kind, object_id), []).append(row)
        now_keys: set[ConflictKey] = set()
        for (kind, object_id), rows in sorted(rows_of.items()):
            picked = found.take(rows)
            if kind is ObjectKind.OPERATION:
                other = self._ops.live(object_id)
                assert other is not None  # the index holds live operations only
                key = pair_key(filed.id, object_id)
                views = pair_views(filed, other, picked, self._tie(key, filed.owner))
                alert_kind = AlertKind.OPERATION_OPERATION
            else:
                zone = self._ops.zones[object_id]
                key = zone_key(filed.id, object_id)
                views = zone_views(filed, zone, picked, picked.volume_index.tolist())
                alert_kind = AlertKind.OPERATION_ZONE
            now_keys.add(key)
            self._open_or_revise(unit, key, alert_kind, views)
        for key in sorted(self._keys.get(filed.id, set()) - now_keys):
            self._close(unit, key, AlertState.RESOLVED)

    def left(self, unit: WriteUnit, object_id: str) -> None:
        """An operation or zone left the active set: its advisories expire."""
        for key in sorted(self._keys.get(object_id, set())):
            self._close(unit, key, AlertState.EXPIRED)

    # -- after a zone was declared, changed or withdrawn ---------------------------------

    def zone_written(self, unit: WriteUnit, zone: Zone) -> None:
        """Advise the owners of the operations the zone now overlaps (``no_entry`` zones and
        protected sites only), and close what it no longer overlaps."""
        now_keys: set[ConflictKey] = set()
        if zone.rule.value in ADVISED_RULES:
            found = self._ops.index.query(
                [zone_volume(zone)],
                exclude=Ref(ObjectKind.ZONE, zone.id),
                kinds=[ObjectKind.OPERATION],
            )
            rows_of: dict[str, list[int]] = {}
            for row, (operation_id, owner) in enumerate(zip(found.ids, found.owners, strict=True)):
                if owner != zone.owner:
                    rows_of.setdefault(operation_id, []).append(row)
            for operation_id, rows in sorted(rows_of.items()):
                picked = found.take(rows)
                filed = self._ops.live(operation_id)
                assert filed is not None
                key = zone_key(operation_id, zone.id)
                views = zone_views(filed, zone, picked, picked.other_volume_index.tolist())
                now_keys.add(key)
                self._open_or_revise(unit, key, AlertKind.OPERATION_ZONE, views)
        for key in sorted(self._keys.get(zone.id, set()) - now_keys):
            self._close(unit, key, AlertState.RESOLVED)

    # -- the alert book ---------------------------------------------------------------------

    def _tie(self, key: ConflictKey, writer: str) -> str:
        """Who resolves at equal priority: whoever was asked when it opened, else the writer."""
        conflict = self._alerts.conflict(key)
        if conflict is not None:
            for alert in conflict.alerts.values():
                asked = alert.view.get("resolve_by")
                if isinstance(asked, str):
                    return asked
        return writer

    def _open_or_revise(
        self,
        unit: WriteUnit,
        key: ConflictKey,
        kind: AlertKind,
        views: Mapping[str, dict[str, Any]],
    ) -> None:
        if self._alerts.is_open(key):
            self._alerts.revise(unit, key, views)
        else:
            self._alerts.open(unit, Finding(key, kind, Severity.ADVISORY, views))
            self._register(key)

    def _close(self, unit: WriteUnit, key: ConflictKey, state: AlertState) -> None:
        if self._alerts.is_open(key):
            self._alerts.close(unit, key, state)
        self._unregister(key)

    def _register(self, key: ConflictKey) -> None:
        for object_id in key[1:]:
            self._keys.setdefault(object_id, set()).add(key)

    def _unregister(self, key: ConflictKey) -> None:
        for object_id in key[1:]:
            keys = self._keys.get(object_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys[object_id]
