"""The alert book: conflicts found become alerts, with a lifecycle per party.

A conflict is known by its key (:mod:`~deconfliction.hub.alerts.keys`). The first time it is
found, each involved party gets an alert (``alert.opened`` on its stream) with the view the
visibility rule gives it; while the conflict persists its live figures are refreshed in
memory and a change of severity is announced (``alert.updated``); once it has been absent
for the hysteresis period it is resolved, or expired at once if an object it involves left
the picture (a stale track, a deleted zone). Every delivery is journalled.

Listeners hear each conflict opened and closed inside the write that does it: the hotline
opens and clears its threads, operations follow their nonconformance alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar, cast

from deconfliction.errors import IllegalTransition, NotFound
from deconfliction.hub.alerts.keys import ConflictKey, key_from_doc
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import Alert, AlertKind, Severity, figures_from_doc
from deconfliction.model.alert_views import AlertView, LiveFigures
from deconfliction.model.codec import dump
from deconfliction.model.ids import new_id
from deconfliction.model.states import AlertState
from deconfliction.store import Store, StoredObject

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Lazy(Generic[T_co]):
    """A value built on first read. A finding's views: a cycle that finds thousands of new
    conflicts opens only ``alerts_opened_per_cycle`` of them, and the views of the others
    would be built for nothing. Its live figures: every cycle refreshes thousands of open
    conflicts, and few are read before the next."""

    __slots__ = ("_build", "_value")

    def __init__(self, build: Callable[[], T_co]) -> None:
        self._build: Callable[[], T_co] | None = build
        self._value: T_co | None = None

    @staticmethod
    def of(value: T) -> Lazy[T]:
        made = Lazy(lambda: value)
        made.get()
        return made

    def get(self) -> T_co:
        if self._build is not None:
            self._value, self._build = self._build(), None
        return cast(T_co, self._value)


@dataclass(frozen=True, slots=True)
class Finding:
    """A conflict found now: what each involved party is told if it is new.

    ``views`` holds, per involved party, what it may see (built when the conflict opens and
    kept: the other side's state *at alert time*); ``figures`` the live figures every
    involved party may see, which move while the conflict persists; ``t_in_s`` the seconds
    to the loss (None: not a track conflict), which orders new conflicts by urgency.
    """

    key: ConflictKey
    severity: Severity
    views: Lazy[Mapping[str, AlertView]]
    figures: Lazy[LiveFigures] | None = None
    t_in_s: float | None = None

    @property
    def kind(self) -> AlertKind:
        return self.key.kind


@dataclass
class OpenConflict:
    id: str
    key: ConflictKey
    severity: Severity
    alerts: dict[str, Alert]
    last_seen_s: float
    figures: Lazy[LiveFigures] | None = field(default=None)

    @property
    def kind(self) -> AlertKind:
        return self.key.kind

    def live(self) -> LiveFigures | None:
        return None if self.figures is None else self.figures.get()


def _urgency(finding: Finding) -> tuple[bool, float]:
    """Lost separations first, then the soonest predicted loss, then advisories."""
    t_in = finding.t_in_s
    return (finding.severity is not Severity.LOSS, float("inf") if t_in is None else t_in)


OpenedListener = Callable[[WriteUnit, OpenConflict], None]
ClosedListener = Callable[[WriteUnit, OpenConflict, AlertState], None]


class AlertBook:
    """Open conflicts in memory; alerts in the store."""

    def __init__(self, store: Store, *, hysteresis_s: float) -> None:
        self._store = store
        self.hysteresis_s = hysteresis_s
        self._open: dict[ConflictKey, OpenConflict] = {}
        self._by_alert: dict[str, ConflictKey] = {}
        # Called inside the write that opens / closes a conflict; a listener that raises
        # fails that write.
        self.opened_listeners: list[OpenedListener] = []
        self.closed_listeners: list[ClosedListener] = []

    def _reload(self, now_s: float) -> None:
        """After a failed write, memory is rebuilt from what the store really holds."""
        self._open.clear()
        self._by_alert.clear()
        self.load(now_s)

    def load(self, now_s: float) -> None:
        """Rebuild open conflicts from the store (after a restart they count as seen now)."""
        states = [AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value]
        for stored in self._store.list_objects("alert", states=states):
            alert = Alert.from_doc(stored.doc)
            key = key_from_doc(stored.doc["key"])
            conflict = self._open.get(key)
            if conflict is None:
                figures = figures_from_doc(alert.kind, stored.doc.get("live"))
                conflict = self._open[key] = OpenConflict(
                    alert.conflict_id,
                    key,
                    alert.severity,
                    {},
                    now_s,
                    None if figures is None else Lazy.of(figures),
                )
            conflict.alerts[alert.party] = alert
            self._by_alert[alert.id] = key

    # -- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._open)

    def is_open(self, key: ConflictKey) -> bool:
        return key in self._open

    def conflict(self, key: ConflictKey) -> OpenConflict | None:
        """The open conflict known by ``key``, if there is one."""
        return self._open.get(key)

    def open_keys(self, kinds: Iterable[AlertKind] | None = None) -> list[ConflictKey]:
        wanted = set(kinds) if kinds is not None else None
        return [k for k in self._open if wanted is None or k.kind in wanted]

    def any_open(self, kinds: Iterable[AlertKind]) -> bool:
        wanted = set(kinds)
        return any(key.kind in wanted for key in self._open)

    def views(self, key: ConflictKey) -> dict[str, AlertView] | None:
        """The views an open conflict was opened with, by party (None if it is not open)."""
        conflict = self._open.get(key)
        return None if conflict is None else {p: a.view for p, a in conflict.alerts.items()}

    def active_for(self, party: str) -> list[Alert]:
        """The party's open and acknowledged alerts, with their live figures."""
        alerts = []
        for conflict in self._open.values():
            alert = conflict.alerts.get(party)
            if alert is not None:
                alerts.append(_with_live(alert, conflict))
        return sorted(alerts, key=lambda a: a.opened_s)

    def closed_for(self, party: str, limit: int) -> list[Alert]:
        states = [AlertState.RESOLVED.value, AlertState.EXPIRED.value]
        stored = self._store.list_objects("alert", owner=party, states=states)
        alerts = [Alert.from_doc(s.doc) for s in stored]
        return sorted(alerts, key=lambda a: a.closed_s or 0.0, reverse=True)[:limit]

    def get(self, party: str, alert_id: str) -> Alert:
        found = self._active(party, alert_id)
        if found is not None:
            return _with_live(found[1], found[0])
        stored = self._store.get_object("alert", alert_id)
        if stored is None or stored.owner != party:
            raise NotFound(f"no alert {alert_id!r}")
        return Alert.from_doc(stored.doc)

    def _active(self, party: str, alert_id: str) -> tuple[OpenConflict, Alert] | None:
        key = self._by_alert.get(alert_id)
        if key is not None:
            conflict = self._open[key]
            alert = conflict.alerts.get(party)
            if alert is not None and alert.id == alert_id:
                return conflict, alert
        return None

    # -- writing -----------------------------------------------------------------------

    def reconcile(
        self,
        unit: WriteUnit,
        kinds: Iterable[AlertKind],
        findings: Iterable[Finding],
        still_live: Callable[[ConflictKey], bool],
        *,
        open_at_most: int | None = None,
    ) -> int:
        """Bring the open conflicts of ``kinds`` in line with what was found this cycle.

        At most ``open_at_most`` new conflicts are opened, the most urgent first (a lost
        separation, then the soonest loss); the others are found again by the next cycle.
        A burst of thousands of new conflicts (a hub starting on a full sky) is so spread
        over several cycles instead of holding the hub for seconds. Returns how many new
        conflicts are left for later cycles.
        """
        now = unit.now_s
        unit.on_rollback(self._reload)
        seen: set[ConflictKey] = set()
        new: list[Finding] = []
        for finding in findings:
            seen.add(finding.key)
            conflict = self._open.get(finding.key)
            if conflict is None:
                new.append(finding)
                continue
            conflict.last_seen_s = now
            conflict.figures = finding.figures
            if finding.severity is not conflict.severity:
                conflict.severity = finding.severity
                for party, alert in list(conflict.alerts.items()):
                    changed = replace(alert, severity=finding.severity, updated_s=now)
                    conflict.alerts[party] = changed
                    self._save(unit, changed, conflict)
                    _deliver(unit, "alert.updated", _with_live(changed, conflict))
        wanted = set(kinds)
        for key in [k for k in self._open if k.kind in wanted and k not in seen]:
            conflict = self._open[key]
            if not still_live(key):
                self.close(unit, key, AlertState.EXPIRED)
            elif now - conflict.last_seen_s >= self.hysteresis_s:
                self.close(unit, key, AlertState.RESOLVED)
        if open_at_most is not None and len(new) > open_at_most:
            new.sort(key=_urgency)
        for finding in new[:open_at_most]:
            self.open(unit, finding)
        return len(new) - len(new[:open_at_most])

    def open(self, unit: WriteUnit, finding: Finding) -> OpenConflict:
        """Open alerts for a new conflict, one per involved party."""
        now = unit.now_s
        unit.on_rollback(self._reload)
        views = finding.views.get()
        conflict_id = new_id("cf", now)
        parties = tuple(views)
        conflict = OpenConflict(
            conflict_id, finding.key, finding.severity, {}, now, finding.figures
        )
        for party, view in views.items():
            alert = Alert(
                id=new_id("al", now),
                party=party,
                conflict_id=conflict_id,
                kind=finding.kind,
                state=AlertState.OPEN,
                severity=finding.severity,
                opened_s=now,
                updated_s=now,
                counterparts=tuple(p for p in parties if p != party),
                view=view,
            )
            conflict.alerts[party] = alert
            self._save(unit, alert, conflict)
            _deliver(unit, "alert.opened", _with_live(alert, conflict))
        self._open[finding.key] = conflict
        for alert in conflict.alerts.values():
            self._by_alert[alert.id] = finding.key
        for listener in self.opened_listeners:
            listener(unit, conflict)
        return conflict

    def revise(self, unit: WriteUnit, key: ConflictKey, views: Mapping[str, AlertView]) -> None:
        """New views for an open conflict whose objects changed but still conflict (a planned
        operation moved): each party whose view changed is told (``alert.updated``)."""
        conflict = self._open[key]
        for party, view in views.items():
            alert = conflict.alerts.get(party)
            if alert is None or alert.view == view:
                continue
            unit.on_rollback(self._reload)
            changed = replace(alert, view=view, updated_s=unit.now_s)
            conflict.alerts[party] = changed
            self._save(unit, changed, conflict)
            _deliver(unit, "alert.updated", _with_live(changed, conflict))

    def close(self, unit: WriteUnit, key: ConflictKey, state: AlertState) -> None:
        """Resolve or expire every party's alert of a conflict."""
        unit.on_rollback(self._reload)
        conflict = self._open.pop(key)
        kind = "alert.resolved" if state is AlertState.RESOLVED else "alert.expired"
        for alert in conflict.alerts.values():
            closed = alert.moved(state, unit.now_s)
            self._save(unit, closed, conflict)
            _deliver(unit, kind, closed)
            self._by_alert.pop(alert.id, None)
        for listener in self.closed_listeners:
            listener(unit, conflict, state)

    def acknowledge(self, unit: WriteUnit, party: str, alert_id: str) -> Alert:
        """The party acknowledges its alert; the other parties are told it did."""
        found = self._active(party, alert_id)
        if found is None:
            closed = self.get(party, alert_id)  # NotFound unless it is the party's
            raise IllegalTransition(
                f"alert {alert_id} is {closed.state.value}: only an open alert can be acknowledged"
            )
        conflict, alert = found
        if alert.state is AlertState.ACKNOWLEDGED:
            return _with_live(alert, conflict)  # acknowledging twice changes nothing
        unit.on_rollback(self._reload)
        acknowledged = alert.moved(AlertState.ACKNOWLEDGED, unit.now_s)
        conflict.alerts[party] = acknowledged
        self._save(unit, acknowledged, conflict)
        _deliver(unit, "alert.acknowledged", _with_live(acknowledged, conflict))
        for other, their in conflict.alerts.items():
            if other != party:
                data = {"alert": their.id, "conflict": conflict.id, "acknowledged_by": party}
                unit.journal(other, "alert.counterpart_acknowledged", data)
                unit.emit(other, "alert.counterpart_acknowledged", data)
        return _with_live(acknowledged, conflict)

    @staticmethod
    def _save(unit: WriteUnit, alert: Alert, conflict: OpenConflict) -> None:
        doc = alert.to_doc()
        doc["key"] = conflict.key.to_doc()
        live = conflict.live()
        doc["live"] = {} if live is None else dump(live)
        unit.tx.put_object(
            StoredObject("alert", alert.id, alert.party, 1, alert.state.value, unit.now_s, doc)
        )


def _with_live(alert: Alert, conflict: OpenConflict) -> Alert:
    live = conflict.live()
    return alert if live is None else replace(alert, now=live)


def _deliver(unit: WriteUnit, kind: str, alert: Alert) -> None:
    data = alert.to_json()
    event = unit.emit(alert.party, kind, data)
    unit.journal(alert.party, kind, {"stream_seq": event.seq, "alert": data})
