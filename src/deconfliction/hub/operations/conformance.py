"""Conformance in the detection cycle: do tracks fly inside the operation they name?

A report may name the operation its track flies (``operation``). Each cycle, the live
tracks whose latest report names an *activated* (or already nonconforming) operation of
their own party are checked against its volumes at the report's position and time
(:func:`deconfliction.detect.conformance.conforming_by_operation`, boundaries included).

A track outside every volume opens a ``nonconformance`` alert to its owner (key
``("nc", party, track, operation)``) and makes the operation ``nonconforming``. Such a
track that is inside a volume of another party's live operation also opens an alert with
that party (``("nci", party, track, other operation)``): the other party learns the
party's name and the track's state (never its id, never the track's own plan), the track's
owner learns whose operation it entered (not that operation's id). Alerts close through the
alert book's hysteresis (so a track on the edge does not flicker); once an operation has no
open nonconformance alert it is ``activated`` again.

Nothing runs when no track names an activated operation and no such alert is open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from deconfliction.detect.conformance import conforming_by_operation, conforms
from deconfliction.detect.overlaps import ObjectKind
from deconfliction.hub.alerts.book import ConflictKey, Finding
from deconfliction.hub.live.detection import LiveTracks
from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.operations.records import INTRUDING, NONCONFORMING
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.operation import Volume
from deconfliction.model.states import AlertState, OperationState

if TYPE_CHECKING:
    from deconfliction.hub.operations.service import Operations

KINDS = frozenset({AlertKind.NONCONFORMANCE})
FLYING = frozenset({OperationState.ACTIVATED, OperationState.NONCONFORMING})
_PROBE_M = 1.0  # the band and window (± metres, ± seconds) of a position's index query


class Conformance:
    """The conformance step of the cycle, for one :class:`Operations` service."""

    def __init__(self, operations: Operations, picture: LivePicture) -> None:
        self._ops = operations
        self._picture = picture

    def check(self, live: LiveTracks) -> None:
        """One cycle's conformance: alerts reconciled, operations' states moved."""
        ops = self._ops
        with ops.lock:
            flying = ops.flying()
            open_keys = ops.alerts.open_keys(KINDS)
            if not flying and not open_keys:
                return
            findings = self._findings(live) if flying else []
            if not findings and not open_keys:
                return
            with ops.write() as unit:
                ops.alerts.reconcile(unit, KINDS, findings, self._still_live(live))
                self._move_states(unit)

    def _findings(self, live: LiveTracks) -> list[Finding]:
        ops, picture, snap = self._ops, self._picture, live.snapshot
        names: list[str | None] = [picture.operation[r] for r in live.rows.tolist()]
        rows, plans = [], {}
        for i, name in enumerate(names):
            filed = None if name is None else ops.live(name)
            if filed is None or filed.state not in FLYING:
                continue
            if filed.owner != snap.parties[int(snap.party[i])]:
                continue  # a track can fly only its own party's operations
            rows.append(i)
            plans[filed.id] = filed.operation.volumes
        if not rows:
            return []
        picked = np.array(rows, dtype=np.intp)
        at = live.rows[picked]
        inside = conforming_by_operation(
            plans,
            [names[i] for i in rows],
            picture.lat[at],
            picture.lon[at],
            picture.alt_m[at],
            picture.time_s[at],
        )
        findings: list[Finding] = []
        for k in np.flatnonzero(~inside).tolist():
            i, row = rows[k], int(at[k])
            findings.extend(self._outside(live, i, row, str(names[i])))
        return findings

    def _outside(self, live: LiveTracks, i: int, row: int, operation_id: str) -> list[Finding]:
        """The findings of one track outside its operation: its owner's, and one per other
        party's operation it is inside."""
        ops, picture, snap = self._ops, self._picture, live.snapshot
        party, track = snap.parties[int(snap.party[i])], str(snap.track[i])
        state = live.state(i)
        own = {"track": track, "operation": operation_id, "state": state}
        key: ConflictKey = (NONCONFORMING, party, track, operation_id)
        views: dict[str, dict[str, Any]] = {} if ops.alerts.is_open(key) else {party: {"own": own}}
        found = [Finding(key, AlertKind.NONCONFORMANCE, Severity.PREDICTED, views)]
        lat, lon = float(picture.lat[row]), float(picture.lon[row])
        alt, time_s = float(picture.alt_m[row]), float(picture.time_s[row])
        probe = Volume(
            shapely.Point(lon, lat),
            alt - _PROBE_M,
            alt + _PROBE_M,
            time_s - _PROBE_M,
            time_s + _PROBE_M,
        )
        hits = ops.index.query([probe], kinds=[ObjectKind.OPERATION])
        for other_id in sorted(set(hits.ids)):
            other = ops.live(other_id)
            if other is None or other.owner == party:
                continue
            if not conforms(other.operation.volumes, lat, lon, alt, time_s):
                continue
            key = (INTRUDING, party, track, other_id)
            views = {}
            if not ops.alerts.is_open(key):
                views = {
                    party: {"own": own, "other": {"party": other.owner}},
                    other.owner: {
                        "own": {
                            "operation": other_id,
                            "priority": other.operation.priority,
                            "domain": other.operation.domain.value,
                        },
                        "other": {"party": party, "state": state},
                    },
                }
            found.append(Finding(key, AlertKind.NONCONFORMANCE, Severity.PREDICTED, views))
        return found

    def _still_live(self, live: LiveTracks) -> Callable[[ConflictKey], bool]:
        tracks = live.keys()
        ops = self._ops

        def check(key: ConflictKey) -> bool:
            _, party, track, operation_id = key
            filed = ops.live(operation_id)
            if (party, track) not in tracks or filed is None:
                return False
            return key[0] != NONCONFORMING or filed.state in FLYING

        return check

    def _move_states(self, unit: WriteUnit) -> None:
        """Nonconforming while an own-track alert is open; activated again once none is."""
        ops = self._ops
        open_ops = {key[3] for key in ops.alerts.open_keys(KINDS) if key[0] == NONCONFORMING}
        for filed in ops.flying():
            if filed.state is OperationState.ACTIVATED and filed.id in open_ops:
                ops.set_state(unit, filed, OperationState.NONCONFORMING, "a track left its volumes")
            elif filed.state is OperationState.NONCONFORMING and filed.id not in open_ops:
                ops.set_state(unit, filed, OperationState.ACTIVATED, "its tracks conform again")

    def left(self, unit: WriteUnit, operation_id: str) -> None:
        """An operation left the active set: its conformance alerts expire now."""
        alerts = self._ops.alerts
        for key in alerts.open_keys(KINDS):
            if key[3] == operation_id:
                alerts.close(unit, key, AlertState.EXPIRED)
