"""Zones as the hub keeps them: one record per zone id, its stored document, and the Feature
each reader is shown.

A record holds the Feature exactly as its owner submitted it (so an export round-trips)
and, while the zone is active, the validated :class:`~deconfliction.model.zone.Zone`. A
zone that has ended (withdrawn or expired) keeps its record, so that its id stays its
owner's and its last declaration can still be read, but is not parsed again at start.

What a reader is shown (:func:`feature_view`): the Feature as submitted, except that a
party other than the owner does not see ``shared_with`` (who else the owner shares it with
is the owner's business), plus the member ``"deconfliction"`` with the hub's data: owner,
version, state, times and, for a protected zone, the acknowledgements (all of them for the
owner, its own for a party it is shared with).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from deconfliction.model.states import ZoneState
from deconfliction.model.zone import Zone, ZoneRule
from deconfliction.store import StoredObject
from deconfliction.units import format_time

KIND = "zone"
HUB_MEMBER = "deconfliction"  # the Feature member holding the hub's own data


def _time(value: float | None) -> str | None:
    return None if value is None else format_time(value)


def sharing(feature: Mapping[str, Any]) -> tuple[frozenset[str], bool]:
    """``shared_with`` of a stored Feature: the parties named, and whether it says "all"."""
    props = feature.get("properties")
    value = props.get("shared_with") if isinstance(props, Mapping) else None
    if value == "all":
        return frozenset(), True
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str)), False
    return frozenset(), False


@dataclass(frozen=True)
class ZoneRecord:
    """One zone id: its latest declaration, state and acknowledgements.

    ``version`` counts the changes of the declaration (declared, updated, withdrawn,
    expired, declared again); acknowledgements do not change it. ``asked`` holds, per party
    expected to acknowledge, since when (this declaration, or when it was first shared with
    it); ``chased`` the hub message sent to each party that let the deadline pass.
    """

    id: str
    owner: str
    version: int
    state: ZoneState
    order: int  # declaration order, so that exports keep the order of the imported file
    feature: dict[str, Any] = field(repr=False)
    declared_s: float
    updated_s: float
    ended_s: float | None = None
    zone: Zone | None = field(default=None, repr=False)
    acks: Mapping[str, float] = field(default_factory=dict)
    asked: Mapping[str, float] = field(default_factory=dict)
    chased: Mapping[str, str] = field(default_factory=dict)
    reminded_s: float | None = None

    @property
    def active(self) -> bool:
        return self.state is ZoneState.ACTIVE

    @property
    def rule(self) -> str:
        if self.zone is not None:
            return self.zone.rule.value
        props = self.feature.get("properties")
        return str(props.get("rule", "")) if isinstance(props, Mapping) else ""

    @property
    def protected(self) -> bool:
        return self.rule == ZoneRule.PROTECTED.value

    @property
    def name(self) -> str | None:
        props = self.feature.get("properties")
        name = props.get("name") if isinstance(props, Mapping) else None
        return name if isinstance(name, str) else None

    def visible_to(self, party: str | None) -> bool:
        """Whether ``party`` (``None``: the admin) may see this zone."""
        if party is None or party == self.owner:
            return True
        shared, shared_all = sharing(self.feature)
        return shared_all or party in shared

    def audience(self, parties: Iterable[str]) -> list[str]:
        """The owner and those of ``parties`` that may see the zone, owner first."""
        return [
            self.owner,
            *sorted(p for p in set(parties) if p != self.owner and self.visible_to(p)),
        ]

    def in_force(self, now_s: float) -> bool:
        return self.active and self.zone is not None and self.zone.active_at(now_s)

    def with_changes(self, **changes: Any) -> ZoneRecord:
        return replace(self, **changes)

    # -- the store -------------------------------------------------------------------------

    def to_stored(self) -> StoredObject:
        doc = {
            "feature": self.feature,
            "order": self.order,
            "declared_s": self.declared_s,
            "ended_s": self.ended_s,
            "acks": dict(self.acks),
            "asked": dict(self.asked),
            "chased": dict(self.chased),
            "reminded_s": self.reminded_s,
        }
        return StoredObject(
            KIND, self.id, self.owner, self.version, self.state.value, self.updated_s, doc
        )

    @classmethod
    def from_stored(cls, stored: StoredObject, zone: Zone | None) -> ZoneRecord:
        doc = stored.doc
        return cls(
            id=stored.id,
            owner=stored.owner,
            version=stored.version,
            state=ZoneState(stored.state),
            order=int(doc.get("order", 0)),
            feature=doc["feature"],
            declared_s=float(doc["declared_s"]),
            updated_s=stored.updated_s,
            ended_s=doc.get("ended_s"),
            zone=zone,
            acks=dict(doc.get("acks", {})),
            asked=dict(doc.get("asked", {})),
            chased=dict(doc.get("chased", {})),
            reminded_s=doc.get("reminded_s"),
        )


def feature_view(
    record: ZoneRecord, viewer: str | None, now_s: float, expected: Iterable[str] = ()
) -> dict[str, Any]:
    """The Feature as ``viewer`` (``None``: the admin) is shown it (see the module docs).

    ``expected``: the parties that are to acknowledge the zone (for a protected one).
    """
    feature = copy.deepcopy(record.feature)
    owner_view = viewer is None or viewer == record.owner
    props = feature.get("properties")
    if not owner_view and isinstance(props, dict):
        props.pop("shared_with", None)
    status: dict[str, Any] = {
        "owner": record.owner,
        "version": record.version,
        "state": record.state.value,
        "in_force": record.in_force(now_s),
        "declared": format_time(record.declared_s),
        "updated": format_time(record.updated_s),
        "ended": _time(record.ended_s),
    }
    if record.protected:
        if owner_view:
            status["acknowledgements"] = [
                {"party": party, "time": format_time(time_s)}
                for party, time_s in sorted(record.acks.items(), key=lambda kv: (kv[1], kv[0]))
            ]
            status["pending"] = sorted(set(expected) - set(record.acks)) if record.active else []
        else:
            assert viewer is not None
            status["acknowledged"] = _time(record.acks.get(viewer))
    feature[HUB_MEMBER] = status
    return feature
