"""A uniform hash grid over swept boxes: every overlapping pair, once, vectorised.

Each box is entered in every cell of a 4-D grid (three Cartesian axes and altitude) that it
touches. An entry is one 64-bit word packing the cell key, four "first cell of this box on
this axis" flags and the track index, so the grid is built by one ``np.sort``, and every
two entries sharing a cell make a pair. Two overlapping boxes share every cell of their
intersection; the pair is kept only in the cell holding the intersection's lowest corner,
which is the cell where, on every axis, one of the two boxes starts: the flags of the two
entries OR-ed together are all set there and nowhere else.

The cell sizes trade entries (small cells: a box in many cells) against pairs to test
(large cells: many boxes per cell); :func:`choose_cells` estimates both from the boxes.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from deconfliction.detect.boxes import SweptBoxes

IntArray = npt.NDArray[np.intp]
Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_AXES = 4
_ALL_FLAGS = (1 << _AXES) - 1
_MAX_ALT_CELLS = 64
# Along one axis, boxes spanning up to this many cells are expanded by a loop over offsets
# (fast when spans are small, as they are with well-chosen cells), wider ones by np.repeat.
_LOOP_SPAN = 8
# A box entered in more cells than this (on average) means cells far too small.
_MAX_ENTRIES_PER_BOX = 64
# Relative cost of one entry (expand, sort) and of one pair sharing a cell (dedupe, test).
_ENTRY_COST = 1.5
_PAIR_COST = 1.0
_SAMPLE = 512
_CROWD_SAMPLE = 4096
_CELL_FACTORS = np.array([0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0])
_ALT_FACTORS = np.array([1.0, 2.0, 4.0, 8.0])


def _spans(lo: FloatArray, hi: FloatArray, cell: FloatArray) -> FloatArray:
    """Cells touched along one axis by each interval, for each cell size (rows)."""
    inverse = 1.0 / cell[:, None]
    return np.floor(hi * inverse) - np.floor(lo * inverse) + 1.0


def choose_cells(boxes: SweptBoxes) -> tuple[float, float]:
    """Cell sizes (Cartesian axes, altitude) in metres that make the grid cheap for these boxes.

    For a few multiples of the typical box width (and of the typical altitude band), the
    entries per box are counted on a sample and the tracks sharing a cell are estimated
    from how crowded the box centres are; the cheapest mix wins.
    """
    n = len(boxes)
    step = max(1, n // _SAMPLE)
    lo, hi = boxes.lo[:, ::step], boxes.hi[:, ::step]
    extent = hi - lo
    # Degenerate (zero-size) boxes still need a positive cell: a thousandth of the spread.
    spread = float((hi.max(axis=1) - lo.min(axis=1)).max())
    typical = max(float(np.median(np.maximum(extent[0], extent[1]))), 1e-3 * spread, 1.0)
    cells = typical * _CELL_FACTORS
    per_box = np.ones(cells.size)
    for axis in range(3):
        per_box *= _spans(lo[axis], hi[axis], cells).mean(axis=1)
    # How many other box centres share a cell of the typical width with a box's centre,
    # counted on a sample and scaled up; then scaled by area for the other widths.
    thin = max(1, n // _CROWD_SAMPLE)
    centre = 0.5 * (boxes.lo[:, ::thin] + boxes.hi[:, ::thin])
    m = centre.shape[1]
    index = np.floor(centre / typical).astype(np.int64)
    hashed = (index[0] * 73_856_093) ^ (index[1] * 19_349_663) ^ (index[2] * 83_492_791)
    buckets = 1 << (m.bit_length() + 2)
    counts = np.bincount(hashed & (buckets - 1), minlength=buckets)
    # Less the self-count and what hash collisions add by chance.
    crowding = max(float(np.dot(counts, counts)) / m - 1.0 - (m - 1) / buckets, 0.0) * n / m
    sharing = crowding * (_CELL_FACTORS**2) * per_box  # other boxes touching an entry's cell
    alt_cells, alt_per_box, alt_sharing = _altitude_options(
        boxes.alt_lo[::step], boxes.alt_hi[::step]
    )
    entries = per_box[:, None] * alt_per_box[None, :]
    pairs = 0.5 * entries * sharing[:, None] * alt_sharing[None, :]
    cost = _ENTRY_COST * entries + _PAIR_COST * pairs
    best_cell, best_alt = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return float(cells[best_cell]), float(alt_cells[best_alt])


def _altitude_options(
    alt_lo: FloatArray, alt_hi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Altitude cell sizes to try, entries per band, and the share of bands meeting in a cell."""
    band = alt_hi - alt_lo
    finite = np.isfinite(band)
    if not finite.any():
        return np.array([np.inf]), np.ones(1), np.ones(1)
    low, high = float(alt_lo[finite].min()), float(alt_hi[finite].max())
    span = max(high - low, 1.0)
    sized = np.maximum(float(np.median(band[finite])) * _ALT_FACTORS, span / (_MAX_ALT_CELLS - 1))
    cells = np.append(sized, np.inf)  # the last option: altitude is not a grid axis
    lo = np.clip(alt_lo, low, high) - low
    hi = np.clip(alt_hi, low, high) - low
    per_band = np.ones(cells.size)
    sharing = np.ones(cells.size)
    bounded = np.isfinite(cells)
    if bounded.any():
        touched = _spans(lo, hi, cells[bounded])
        per_band[bounded] = touched.mean(axis=1)
        sharing[bounded] = np.minimum(1.0, per_band[bounded] * cells[bounded] / span)
    return cells, per_band, sharing


