"""Conformance in the detection cycle: do tracks fly inside the operation they name?

A report may name the operation its track flies (``operation``). Each cycle, the live
tracks whose latest report names an *activated* (or already nonconforming) operation of
their own party are checked against its volumes at the report's position and time
(:func:`deconfliction.detect.conformance.conforming_by_operation`, boundaries included).

A track outside every volume opens a ``nonconformance`` alert to its owner (key
:class:`~deconfliction.hub.alerts.keys.Nonconforming`), and the operations service makes the
operation ``nonconforming``. Such a track that is inside a volume of another party's live
operation also opens an alert with that party (key
:class:`~deconfliction.hub.alerts.keys.Intruding`; what each learns:
:func:`deconfliction.hub.alerts.visibility.intruding`). Alerts close through the alert
book's hysteresis (so a track on the edge does not flicker); once an operation has no open
nonconformance alert it is ``activated`` again.

Nothing runs when no track names an activated operation and no such alert is open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from deconfliction.detect.conformance import conforming_by_operation, conforms
from deconfliction.detect.overlaps import ObjectKind
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import ConflictKey, Intruding, Nonconforming
from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.live.snapshot import LiveTracks
from deconfliction.hub.operations.plans import FLYING, LivePlans
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.operation import Volume

_PROBE_M = 1.0  # the band and window (± metres, ± seconds) of a position's index query


class ConformanceCheck:
    """Tracks against the operations they fly (a :class:`~deconfliction.hub.cycle.Check`).

    Its scan does nothing outside the lock: the findings read the live plans, which writes
    change, so they are made under the lock in the cycle's write.
    """

    kinds = frozenset({AlertKind.NONCONFORMANCE})

    def __init__(self, plans: LivePlans, picture: LivePicture) -> None:
        self._plans = plans
        self._picture = picture

    def scan(self, live: LiveTracks) -> ConformanceScan:
        return ConformanceScan(live, self._plans, self._picture)


@dataclass(frozen=True)
class ConformanceScan:
    live: LiveTracks
    plans: LivePlans
    picture: LivePicture

    @property
    def found(self) -> int | None:
        """Unknown (None) until the findings are made under the lock, while any operation
        flies; else none."""
        return None if self.plans.flying() else 0

    def findings(self, is_open: Callable[[ConflictKey], bool]) -> list[Finding]:
        plans, picture, live = self.plans, self.picture, self.live
        if not plans.flying():
            return []
        names: list[str | None] = [picture.operation[r] for r in live.rows.tolist()]
        rows, volumes = [], {}
        for i, name in enumerate(names):
            filed = None if name is None else plans.live(name)
            if filed is None or filed.state not in FLYING:
                continue
            if filed.owner != live.party(i):
                continue  # a track can fly only its own party's operations
            rows.append(i)
            volumes[filed.id] = filed.operation.volumes
        if not rows:
            return []
        picked = np.array(rows, dtype=np.intp)
        at = live.rows[picked]
        inside = conforming_by_operation(
            volumes,
            [names[i] for i in rows],
            picture.lat[at],
            picture.lon[at],
            picture.alt_m[at],
            picture.time_s[at],
        )
        findings: list[Finding] = []
        for k in np.flatnonzero(~inside).tolist():
            i, row = rows[k], int(at[k])
            findings.extend(self._outside(i, row, str(names[i]), is_open))
        return findings

    def _outside(
        self, i: int, row: int, operation_id: str, is_open: Callable[[ConflictKey], bool]
    ) -> list[Finding]:
        """The findings of one track outside its operation: its owner's, and one per other
        party's operation it is inside."""
        plans, picture, live = self.plans, self.picture, self.live
        party, track = live.party(i), str(live.snapshot.track[i])
        side = visibility.TrackSide(party, track, live.state(i))
        key: ConflictKey = Nonconforming(party, track, operation_id)
        found = [Finding(key, Severity.PREDICTED, _views(key, is_open, side, operation_id))]
        lat, lon = float(picture.lat[row]), float(picture.lon[row])
        alt, time_s = float(picture.alt_m[row]), float(picture.time_s[row])
        probe = Volume(
            shapely.Point(lon, lat),
            alt - _PROBE_M,
            alt + _PROBE_M,
            time_s - _PROBE_M,
            time_s + _PROBE_M,
        )
        hits = plans.index.query([probe], kinds=[ObjectKind.OPERATION])
        for other_id in sorted(set(hits.ids)):
            other = plans.live(other_id)
            if other is None or other.owner == party:
                continue
            if not conforms(other.operation.volumes, lat, lon, alt, time_s):
                continue
            key = Intruding(party, track, other_id)
            views = _views(key, is_open, side, operation_id, other.side(()))
            found.append(Finding(key, Severity.PREDICTED, views))
        return found

    def reports(self, key: ConflictKey) -> None:
        """Fresh reports are not counted for these conflicts (the hysteresis alone)."""
        return None

    def held(self, keys: Sequence[ConflictKey]) -> tuple[()]:
        """No release margin: none is held."""
        return ()

    def still_live(self, key: ConflictKey) -> bool:
        assert isinstance(key, Nonconforming | Intruding)
        filed = self.plans.live(key.operation)
        if self.live.index(key.party, key.track) is None or filed is None:
            return False
        return isinstance(key, Intruding) or filed.state in FLYING


def _views(
    key: ConflictKey,
    is_open: Callable[[ConflictKey], bool],
    track: visibility.TrackSide,
    operation: str,
    entered: visibility.OperationSide | None = None,
) -> Lazy[visibility.Views]:
    if is_open(key):
        return Lazy.of({})
    if entered is None:
        return Lazy.of(visibility.nonconforming(track, operation))
    return Lazy.of(visibility.intruding(track, operation, entered))
