"""The alert book: conflicts found become alerts, with a lifecycle per party.

A conflict is known by its key (:mod:`~deconfliction.hub.alerts.keys`). When it is found
(and, far ahead of the loss, confirmed: :class:`Lifecycle`), each involved party gets an
alert (``alert.opened`` on its stream) with the view the visibility rule gives it; while the
conflict persists its live figures are refreshed in memory and a rise in severity is
announced (``alert.updated``: advisory, then predicted, then loss; an open alert never
steps down); once it has been absent for the hysteresis period and enough fresh reports of
its tracks it is resolved, or expired at once if an object it involves left the picture (a
stale track, a deleted zone). Every delivery is journalled.

Listeners hear each conflict opened and closed inside the write that does it: the hotline
opens and clears its threads, operations follow their nonconformance alerts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, cast

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
    to the loss (None: not a track conflict), which orders new conflicts by urgency;
    ``reports`` how many reports each track of the conflict had when it was found (None:
    not counted), against which fresh reports are counted (:class:`Lifecycle`).
    """

    key: ConflictKey
    severity: Severity
    views: Lazy[Mapping[str, AlertView]]
    figures: Lazy[LiveFigures] | None = None
    t_in_s: float | None = None
    reports: tuple[int, ...] | None = None

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
    reports: tuple[int, ...] | None = None  # its tracks' reports when last found

    @property
    def kind(self) -> AlertKind:
        return self.key.kind

    def live(self) -> LiveFigures | None:
        return None if self.figures is None else self.figures.get()


@dataclass(frozen=True)
class Lifecycle:
    """How the conflicts a check finds live in data time (docs/detection.md).

    - A conflict absent from the cycles resolves only once it has been absent for
      ``hysteresis_s`` *and* each of its tracks has sent ``resolve_reports`` fresh reports
      since it was last found: a track reporting every 10 s is not judged on one report.
    - A new conflict whose loss is further ahead than ``confirm_beyond_s`` opens only when
      a cycle after a fresh report of one of its tracks still finds it; a nearer or current
      loss opens at once. An advisory one (its loss beyond the warning horizon) must also
      have been found in every cycle for ``advisory_confirm_s`` since it was first found.
    - An open conflict one of whose objects left the picture expires once it has not been
      found for ``expire_after_s``: a track missing a few reports and back within it keeps
      its alert.
    """

    hysteresis_s: float
    resolve_reports: int = 0
    confirm_beyond_s: float = math.inf
    advisory_confirm_s: float = 0.0
    expire_after_s: float = 0.0


# What the book asks of a cycle about the open conflicts it did not find.
StillLive = Callable[[ConflictKey], bool]  # every object still in the picture (else: expire)
ReportsNow = Callable[[ConflictKey], tuple[int, ...] | None]  # its tracks' reports now
Held = Callable[[Sequence[ConflictKey]], Collection[ConflictKey]]  # those still held

# Severities in rising order: an open alert moves up only.
RANK = {Severity.ADVISORY: 0, Severity.PREDICTED: 1, Severity.LOSS: 2}


def _urgency(finding: Finding) -> tuple[bool, float]:
    """Lost separations first, then the soonest predicted loss, then advisories."""
    t_in = finding.t_in_s
    return (finding.severity is not Severity.LOSS, float("inf") if t_in is None else t_in)


OpenedListener = Callable[[WriteUnit, OpenConflict], None]
ClosedListener = Callable[[WriteUnit, OpenConflict, AlertState], None]
EscalatedListener = Callable[[WriteUnit, OpenConflict, Severity], None]  # (…, before)