def _expand(
    entries: Int64Array, span: Int64Array, stride: int, flag: int, owner_mask: int
) -> Int64Array:
    """Enter each entry in the ``span[owner]`` cells that follow its own along one axis.

    The entry itself (its box's first cell on this axis) gets ``flag``; the copies do not.
    """
    entries = entries | flag
    widest = int(span.max(initial=1))
    if widest == 1:
        return entries
    if widest > _LOOP_SPAN:
        counts = span[entries & owner_mask]
        starts = np.cumsum(counts) - counts
        step = np.arange(int(starts[-1] + counts[-1]), dtype=np.int64) - np.repeat(starts, counts)
        expanded: Int64Array = np.repeat(entries, counts) + step * stride
        expanded[step > 0] ^= flag
        return expanded
    parts = [entries]
    copies = entries ^ flag
    remaining = span[copies & owner_mask]
    for offset in range(1, widest):
        more = remaining > offset
        copies, remaining = copies[more], remaining[more]
        parts.append(copies + offset * stride)
    return np.concatenate(parts)


def _shared_cells(entries: Int64Array, shift: int) -> tuple[IntArray, IntArray]:
    """Positions ``(i, j)``, ``i < j``, of every two sorted entries in the same cell."""
    cell = entries >> shift
    starts = np.flatnonzero(np.diff(cell, prepend=-1))
    lengths = np.diff(starts, append=cell.size)
    multi = lengths > 1
    starts, lengths = starts[multi], lengths[multi]
    if starts.size == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    ends = np.cumsum(lengths)
    first = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]))
    follow = np.repeat(starts + lengths, lengths) - first - 1
    ends = np.cumsum(follow)
    i = np.repeat(first, follow)
    j = np.arange(int(ends[-1])) + np.repeat(first + 1 - (ends - follow), follow)
    return i, j


def grid_pairs(
    boxes: SweptBoxes, *, cell_m: float | None = None, cell_alt_m: float | None = None
) -> tuple[IntArray, IntArray]:
    """Every pair ``a < b`` whose boxes and altitude bands overlap, each exactly once."""
    n = len(boxes)
    if cell_m is None or cell_alt_m is None:
        chosen, chosen_alt = choose_cells(boxes)
        cell_m = chosen if cell_m is None else cell_m
        cell_alt_m = chosen_alt if cell_alt_m is None else cell_alt_m
    origin = boxes.lo.min(axis=1, keepdims=True)
    inverse = 1.0 / cell_m
    first = ((boxes.lo - origin) * inverse).astype(np.int64)
    last = ((boxes.hi - origin) * inverse).astype(np.int64)
    alt_first, alt_last, n_alt = _altitude_cells(boxes, cell_alt_m)
    sizes = [int(last[axis].max()) + 1 for axis in range(3)] + [n_alt]
    owner_bits = max(1, (n - 1).bit_length())
    shift = owner_bits + _AXES
    if math.prod(sizes) >= 1 << (63 - shift):
        # Too many cells to pack in a word: coarser cells find the same pairs, more slowly.
        return grid_pairs(boxes, cell_m=cell_m * 2.0, cell_alt_m=cell_alt_m * 2.0)
    spans = [last[0] - first[0] + 1, last[1] - first[1] + 1, last[2] - first[2] + 1]
    spans.append(alt_last - alt_first + 1)
    per_box = spans[0].astype(np.float64) * spans[1] * spans[2] * spans[3]
    if float(per_box.sum()) > _MAX_ENTRIES_PER_BOX * n + 100_000:
        # Cells much smaller than the boxes: coarser ones find the same pairs in less memory.
        return grid_pairs(boxes, cell_m=cell_m * 4.0, cell_alt_m=cell_alt_m * 4.0)
    strides = [sizes[1] * sizes[2] * sizes[3], sizes[2] * sizes[3], sizes[3], 1]
    cell = first[0] * strides[0] + first[1] * strides[1] + first[2] * strides[2] + alt_first
    entries = (cell << shift) | np.arange(n, dtype=np.int64)
    owner_mask = (1 << owner_bits) - 1
    for axis in range(_AXES):
        entries = _expand(
            entries, spans[axis], strides[axis] << shift, 1 << (owner_bits + axis), owner_mask
        )
    entries.sort()
    flags = (entries >> owner_bits) & _ALL_FLAGS
    i, j = _shared_cells(entries, shift)
    lowest = np.flatnonzero((flags[i] | flags[j]) == _ALL_FLAGS)
    i, j = i[lowest], j[lowest]
    a, b = entries[i] & owner_mask, entries[j] & owner_mask
    keep = boxes.overlap(a, b)
    a, b = a[keep], b[keep]
    return np.minimum(a, b).astype(np.intp), np.maximum(a, b).astype(np.intp)


def _altitude_cells(boxes: SweptBoxes, cell_alt_m: float) -> tuple[Int64Array, Int64Array, int]:
    """First and last altitude cell of each band; unbounded bands span every cell."""
    n = len(boxes)
    lo, hi = boxes.alt_lo, boxes.alt_hi
    zeros = np.zeros(n, dtype=np.int64)
    finite_lo = lo[np.isfinite(lo)]
    finite_hi = hi[np.isfinite(hi)]
    if not math.isfinite(cell_alt_m) or finite_lo.size == 0 or finite_hi.size == 0:
        return zeros, zeros, 1
    bottom, top = float(finite_lo.min()), float(finite_hi.max())
    if top <= bottom:
        return zeros, zeros, 1
    cell = max(cell_alt_m, (top - bottom) / (_MAX_ALT_CELLS - 1))
    first = ((np.clip(lo, bottom, top) - bottom) / cell).astype(np.int64)
    last = ((np.clip(hi, bottom, top) - bottom) / cell).astype(np.int64)
    return first, last, int(last.max()) + 1
