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
    Broad phase: :class:`shapely.STRtree` over the footprint parts (a footprint split at
    the antimeridian is indexed part by part, so it is not one box around the world).
    STRtree is immutable, so the index is log-structured in three levels: a *main* tree,
    a *recent* tree, and an overflow of the parts written since, tested by bounding box in
    numpy. Removals and replacements leave tombstones. When the overflow passes
    ``rebuild_after`` parts, only the recent tree is rebuilt (over what is not in the main
    tree: cheap); when the recent tree passes an eighth of the main one, or tombstones an
    eighth of the volumes, everything is compacted into a new main tree (also on
    :meth:`VolumeIndex.compact`). A write thus pays for a small rebuild now and then and
    for a full one rarely, and never scans more than ``rebuild_after`` boxes.

    Then the candidates are filtered by time window, altitude band and kind in numpy, and
    only the survivors go to the exact phase: prepared ``shapely.intersects`` on arrays,
    then prepared ``shapely.touches`` on the pairs that meet, to tell overlapping from
    touching. The overlap footprints themselves are computed only when read (see
    :mod:`deconfliction.detect.overlaps`).

The index is not thread-safe; the hub calls it under its lock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from deconfliction.detect._columns import Columns
from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.errors import InvalidInput
from deconfliction.model.operation import Volume

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]
_KINDS = tuple(ObjectKind)
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_KIND_OBJECTS = np.array(_KINDS, dtype=object)


def _areal(footprints: ObjectArray) -> BoolArray:
    """Which footprints are (multi)polygons (``np.isin`` costs ~40 µs on a few items)."""
    kind = shapely.get_type_id(footprints)
    result: BoolArray = (kind == 3) | (kind == 6)
    return result


@dataclass(frozen=True)
class Indexed:
    """One object to put in the index: its volumes, owner party, current version, zone rule."""

    ref: Ref
    owner: str
    version: str
    volumes: Sequence[Volume]
    rule: str | None = None


@dataclass(frozen=True)
class IndexStats:
    """The shape of the index now, and how often it rebuilt its trees (for metrics)."""

    objects: int
    volumes: int
    main_tree_parts: int
    recent_tree_parts: int
    overflow_parts: int
    tombstones: int
    compactions: int
    recent_rebuilds: int