class AlertBook:
    """Open conflicts in memory; alerts in the store."""

    def __init__(self, store: Store, *, hysteresis_s: float) -> None:
        self._store = store
        self.hysteresis_s = hysteresis_s
        self._open: dict[ConflictKey, OpenConflict] = {}
        self._by_alert: dict[str, ConflictKey] = {}
        # New conflicts found far ahead, waiting for confirmation: when they were first
        # found, and their tracks' reports then.
        self._pending: dict[ConflictKey, tuple[float, tuple[int, ...]]] = {}
        # Called inside the write that opens / escalates / closes a conflict; a listener
        # that raises fails that write.
        self.opened_listeners: list[OpenedListener] = []
        self.escalated_listeners: list[EscalatedListener] = []
        self.closed_listeners: list[ClosedListener] = []

    def _reload(self, now_s: float) -> None:
        """After a failed write, memory is rebuilt from what the store really holds."""
        self._open.clear()
        self._by_alert.clear()
        self._pending.clear()
        self.load(now_s)

    def load(self, now_s: float) -> None:
        """Rebuild open conflicts from the store (after a restart they count as seen now,
        and fresh reports are counted from the first cycle that misses them)."""
        states = [AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value]
        for stored in self._store.list_objects("alert", states=states):
            self._take(Alert.from_doc(stored.doc), stored.doc, now_s)

    def follow(self, alert_ids: Iterable[str], now_s: float) -> None:
        """Alerts another process of the hub opened, changed or closed: each as the store
        holds it now (:mod:`deconfliction.hub.peers`). The live figures are those stored
        with the alert's last change; the process running detection refreshes its own."""
        for alert_id in alert_ids:
            stored = self._store.get_object("alert", alert_id)
            if stored is not None:
                self._take(Alert.from_doc(stored.doc), stored.doc, now_s)

    def _take(self, alert: Alert, doc: dict[str, Any], now_s: float) -> None:
        """An alert as the store holds it (``doc``), into the open conflicts: opened or
        changed, its conflict is open (seen ``now_s``); closed, it leaves it."""
        key = key_from_doc(doc["key"])
        conflict = self._open.get(key)
        if alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED):
            if conflict is None or conflict.id != alert.conflict_id:
                figures = figures_from_doc(alert.kind, doc.get("live"))
                conflict = self._open[key] = OpenConflict(
                    alert.conflict_id,
                    key,
                    alert.severity,
                    {},
                    now_s,
                    None if figures is None else Lazy.of(figures),
                )
                self._pending.pop(key, None)
            if RANK[alert.severity] > RANK[conflict.severity]:
                conflict.severity = alert.severity
            conflict.alerts[alert.party] = alert
            self._by_alert[alert.id] = key
            return
        self._by_alert.pop(alert.id, None)
        if conflict is not None and conflict.id == alert.conflict_id:
            conflict.alerts.pop(alert.party, None)
            if not conflict.alerts:
                del self._open[key]

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

    def any_pending(self, kinds: Iterable[AlertKind]) -> bool:
        """Whether a new conflict of ``kinds`` waits for confirmation."""
        wanted = set(kinds)
        return any(key.kind in wanted for key in self._pending)

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
        still_live: StillLive,
        *,
        lifecycle: Lifecycle | None = None,
        reports: ReportsNow | None = None,
        held: Held | None = None,
        open_at_most: int | None = None,
    ) -> int:
        """Bring the open conflicts of ``kinds`` in line with what was found this cycle,
        following ``lifecycle`` (default: the book's hysteresis alone).

        An open conflict not found is expired if an object left the picture
        (``still_live``) and it has not been found for the lifecycle's ``expire_after_s``;
        else it counts as found if ``held`` keeps it (track pairs still in conflict under the
        release margins); else it resolves once the lifecycle allows (``reports``: how many
        reports its tracks have had by now).

        At most ``open_at_most`` new conflicts are opened, the most urgent first (a lost
        separation, then the soonest loss); the others are found again by the next cycle.
        A burst of thousands of new conflicts (a hub starting on a full sky) is so spread
        over several cycles instead of holding the hub for seconds. Returns how many new
        conflicts are left for later cycles.
        """
        now = unit.now_s
        rules = lifecycle or Lifecycle(self.hysteresis_s)
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
            conflict.reports = finding.reports
            conflict.figures = finding.figures
            if RANK[finding.severity] > RANK[conflict.severity]:
                self._escalate(unit, conflict, finding.severity)
        wanted = set(kinds)
        absent = [k for k in self._open if k.kind in wanted and k not in seen]
        live = [k for k in absent if still_live(k)]
        kept = held(live) if held is not None and live else ()
        alive = set(live)
        for key in absent:
            conflict = self._open[key]
            if key not in alive:
                if now - conflict.last_seen_s >= rules.expire_after_s:
                    self.close(unit, key, AlertState.EXPIRED)
            elif key in kept:
                conflict.last_seen_s = now
                conflict.reports = None if reports is None else reports(key)
            elif self._settled(conflict, now, rules, reports):
                self.close(unit, key, AlertState.RESOLVED)
        ready = [f for f in new if self._confirmed(f, rules, now)]
        for key in [k for k in self._pending if k.kind in wanted and k not in seen]:
            del self._pending[key]
        if open_at_most is not None and len(ready) > open_at_most:
            ready.sort(key=_urgency)
        for finding in ready[:open_at_most]:
            self._pending.pop(finding.key, None)
            self.open(unit, finding)
        return len(ready) - len(ready[:open_at_most])

    def _settled(
        self, conflict: OpenConflict, now_s: float, rules: Lifecycle, reports: ReportsNow | None
    ) -> bool:
        """Whether an open conflict not found now may resolve: absent for the hysteresis
        and for ``resolve_reports`` fresh reports of each of its tracks."""
        if now_s - conflict.last_seen_s < rules.hysteresis_s:
            return False
        if rules.resolve_reports <= 0 or reports is None:
            return True
        current = reports(conflict.key)
        if current is None:
            return True
        if conflict.reports is None:  # (loaded at a restart) counting starts now
            conflict.reports = current
            return False
        fresh = min(c - s for c, s in zip(current, conflict.reports, strict=True))
        return fresh >= rules.resolve_reports

    def _confirmed(self, finding: Finding, rules: Lifecycle, now_s: float) -> bool:
        """Whether a new conflict may open now: its loss is near (or now), or one of its
        tracks has reported since it was first found and, for an advisory, it has been found
        in every cycle for ``advisory_confirm_s`` (else it waits, remembered)."""
        t_in = finding.t_in_s
        if t_in is None or t_in <= rules.confirm_beyond_s or finding.reports is None:
            return True
        before = self._pending.get(finding.key)
        if before is None:
            self._pending[finding.key] = (now_s, finding.reports)
            return False
        first_s, reports = before
        fresh = any(now > then for now, then in zip(finding.reports, reports, strict=True))
        if finding.severity is Severity.ADVISORY:
            return fresh and now_s - first_s >= rules.advisory_confirm_s
        return fresh

    def _escalate(self, unit: WriteUnit, conflict: OpenConflict, severity: Severity) -> None:
        """Raise an open conflict's severity: every party's alert says so (``alert.updated``)."""
        now = unit.now_s
        before = conflict.severity
        conflict.severity = severity
        for party, alert in list(conflict.alerts.items()):
            changed = replace(alert, severity=severity, updated_s=now)
            conflict.alerts[party] = changed
            self._save(unit, changed, conflict)
            _deliver(unit, "alert.updated", _with_live(changed, conflict))
        for listener in self.escalated_listeners:
            listener(unit, conflict, before)

    def open(self, unit: WriteUnit, finding: Finding) -> OpenConflict:
        """Open alerts for a new conflict, one per involved party."""
        now = unit.now_s
        unit.on_rollback(self._reload)
        views = finding.views.get()
        conflict_id = new_id("cf", now)
        parties = tuple(views)
        conflict = OpenConflict(
            conflict_id, finding.key, finding.severity, {}, now, finding.figures, finding.reports
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
