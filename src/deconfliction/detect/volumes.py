"""The volume index: every active operation's and zone's 4-D volumes, and exact overlap queries.

When two volumes overlap
    In **area**, when the interiors of the footprints meet: the intersection has positive
    area. Footprints that only touch along an edge or at a corner do *not* overlap, because
    sectors that share a boundary are how procedural deconfliction divides an area between
    parties; counting shared boundaries would flag every deconflicted neighbour. A zone
    footprint that is a point (a protected site) overlaps a volume that contains it,
    boundary included (closed), since a point has no area to share. In **altitude** and in
    **time**, the intervals are compared strictly (``a.lower < b.upper and b.lower <
    a.upper``): a block from 0 to 120 m and one from 120 to 400 m are stacked, not in
    conflict, and a volume ending at 12:00 hands over to one starting at 12:00. All three
    must hold for the same pair of volumes.

How a query runs
    Broad phase: an :class:`shapely.STRtree` over the footprint parts (a footprint split
    at the antimeridian is indexed part by part, so it is not one box around the world),
    plus a small overflow of parts written since the tree was built, tested by bounding
    box in numpy. STRtree is immutable, so writes append to the overflow and removals leave
    tombstones; both are folded into a new tree after ``rebuild_after`` of them (or on
    :meth:`VolumeIndex.compact`, which the hub may call when idle). Then the candidates are
    filtered by altitude band, time window and kind in numpy, and only the survivors go to
    the exact phase: prepared ``shapely.intersects`` and ``shapely.touches`` on arrays.
    The overlap footprints themselves are computed only when read (see
    :mod:`deconfliction.detect.overlaps`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.model.operation import Volume

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
_KIND_CODE = {kind: code for code, kind in enumerate(ObjectKind)}
_KINDS = tuple(ObjectKind)


@dataclass(frozen=True)
class Indexed:
    """One object to put in the index: its volumes, owner party, current version, zone rule."""

    ref: Ref
    owner: str
    version: str
    volumes: Sequence[Volume]
    rule: str | None = None


class _Object:
    __slots__ = ("owner", "ref", "rule", "slots", "version")

    def __init__(self, item: Indexed) -> None:
        self.ref = item.ref
        self.owner = item.owner
        self.version = item.version
        self.rule = item.rule
        self.slots: list[int] = []


class _Columns:
    """Growable numpy columns (capacity doubles), one row per slot."""

    def __init__(self, dtypes: dict[str, type | np.dtype[np.generic]], capacity: int = 64) -> None:
        self.dtypes = dtypes
        self.size = 0
        self.arrays: dict[str, npt.NDArray[Any]] = {
            name: np.empty(capacity, dtype=dtype) for name, dtype in dtypes.items()
        }

    def grow(self, extra: int) -> int:
        """Room for ``extra`` more rows; returns the first new row."""
        start = self.size
        needed = start + extra
        capacity = len(next(iter(self.arrays.values())))
        if needed > capacity:
            capacity = max(needed, 2 * capacity)
            for name, array in self.arrays.items():
                bigger = np.empty(capacity, dtype=array.dtype)
                bigger[:start] = array[:start]
                self.arrays[name] = bigger
        self.size = needed
        return start

    def keep(self, mask: BoolArray) -> None:
        """Only the rows where ``mask`` (of length ``size``) is true, in order."""
        kept = int(mask.sum())
        for name, array in self.arrays.items():
            compacted = np.empty(max(64, 2 * kept), dtype=array.dtype)
            compacted[:kept] = array[: self.size][mask]
            self.arrays[name] = compacted
        self.size = kept


class VolumeIndex:
    """Volumes of operations and zones, for exact 4-D overlap queries.

    >>> from shapely import box
    >>> index = VolumeIndex()
    >>> other = Ref(ObjectKind.OPERATION, "fire-3")
    >>> index.put(other, owner="firefighters", version="k1",
    ...           volumes=[Volume(box(0.0, 0.0, 2.0, 2.0), 0.0, 500.0, 0.0, 3600.0)])
    >>> mine = [Volume(box(1.0, 1.0, 3.0, 3.0), 100.0, 900.0, 1800.0, 7200.0)]
    >>> hit = index.query(mine)[0]
    >>> hit.id, hit.footprint.bounds, (hit.alt_lower_m, hit.alt_upper_m), (hit.start_s, hit.end_s)
    ('fire-3', (1.0, 1.0, 2.0, 2.0), (100.0, 500.0), (1800.0, 3600.0))
    """

    def __init__(self, *, rebuild_after: int = 4096) -> None:
        if rebuild_after < 1:
            raise ValueError("rebuild_after must be at least 1")
        self.rebuild_after = rebuild_after
        self._objects: dict[Ref, int] = {}
        self._info: list[_Object | None] = []
        # One row per volume.
        self._slots = _Columns(
            {
                "geom": np.object_,
                "alt_lo": np.float64,
                "alt_hi": np.float64,
                "t0": np.float64,
                "t1": np.float64,
                "alive": np.bool_,
                "areal": np.bool_,
                "multi": np.bool_,
                "kind": np.int8,
                "obj": np.intp,
                "vol": np.intp,
            }
        )
        # One row per footprint part, for the broad phase; rows below _tree_parts are in the tree.
        self._parts = _Columns(
            {
                "geom": np.object_,
                "slot": np.intp,
                "minx": np.float64,
                "miny": np.float64,
                "maxx": np.float64,
                "maxy": np.float64,
            }
        )
        self._tree = shapely.STRtree(np.empty(0, dtype=object))
        self._tree_parts = 0
        self._dead = 0

    # -- writes ---------------------------------------------------------------------------

    def put(
        self,
        ref: Ref,
        *,
        owner: str,
        version: str,
        volumes: Sequence[Volume],
        rule: str | None = None,
    ) -> None:
        """Insert an object, or replace every volume of one already there."""
        self._put(Indexed(ref, owner, version, volumes, rule))
        self._maybe_rebuild()

    def put_many(self, items: Iterable[Indexed]) -> None:
        """Insert or replace many objects, then rebuild the tree once (for loading)."""
        for item in items:
            self._put(item)
        self.compact()

    def remove(self, ref: Ref) -> bool:
        """Take an object out; False if it was not there."""
        number = self._objects.pop(ref, None)
        if number is None:
            return False
        info = self._info[number]
        assert info is not None
        self._kill(info)
        self._info[number] = None
        self._maybe_rebuild()
        return True

    def set_version(self, ref: Ref, version: str) -> None:
        """Record a new version of an object whose volumes did not change (e.g. activation)."""
        info = self._info[self._objects[ref]]
        assert info is not None
        info.version = version

    def compact(self) -> None:
        """Fold the overflow and the tombstones into a new tree now."""
        slots, parts = self._slots, self._parts
        alive = slots.arrays["alive"][: slots.size]
        new_slot = np.cumsum(alive) - 1
        part_alive = alive[parts.arrays["slot"][: parts.size]]
        parts.keep(part_alive)
        parts.arrays["slot"][: parts.size] = new_slot[parts.arrays["slot"][: parts.size]]
        slots.keep(alive)
        live = [info for info in self._info if info is not None]
        renumber = np.full(len(self._info), -1, dtype=np.intp)
        for number, info in enumerate(live):
            renumber[self._objects[info.ref]] = number
            self._objects[info.ref] = number
            info.slots = new_slot[info.slots].tolist()
        self._info = list(live)
        slots.arrays["obj"][: slots.size] = renumber[slots.arrays["obj"][: slots.size]]
        self._tree = shapely.STRtree(parts.arrays["geom"][: parts.size])
        self._tree_parts = parts.size
        self._dead = 0

    def _put(self, item: Indexed) -> None:
        number = self._objects.get(item.ref)
        if number is not None:
            old = self._info[number]
            assert old is not None
            self._kill(old)
        info = _Object(item)
        if number is None:
            number = len(self._info)
            self._info.append(info)
            self._objects[item.ref] = number
        else:
            self._info[number] = info
        self._append(info, number, item.volumes)

    def _append(self, info: _Object, number: int, volumes: Sequence[Volume]) -> None:
        count = len(volumes)
        start = self._slots.grow(count)
        cols = self._slots.arrays
        footprints = np.empty(count, dtype=object)
        footprints[:] = [v.footprint for v in volumes]
        rows = slice(start, start + count)
        cols["geom"][rows] = footprints
        cols["alt_lo"][rows] = [v.alt_lower_m for v in volumes]
        cols["alt_hi"][rows] = [v.alt_upper_m for v in volumes]
        cols["t0"][rows] = [v.start_s for v in volumes]
        cols["t1"][rows] = [v.end_s for v in volumes]
        cols["alive"][rows] = True
        cols["areal"][rows] = [v.areal for v in volumes]
        cols["kind"][rows] = _KIND_CODE[info.ref.kind]
        cols["obj"][rows] = number
        cols["vol"][rows] = np.arange(count)
        info.slots = list(range(start, start + count))
        parts, owner_row = shapely.get_parts(footprints, return_index=True)
        cols["multi"][rows] = np.bincount(owner_row, minlength=count) > 1
        first = self._parts.grow(len(parts))
        pcols = self._parts.arrays
        prow = slice(first, first + len(parts))
        pcols["geom"][prow] = parts
        pcols["slot"][prow] = owner_row + start
        bounds = shapely.bounds(parts)
        for column, name in enumerate(("minx", "miny", "maxx", "maxy")):
            pcols[name][prow] = bounds[:, column]

    def _kill(self, info: _Object) -> None:
        self._slots.arrays["alive"][info.slots] = False
        self._dead += len(info.slots)

    def _maybe_rebuild(self) -> None:
        overflow = self._parts.size - self._tree_parts
        if overflow > self.rebuild_after or self._dead > self.rebuild_after:
            self.compact()

    # -- reads ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, ref: object) -> bool:
        return ref in self._objects

    def refs(self) -> list[Ref]:
        return list(self._objects)

    def version(self, ref: Ref) -> str:
        info = self._info[self._objects[ref]]
        assert info is not None
        return info.version

    def expired(self, now_s: float) -> list[Ref]:
        """Objects whose every volume has ended by ``now_s`` (the hub ends and removes them)."""
        cols, size = self._slots.arrays, self._slots.size
        live = cols["alive"][:size]
        latest = np.full(len(self._info), -np.inf)
        np.maximum.at(latest, cols["obj"][:size][live], cols["t1"][:size][live])
        return [
            info.ref
            for info, end_s in zip(self._info, latest.tolist(), strict=True)
            if info is not None and end_s <= now_s
        ]

    def query(
        self,
        volumes: Sequence[Volume],
        *,
        exclude: Ref | None = None,
        kinds: Collection[ObjectKind] | None = None,
    ) -> Overlaps:
        """Every volume of another object that overlaps one of ``volumes`` in area, band and time.

        Parameters
        ----------
        volumes
            The volumes being written or checked (e.g. an operation's new plan).
        exclude
            An object to leave out, normally the one being written (its old volumes).
        kinds
            Only entries of these kinds (default: operations and zones).

        Returns
        -------
        Overlaps
            One row per overlapping pair of volumes, with the overlap only.
        """
        if not volumes or not self._objects:
            return Overlaps.empty()
        count = len(volumes)
        mine = np.empty(count, dtype=object)
        mine[:] = [v.footprint for v in volumes]
        query_slot, query_vol = self._candidates(mine)
        cols = self._slots.arrays
        lo = np.array([v.alt_lower_m for v in volumes])[query_vol]
        hi = np.array([v.alt_upper_m for v in volumes])[query_vol]
        t0 = np.array([v.start_s for v in volumes])[query_vol]
        t1 = np.array([v.end_s for v in volumes])[query_vol]
        keep = (
            cols["alive"][query_slot]
            & (cols["alt_lo"][query_slot] < hi)
            & (cols["alt_hi"][query_slot] > lo)
            & (cols["t0"][query_slot] < t1)
            & (cols["t1"][query_slot] > t0)
        )
        if exclude is not None and exclude in self._objects:
            keep &= cols["obj"][query_slot] != self._objects[exclude]
        if kinds is not None:
            wanted = np.zeros(len(_KINDS), dtype=bool)
            wanted[[_KIND_CODE[k] for k in kinds]] = True
            keep &= wanted[cols["kind"][query_slot]]
        query_slot, query_vol = query_slot[keep], query_vol[keep]
        hit = self._exact(mine, [v.areal for v in volumes], query_slot, query_vol)
        return self._overlaps(mine, query_slot[hit], query_vol[hit], volumes)

    def _candidates(self, mine: npt.NDArray[np.object_]) -> tuple[IntArray, IntArray]:
        """(slot, query volume) pairs whose bounding boxes meet, each pair once."""
        parts, part_vol = shapely.get_parts(mine, return_index=True)
        found_part, found_tree = self._tree.query(parts)
        slot_chunks = [self._parts.arrays["slot"][found_tree]]
        vol_chunks = [part_vol[found_part]]
        first, size = self._tree_parts, self._parts.size
        if size > first:
            pcols = self._parts.arrays
            box = shapely.bounds(parts)
            meets = (
                (pcols["minx"][first:size] <= box[:, 2:3])
                & (pcols["maxx"][first:size] >= box[:, 0:1])
                & (pcols["miny"][first:size] <= box[:, 3:4])
                & (pcols["maxy"][first:size] >= box[:, 1:2])
            )
            which_part, which_overflow = np.nonzero(meets)
            slot_chunks.append(pcols["slot"][first + which_overflow])
            vol_chunks.append(part_vol[which_part])
        slot = np.concatenate(slot_chunks).astype(np.intp)
        vol = np.concatenate(vol_chunks).astype(np.intp)
        if len(parts) > len(mine) or self._slots.arrays["multi"][slot].any():
            # A footprint of several parts, on either side, can meet the same slot twice.
            pair = np.unique(slot * len(mine) + vol)
            slot, vol = pair // len(mine), pair % len(mine)
        return slot, vol

    def _exact(
        self,
        mine: npt.NDArray[np.object_],
        mine_areal: list[bool],
        query_slot: IntArray,
        query_vol: IntArray,
    ) -> BoolArray:
        """Which candidate pairs overlap exactly (interiors meet; closed for point sites)."""
        hit = np.zeros(len(query_slot), dtype=bool)
        cols = self._slots.arrays
        for vol in np.unique(query_vol).tolist():
            rows = np.flatnonzero(query_vol == vol)
            footprint: BaseGeometry = mine[vol]
            prepared_here = not shapely.is_prepared(footprint)
            if prepared_here:
                shapely.prepare(footprint)
            theirs = cols["geom"][query_slot[rows]]
            meets = shapely.intersects(footprint, theirs)
            if mine_areal[vol]:
                both_areal = np.flatnonzero(meets & cols["areal"][query_slot[rows]])
                meets[both_areal] = ~shapely.touches(footprint, theirs[both_areal])
            if prepared_here:
                # The caller may store this footprint; a prepared copy of each would add up.
                shapely.destroy_prepared(footprint)
            hit[rows] = meets
        return hit

    def _overlaps(
        self,
        mine: npt.NDArray[np.object_],
        slot: IntArray,
        vol: IntArray,
        volumes: Sequence[Volume],
    ) -> Overlaps:
        if len(slot) == 0:
            return Overlaps.empty()
        cols = self._slots.arrays
        # Every slot that survived the filters is alive, so its object is there.
        infos = [cast(_Object, self._info[n]) for n in cols["obj"][slot].tolist()]
        other_vol = cols["vol"][slot]
        keys = [
            (info.ref.kind, info.ref.id, v, o)
            for info, v, o in zip(infos, vol.tolist(), other_vol.tolist(), strict=True)
        ]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        index = np.array(order, dtype=np.intp)
        slot, vol, other_vol = slot[index], vol[index], other_vol[index]
        live = [infos[row] for row in order]
        lo = np.array([v.alt_lower_m for v in volumes])[vol]
        hi = np.array([v.alt_upper_m for v in volumes])[vol]
        t0 = np.array([v.start_s for v in volumes])[vol]
        t1 = np.array([v.end_s for v in volumes])[vol]
        return Overlaps(
            kinds=tuple(info.ref.kind for info in live),
            ids=tuple(info.ref.id for info in live),
            owners=tuple(info.owner for info in live),
            versions=tuple(info.version for info in live),
            rules=tuple(info.rule for info in live),
            volume_index=vol,
            other_volume_index=other_vol.astype(np.intp),
            alt_lower_m=np.maximum(lo, cols["alt_lo"][slot]),
            alt_upper_m=np.minimum(hi, cols["alt_hi"][slot]),
            start_s=np.maximum(t0, cols["t0"][slot]),
            end_s=np.minimum(t1, cols["t1"][slot]),
            _mine=mine[vol],
            _theirs=cols["geom"][slot],
        )
