"""Swept boxes: the room each track may occupy over its lookahead, for the broad phase.

Each track gets a **swept box**: the axis-aligned box around its surface line over its
lookahead (:mod:`deconfliction.detect.earth`), grown by half its largest horizontal minimum
plus a margin for the Earth's curvature, and an **altitude band** swept over the same time,
grown by half its largest vertical minimum. Two tracks can only be in conflict when their
boxes and their bands overlap (:mod:`deconfliction.detect.broad` finds those pairs).

Why the boxes are conservative. At a moment ``t`` of conflict the surface points ``p_a(t)``
and ``p_b(t)`` are closer than ``h`` once projected on the plane normal to the halfway
vertical ``u``; their 3-D distance adds the component ``w = u·(p_b - p_a)`` along ``u``:
``|p_b - p_a| <= h + |w|``. With ``s`` the report points, ``w = u·(s_b - s_a) + t (u·v_b -
u·v_a)``. On the WGS84 ellipsoid ``|u·(s_b - s_a)| <= 0.016 e² q²/rho`` (``q = |s_b - s_a|``,
``rho`` the smallest radius of curvature; checked numerically, the code uses 0.1), and
``|u·v| <= g θ/2`` where the normals turn by ``θ <= 1.003 q/rho``. For a conflicting pair
``q <= h + (g_a + g_b) t + |w|``, which gives ``q <= 1.05 (h + (g_a + g_b) T)`` whenever
every track's ``h + 2 g T`` is below 500 km, and splitting the products track by track
(``(x + y)^2 <= 2x^2 + 2y^2``) gives each track a margin that depends on its own speed,
lookahead and minimum only (about 1 km at 250 m/s over 300 s). Tracks with a larger reach
(speed glitches, very long lookaheads) get a margin that holds without any assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.earth import (
    COARSE_ERROR_M,
    COARSE_TURN,
    MIN_CURVATURE_RADIUS_M,
    WGS84_E2,
    Motion,
    RealArray,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# The reach (h + 2 g T) up to which the per-track curvature margin is proven.
_REACH_LIMIT_M = 500_000.0
# |u·(s_b - s_a)| is below 108 km for any two points of the ellipsoid.
_ELLIPSOID_OFFSET_M = 110_000.0
_ELLIPSOID_K = 0.1 * WGS84_E2 / MIN_CURVATURE_RADIUS_M
_TURN_K = 0.5 * 1.003 * 1.05 / MIN_CURVATURE_RADIUS_M
# Rounding of ECEF coordinates (~6.4e6 m) is far below a millimetre; a metre is plenty.
_SLACK_M = 1.0
# Rounding of single-precision box arithmetic (coordinates near 6.4e6 m: ulp 0.5 m).
_COARSE_ROUNDING_M = 4.0


@dataclass(frozen=True, eq=False)
class SweptBoxes:
    """Per track, the box its surface line sweeps over its lookahead and its altitude band.

    ``lo``/``hi`` are ``(3, n)`` (float32 when built from a coarse motion) in the Cartesian
    frame ``frame @ ECEF`` (``frame`` is a
    rotation that puts regional traffic's mean vertical on the third axis, so boxes stay
    thin along it); ``alt_lo``/``alt_hi`` are ``(n,)`` metres (infinite where altitude is
    ignored).
    """

    lo: RealArray
    hi: RealArray
    alt_lo: FloatArray
    alt_hi: FloatArray
    frame: RealArray

    def __len__(self) -> int:
        return int(self.lo.shape[1])

    def overlap(self, index_a: IntArray, index_b: IntArray) -> npt.NDArray[np.bool_]:
        """Whether the boxes and altitude bands of each pair overlap (touching counts)."""
        axes = [(self.lo[0], self.hi[0]), (self.lo[1], self.hi[1])]
        axes += [(self.alt_lo, self.alt_hi), (self.lo[2], self.hi[2])]
        if index_a.size < 4096:
            result = np.ones(index_a.size, dtype=np.bool_)
            for lo, hi in axes:
                result &= lo[index_a] <= hi[index_b]
                result &= lo[index_b] <= hi[index_a]
            return result
        # Each axis rejects a share of the pairs; test the next one on the survivors only.
        alive = np.arange(index_a.size)
        a, b = index_a, index_b
        for lo, hi in axes:
            inside = lo[a] <= hi[b]
            inside &= lo[b] <= hi[a]
            kept = np.flatnonzero(inside)
            alive, a, b = alive[kept], a[kept], b[kept]
        result = np.zeros(index_a.size, dtype=np.bool_)
        result[alive] = True
        return result


def curvature_margin_m(
    gs_mps: RealArray, horizontal_m: RealArray, lookahead_s: RealArray
) -> RealArray:
    """Per track, how far (m) the 3-D distance may exceed the horizontal separation at conflict.

    See the module docstring for the derivation; ``margin_a + margin_b`` bounds ``|w|`` for
    any pair in conflict within the lookahead.
    """
    g_t = gs_mps * lookahead_s
    reach = horizontal_m + 2.0 * g_t
    refined = 2.205 * _ELLIPSOID_K * (0.5 * horizontal_m + g_t) ** 2 + _TURN_K * (
        g_t * horizontal_m + 2.0 * g_t * g_t
    )
    wild = reach > _REACH_LIMIT_M
    if not wild.any():
        return refined
    # Without the short-range assumption: |w| <= 108 km + T (g_a + g_b).
    fastest = float(np.max(gs_mps)) * float(np.max(lookahead_s))
    return np.where(wild, _ELLIPSOID_OFFSET_M + g_t + fastest, refined)


def _frame(up: RealArray) -> FloatArray:
    """A rotation whose third axis is the mean vertical of regional traffic (else identity)."""
    if up.shape[1] == 0:
        return np.eye(3)
    x, y, z = up.sum(axis=1).tolist()
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 0.5 * up.shape[1]:
        return np.eye(3)
    x, y, z = x / norm, y / norm, z / norm
    horizontal = math.hypot(x, y)
    if horizontal < 1e-9:  # centred on a pole
        return np.array([[1.0, 0.0, 0.0], [0.0, z, 0.0], [0.0, 0.0, z]])
    # East and north of the mean vertical, then the vertical itself.
    east = (-y / horizontal, x / horizontal, 0.0)
    north = (-z * x / horizontal, -z * y / horizontal, horizontal)
    return np.array([east, north, (x, y, z)])


def swept_boxes(
    motion: Motion,
    alt_m: FloatArray,
    vs_mps: FloatArray,
    *,
    horizontal_m: FloatArray,
    vertical_m: FloatArray,
    lookahead_s: FloatArray,
) -> SweptBoxes:
    """The swept box and altitude band of each track, for its largest minima.

    Parameters
    ----------
    motion, alt_m, vs_mps
        The tracks (see :mod:`deconfliction.detect.earth`).
    horizontal_m, vertical_m, lookahead_s
        Per track, the largest minima any of its pairs can get (``inf`` vertical: altitude
        ignored).

    Examples
    --------
    >>> import numpy as np
    >>> m = Motion.from_arrays(np.zeros(1), np.zeros(1), np.array([200.0]), np.zeros(1))
    >>> boxes = swept_boxes(m, np.array([9000.0]), np.array([10.0]),
    ...                     horizontal_m=np.array([9260.0]), vertical_m=np.array([304.8]),
    ...                     lookahead_s=np.array([300.0]))
    >>> float(boxes.alt_lo[0]), float(boxes.alt_hi[0])
    (8847.6, 12152.4)
    """
    dtype = motion.position_m.dtype
    frame: RealArray = _frame(motion.up).astype(dtype)
    horizon = lookahead_s.astype(dtype)
    start = frame @ motion.position_m
    end = frame @ motion.velocity_mps
    end *= horizon
    end += start
    velocity = motion.velocity_mps
    gs = np.sqrt(velocity[0] * velocity[0] + velocity[1] * velocity[1] + velocity[2] * velocity[2])
    horizontal = horizontal_m.astype(dtype)
    # In single precision the margin is off by a millionth of itself, far below the slack.
    radius = curvature_margin_m(gs, horizontal, horizon)
    radius += 0.5 * horizontal + _SLACK_M
    if motion.coarse:
        # Single-precision positions, and the rounding of the box arithmetic on them.
        radius += COARSE_ERROR_M + _COARSE_ROUNDING_M + COARSE_TURN * gs * horizon
    lo = np.minimum(start, end)
    lo -= radius
    hi = np.maximum(start, end, out=end)
    hi += radius
    alt_end = alt_m + vs_mps * lookahead_s
    half_band = 0.5 * vertical_m
    return SweptBoxes(
        lo=lo,
        hi=hi,
        alt_lo=np.minimum(alt_m, alt_end) - half_band,
        alt_hi=np.maximum(alt_m, alt_end) + half_band,
        frame=frame,
    )
