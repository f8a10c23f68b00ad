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
from deconfliction.detect.earth import RealArray

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


def _subsets() -> npt.NDArray[np.int64]:
    """``table[p * 16 + k]``: the k-th subset (as a bit mask) of the axes in bit mask ``p``."""
    table = np.zeros(16 * 16, dtype=np.int64)
    for pattern in range(16):
        subsets = [s for s in range(16) if s & ~pattern == 0]
        table[pattern * 16 : pattern * 16 + len(subsets)] = subsets
    return table


_SUBSETS = _subsets()
_SUBSET_COUNT = np.array([1 << bin(p).count("1") for p in range(16)], dtype=np.int64)


def _enter(
    entries: Int64Array, spans: list[Int64Array], strides: list[int], owner_bits: int
) -> Int64Array:
    """Every entry of every box: one per cell it touches, flagged where it starts on an axis.

    Boxes touching at most two cells along every axis (most of them, with cells as wide as
    the boxes) go through a table of the 16 ways to step one cell on some axes; the others
    are expanded axis by axis.
    """
    narrow = (spans[0] <= 2) & (spans[1] <= 2) & (spans[2] <= 2) & (spans[3] <= 2)
    wide = np.flatnonzero(~narrow)
    owner_mask = (1 << owner_bits) - 1
    parts = []
    if wide.size:
        expanded = entries[wide]
        for axis in range(_AXES):
            flag = 1 << (owner_bits + axis)
            expanded = _expand(expanded, spans[axis], strides[axis], flag, owner_mask)
        parts.append(expanded)
    if wide.size < entries.size:
        if wide.size:
            keep = np.flatnonzero(narrow)
            entries, spans = entries[keep], [span[keep] for span in spans]
        pattern = (spans[0] - 1) | (spans[1] - 1) << 1 | (spans[2] - 1) << 2 | (spans[3] - 1) << 3
        count = _SUBSET_COUNT[pattern]
        starts = np.cumsum(count) - count
        total = int(starts[-1] + count[-1])
        step = np.arange(total, dtype=np.int64) - np.repeat(starts, count)
        subset = _SUBSETS[np.repeat(pattern << 4, count) + step]
        # For each subset of axes stepped: the key offset and the flags of the axes not stepped.
        offset = np.array(
            [sum(strides[a] for a in range(_AXES) if s >> a & 1) for s in range(16)], dtype=np.int64
        )
        flags = np.array(
            [sum(1 << (owner_bits + a) for a in range(_AXES) if not s >> a & 1) for s in range(16)],
            dtype=np.int64,
        )
        parts.append((np.repeat(entries, count) + offset[subset]) | flags[subset])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _shared_cells(entries: Int64Array, shift: int) -> tuple[IntArray, IntArray]:
    """Positions ``(i, j)``, ``i < j``, of every two sorted entries in the same cell."""
    cell = entries >> shift
    same = cell[1:] == cell[:-1]
    i = np.flatnonzero(same)
    if 2 * i.size < cell.size:
        # Sparse: cells hold few entries. Walk runs by offset; as entries are sorted,
        # cell[i] == cell[i + d] means every entry between is in that cell too.
        first, second = [i], [i + 1]
        offset = 2
        while i.size:
            i = i[i < cell.size - offset]
            i = i[cell[i + offset] == cell[i]]
            first.append(i)
            second.append(i + offset)
            offset += 1
        return np.concatenate(first), np.concatenate(second)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    lengths = np.diff(starts, append=cell.size)
    multi = lengths > 1
    starts, lengths = starts[multi], lengths[multi]
    ends = np.cumsum(lengths)
    first_index = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]))
    follow = np.repeat(starts + lengths, lengths) - first_index - 1
    ends = np.cumsum(follow)
    j = np.arange(int(ends[-1])) + np.repeat(first_index + 1 - (ends - follow), follow)
    return np.repeat(first_index, follow), j


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
    first = _cells(boxes.lo, origin, inverse)
    last = _cells(boxes.hi, origin, inverse)
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
    entries = _enter(entries, spans, [stride << shift for stride in strides], owner_bits)
    owner_mask = (1 << owner_bits) - 1
    entries.sort()
    flags = (entries >> owner_bits) & _ALL_FLAGS
    i, j = _shared_cells(entries, shift)
    lowest = np.flatnonzero((flags[i] | flags[j]) == _ALL_FLAGS)
    i, j = i[lowest], j[lowest]
    a, b = entries[i] & owner_mask, entries[j] & owner_mask
    keep = boxes.overlap(a, b)
    a, b = a[keep], b[keep]
    return np.minimum(a, b).astype(np.intp), np.maximum(a, b).astype(np.intp)


def _cells(coordinate: RealArray, origin: RealArray, inverse: float) -> Int64Array:
    """Cell index along each axis of coordinates ``(3, n)`` (all at or above ``origin``)."""
    scaled = coordinate - origin
    scaled *= inverse
    return scaled.astype(np.int64)


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
