"""The operations service: filing, version keys, lifecycle, expiry, and the zones' hook.

Every write follows one path, in two steps. :meth:`Operations.prepare` needs the request
alone and takes no lock: it reads and checks the geometry, bands, windows and limits
(:func:`read_filing`; the costly part: hundreds of milliseconds for the 20,000 positions
that ``operation_max_total_vertices`` allows) and encodes the footprints as the store keeps
them. :meth:`Operations.commit` opens one write unit and decides in it from memory: the
owner's version, the id not taken, the version key against the volume index. The unit holds
the store's write lock and has first applied what other processes of the hub wrote
(:mod:`deconfliction.hub.peers`), so the decision holds across processes: of two writers
racing on one operation, through one process or two, one gets 200 and one 409, and a retry
with an ``Idempotency-Key`` gets the first answer wherever it lands. A refused write changes
nothing. An accepted one stores the operation, journals the request as accepted, tells the
owner (and the parties it shares its operations with) on their streams, updates the index,
and opens, revises or closes the advisories (:mod:`deconfliction.hub.operations.advice`).
:meth:`Operations.put` is both; an edge that must not wait on the geometry (the API's event
loop) prepares on a worker thread.

Version keys
    A write must carry in ``key`` the current version of every operation and zone that
    overlaps it *and that the writer may see*: its own, those of parties that share their
    operations with it by agreement (``share_operations``), and zones shared with it.
    Others' plans are never listed in a 409 (that would reveal them); both sides are
    advised instead. Versions are HMAC tokens of the object and its revision under a
    secret kept in the database (:func:`deconfliction.detect.version_keys.version_token`):
    unguessable, and the same after a restart.

Lifecycle
    ``accepted → activated ⇄ nonconforming``, then ``ended`` (by its owner, or by itself
    when its last volume is over: :meth:`Operations.run_timers`) or ``cancelled``. Every
    change mints a new version. Ended and cancelled operations leave the index; their
    record stays (``GET`` shows them) and their id cannot be filed again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from deconfliction.clock import Clock
from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.detect.version_keys import (
    check_key,
    check_own_version,
    raise_for_key,
)
from deconfliction.errors import AlreadyExists, IllegalTransition, NotFound, PermissionDenied
from deconfliction.geo import GeometryLimits
from deconfliction.hub.alerts.book import AlertBook, OpenConflict
from deconfliction.hub.alerts.keys import Intruding, Nonconforming
from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.operations.advice import Advice
from deconfliction.hub.operations.conformance import ConformanceCheck
from deconfliction.hub.operations.idempotency import Idempotency, IdempotencyKey
from deconfliction.hub.operations.ledger import KIND, Ledger
from deconfliction.hub.operations.plans import LivePlans
from deconfliction.hub.operations.records import Filed, PreparedFiling
from deconfliction.hub.operations.zone_volumes import ZoneVolumes
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Receipt
from deconfliction.model.operation import OperationLimits, check_object_id
from deconfliction.model.operation_filing import read_filing
from deconfliction.model.states import AlertState, OperationState
from deconfliction.settings import Settings
from deconfliction.store import Store


@dataclass(frozen=True)
class Answer:
    """What a write answers: the body, whether it created the operation, and whether it is
    the kept answer of an earlier identical request (``Idempotency-Key``)."""

    body: dict[str, Any]
    created: bool = False
    replayed: bool = False


class Operations:
    """Planned operations of every party (see the module docs). The hub builds one."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        parties: Parties,
        alerts: AlertBook,
        picture: LivePicture,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        lock: threading.RLock,
        clock: Clock,
        receipt: Callable[[JournalEntry], Receipt],
    ) -> None:
        self._store = store
        self._parties = parties
        self._clock = clock
        self._alerts = alerts
        self._write = write
        self._lock = lock  # the hub's: writes and reads of the live plans take it
        self._limits = OperationLimits(
            max_volumes=settings.operation_max_volumes,
            max_volume_area_m2=settings.operation_max_volume_area_m2,
            max_total_vertices=settings.operation_max_total_vertices,
        )
        self._geometry_limits = GeometryLimits(
            max_vertices=settings.operation_max_vertices,
            max_area_m2=settings.operation_max_volume_area_m2,
        )
        self._idempotency = Idempotency(store, settings.idempotency_retention_s)
        self._plans = LivePlans()
        self._advice = Advice(self._plans, alerts)
        self.check = ConformanceCheck(self._plans, picture)
        alerts.opened_listeners.append(self._alert_opened)
        alerts.closed_listeners.append(self._alert_closed)
        self._ledger = Ledger(store, parties, self._plans, receipt)
        # Zones are volumes too: writes must key those they may see, and are advised.
        self.zone_volumes = ZoneVolumes(self._plans, self._advice, write, lock, self._reload)
        self.load()

    def load(self) -> None:
        """Rebuild the live operations, the index and the advisories from the store."""
        live_states = [s.value for s in OperationState if not s.terminal]
        self._plans.load(
            Filed.from_doc(stored.doc)
            for stored in self._store.list_objects(KIND, states=live_states)
        )
        self._advice.load()

    def _reload(self, _now_s: float) -> None:
        self.load()

    def follow(self, operation_ids: Iterable[str]) -> None:
        """Operations another process of the hub filed or changed, as the store holds them
        now (:mod:`deconfliction.hub.peers`; call under the hub's lock)."""
        for operation_id in operation_ids:
            stored = self._store.get_object(KIND, operation_id)
            if stored is None:
                continue
            filed = Filed.from_doc(stored.doc)
            known = self._plans.live(operation_id)
            if known is not None and known.revision >= filed.revision:
                continue
            self._plans.keep(filed)
            if filed.operation.live:
                self._plans.index.put(
                    filed.ref,
                    owner=filed.owner,
                    version=filed.version,
                    volumes=filed.operation.volumes,
                )
            else:
                self._plans.index.remove(filed.ref)

    def follow_advice(self) -> None:
        """The alert book followed another process: the advisories' registry follows it."""
        self._advice.load()

    # -- reading ---------------------------------------------------------------------------

    def visible(self, viewer: str, owner: str) -> bool:
        """Whether ``viewer`` may see ``owner``'s operations in full."""
        return self._parties.shares_operations(viewer, owner)

    def live(self, operation_id: str) -> Filed | None:
        """A live operation (accepted, activated or nonconforming), whoever owns it."""
        return self._plans.live(operation_id)

    def list_for(self, viewer: str, *, include_ended: bool = False) -> list[dict[str, Any]]:
        """The operations ``viewer`` may see (its own and those shared with it), by id."""
        with self._lock:
            found = {f.id: f for f in self._plans.all_live() if self.visible(viewer, f.owner)}
        if include_ended:
            owners = [p.name for p in self._parties.all() if self.visible(viewer, p.name)]
            for owner in sorted({viewer, *owners}):
                for stored in self._store.list_objects(KIND, owner=owner):
                    if stored.id not in found:
                        found[stored.id] = Filed.from_doc(stored.doc)
        return [found[key].to_json() for key in sorted(found)]

    def get(self, viewer: str, operation_id: str) -> dict[str, Any]:
        """One operation ``viewer`` may see (NotFound for any other: existence is not told)."""
        with self._lock:
            filed = self._ledger.stored(operation_id)
        if filed is None or not self.visible(viewer, filed.owner):
            raise NotFound(f"no operation {operation_id!r}")
        return filed.to_json()

    # -- filing ----------------------------------------------------------------------------

    def put(
        self,
        owner: str,
        operation_id: str,
        request: Mapping[str, Any],
        idempotency: IdempotencyKey | None = None,
    ) -> Answer:
        """File (no ``version`` in the request) or replace (the current ``version``) a plan:
        :meth:`prepare`, then :meth:`commit`."""
        return self.commit(self.prepare(owner, operation_id, request), idempotency)

    def prepare(self, owner: str, operation_id: str, request: Mapping[str, Any]) -> PreparedFiling:
        """Read and check ``owner``'s request to file or replace a plan, without the hub's
        lock (it needs the request alone; see the module docs).

        Raises InvalidInput / PayloadTooLarge for the request.
        """
        return PreparedFiling.of(
            read_filing(
                owner,
                operation_id,
                request,
                now_s=self._clock.now(),
                limits=self._limits,
                geometry_limits=self._geometry_limits,
            )
        )

    def commit(self, prepared: PreparedFiling, idempotency: IdempotencyKey | None = None) -> Answer:
        """File or replace a prepared plan, under the hub's lock.

        Raises AlreadyExists for an id that is not the owner's, VersionMismatch for the
        owner's version, StaleKey for the key, IllegalTransition for an operation that ended
        or was cancelled.
        """
        filing = prepared.filing
        owner, operation_id = filing.operation.owner, filing.operation.id
        with self._write() as unit:
            replayed = self._idempotency.replay(unit.tx, owner, idempotency, unit.now_s)
            if replayed is not None:
                return Answer(replayed["body"], bool(replayed["created"]), replayed=True)
            current = self._current_for_put(owner, operation_id)
            check_own_version(
                operation_id, None if current is None else current.version, filing.version
            )
            if current is not None and not current.operation.live:
                raise IllegalTransition(
                    f"operation {operation_id} is {current.state.value} and cannot be changed; "
                    "file a new operation with a new id"
                )
            ref = Ref(ObjectKind.OPERATION, operation_id)
            index = self._plans.index
            found = index.query(filing.operation.volumes, exclude=ref)
            raise_for_key(check_key(self._visible_rows(owner, found), filing.key))
            unit.on_rollback(self._reload)
            revision = 1 if current is None else current.revision + 1
            operation = dataclasses.replace(
                filing.operation,
                version=self._ledger.version(operation_id, revision),
                state=OperationState.ACCEPTED if current is None else current.state,
                created_s=unit.now_s if current is None else current.operation.created_s,
                updated_s=unit.now_s,
            )
            filed = Filed(operation, filing.volumes.accepted, revision, prepared.footprints)
            kind = "operation.created" if current is None else "operation.updated"
            entry, shown = self._ledger.stage(unit, filed, kind, filing.accepted)
            index.put(ref, owner=owner, version=filed.version, volumes=operation.volumes)
            self._advice.operation_written(unit, filed, found)
            body = self._ledger.body(entry, shown, self._advice.alert_ids(filed))
            kept = {"body": body, "created": current is None}
            self._idempotency.remember(unit, owner, idempotency, kept)
            return Answer(body, created=current is None)

    def _current_for_put(self, owner: str, operation_id: str) -> Filed | None:
        if operation_id in self._plans.zones:
            raise AlreadyExists(f"{operation_id!r} is the id of a zone; choose another id")
        current = self._ledger.stored(operation_id)
        if current is not None and current.owner != owner:
            raise AlreadyExists(
                f"operation id {operation_id!r} is taken by another party; choose another id"
            )
        return current

    def _visible_rows(self, viewer: str, found: Overlaps) -> Overlaps:
        """The overlaps ``viewer`` may see (and so must key)."""
        seen: dict[tuple[ObjectKind, str], bool] = {}
        keep = []
        for row, (kind, object_id, owner) in enumerate(
            zip(found.kinds, found.ids, found.owners, strict=True)
        ):
            name = (kind, owner if kind is ObjectKind.OPERATION else object_id)
            visible = seen.get(name)
            if visible is None:
                if kind is ObjectKind.OPERATION:
                    visible = self.visible(viewer, owner)
                else:
                    zone = self._plans.zones.get(object_id)
                    visible = zone is not None and zone.visible_to(viewer)
                seen[name] = visible
            if visible:
                keep.append(row)
        return found if len(keep) == len(found) else found.take(keep)

    # -- lifecycle -------------------------------------------------------------------------

    def activate(
        self,
        owner: str,
        operation_id: str,
        version: str | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> Answer:
        """The owner starts flying (or driving) its plan: ``accepted → activated``."""
        return self._change(owner, operation_id, version, idempotency, OperationState.ACTIVATED)

    def end(
        self,
        owner: str,
        operation_id: str,
        version: str | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> Answer:
        """The owner finished: ``→ ended``; it leaves the active set, its advisories expire."""
        return self._change(owner, operation_id, version, idempotency, OperationState.ENDED)

    def cancel(
        self,
        owner: str,
        operation_id: str,
        version: str | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> Answer:
        """The owner calls it off: ``→ cancelled``; it leaves the active set."""
        return self._change(owner, operation_id, version, idempotency, OperationState.CANCELLED)

    def _change(
        self,
        owner: str,
        operation_id: str,
        version: str | None,
        idempotency: IdempotencyKey | None,
        state: OperationState,
    ) -> Answer:
        check_object_id(operation_id)
        with self._write() as unit:
            now = unit.now_s
            replayed = self._idempotency.replay(unit.tx, owner, idempotency, now)
            if replayed is not None:
                return Answer(replayed["body"], replayed=True)
            current = self._ledger.stored(operation_id)
            if current is None or not self.visible(owner, current.owner):
                raise NotFound(f"no operation {operation_id!r}")
            if current.owner != owner:
                raise PermissionDenied(
                    f"operation {operation_id} belongs to {current.owner}; only its owner may "
                    "change it"
                )
            if version is not None:
                check_own_version(operation_id, current.version, version)
            op, new_version = (
                current.operation,
                self._ledger.version(operation_id, current.revision + 1),
            )
            if state is OperationState.ACTIVATED:
                moved = op.activate(version=new_version, now_s=now)
            else:
                moved = op.to(state, version=new_version, now_s=now)
            unit.on_rollback(self._reload)
            moved = dataclasses.replace(moved, updated_s=unit.now_s)
            filed = dataclasses.replace(current, operation=moved, revision=current.revision + 1)
            why = {"by": owner, "named_version": version}
            entry, shown = self._ledger.stage(unit, filed, f"operation.{state.value}", why)
            self._state_changed(unit, filed)
            body = self._ledger.body(entry, shown, self._advice.alert_ids(filed))
            self._idempotency.remember(unit, owner, idempotency, {"body": body, "created": False})
            return Answer(body)

    def _set_state(self, unit: WriteUnit, filed: Filed, state: OperationState, why: str) -> Filed:
        """A change of state the hub makes itself (conformance, expiry), inside ``unit``."""
        unit.on_rollback(self._reload)
        revision = filed.revision + 1
        version = self._ledger.version(filed.id, revision)
        changed = dataclasses.replace(
            filed,
            operation=filed.operation.to(state, version=version, now_s=unit.now_s),
            revision=revision,
        )
        self._ledger.stage(unit, changed, f"operation.{state.value}", {"by": "hub", "reason": why})
        self._state_changed(unit, changed)
        return changed

    def _state_changed(self, unit: WriteUnit, filed: Filed) -> None:
        """Keep the index in line with a change of state (same volumes, a new version); an
        operation that left the active set takes its advisories and conformance alerts."""
        self._plans.reindex(filed)
        if not filed.operation.live:
            self._advice.left(unit, filed.id)
            for key in self._alerts.open_keys(self.check.kinds):
                if isinstance(key, Nonconforming | Intruding) and key.operation == filed.id:
                    self._alerts.close(unit, key, AlertState.EXPIRED)

    # -- conformance: operations follow their nonconformance alerts ------------------------

    def _alert_opened(self, unit: WriteUnit, conflict: OpenConflict) -> None:
        key = conflict.key
        if isinstance(key, Nonconforming):
            filed = self._plans.live(key.operation)
            if filed is not None and filed.state is OperationState.ACTIVATED:
                self._set_state(
                    unit, filed, OperationState.NONCONFORMING, "a track left its volumes"
                )

    def _alert_closed(self, unit: WriteUnit, conflict: OpenConflict, _state: AlertState) -> None:
        key = conflict.key
        if not isinstance(key, Nonconforming):
            return
        filed = self._plans.live(key.operation)
        if filed is None or filed.state is not OperationState.NONCONFORMING:
            return
        still = any(
            isinstance(k, Nonconforming) and k.operation == filed.id
            for k in self._alerts.open_keys(self.check.kinds)
        )
        if not still:
            self._set_state(unit, filed, OperationState.ACTIVATED, "its tracks conform again")

    # -- timers ----------------------------------------------------------------------------

    def run_timers(self, now_s: float) -> None:
        """End the operations whose last volume is over; forget old idempotency answers.
        Costs nothing when nothing is due."""
        if self._plans.any_due(now_s):
            with self._lock:
                due = list(self._plans.due(now_s))
                if due:
                    with self._write() as unit:
                        for filed in due:
                            self._set_state(
                                unit, filed, OperationState.ENDED, "its last volume is over"
                            )
        if self._idempotency.prune_due(now_s):
            with self._write() as unit:
                self._idempotency.prune(unit)

    def indexed(self, ref: Ref) -> bool:
        """Whether an operation or zone is in the 4-D index (tests, tools)."""
        return ref in self._plans.index
