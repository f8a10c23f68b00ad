"""Exact phase: when a straight path is inside a disc, a capsule or a polygonal piece.

:func:`part_intervals` places each track's path in the local frame of each candidate part
and dispatches by kind. The other functions work on columns (one row per path–part pair)
in the part's local frame. The path is ``p(u) = s + u·d`` for ``u`` in [0, 1]; discs and
capsules are convex, so each row gets one interval ``[u0, u1]`` of the whole line
``u ∈ ℝ`` inside the part (closed: touching counts; ``u0 = +inf, u1 = -inf`` where the
line misses it); a piece may give a row several intervals (see :func:`piece_intervals`).
Callers clip to [0, 1].
A path with ``d = 0`` (a stationary track) is inside for every ``u`` or for none.

>>> import numpy as np
>>> one = np.array([1.0])
>>> u0, u1 = disc_interval(-2 * one, 0 * one, 4 * one, 0 * one, one)
>>> float(u0[0]), float(u1[0])
(0.25, 0.75)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from deconfliction.detect.zone_index import Primitives

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
_INF = np.inf


def _empty_where(mask: npt.NDArray[np.bool_], u0: FloatArray, u1: FloatArray) -> None:
    u0[mask] = _INF
    u1[mask] = -_INF


def disc_interval(
    sx: FloatArray, sy: FloatArray, dx: FloatArray, dy: FloatArray, radius: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Where the line is within ``radius`` of the origin: |s + u·d| ≤ r."""
    a = dx * dx + dy * dy
    half_b = sx * dx + sy * dy
    c = sx * sx + sy * sy - radius * radius
    moving = a > 0.0
    safe_a = np.where(moving, a, 1.0)
    disc = half_b * half_b - a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    u0 = (-half_b - root) / safe_a
    u1 = (-half_b + root) / safe_a
    still = ~moving
    u0[still] = -_INF
    u1[still] = _INF
    _empty_where((moving & (disc < 0.0)) | (still & (c > 0.0)), u0, u1)
    return u0, u1


