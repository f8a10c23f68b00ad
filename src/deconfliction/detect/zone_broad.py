"""Broad phase of track–zone detection: which zone parts may be near each track's path.

The index (:mod:`deconfliction.detect.zone_index`) keeps, per grid level, the parts sorted
by the cell of their box centre, so the parts whose centres lie in a run of cells of one
row are one slice of that level's ``order``. For each track, the box of its path grown by
the level's largest half extent covers some rows and, in each, a run of cells: one
*run* ``(track, start, stop)`` per row. Runs are expanded into (track, part) pairs in
chunks of about :data:`PAIR_CHUNK` so that every array stays small (cache-sized, and
served by the allocator without fresh pages), and each pair's boxes are compared exactly.

>>> import numpy as np
>>> boxes_overlap(np.array([[179.9, 0.0, 0.1, 0.1]]), np.array([[-179.9, 0.0, 0.15, 0.1]]))
array([ True])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.zone_index import GridLevel, ZoneIndex, single_boxes

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
PAIR_CHUNK = 100_000


@dataclass(frozen=True, eq=False)
class Runs:
    """Slices of ``order`` to pair with tracks: ``order[start[i]:stop[i]]`` with ``track[i]``."""

    track: IntArray
    start: IntArray
    stop: IntArray
    order: IntArray


def candidate_pairs(
    index: ZoneIndex, box: FloatArray, party: IntArray | None = None
) -> Iterator[tuple[IntArray, IntArray]]:
    """(track, part) pairs whose boxes overlap, in chunks of about :data:`PAIR_CHUNK`.

    ``box``: (n, 4) per track, the centre lon and lat and half extents (degrees) of its path.
    ``party``: each track's party code; if given, parts of that party's own zones are left
    out. Boxes are compared in single precision, each grown a little (see
    :func:`~deconfliction.detect.zone_index.single_boxes`), so a pair whose boxes are
    within about 20 m of touching may come out too: the exact phase decides.
    """
    box32 = single_boxes(box)
    runs = [level_runs(level, box) for level in index.levels]
    if len(index.everywhere):
        n = len(box)
        runs.append(
            Runs(
                np.arange(n),
                np.zeros(n, dtype=np.intp),
                np.full(n, len(index.everywhere), dtype=np.intp),
                index.everywhere,
            )
        )
    for run in runs:
        counts = run.stop - run.start
        for lo, hi in _chunks(counts):
            track, part = _gather(run.track[lo:hi], run.start[lo:hi], counts[lo:hi], run.order)
            keep = boxes_overlap(
                np.take(index.prim_box32, part, axis=0), np.take(box32, track, axis=0)
            )
            if party is not None:
                keep &= index.prim_owner[part] != party[track]
            yield track[keep], part[keep]


def boxes_overlap(a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]) -> BoolArray:
    """Whether boxes (centre lon, centre lat, half lon, half lat) overlap, across ±180 too."""
    dlon = np.abs(a[:, 0] - b[:, 0])
    dlon = np.minimum(dlon, 360.0 - dlon)
    result: BoolArray = (dlon <= a[:, 2] + b[:, 2]) & (
        np.abs(a[:, 1] - b[:, 1]) <= a[:, 3] + b[:, 3]
    )
    return result


def level_runs(level: GridLevel, box: FloatArray) -> Runs:
    """For each track and each row of the level its grown box covers, the run of parts."""
    lon, lat = box[:, 0], box[:, 1]
    reach_lon, reach_lat = box[:, 2] + level.grow_lon, box[:, 3] + level.grow_lat
    r0 = np.maximum(
        np.floor((lat - reach_lat + 90.0) / level.cell_lat).astype(np.intp) - level.row0, 0
    )
    r1 = np.minimum(
        np.floor((lat + reach_lat + 90.0) / level.cell_lat).astype(np.intp) - level.row0,
        level.nrows - 1,
    )
    c0 = np.floor((lon - reach_lon + 180.0) / level.cell_lon).astype(np.intp)
    c1 = np.floor((lon + reach_lon + 180.0) / level.cell_lon).astype(np.intp)
    nx = level.nx
    col = c0 % nx
    reach = col + np.minimum(c1 - c0 + 1, nx)
    col_end = np.minimum(reach, nx)
    rows = np.maximum(r1 - r0 + 1, 0)
    track = np.repeat(np.arange(len(rows)), rows)
    base = (np.arange(len(track)) + np.repeat(r0 - (np.cumsum(rows) - rows), rows)) * nx
    start = level.first[base + col[track]].astype(np.intp)
    stop = level.first[base + col_end[track]].astype(np.intp)
    wraps = (reach > nx)[track]  # the run passes the antimeridian: the rest from column 0
    if wraps.any():
        extra = track[wraps]
        track = np.concatenate([track, extra])
        start = np.concatenate([start, level.first[base[wraps]].astype(np.intp)])
        stop = np.concatenate([stop, level.first[base[wraps] + reach[extra] - nx].astype(np.intp)])
    return Runs(track, start, stop, level.order)


def _chunks(counts: IntArray) -> Iterator[tuple[int, int]]:
    """Ranges of runs whose counts add up to about :data:`PAIR_CHUNK` each."""
    if not len(counts):
        return
    total = np.cumsum(counts)
    cuts = np.searchsorted(total, np.arange(PAIR_CHUNK, int(total[-1]), PAIR_CHUNK), "right")
    edges = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
    yield from zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True)


def _gather(
    owner: IntArray, start: IntArray, count: IntArray, values: IntArray
) -> tuple[IntArray, IntArray]:
    """For runs ``values[start:start + count]``: each item's owner, and the item."""
    total = int(count.sum())
    shift = np.repeat(start - (np.cumsum(count) - count), count)
    return np.repeat(owner, count), values[np.arange(total) + shift]
