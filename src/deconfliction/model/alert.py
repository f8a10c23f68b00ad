"""Alerts: a conflict as one involved party sees it.

Each conflict the hub finds gives one alert per involved party, so that each party has its
own lifecycle (it acknowledges its own alert) and its own view, holding only what it may
see: its own objects in full, and of the other side only the party's name and the minimum
DESIGN.md allows (the other track's state at alert time, the conflicting volume).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any

from deconfliction.model import alert_views as v
from deconfliction.model.codec import TRANSIENT, dump, load
from deconfliction.model.states import AlertState
from deconfliction.units import format_time


class AlertKind(StrEnum):
    TRACK_TRACK = "track_track"
    TRACK_ZONE = "track_zone"
    OPERATION_OPERATION = "operation_operation"
    OPERATION_ZONE = "operation_zone"
    ZONE_ZONE = "zone_zone"
    NONCONFORMANCE = "nonconformance"


class Severity(StrEnum):
    """How urgent: a separation already lost, one predicted, or advice about plans."""

    LOSS = "loss"
    PREDICTED = "predicted"
    ADVISORY = "advisory"


@dataclass(frozen=True)
class Alert:
    """One party's alert about one conflict."""

    id: str
    party: str
    conflict_id: str
    kind: AlertKind
    state: AlertState
    severity: Severity
    opened_s: float
    updated_s: float
    counterparts: tuple[str, ...]
    view: v.AlertView
    acknowledged_s: float | None = None
    closed_s: float | None = None
    # An open conflict's live figures, added when read; never stored.
    now: Annotated[v.LiveFigures | None, TRANSIENT] = None

    @property
    def active(self) -> bool:
        return not self.state.terminal

    def moved(self, state: AlertState, at_s: float) -> Alert:
        """This alert in ``state`` (raises on an illegal transition)."""
        new = self.state.to(state)
        changes: dict[str, Any] = {"state": new, "updated_s": at_s}
        if new is AlertState.ACKNOWLEDGED:
            changes["acknowledged_s"] = at_s
        if new.terminal:
            changes["closed_s"] = at_s
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        def time_or_none(value: float | None) -> str | None:
            return None if value is None else format_time(value)

        return {
            "id": self.id,
            "conflict": self.conflict_id,
            "kind": self.kind.value,
            "state": self.state.value,
            "severity": self.severity.value,
            "opened": format_time(self.opened_s),
            "updated": format_time(self.updated_s),
            "acknowledged": time_or_none(self.acknowledged_s),
            "closed": time_or_none(self.closed_s),
            "counterparts": list(self.counterparts),
            **dump(self.view),
            **({} if self.now is None else {"now": dump(self.now)}),
        }

    def to_doc(self) -> dict[str, Any]:
        """What the store keeps: :func:`~deconfliction.model.codec.dump`'s document (the live
        figures left out), written by hand because alerts are written in bursts and ``dump``
        takes 1.2 times as long (``python -m bench.codec``)."""
        return {
            "id": self.id,
            "party": self.party,
            "conflict_id": self.conflict_id,
            "kind": self.kind.value,
            "state": self.state.value,
            "severity": self.severity.value,
            "opened_s": self.opened_s,
            "updated_s": self.updated_s,
            "acknowledged_s": self.acknowledged_s,
            "closed_s": self.closed_s,
            "counterparts": list(self.counterparts),
            "view": dump(self.view),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Alert:
        """The alert :meth:`to_doc` stored: the type of its view follows from its kind
        (:func:`view_from_doc`), which ``codec.load`` would find by trying each view in
        turn, three times slower (``python -m bench.codec``)."""
        return cls(
            id=doc["id"],
            party=doc["party"],
            conflict_id=doc["conflict_id"],
            kind=AlertKind(doc["kind"]),
            state=AlertState(doc["state"]),
            severity=Severity(doc["severity"]),
            opened_s=doc["opened_s"],
            updated_s=doc["updated_s"],
            counterparts=tuple(doc["counterparts"]),
            view=view_from_doc(AlertKind(doc["kind"]), doc["view"]),
            acknowledged_s=doc.get("acknowledged_s"),
            closed_s=doc.get("closed_s"),
        )


# The views each kind of alert may carry; where there are two, the second is the zone
# owner's side.
VIEWS: dict[AlertKind, tuple[type[v.AlertView], ...]] = {
    AlertKind.TRACK_TRACK: (v.TrackPairView,),
    AlertKind.TRACK_ZONE: (v.ZoneAheadView, v.ZoneEnteredView),
    AlertKind.OPERATION_OPERATION: (v.OperationPairView,),
    AlertKind.OPERATION_ZONE: (v.OperationInZoneView, v.ZoneOperationView),
    AlertKind.ZONE_ZONE: (v.ZonePairView,),
    AlertKind.NONCONFORMANCE: (v.NonconformingView, v.IntruderView, v.IntrudedView),
}


def view_type(kind: AlertKind, doc: Mapping[str, Any]) -> type[v.AlertView]:
    """Which view an alert of ``kind`` carries, from the members of its document."""
    own = doc.get("own") or {}
    other = doc.get("other")
    sides = VIEWS[kind]
    if kind is AlertKind.NONCONFORMANCE:
        side = 0 if other is None else 2 if "state" in other else 1
    else:
        side = 1 if len(sides) == 2 and "zone" in own else 0
    return sides[side]


def view_from_doc(kind: AlertKind, doc: dict[str, Any]) -> v.AlertView:
    """The view of an alert of ``kind`` from its document."""
    return load(view_type(kind, doc), doc)


def figures_from_doc(kind: AlertKind, doc: dict[str, Any] | None) -> v.LiveFigures | None:
    """The live figures an alert's document holds (none for advisories)."""
    if not doc:
        return None
    if kind is AlertKind.TRACK_TRACK:
        return load(v.PairFigures, doc)
    return load(v.EntryFigures, doc)