def _slab(
    q0: FloatArray, q1: FloatArray, lo: FloatArray, hi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Where lo ≤ q0 + u·q1 ≤ hi."""
    moving = q1 != 0.0
    safe = np.where(moving, q1, 1.0)
    ta = (lo - q0) / safe
    tb = (hi - q0) / safe
    u0 = np.where(moving, np.minimum(ta, tb), -_INF)
    u1 = np.where(moving, np.maximum(ta, tb), _INF)
    _empty_where(~moving & ((q0 < lo) | (q0 > hi)), u0, u1)
    return u0, u1


def capsule_interval(
    sx: FloatArray,
    sy: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    ax: FloatArray,
    ay: FloatArray,
    bx: FloatArray,
    by: FloatArray,
    radius: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Where the line is within ``radius`` of the segment a–b.

    The capsule is the union of two end discs and a rectangle; it is convex, so the line
    meets it in one interval, from the earliest entry to the latest exit of the three.
    """
    u0a, u1a = disc_interval(sx - ax, sy - ay, dx, dy, radius)
    u0b, u1b = disc_interval(sx - bx, sy - by, dx, dy, radius)
    wx, wy = bx - ax, by - ay
    length2 = wx * wx + wy * wy
    rx, ry = sx - ax, sy - ay
    along0, along1 = _slab(rx * wx + ry * wy, dx * wx + dy * wy, np.zeros_like(sx), length2)
    width = radius * np.sqrt(length2)
    side0, side1 = _slab(wx * ry - wy * rx, wx * dy - wy * dx, -width, width)
    u0r = np.maximum(along0, side0)
    u1r = np.minimum(along1, side1)
    _empty_where((u0r > u1r) | (length2 == 0.0), u0r, u1r)
    u0 = np.minimum(np.minimum(u0a, u0b), u0r)
    u1 = np.maximum(np.maximum(u1a, u1b), u1r)
    return u0, u1


def piece_intervals(
    sx: FloatArray,
    sy: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    edge_start: IntArray,
    edge_count: IntArray,
    edges: FloatArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Where the line is inside a polygonal piece: between successive crossings of its edges.

    ``edges``: (m, 4) the two ends of every edge; row ``i`` owns
    ``edges[edge_start[i]:edge_start[i] + edge_count[i]]``, a closed ring. The line is
    inside between the first and second crossing, the third and fourth, and so on (an
    edge crosses when its ends are on opposite sides, an end on the line counting as the
    left side, so a line through a vertex is counted once). This is exact for any simple
    ring, convex or not: a straight lon/lat edge, densified, is slightly bent in a local
    frame, and a half-plane test would cut into the piece along it.

    Returns ``(row, u0, u1)``, one entry per interval: none for a row whose line misses the
    piece, several for a line that leaves and re-enters it. A stationary path (``d = 0``)
    gets ``(-inf, inf)`` if its point is inside.
    """
    rows = len(sx)
    if rows == 0:
        return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0)
    still = (dx == 0.0) & (dy == 0.0)
    dx = np.where(still, 1.0, dx)  # a stationary point is tested along an eastward line
    dy = np.where(still, 0.0, dy)
    total = int(edge_count.sum())
    row = np.repeat(np.arange(rows), edge_count)
    first = np.cumsum(edge_count) - edge_count
    edge = np.repeat(edge_start - first, edge_count) + np.arange(total)
    ends = np.take(edges, edge, axis=0)
    ax, ay = ends[:, 0] - sx[row], ends[:, 1] - sy[row]
    bx, by = ends[:, 2] - sx[row], ends[:, 3] - sy[row]
    rdx, rdy = dx[row], dy[row]
    side_a = rdx * ay - rdy * ax
    side_b = rdx * by - rdy * bx
    hit = np.flatnonzero((side_a >= 0.0) != (side_b >= 0.0))
    f = side_a[hit] / (side_a[hit] - side_b[hit])  # where along the edge the line crosses it
    px = ax[hit] + f * (bx[hit] - ax[hit])
    py = ay[hit] + f * (by[hit] - ay[hit])
    h_dx, h_dy = rdx[hit], rdy[hit]
    u = (px * h_dx + py * h_dy) / (h_dx * h_dx + h_dy * h_dy)
    owner = row[hit]  # crossings come grouped by row, rows in order
    count = np.bincount(owner, minlength=rows)
    at = np.cumsum(count) - count

    # Most lines cross a piece twice: the interval is between the two crossings.
    two = np.flatnonzero(count == 2)
    out_row = [two]
    out_u0 = [np.minimum(u[at[two]], u[at[two] + 1])]
    out_u1 = [np.maximum(u[at[two]], u[at[two] + 1])]
    many = np.flatnonzero(count >= 4)
    if len(many):
        taken = np.concatenate([np.arange(at[r], at[r] + count[r]) for r in many.tolist()])
        order = taken[np.lexsort((u[taken], owner[taken]))]
        out_row.append(owner[order[0::2]])
        out_u0.append(u[order[0::2]])
        out_u1.append(u[order[1::2]])
    row_out = np.concatenate(out_row)
    u0 = np.concatenate(out_u0)
    u1 = np.concatenate(out_u1)
    if still.any():  # a stationary point: inside if its own spot, u = 0, is in an interval
        is_still = still[row_out]
        contains = is_still & (u0 <= 0.0) & (u1 >= 0.0)
        keep = ~is_still | contains
        row_out, u0, u1 = row_out[keep], u0[keep], u1[keep]
        u0[contains[keep]] = -_INF
        u1[contains[keep]] = _INF
    return row_out, u0, u1


def part_intervals(
    prims: Primitives, start: FloatArray, delta: FloatArray, track: IntArray, part: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The pairs whose path meets their part within [0, 1], and the line interval inside.

    ``start``/``delta``: (n, 3) ECEF of each track's start and displacement over its
    lookahead. Returns ``rows`` (indices into ``track``/``part``), ``u0``, ``u1``; a row
    appears more than once when its line enters a piece more than once.
    """
    frame = np.take(prims.frame, part, axis=0)
    s = np.take(start, track, axis=0)
    d = np.take(delta, track, axis=0)
    sx = frame[:, 0] * s[:, 0] + frame[:, 1] * s[:, 1] - frame[:, 5]
    sy = frame[:, 2] * s[:, 0] + frame[:, 3] * s[:, 1] + frame[:, 4] * s[:, 2] - frame[:, 6]
    dx = frame[:, 0] * d[:, 0] + frame[:, 1] * d[:, 1]
    dy = frame[:, 2] * d[:, 0] + frame[:, 3] * d[:, 1] + frame[:, 4] * d[:, 2]

    # Bounding circle: the point of the path nearest the part's origin.
    d2 = dx * dx + dy * dy
    moving = d2 > 0.0
    u = np.clip(-(sx * dx + sy * dy) / np.where(moving, d2, 1.0), 0.0, 1.0)
    u[~moving] = 0.0
    cx, cy = sx + u * dx, sy + u * dy
    bound = prims.bound_m[part]
    near = np.flatnonzero(cx * cx + cy * cy <= bound * bound)

    kinds = part[near]
    groups = (
        near[kinds < prims.capsule_from],
        near[(kinds >= prims.capsule_from) & (kinds < prims.piece_from)],
        near[kinds >= prims.piece_from],
    )
    rows_out, u0_out, u1_out = [], [], []
    for code, rows in enumerate(groups):
        if not len(rows):
            continue
        p = part[rows]
        args = (sx[rows], sy[rows], dx[rows], dy[rows])
        if code == 0:
            u0, u1 = disc_interval(*args, prims.radius_m[p])
        elif code == 1:
            a, b = np.take(prims.a, p, axis=0), np.take(prims.b, p, axis=0)
            u0, u1 = capsule_interval(*args, a[:, 0], a[:, 1], b[:, 0], b[:, 1], prims.radius_m[p])
        else:
            inner, u0, u1 = piece_intervals(
                *args, prims.edge_start[p], prims.edge_count[p], prims.edges
            )
            rows = rows[inner]
        hit = (u0 <= u1) & (u1 >= 0.0) & (u0 <= 1.0)
        rows_out.append(rows[hit])
        u0_out.append(u0[hit])
        u1_out.append(u1[hit])
    if not rows_out:
        return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0)
    return np.concatenate(rows_out), np.concatenate(u0_out), np.concatenate(u1_out)
