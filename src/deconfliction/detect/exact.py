"""The exact phase: conflict intervals of candidate pairs under the linear motion model.

For each pair the horizontal separation squared is a quadratic in ``t`` (see
:mod:`deconfliction.detect.earth`), ``d(t)^2 = a t^2 + 2 b t + c``, and the vertical one is
linear, ``dz(t) = dz + dvz t``. The pair is in conflict at ``t`` when ``d(t) < horizontal_m``
*and* ``|dz(t)| < vertical_m`` (both strict), and it is reported when such a ``t`` lies in
``[0, lookahead_s]``. The open horizontal and vertical intervals are intersected with
``[0, lookahead_s]``: ``t_in_s`` is where that intersection starts (0 for a current loss of
separation), ``t_out_s`` where it ends (at most ``lookahead_s``).

``t_cpa_s`` is the time of horizontal closest approach clipped to ``[0, lookahead_s]``
(0 when the relative velocity is zero), ``d_cpa_m`` the horizontal separation then and
``dz_cpa_m`` the vertical separation then; they describe the encounter, not the conflict
interval, so ``t_cpa_s`` may lie outside ``[t_in_s, t_out_s]``.

Vertical separations within a micrometre of the minimum count as equal to it, so that two
level tracks exactly 1,000 ft apart are not in conflict because of floating-point rounding
(``10304.8 - 10000.0`` is ``304.7999999999993``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.earth import Motion

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

VERTICAL_TOLERANCE_M = 1e-6
# Below this squared relative speed (m²/s²) the horizontal separation is taken as constant:
# it moves by less than a millimetre over an hour.
_STILL_MPS2 = 1e-14


@dataclass(frozen=True, eq=False)
class PairConflicts:
    """The candidate pairs found in conflict: ``pair`` indexes the input pair arrays."""

    pair: IntArray
    t_in_s: FloatArray
    t_out_s: FloatArray
    t_cpa_s: FloatArray
    d_cpa_m: FloatArray
    dz_cpa_m: FloatArray

    def __len__(self) -> int:
        return int(self.pair.shape[0])


def _vertical_interval(
    dz: FloatArray, dvz: FloatArray, vertical_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Open interval of ``t`` where ``|dz + dvz t| < vertical`` (empty as lo >= hi)."""
    limit = vertical_m - VERTICAL_TOLERANCE_M
    moving = dvz != 0.0
    # Tiny rates overflow to an infinite bound, which is what they mean.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        first = (-limit - dz) / dvz
        second = (limit - dz) / dvz
    inside = np.abs(dz) < limit
    lo = np.where(moving, np.minimum(first, second), np.where(inside, -np.inf, np.inf))
    hi = np.where(moving, np.maximum(first, second), np.where(inside, np.inf, -np.inf))
    return lo, hi


