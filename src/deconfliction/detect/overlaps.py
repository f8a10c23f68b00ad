"""What a query of the volume index returns: the overlaps, and nothing else of the other plan.

:class:`Overlaps` is columnar (one row per pair of volumes that overlap in area, altitude
and time). The overlap footprint of a row (the exact intersection of the two footprints) is
the one costly part, tens of microseconds per pair, so it is computed on first read, for
all rows at once or only for the rows taken with :meth:`Overlaps.take`; deciding *whether*
two volumes overlap never needs it. The other side's whole footprint is kept privately for
that computation and never appears in a row or in JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from deconfliction.units import format_time

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7


class ObjectKind(StrEnum):
    """What an index entry belongs to."""

    OPERATION = "operation"
    ZONE = "zone"


@dataclass(frozen=True)
class Ref:
    """An operation or a zone, by kind and id (ids are unique across the hub)."""

    kind: ObjectKind
    id: str


@dataclass(frozen=True)
class Overlap:
    """Where one of my volumes meets one volume of another object: the overlap only.

    ``footprint`` is the intersection of the two footprints (lon/lat degrees),
    ``[alt_lower_m, alt_upper_m]`` the intersection of the bands and ``[start_s, end_s]`` the
    intersection of the windows. ``rule`` is the zone's rule (None for an operation).
    ``other_volume_index`` is for the hub (e.g. to key an alert per pair of volumes); the
    wire form leaves it out, since it would hint at how many volumes the other plan has.
    """

    kind: ObjectKind
    id: str
    owner: str
    version: str
    rule: str | None
    volume_index: int
    other_volume_index: int
    footprint: BaseGeometry
    alt_lower_m: float
    alt_upper_m: float
    start_s: float
    end_s: float

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.id)

    def volume_json(self) -> dict[str, Any]:
        """The overlapping volume as the wire shows it (GeoJSON footprint, RFC 3339 times)."""
        return {
            "footprint": mapping(self.footprint),
            "alt_lower_m": _finite_or_none(self.alt_lower_m),
            "alt_upper_m": _finite_or_none(self.alt_upper_m),
            "start": format_time(self.start_s) if math.isfinite(self.start_s) else None,
            "end": format_time(self.end_s) if math.isfinite(self.end_s) else None,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "id": self.id,
            "party": self.owner,
            "version": self.version,
            "rule": self.rule,
            "volume_index": self.volume_index,
            "overlap": self.volume_json(),
        }


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Overlaps:
    """Rows of overlaps as columns; iterate or index for :class:`Overlap` rows.

    Rows are ordered by (kind, id, volume_index, other_volume_index), so a query's answer
    does not depend on the index's internal layout.
    """

    kinds: tuple[ObjectKind, ...]
    ids: tuple[str, ...]
    owners: tuple[str, ...]
    versions: tuple[str, ...]
    rules: tuple[str | None, ...]
    volume_index: IntArray
    other_volume_index: IntArray
    alt_lower_m: FloatArray
    alt_upper_m: FloatArray
    start_s: FloatArray
    end_s: FloatArray
    _mine: ObjectArray = field(repr=False)
    _theirs: ObjectArray = field(repr=False)
    _cache: dict[str, ObjectArray] = field(default_factory=dict, repr=False)

    @classmethod
    def empty(cls) -> Overlaps:
        none_f = np.empty(0, dtype=np.float64)
        none_i = np.empty(0, dtype=np.intp)
        none_o = np.empty(0, dtype=object)
        return cls(
            (), (), (), (), (), none_i, none_i, none_f, none_f, none_f, none_f, none_o, none_o
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def refs(self) -> list[Ref]:
        """The objects overlapped, each once, in row order."""
        return list(dict.fromkeys(Ref(k, i) for k, i in zip(self.kinds, self.ids, strict=True)))

    def footprints(self) -> ObjectArray:
        """The overlap footprint of every row (computed once, in one vectorised call)."""
        cached = self._cache.get("footprints")
        if cached is None:
            cached = _overlap_footprints(self._mine, self._theirs)
            self._cache["footprints"] = cached
        return cached

    def take(self, rows: Sequence[int] | IntArray) -> Overlaps:
        """The given rows only (their footprints are computed only if read)."""
        index = np.asarray(rows, dtype=np.intp)
        picked = index.tolist()
        taken = Overlaps(
            kinds=tuple(self.kinds[i] for i in picked),
            ids=tuple(self.ids[i] for i in picked),
            owners=tuple(self.owners[i] for i in picked),
            versions=tuple(self.versions[i] for i in picked),
            rules=tuple(self.rules[i] for i in picked),
            volume_index=self.volume_index[index],
            other_volume_index=self.other_volume_index[index],
            alt_lower_m=self.alt_lower_m[index],
            alt_upper_m=self.alt_upper_m[index],
            start_s=self.start_s[index],
            end_s=self.end_s[index],
            _mine=self._mine[index],
            _theirs=self._theirs[index],
        )
        cached = self._cache.get("footprints")
        if cached is not None:
            taken._cache["footprints"] = cached[index]
        return taken

    def __getitem__(self, row: int) -> Overlap:
        footprint = self.footprints()[row]
        return Overlap(
            kind=self.kinds[row],
            id=self.ids[row],
            owner=self.owners[row],
            version=self.versions[row],
            rule=self.rules[row],
            volume_index=int(self.volume_index[row]),
            other_volume_index=int(self.other_volume_index[row]),
            footprint=footprint,
            alt_lower_m=float(self.alt_lower_m[row]),
            alt_upper_m=float(self.alt_upper_m[row]),
            start_s=float(self.start_s[row]),
            end_s=float(self.end_s[row]),
        )

    def __iter__(self) -> Iterator[Overlap]:
        for row in range(len(self)):
            yield self[row]


def _overlap_footprints(mine: ObjectArray, theirs: ObjectArray) -> ObjectArray:
    if len(mine) == 0:
        return np.empty(0, dtype=object)
    result: ObjectArray = shapely.intersection(mine, theirs)
    mine_kind, their_kind = shapely.get_type_id(mine), shapely.get_type_id(theirs)
    both_areal = ((mine_kind == _POLYGON) | (mine_kind == _MULTIPOLYGON)) & (
        (their_kind == _POLYGON) | (their_kind == _MULTIPOLYGON)
    )
    # Two areas that overlap and also touch elsewhere intersect in a collection of an area
    # and stray lines or points; the overlap is the area.
    mixed = np.flatnonzero(both_areal & (shapely.get_type_id(result) == _COLLECTION))
    for row in mixed.tolist():
        result[row] = _areal_part(result[row])
    return result


def _areal_part(collection: BaseGeometry) -> BaseGeometry:
    polygons: list[BaseGeometry] = []
    for part in shapely.get_parts(collection).tolist():
        if part.geom_type == "Polygon":
            polygons.append(part)
        elif part.geom_type == "MultiPolygon":
            polygons.extend(part.geoms)
    if not polygons:
        return collection
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)
