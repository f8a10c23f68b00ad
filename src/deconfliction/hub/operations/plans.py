"""The live plans in memory: operations not yet ended or cancelled, the zones taken as
volumes, and the 4-D index of both.

The operations service changes it (under the hub lock, inside write units); advice and the
conformance check read it. It is rebuilt from the store at start and after a failed write.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator

from deconfliction.detect.overlaps import ObjectKind, Ref
from deconfliction.detect.volumes import Indexed, VolumeIndex
from deconfliction.hub.operations.records import Filed
from deconfliction.model.operation import Volume
from deconfliction.model.states import OperationState
from deconfliction.model.zone import Zone

FLYING = frozenset({OperationState.ACTIVATED, OperationState.NONCONFORMING})


def zone_volume(zone: Zone) -> Volume:
    """A zone as one 4-D volume (no floor: -10 km; no start: 1970; no ceiling or end: inf)."""
    lower = zone.alt_lower_m if math.isfinite(zone.alt_lower_m) else -10_000.0
    start = zone.valid_from_s if zone.valid_from_s is not None else 0.0
    end = zone.valid_to_s if zone.valid_to_s is not None else math.inf
    return Volume(zone.region.shape, lower, zone.alt_upper_m, start, end)


class LivePlans:
    """Live operations by id, which of them fly, when each ends, zones, and the index."""

    def __init__(self) -> None:
        self.index = VolumeIndex()
        self.zones: dict[str, Zone] = {}
        self._zone_versions: dict[str, str] = {}
        self._live: dict[str, Filed] = {}
        self._flying: set[str] = set()  # activated or nonconforming
        self._expiry: list[tuple[float, str, int]] = []  # (end, id, revision), lazily pruned

    def load(self, operations: Iterable[Filed]) -> None:
        """Start again from the live operations (the zones are kept and indexed again)."""
        self._live = {filed.id: filed for filed in operations}
        self._flying = {f.id for f in self._live.values() if f.state in FLYING}
        self.index = VolumeIndex()
        self.index.put_many(
            [Indexed(f.ref, f.owner, f.version, f.operation.volumes) for f in self._live.values()]
        )
        for zone in self.zones.values():
            self._index_zone(zone)
        self._expiry = [(f.operation.end_s, f.id, f.revision) for f in self._live.values()]
        heapq.heapify(self._expiry)

    # -- operations ------------------------------------------------------------------------

    def live(self, operation_id: str) -> Filed | None:
        """A live operation (accepted, activated or nonconforming), whoever owns it."""
        return self._live.get(operation_id)

    def all_live(self) -> list[Filed]:
        return list(self._live.values())

    def flying(self) -> list[Filed]:
        """The activated and nonconforming operations."""
        return [self._live[i] for i in sorted(self._flying)]

    def keep(self, filed: Filed) -> None:
        """``filed`` is an operation's state now (it leaves the live set once over)."""
        op = filed.operation
        if op.live:
            self._live[op.id] = filed
            heapq.heappush(self._expiry, (op.end_s, op.id, filed.revision))
        else:
            self._live.pop(op.id, None)
        if op.state in FLYING:
            self._flying.add(op.id)
        else:
            self._flying.discard(op.id)

    def reindex(self, filed: Filed) -> None:
        """After a change of state: the same volumes under a new version, or out once over."""
        if filed.operation.live:
            self.index.set_version(filed.ref, filed.version)
        else:
            self.index.remove(filed.ref)

    def due(self, now_s: float) -> Iterator[Filed]:
        """The operations whose last volume is over at ``now_s`` (each once)."""
        while self._expiry and self._expiry[0][0] <= now_s:
            _, operation_id, revision = heapq.heappop(self._expiry)
            filed = self._live.get(operation_id)
            if filed is not None and filed.revision == revision and filed.operation.expired(now_s):
                yield filed

    def any_due(self, now_s: float) -> bool:
        return bool(self._expiry) and self._expiry[0][0] <= now_s

    # -- zones -----------------------------------------------------------------------------

    def put_zone(self, zone: Zone, version: str) -> None:
        self.zones[zone.id] = zone
        self._zone_versions[zone.id] = version
        self._index_zone(zone)

    def remove_zone(self, zone_id: str) -> None:
        self.zones.pop(zone_id, None)
        self._zone_versions.pop(zone_id, None)
        self.index.remove(Ref(ObjectKind.ZONE, zone_id))

    def _index_zone(self, zone: Zone) -> None:
        self.index.put(
            Ref(ObjectKind.ZONE, zone.id),
            owner=zone.owner,
            version=self._zone_versions[zone.id],
            volumes=[zone_volume(zone)],
            rule=zone.rule.value,
        )
