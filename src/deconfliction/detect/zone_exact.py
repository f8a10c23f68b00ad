"""Exact phase: when a straight path is inside a disc, a capsule or a convex piece.

:func:`part_intervals` places each track's path in the local frame of each candidate part
and dispatches by kind. The other functions work on columns (one row per path–part pair)
in the part's local frame. The path is ``p(u) = s + u·d`` for ``u`` in [0, 1]; each
function returns, per row, the interval
``[u0, u1]`` of the whole line ``u ∈ ℝ`` that lies inside the part (closed: touching
counts), with ``u0 = +inf, u1 = -inf`` where the line misses it. Callers clip to [0, 1].
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


def piece_interval(
    sx: FloatArray,
    sy: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    edge_start: IntArray,
    edge_count: IntArray,
    edge_nx: FloatArray,
    edge_ny: FloatArray,
    edge_c: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Where the line is inside a convex piece given by its edges ``n·p ≤ c`` (Cyrus–Beck)."""
    rows = len(sx)
    if rows == 0:
        return np.empty(0), np.empty(0)
    total = int(edge_count.sum())
    row = np.repeat(np.arange(rows), edge_count)
    first = np.cumsum(edge_count) - edge_count
    edge = np.repeat(edge_start - first, edge_count) + np.arange(total)
    nx, ny = edge_nx[edge], edge_ny[edge]
    num = edge_c[edge] - (nx * sx[row] + ny * sy[row])
    den = nx * dx[row] + ny * dy[row]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / den
    entering = den < 0.0
    leaving = den > 0.0
    lower = np.where(entering, ratio, -_INF)
    upper = np.where(leaving, ratio, _INF)
    outside = (den == 0.0) & (num < 0.0)  # parallel to this edge and beyond it
    lower[outside] = _INF
    upper[outside] = -_INF
    u0 = np.maximum.reduceat(lower, first)
    u1 = np.minimum.reduceat(upper, first)
    _empty_where(u0 > u1, u0, u1)
    return u0, u1


def part_intervals(
    prims: Primitives, start: FloatArray, delta: FloatArray, track: IntArray, part: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The pairs whose path meets their part within [0, 1], and the line interval inside.

    ``start``/``delta``: (n, 3) ECEF of each track's start and displacement over its
    lookahead. Returns ``rows`` (indices into ``track``/``part``), ``u0``, ``u1``.
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
            u0, u1 = piece_interval(
                *args,
                prims.edge_start[p],
                prims.edge_count[p],
                prims.edge_nx,
                prims.edge_ny,
                prims.edge_c,
            )
        hit = (u0 <= u1) & (u1 >= 0.0) & (u0 <= 1.0)
        rows_out.append(rows[hit])
        u0_out.append(u0[hit])
        u1_out.append(u1[hit])
    if not rows_out:
        return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0)
    return np.concatenate(rows_out), np.concatenate(u0_out), np.concatenate(u1_out)
