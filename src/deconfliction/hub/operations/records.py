"""Operations as the hub keeps and shows them, and the overlap of two plans as each reads it.

:class:`Filed` is an operation with its volumes as accepted (what ``GET`` returns) and its
revision (the counter its version token is minted from). The store keeps it as a document
that also holds each footprint as WKB, so a restart rebuilds the volume index without
reading the GeoJSON again. The footprints are encoded once, when the request is read
(:class:`PreparedFiling`, outside the hub's lock), and kept through every change of state.

What each party is told of a conflict between plans is decided in
:mod:`deconfliction.hub.alerts.visibility`; :class:`OverlapShapes` gives it the overlap.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import shapely

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.hub.alerts.visibility import OperationSide
from deconfliction.model.alert_views import LatLon, OverlapGeometry, VolumeOverlap
from deconfliction.model.codec import load
from deconfliction.model.operation import Operation, Volume
from deconfliction.model.operation_filing import Filing
from deconfliction.model.party import Domain
from deconfliction.model.states import OperationState
from deconfliction.units import format_time


def encode_footprints(volumes: Sequence[Volume]) -> tuple[str, ...]:
    """Each volume's footprint as the store keeps it (WKB, in base64)."""
    footprints = np.empty(len(volumes), dtype=object)
    footprints[:] = [v.footprint for v in volumes]
    return tuple(base64.b64encode(wkb).decode("ascii") for wkb in shapely.to_wkb(footprints))


@dataclass(frozen=True)
class PreparedFiling:
    """A request to file or replace a plan, read and checked, its footprints encoded: what
    needs the request alone, made before the hub's lock is taken to commit it."""

    filing: Filing
    footprints: tuple[str, ...]

    @classmethod
    def of(cls, filing: Filing) -> PreparedFiling:
        return cls(filing, encode_footprints(filing.operation.volumes))


@dataclass(frozen=True)
class Filed:
    """An operation, its volumes as accepted, its revision, and its footprints as the store
    keeps them (:func:`encode_footprints` of its volumes)."""

    operation: Operation
    accepted: tuple[dict[str, Any], ...]
    revision: int
    footprints: tuple[str, ...] = field(repr=False, compare=False)

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

    def side(self, volumes: Sequence[int]) -> OperationSide:
        """This operation in a conflict, ``volumes`` the indices of its overlapping ones."""
        op = self.operation
        return OperationSide(
            op.owner, op.id, op.priority, op.domain, tuple(sorted({int(v) for v in volumes}))
        )

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
            "footprints": list(self.footprints),
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
        return cls(operation, tuple(doc["volumes"]), int(doc["revision"]), tuple(doc["footprints"]))


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """JSON as the store gives it back (lists, not tuples), so views compare equal."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(value))
    return plain


class OverlapShapes:
    """The overlap of two objects, computed once and read from either side.

    ``for_reader(own_volumes)`` is one entry per overlapping pair of volumes (footprint,
    band, window; ``own_volume_index`` is the reader's volume of that pair), the whole
    window and band, and a point inside the overlap (for the hotline's ``where``).
    """

    def __init__(self, rows: Overlaps) -> None:
        self._entries = _plain({"rows": [row.volume_json() for row in rows]})["rows"]
        point = shapely.point_on_surface(rows.footprints()[0])
        self._where = LatLon(round(point.y, 6), round(point.x, 6))
        self._start = format_time(float(rows.start_s.min()))
        self._end = format_time(float(rows.end_s.max()))
        self._band = (float(rows.alt_lower_m.min()), float(rows.alt_upper_m.max()))

    def for_reader(self, own_volumes: Sequence[int]) -> OverlapGeometry:
        overlaps = tuple(
            load(VolumeOverlap, {"own_volume_index": int(own), **entry})
            for entry, own in zip(self._entries, own_volumes, strict=True)
        )
        return OverlapGeometry(
            overlaps, self._start, self._end, self._band[0], self._band[1], self._where
        )
