"""Operations as the hub keeps and shows them, and what each party is told of a conflict.

:class:`Filed` is an operation with its volumes as accepted (what ``GET`` returns) and its
revision (the counter its version token is minted from). The store keeps it as a document
that also holds each footprint as WKB, so a restart rebuilds the volume index without
reading the GeoJSON again.

The views built here are the whole of what an operation conflict tells each party: of its
own side, its operation in full; of the other side, the party's name, how the other's
priority compares with its own (``higher``, ``lower``, ``equal``; never the number) and the
overlap itself (footprint, altitude band and time window of each overlapping pair of
volumes). Never the other operation's id, its other volumes or its extent.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.hub.alerts.book import ConflictKey
from deconfliction.model.operation import Operation, Volume
from deconfliction.model.party import Domain
from deconfliction.model.states import OperationState
from deconfliction.model.zone import Zone
from deconfliction.units import format_time

OPERATION_PAIR = "oo"
OPERATION_ZONE = "oz"
NONCONFORMING = "nc"
INTRUDING = "nci"
# Zones whose overlap with another party's plan is advised: the plan enters where it may not.
ADVISED_RULES = frozenset({"no_entry", "protected"})


@dataclass(frozen=True)
class Filed:
    """An operation, its volumes as accepted, and its revision."""

    operation: Operation
    accepted: tuple[dict[str, Any], ...]
    revision: int

    @property
    def id(self) -> str:
        return self.operation.id

    @property
    def owner(self) -> str:
        return self.operation.owner

    @property
    def version(self) -> str:
        return self.operation.version

    @property
    def state(self) -> OperationState:
        return self.operation.state

    @property
    def ref(self) -> Ref:
        return Ref(ObjectKind.OPERATION, self.operation.id)

    def to_json(self) -> dict[str, Any]:
        """The operation as its owner (and parties it is shared with) see it."""
        op = self.operation
        return {
            "id": op.id,
            "owner": op.owner,
            "version": op.version,
            "state": op.state.value,
            "priority": op.priority,
            "domain": op.domain.value,
            "volumes": [dict(v) for v in self.accepted],
            "start": format_time(op.start_s),
            "end": format_time(op.end_s),
            "created": format_time(op.created_s),
            "updated": format_time(op.updated_s),
        }

    def to_doc(self) -> dict[str, Any]:
        """What the store keeps."""
        op = self.operation
        footprints = np.empty(len(op.volumes), dtype=object)
        footprints[:] = [v.footprint for v in op.volumes]
        return {
            "id": op.id,
            "owner": op.owner,
            "version": op.version,
            "revision": self.revision,
            "state": op.state.value,
            "priority": op.priority,
            "domain": op.domain.value,
            "volumes": list(self.accepted),
            "bands": [[v.alt_lower_m, v.alt_upper_m, v.start_s, v.end_s] for v in op.volumes],
            "footprints": [
                base64.b64encode(wkb).decode("ascii") for wkb in shapely.to_wkb(footprints)
            ],
            "created_s": op.created_s,
            "updated_s": op.updated_s,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Filed:
        footprints = shapely.from_wkb([base64.b64decode(f) for f in doc["footprints"]])
        volumes = tuple(
            Volume(footprint, lower, upper, start, end)
            for footprint, (lower, upper, start, end) in zip(
                footprints.tolist(), doc["bands"], strict=True
            )
        )
        operation = Operation(
            id=doc["id"],
            owner=doc["owner"],
            version=doc["version"],
            state=OperationState(doc["state"]),
            priority=doc["priority"],
            domain=Domain(doc["domain"]),
            volumes=volumes,
            created_s=doc["created_s"],
            updated_s=doc["updated_s"],
        )
        return cls(operation, tuple(doc["volumes"]), int(doc["revision"]))


def pair_key(one: str, other: str) -> ConflictKey:
    """The conflict between two operations (whichever was written last)."""
    first, second = sorted((one, other))
    return (OPERATION_PAIR, first, second)


def zone_key(operation_id: str, zone_id: str) -> ConflictKey:
    return (OPERATION_ZONE, operation_id, zone_id)


def zone_volume(zone: Zone) -> Volume:
    """A zone as one 4-D volume (no floor: -10 km; no start: 1970; no ceiling or end: inf)."""
    lower = zone.alt_lower_m if math.isfinite(zone.alt_lower_m) else -10_000.0
    start = zone.valid_from_s if zone.valid_from_s is not None else 0.0
    end = zone.valid_to_s if zone.valid_to_s is not None else math.inf
    return Volume(zone.region.shape, lower, zone.alt_upper_m, start, end)


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """JSON as the store gives it back (lists, not tuples), so views compare equal."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(value))
    return plain