@dataclass(frozen=True)
class _Query:
    """The volumes of a query as columns."""

    footprint: ObjectArray
    alt_lo: FloatArray
    alt_hi: FloatArray
    t0: FloatArray
    t1: FloatArray

    @classmethod
    def of(cls, volumes: Sequence[Volume]) -> _Query:
        footprint = np.empty(len(volumes), dtype=object)
        footprint[:] = [v.footprint for v in volumes]
        return cls(
            footprint,
            np.array([v.alt_lower_m for v in volumes], dtype=np.float64),
            np.array([v.alt_upper_m for v in volumes], dtype=np.float64),
            np.array([v.start_s for v in volumes], dtype=np.float64),
            np.array([v.end_s for v in volumes], dtype=np.float64),
        )


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

    def __init__(self, *, rebuild_after: int = 1024) -> None:
        if rebuild_after < 1:
            raise InvalidInput(f"rebuild_after must be at least 1, got {rebuild_after}")
        self.rebuild_after = rebuild_after
        self._numbers: dict[Ref, int] = {}
        # One row per object; an object's volumes are the contiguous slots [first, first +
        # count). Rows of removed objects are dropped only when they outnumber the live ones,
        # so compacting the volumes does not renumber objects.
        self._objects = Columns(
            {
                "ref": (object, 0),
                "kind": (np.int8, 0),
                "id": (object, 0),
                "owner": (object, 0),
                "version": (object, 0),
                "rule": (object, 0),
                "alive": (np.bool_, 0),
                "first": (np.intp, 0),
                "count": (np.intp, 0),
            }
        )
        # One row per volume.
        self._slots = Columns(
            {
                "geom": (object, 0),
                "alt_lo": (np.float64, 0),
                "alt_hi": (np.float64, 0),
                "t0": (np.float64, 0),
                "t1": (np.float64, 0),
                "alive": (np.bool_, 0),
                "areal": (np.bool_, 0),
                "multi": (np.bool_, 0),
                "kind": (np.int8, 0),
                "obj": (np.intp, 0),
                "vol": (np.intp, 0),
            }
        )
        # One row per footprint part, for the broad phase: rows [0, _main_end) are in the main
        # tree, [_main_end, _recent_end) in the recent tree, the rest in the overflow.
        self._parts = Columns({"geom": (object, 0), "slot": (np.intp, 0), "box": (np.float64, 4)})
        empty = np.empty(0, dtype=object)
        self._main, self._recent = shapely.STRtree(empty), shapely.STRtree(empty)
        self._main_end = self._recent_end = 0
        self._dead = 0
        self._compactions = self._recent_rebuilds = 0

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
        number = self._numbers.pop(ref, None)
        if number is None:
            return False
        self._kill_slots(number)
        self._objects["alive"][number] = False
        self._maybe_rebuild()
        return True

    def set_version(self, ref: Ref, version: str) -> None:
        """Record a new version of an object whose volumes did not change (e.g. activation)."""
        self._objects["version"][self._numbers[ref]] = version

    def compact(self) -> None:
        """Fold the overflow and the tombstones into a new tree now."""
        slots, parts, objects = self._slots, self._parts, self._objects
        alive = slots["alive"][: slots.size]
        new_slot = np.cumsum(alive) - 1
        parts.keep(alive[parts["slot"][: parts.size]])
        parts["slot"][: parts.size] = new_slot[parts["slot"][: parts.size]]
        slots.keep(alive)
        live = objects["alive"][: objects.size]
        first = objects["first"][: objects.size]
        first[live] = new_slot[first[live]]
        if objects.size - len(self._numbers) > max(self.rebuild_after, len(self._numbers)):
            new_number = np.cumsum(live) - 1
            objects.keep(live)
            slots["obj"][: slots.size] = new_number[slots["obj"][: slots.size]]
            self._numbers = dict(
                zip(objects["ref"][: objects.size].tolist(), range(objects.size), strict=True)
            )
        self._main = shapely.STRtree(parts["geom"][: parts.size])
        self._recent = shapely.STRtree(np.empty(0, dtype=object))
        self._main_end = self._recent_end = parts.size
        self._dead = 0
        self._compactions += 1

    def _put(self, item: Indexed) -> None:
        if not item.volumes:
            raise InvalidInput(f"{item.ref.kind.value} {item.ref.id} has no volumes to index")
        number = self._numbers.get(item.ref)
        if number is None:
            rows = self._objects.grow(1)
            number = rows.start
            self._numbers[item.ref] = number
            self._objects["ref"][number] = item.ref
            self._objects["kind"][number] = _KIND_CODE[item.ref.kind]
            self._objects["id"][number] = item.ref.id
            self._objects["alive"][number] = True
        else:
            self._kill_slots(number)
        self._objects["owner"][number] = item.owner
        self._objects["version"][number] = item.version
        self._objects["rule"][number] = item.rule
        self._append(number, item.ref.kind, item.volumes)

    def _append(self, number: int, kind: ObjectKind, volumes: Sequence[Volume]) -> None:
        new = _Query.of(volumes)
        footprints = new.footprint
        rows = self._slots.grow(len(volumes))
        cols = self._slots
        areal = _areal(footprints)
        cols["geom"][rows] = footprints
        cols["alt_lo"][rows] = new.alt_lo
        cols["alt_hi"][rows] = new.alt_hi
        cols["t0"][rows] = new.t0
        cols["t1"][rows] = new.t1
        cols["alive"][rows] = True
        cols["areal"][rows] = areal
        cols["kind"][rows] = _KIND_CODE[kind]
        cols["obj"][rows] = number
        cols["vol"][rows] = np.arange(len(volumes))
        self._objects["first"][number] = rows.start
        self._objects["count"][number] = len(volumes)
        parts, owner_row = shapely.get_parts(footprints, return_index=True)
        cols["multi"][rows] = np.bincount(owner_row, minlength=len(volumes)) > 1
        part_rows = self._parts.grow(len(parts))
        self._parts["geom"][part_rows] = parts
        self._parts["slot"][part_rows] = owner_row + rows.start
        self._parts["box"][part_rows] = shapely.bounds(parts)

    def _kill_slots(self, number: int) -> None:
        first, count = int(self._objects["first"][number]), int(self._objects["count"][number])
        self._slots["alive"][first : first + count] = False
        self._dead += count

    def _maybe_rebuild(self) -> None:
        size = self._parts.size
        if size - self._recent_end <= self.rebuild_after:
            return
        limit = max(4 * self.rebuild_after, self._main_end // 8)
        if size - self._main_end > limit or self._dead > max(limit, self._slots.size // 8):
            self.compact()
        else:
            self._recent = shapely.STRtree(self._parts["geom"][self._main_end : size])
            self._recent_end = size
            self._recent_rebuilds += 1

    # -- reads ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, ref: object) -> bool:
        return ref in self._numbers

    def refs(self) -> list[Ref]:
        return list(self._numbers)

    @property
    def stats(self) -> IndexStats:
        return IndexStats(
            objects=len(self._numbers),
            volumes=self._slots.size - self._dead,
            main_tree_parts=self._main_end,
            recent_tree_parts=self._recent_end - self._main_end,
            overflow_parts=self._parts.size - self._recent_end,
            tombstones=self._dead,
            compactions=self._compactions,
            recent_rebuilds=self._recent_rebuilds,
        )

    def version(self, ref: Ref) -> str:
        return str(self._objects["version"][self._numbers[ref]])

    def expired(self, now_s: float) -> list[Ref]:
        """Objects whose every volume has ended by ``now_s`` (the hub ends and removes them)."""
        cols, size = self._slots, self._slots.size
        live = cols["alive"][:size]
        latest = np.full(self._objects.size, -np.inf)
        np.maximum.at(latest, cols["obj"][:size][live], cols["t1"][:size][live])
        return [ref for ref, number in self._numbers.items() if latest[number] <= now_s]

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
        if not volumes or not self._numbers:
            return Overlaps.empty()
        mine = _Query.of(volumes)
        slot, vol = self._candidates(mine.footprint)
        cols = self._slots
        # Time first: over a day of plans it is the most selective of the cheap tests.
        keep = (cols["t0"][slot] < mine.t1[vol]) & (cols["t1"][slot] > mine.t0[vol])
        keep &= cols["alive"][slot]
        slot, vol = slot[keep], vol[keep]
        keep = (cols["alt_lo"][slot] < mine.alt_hi[vol]) & (cols["alt_hi"][slot] > mine.alt_lo[vol])
        if exclude is not None and exclude in self._numbers:
            keep &= cols["obj"][slot] != self._numbers[exclude]
        if kinds is not None:
            wanted = np.zeros(len(_KINDS), dtype=bool)
            wanted[[_KIND_CODE[k] for k in kinds]] = True
            keep &= wanted[cols["kind"][slot]]
        slot, vol = slot[keep], vol[keep]
        hit = self._exact(mine.footprint, slot, vol)
        return self._overlaps(mine, slot[hit], vol[hit])

    def _candidates(self, mine: ObjectArray) -> tuple[IntArray, IntArray]:
        """(slot, query volume) pairs whose bounding boxes meet, each pair once."""
        parts, part_vol = shapely.get_parts(mine, return_index=True)
        slot_chunks, vol_chunks = [], []
        for tree, offset in ((self._main, 0), (self._recent, self._main_end)):
            found_part, found_tree = tree.query(parts)
            slot_chunks.append(self._parts["slot"][found_tree + offset])
            vol_chunks.append(part_vol[found_part])
        first, size = self._recent_end, self._parts.size
        if size > first:
            box = self._parts["box"][first:size]
            mine_box = shapely.bounds(parts)
            meets = (
                (box[:, 0] <= mine_box[:, 2:3])
                & (box[:, 2] >= mine_box[:, 0:1])
                & (box[:, 1] <= mine_box[:, 3:4])
                & (box[:, 3] >= mine_box[:, 1:2])
            )
            which_part, which_overflow = np.nonzero(meets)
            slot_chunks.append(self._parts["slot"][first + which_overflow])
            vol_chunks.append(part_vol[which_part])
        slot = np.concatenate(slot_chunks).astype(np.intp)
        vol = np.concatenate(vol_chunks).astype(np.intp)
        if len(parts) > len(mine) or self._slots["multi"][slot].any():
            # A footprint of several parts, on either side, can meet the same slot twice.
            pair = np.unique(slot * len(mine) + vol)
            slot, vol = pair // len(mine), pair % len(mine)
        return slot, vol

    def _exact(self, mine: ObjectArray, slot: IntArray, vol: IntArray) -> BoolArray:
        """Which candidate pairs overlap exactly (interiors meet; closed for point sites)."""
        hit = np.zeros(len(slot), dtype=bool)
        cols = self._slots
        mine_areal = _areal(mine)
        for query_vol in np.unique(vol).tolist():
            rows = np.flatnonzero(vol == query_vol)
            footprint = mine[query_vol]
            prepared_here = not shapely.is_prepared(footprint)
            if prepared_here:
                shapely.prepare(footprint)
            theirs = cols["geom"][slot[rows]]
            meets = shapely.intersects(footprint, theirs)
            if mine_areal[query_vol]:
                # Both areas: meeting is not enough, the interiors must share a point.
                check = np.flatnonzero(meets & cols["areal"][slot[rows]])
                meets[check] = ~shapely.touches(footprint, theirs[check])
            if prepared_here:
                # The caller may store this footprint; a prepared copy of each would add up.
                shapely.destroy_prepared(footprint)
            hit[rows] = meets
        return hit

    def _overlaps(self, mine: _Query, slot: IntArray, vol: IntArray) -> Overlaps:
        if len(slot) == 0:
            return Overlaps.empty()
        cols, objects = self._slots, self._objects
        number = cols["obj"][slot]
        other_vol = cols["vol"][slot]
        # Rows in (kind, id, volume, other volume) order, whatever the layout of the index.
        distinct, which = np.unique(number, return_inverse=True)
        names = list(
            zip(objects["kind"][distinct].tolist(), objects["id"][distinct].tolist(), strict=True)
        )
        rank = np.empty(len(distinct), dtype=np.intp)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        order = np.lexsort((other_vol, vol, rank[which]))
        slot, vol, number = slot[order], vol[order], number[order]
        return Overlaps(
            kinds=tuple(_KIND_OBJECTS[objects["kind"][number]].tolist()),
            ids=tuple(objects["id"][number].tolist()),
            owners=tuple(objects["owner"][number].tolist()),
            versions=tuple(objects["version"][number].tolist()),
            rules=tuple(objects["rule"][number].tolist()),
            volume_index=vol,
            other_volume_index=other_vol[order],
            alt_lower_m=np.maximum(mine.alt_lo[vol], cols["alt_lo"][slot]),
            alt_upper_m=np.minimum(mine.alt_hi[vol], cols["alt_hi"][slot]),
            start_s=np.maximum(mine.t0[vol], cols["t0"][slot]),
            end_s=np.minimum(mine.t1[vol], cols["t1"][slot]),
            _mine=mine.footprint[vol],
            _theirs=cols["geom"][slot],
        )
