"""Advisories about plans: operation–operation and operation–zone overlaps between parties.

Notification is not permission: a plan that overlaps another party's plan, or enters its
``no_entry`` zone or protected site, is accepted, and both owners are told at once with an
advisory alert that carries only the overlap (what each is told:
:mod:`deconfliction.hub.alerts.visibility`). The alert book's listeners open
the hotline thread between them. One conflict per pair of objects: it is revised
(``alert.updated``) when either moves and they still overlap, resolved when they no longer
overlap, expired when either leaves the active set. Overlaps between objects of one party
are not advised: a party deconflicts its own plans (its writes must key them).

Everything here runs inside a write unit, under the hub lock.
"""

from __future__ import annotations

from collections.abc import Mapping

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import AlertBook, Finding, Lazy
from deconfliction.hub.alerts.keys import ConflictKey, OperationInZone, OperationPair
from deconfliction.hub.operations.plans import LivePlans, zone_volume
from deconfliction.hub.operations.records import Filed, OverlapShapes
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.alert_views import AlertView, OperationPairView
from deconfliction.model.states import AlertState
from deconfliction.model.zone import Zone

KINDS = frozenset({AlertKind.OPERATION_OPERATION, AlertKind.OPERATION_ZONE})
# Zones whose overlap with another party's plan is advised: the plan enters where it may not.
ADVISED_RULES = frozenset({"no_entry", "protected"})
AdviceKey = OperationPair | OperationInZone


def zone_views(filed: Filed, zone: Zone, rows: Overlaps, volumes: list[int]) -> visibility.Views:
    shapes = OverlapShapes(rows)
    geometry = (shapes.for_reader(volumes), shapes.for_reader([0] * len(rows)))
    return visibility.operation_in_zone(filed.side(volumes), zone, geometry)


class Advice:
    """The open advisories about the plans in ``plans``, by the objects they involve."""

    def __init__(self, plans: LivePlans, alerts: AlertBook) -> None:
        self._plans = plans
        self._alerts = alerts
        self._keys: dict[str, set[AdviceKey]] = {}

    def load(self) -> None:
        """Rebuild the registry from the alert book (at start, after a failed write)."""
        self._keys = {}
        for key in self._alerts.open_keys(KINDS):
            assert isinstance(key, AdviceKey)
            self._register(key)

    def alert_ids(self, filed: Filed) -> list[str]:
        """The owner's open alert ids about ``filed``'s overlaps."""
        found = []
        for key in sorted(self._keys.get(filed.id, ()), key=lambda k: k.to_doc()):
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
        now_keys: set[AdviceKey] = set()
        for (kind, object_id), rows in sorted(rows_of.items()):
            picked = found.take(rows)
            key: AdviceKey
            if kind is ObjectKind.OPERATION:
                other = self._plans.live(object_id)
                assert other is not None  # the index holds live operations only
                key = OperationPair.of(filed.id, object_id)
                mine, theirs = picked.volume_index.tolist(), picked.other_volume_index.tolist()
                shapes = OverlapShapes(picked)
                views = visibility.operation_pair(
                    filed.side(mine),
                    other.side(theirs),
                    (shapes.for_reader(mine), shapes.for_reader(theirs)),
                    self._resolver(key, filed, other),
                )
            else:
                zone = self._plans.zones[object_id]
                key = OperationInZone(filed.id, object_id)
                views = zone_views(filed, zone, picked, picked.volume_index.tolist())
            now_keys.add(key)
            self._open_or_revise(unit, key, views)
        for key in sorted(self._keys.get(filed.id, set()) - now_keys, key=lambda k: k.to_doc()):
            self._close(unit, key, AlertState.RESOLVED)

    def left(self, unit: WriteUnit, object_id: str) -> None:
        """An operation or zone left the active set: its advisories expire."""
        for key in sorted(self._keys.get(object_id, set()), key=lambda k: k.to_doc()):
            self._close(unit, key, AlertState.EXPIRED)

    # -- after a zone was declared, changed or withdrawn ---------------------------------

    def zone_written(self, unit: WriteUnit, zone: Zone) -> None:
        """Advise the owners of the operations the zone now overlaps (``no_entry`` zones and
        protected sites only), and close what it no longer overlaps."""
        now_keys: set[AdviceKey] = set()
        if zone.rule.value in ADVISED_RULES:
            found = self._plans.index.query(
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
                filed = self._plans.live(operation_id)
                assert filed is not None
                entered = OperationInZone(operation_id, zone.id)
                views = zone_views(filed, zone, picked, picked.other_volume_index.tolist())
                now_keys.add(entered)
                self._open_or_revise(unit, entered, views)
        for key in sorted(self._keys.get(zone.id, set()) - now_keys, key=lambda k: k.to_doc()):
            self._close(unit, key, AlertState.RESOLVED)

    # -- the alert book ---------------------------------------------------------------------

    def _resolver(self, key: ConflictKey, mine: Filed, theirs: Filed) -> str:
        """Who is asked to resolve: the owner of the lower-priority plan; at equal priority,
        whoever was asked when the conflict opened, else the party whose write made it."""
        a, b = mine.operation, theirs.operation
        if a.priority != b.priority:
            return a.owner if a.priority < b.priority else b.owner
        conflict = self._alerts.conflict(key)
        if conflict is not None:
            for alert in conflict.alerts.values():
                if isinstance(alert.view, OperationPairView):
                    return alert.view.resolve_by
        return mine.owner

    def _open_or_revise(
        self, unit: WriteUnit, key: AdviceKey, views: Mapping[str, AlertView]
    ) -> None:
        if self._alerts.is_open(key):
            self._alerts.revise(unit, key, views)
        else:
            self._alerts.open(unit, Finding(key, Severity.ADVISORY, Lazy.of(views)))
            self._register(key)

    def _close(self, unit: WriteUnit, key: AdviceKey, state: AlertState) -> None:
        if self._alerts.is_open(key):
            self._alerts.close(unit, key, state)
        self._unregister(key)

    def _register(self, key: AdviceKey) -> None:
        for object_id in key.objects:
            self._keys.setdefault(object_id, set()).add(key)

    def _unregister(self, key: AdviceKey) -> None:
        for object_id in key.objects:
            keys = self._keys.get(object_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys[object_id]