class OverlapShapes:
    """The overlap of two objects as JSON, computed once and read from either side.

    ``for_reader(own_volumes)`` is one entry per overlapping pair of volumes (footprint,
    band, window; ``own_volume_index`` is the reader's volume of that pair), the whole
    window and band, and a point inside the overlap (for the hotline's ``where``).
    """

    def __init__(self, rows: Overlaps) -> None:
        self._entries = _plain({"rows": [row.volume_json() for row in rows]})["rows"]
        point = shapely.point_on_surface(rows.footprints()[0])
        self._where = {"lat": round(point.y, 6), "lon": round(point.x, 6)}
        self._summary = {
            "start": format_time(float(rows.start_s.min())),
            "end": format_time(float(rows.end_s.max())),
            "alt_lower_m": float(rows.alt_lower_m.min()),
            "alt_upper_m": float(rows.alt_upper_m.max()),
        }

    def for_reader(self, own_volumes: Sequence[int]) -> dict[str, Any]:
        overlaps = [
            {"own_volume_index": int(own), **entry}
            for entry, own in zip(self._entries, own_volumes, strict=True)
        ]
        return {"overlaps": overlaps, **self._summary, "where": dict(self._where)}


def relation(theirs: int, mine: int) -> str:
    """How the other side's priority compares with mine."""
    return "higher" if theirs > mine else "lower" if theirs < mine else "equal"


def _own(filed: Filed, volumes: Sequence[int]) -> dict[str, Any]:
    return {
        "operation": filed.id,
        "priority": filed.operation.priority,
        "domain": filed.operation.domain.value,
        "volumes": sorted({int(v) for v in volumes}),
    }


def pair_views(mine: Filed, theirs: Filed, rows: Overlaps, tie: str) -> dict[str, dict[str, Any]]:
    """What each owner is told of the overlap of ``mine`` (the query) and ``theirs``.

    The owner of the lower-priority operation is asked to resolve; at equal priority,
    ``tie`` (the party whose write made the conflict).
    """
    a, b = mine.operation, theirs.operation
    resolve_by = a.owner if a.priority < b.priority else b.owner if b.priority < a.priority else tie
    views = {}
    shapes = OverlapShapes(rows)
    for own, other, volumes in (
        (mine, theirs, rows.volume_index.tolist()),
        (theirs, mine, rows.other_volume_index.tolist()),
    ):
        geometry = shapes.for_reader(volumes)
        views[own.owner] = {
            "own": _own(own, volumes),
            "other": {
                "party": other.owner,
                "priority": relation(other.operation.priority, own.operation.priority),
            },
            "geometry": geometry,
            "resolve_by": resolve_by,
        }
    return views


def zone_views(
    filed: Filed, zone: Zone, rows: Overlaps, operation_volumes: Sequence[int]
) -> dict[str, dict[str, Any]]:
    """What the operation's owner and the zone's owner are told: the overlap, the rule, and
    the other's name (the zone's id only if its owner shares the zone with the reader)."""
    shapes = OverlapShapes(rows)
    geometry = shapes.for_reader(operation_volumes)
    other: dict[str, Any] = {"party": zone.owner, "rule": zone.rule.value}
    if zone.visible_to(filed.owner):
        other["zone"] = zone.id
    zone_geometry = shapes.for_reader([0] * len(rows))
    return {
        filed.owner: {
            "own": _own(filed, operation_volumes),
            "other": other,
            "geometry": geometry,
            "resolve_by": filed.owner,
        },
        zone.owner: {
            "own": {"zone": zone.id, "rule": zone.rule.value},
            "other": {"party": filed.owner, "domain": filed.operation.domain.value},
            "geometry": zone_geometry,
            "resolve_by": filed.owner,
        },
    }
