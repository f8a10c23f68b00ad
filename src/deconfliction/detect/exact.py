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

A track may have a *level* (``level_alt_m``, see :mod:`deconfliction.detect.earth`) where
its vertical motion stops. For a pair where one does within the lookahead, the vertical
separation is linear on each of at most three pieces of time (split where each track levels
off); each piece gives its open interval as above, intersected with the horizontal one, and
the conflict is the first non-empty result, joined with the pieces that continue it. Pairs
with no level-off within the lookahead take the linear path unchanged.

Vertical separations within a micrometre of the minimum count as equal to it, so that two
level tracks exactly 1,000 ft apart are not in conflict because of floating-point rounding
(``10304.8 - 10000.0`` is ``304.7999999999993``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.earth import Motion, level_off_s

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
    *,
    level_alt_m: FloatArray | None = None,
) -> PairConflicts:
    """Which pairs ``(index_a[k], index_b[k])`` conflict within their lookahead, and when.

    ``motion``, ``alt_m``, ``vs_mps`` and ``level_alt_m`` (NaN: no level; None: none at
    all) describe all tracks; the minima are per pair.

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

    The same, one of them climbing from 500 m below at 10 m/s: in conflict from 26.8 s as it
    climbs through the level, unless it levels off 1,000 ft below the other:

    >>> alt, vs = np.array([9000.0, 8500.0]), np.array([0.0, 10.0])
    >>> args = (np.array([0]), np.array([1]), np.array([9260.0]), np.array([304.8]),
    ...         np.array([300.0]))
    >>> len(exact_conflicts(m, alt, vs, *args)), len(
    ...     exact_conflicts(m, alt, vs, *args, level_alt_m=np.array([np.nan, 8695.2])))
    (1, 0)
    """
    ia = np.asarray(index_a, dtype=np.intp)
    ib = np.asarray(index_b, dtype=np.intp)
    h, v, horizon = (_per_pair(x, ia.shape) for x in (horizontal_m, vertical_m, lookahead_s))
    if level_alt_m is None:
        return _linear(motion, alt_m, vs_mps, ia, ib, h, v, horizon)
    stop = level_off_s(alt_m, vs_mps, level_alt_m)
    stop_a, stop_b = stop[ia], stop[ib]
    levelled = np.minimum(stop_a, stop_b) < horizon
    if not levelled.any():
        return _linear(motion, alt_m, vs_mps, ia, ib, h, v, horizon)
    lin = np.flatnonzero(~levelled)
    lev = np.flatnonzero(levelled)
    straight = _linear(motion, alt_m, vs_mps, ia[lin], ib[lin], h[lin], v[lin], horizon[lin])
    bent = _levelled(motion, alt_m, vs_mps, stop, ia[lev], ib[lev], h[lev], v[lev], horizon[lev])
    pair = np.concatenate((lin[straight.pair], lev[bent.pair]))
    order = np.argsort(pair, kind="stable")
    return PairConflicts(
        pair=pair[order],
        **{
            name: np.concatenate((getattr(straight, name), getattr(bent, name)))[order]
            for name in ("t_in_s", "t_out_s", "t_cpa_s", "d_cpa_m", "dz_cpa_m")
        },
    )


def _linear(
    motion: Motion,
    alt_m: FloatArray,
    vs_mps: FloatArray,
    ia: IntArray,
    ib: IntArray,
    h: FloatArray,
    v: FloatArray,
    horizon: FloatArray,
) -> PairConflicts:
    """The exact phase under linear vertical motion (no level-off within the lookahead)."""
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


def _levelled(
    motion: Motion,
    alt_m: FloatArray,
    vs_mps: FloatArray,
    stop: FloatArray,
    ia: IntArray,
    ib: IntArray,
    h: FloatArray,
    v: FloatArray,
    horizon: FloatArray,
) -> PairConflicts:
    """The exact phase for pairs of which a track levels off (at ``stop``) in the lookahead."""
    a, b, c = _horizontal_terms(motion, ia, ib)
    h_lo, h_hi = _horizontal_interval(a, b, c, h)
    # Horizontal first here: the pieces of vertical motion cost more than its terms.
    keep = np.flatnonzero((h_lo < h_hi) & (h_lo < horizon) & (h_hi > 0.0))
    if keep.size < ia.size:
        ia, ib, v, horizon = ia[keep], ib[keep], v[keep], horizon[keep]
        a, b, c, h_lo, h_hi = a[keep], b[keep], c[keep], h_lo[keep], h_hi[keep]
    stop_a, stop_b = stop[ia], stop[ib]
    vs_a, vs_b = vs_mps[ia], vs_mps[ib]
    alt_a, alt_b = alt_m[ia], alt_m[ib]
    first = np.minimum(stop_a, stop_b)
    second = np.maximum(stop_a, stop_b)
    bounds = [np.zeros_like(first), first, second, np.full_like(first, np.inf)]
    n = ia.size
    found = np.zeros(n, dtype=bool)
    t_in = np.full(n, np.inf)
    t_out = np.full(n, -np.inf)
    ongoing = np.zeros(n, dtype=bool)  # the conflict found so far runs to the piece's end
    for k in range(3):
        start, end = bounds[k], bounds[k + 1]
        finite = np.isfinite(start)
        s = np.where(finite, start, 0.0)
        # Each track moves during the piece until its own level-off.
        va = np.where(stop_a > s, vs_a, 0.0)
        vb = np.where(stop_b > s, vs_b, 0.0)
        dz = (alt_b + vs_b * np.minimum(s, stop_b)) - (alt_a + vs_a * np.minimum(s, stop_a))
        v_lo, v_hi = _vertical_interval(dz, vb - va, v)
        lo = np.maximum.reduce([s + v_lo, start, h_lo, np.zeros(n)])
        hi = np.minimum.reduce([s + v_hi, end, h_hi, horizon])
        piece = finite & (lo < hi)
        fresh = piece & ~found
        t_in = np.where(fresh, lo, t_in)
        t_out = np.where(fresh, hi, t_out)
        joined = piece & found & ongoing & (lo == start)
        t_out = np.where(joined, hi, t_out)
        ongoing = np.where(fresh | joined, hi == end, ongoing & ~found)
        found |= piece
    hit = np.flatnonzero(found)
    a, b, c, horizon = a[hit], b[hit], c[hit], horizon[hit]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cpa = np.where(a > _STILL_MPS2, np.clip(-b / a, 0.0, horizon), 0.0)
    d_cpa = np.sqrt(np.maximum((a * t_cpa + 2.0 * b) * t_cpa + c, 0.0))
    at_a = alt_a[hit] + vs_a[hit] * np.minimum(t_cpa, stop_a[hit])
    at_b = alt_b[hit] + vs_b[hit] * np.minimum(t_cpa, stop_b[hit])
    return PairConflicts(
        pair=keep[hit],
        t_in_s=t_in[hit],
        t_out_s=t_out[hit],
        t_cpa_s=t_cpa,
        d_cpa_m=d_cpa,
        dz_cpa_m=np.abs(at_b - at_a),
    )