def _horizontal_terms(
    motion: Motion, index_a: IntArray, index_b: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Coefficients ``a, b, c`` of ``d(t)^2 = a t^2 + 2 b t + c`` for each pair."""
    pos, vel, up = motion.position_m, motion.velocity_mps, motion.up
    # np.take along an axis gathers columns several times faster than fancy indexing.
    ds = np.take(pos, index_b, axis=1) - np.take(pos, index_a, axis=1)
    dv = np.take(vel, index_b, axis=1) - np.take(vel, index_a, axis=1)
    u = np.take(up, index_a, axis=1) + np.take(up, index_b, axis=1)
    u_norm2 = u[0] * u[0] + u[1] * u[1] + u[2] * u[2]
    # Antipodal pairs have no midpoint vertical; they are never near each other anyway.
    u_norm2 = np.where(u_norm2 > 1e-24, u_norm2, 1.0)
    w0 = u[0] * ds[0] + u[1] * ds[1] + u[2] * ds[2]
    w1 = u[0] * dv[0] + u[1] * dv[1] + u[2] * dv[2]
    c = ds[0] * ds[0] + ds[1] * ds[1] + ds[2] * ds[2] - w0 * w0 / u_norm2
    b = ds[0] * dv[0] + ds[1] * dv[1] + ds[2] * dv[2] - w0 * w1 / u_norm2
    a = dv[0] * dv[0] + dv[1] * dv[1] + dv[2] * dv[2] - w1 * w1 / u_norm2
    return np.maximum(a, 0.0), b, np.maximum(c, 0.0)


def _horizontal_interval(
    a: FloatArray, b: FloatArray, c: FloatArray, horizontal_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Open interval of ``t`` where ``a t^2 + 2 b t + c < horizontal^2`` (empty as lo >= hi)."""
    excess = c - horizontal_m * horizontal_m
    moving = a > _STILL_MPS2
    disc = b * b - a * excess
    root = np.sqrt(np.maximum(disc, 0.0))
    # The numerically stable pair of roots: q / a and excess / q.
    q = -(b + np.copysign(root, b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        first = q / a
        second = excess / q
    crossing = moving & (disc > 0.0)
    lo = np.where(crossing, np.minimum(first, second), np.inf)
    hi = np.where(crossing, np.maximum(first, second), -np.inf)
    still_inside = ~moving & (excess < 0.0)
    lo = np.where(still_inside, -np.inf, lo)
    hi = np.where(still_inside, np.inf, hi)
    return lo, hi


def _per_pair(value: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    return array if array.shape == shape else np.full(shape, array, dtype=np.float64)


def exact_conflicts(
    motion: Motion,
    alt_m: FloatArray,
    vs_mps: FloatArray,
    index_a: IntArray,
    index_b: IntArray,
    horizontal_m: FloatArray,
    vertical_m: FloatArray,
    lookahead_s: FloatArray,
) -> PairConflicts:
    """Which pairs ``(index_a[k], index_b[k])`` conflict within their lookahead, and when.

    ``motion``, ``alt_m`` and ``vs_mps`` describe all tracks; the minima are per pair.

    Examples
    --------
    Two aircraft head-on at the same level, 20 km apart, closing at 400 m/s:

    >>> import numpy as np
    >>> m = Motion.from_arrays(np.array([0.0, 0.0]), np.array([0.0, 0.17966]),
    ...                        np.array([200.0, 200.0]), np.array([90.0, 270.0]))
    >>> r = exact_conflicts(m, np.array([9000.0, 9000.0]), np.zeros(2), np.array([0]),
    ...                     np.array([1]), np.array([9260.0]), np.array([304.8]),
    ...                     np.array([300.0]))
    >>> np.round(r.t_in_s, 1), np.round(r.t_out_s, 1), np.round(r.t_cpa_s, 1)
    (array([26.8]), array([73.1]), array([50.]))
    """
    ia = np.asarray(index_a, dtype=np.intp)
    ib = np.asarray(index_b, dtype=np.intp)
    h, v, horizon = (_per_pair(x, ia.shape) for x in (horizontal_m, vertical_m, lookahead_s))
    # Vertical first: it needs four gathers where the horizontal test needs eighteen.
    dz = alt_m[ib] - alt_m[ia]
    dvz = vs_mps[ib] - vs_mps[ia]
    v_lo, v_hi = _vertical_interval(dz, dvz, v)
    keep = np.flatnonzero((v_lo < v_hi) & (v_lo < horizon) & (v_hi > 0.0))
    if keep.size < ia.size:
        ia, ib, h, horizon = ia[keep], ib[keep], h[keep], horizon[keep]
        dz, dvz, v_lo, v_hi = dz[keep], dvz[keep], v_lo[keep], v_hi[keep]
    a, b, c = _horizontal_terms(motion, ia, ib)
    h_lo, h_hi = _horizontal_interval(a, b, c, h)
    start = np.maximum(h_lo, v_lo)
    end = np.minimum(h_hi, v_hi)
    hit = np.flatnonzero((start < end) & (start < horizon) & (end > 0.0))
    a, b, c, horizon = a[hit], b[hit], c[hit], horizon[hit]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cpa = np.where(a > _STILL_MPS2, np.clip(-b / a, 0.0, horizon), 0.0)
    d_cpa = np.sqrt(np.maximum((a * t_cpa + 2.0 * b) * t_cpa + c, 0.0))
    return PairConflicts(
        pair=keep[hit],
        t_in_s=np.maximum(start[hit], 0.0),
        t_out_s=np.minimum(end[hit], horizon),
        t_cpa_s=t_cpa,
        d_cpa_m=d_cpa,
        dz_cpa_m=np.abs(dz[hit] + dvz[hit] * t_cpa),
    )
