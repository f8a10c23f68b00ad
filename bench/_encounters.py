"""Where pairs of recorded tracks really came close: the ground truth of ``bench.alert_quality``.

Each track's position at a sample time is interpolated linearly between its two reports
around it (ECEF of the surface point, and altitude), if they are at most ``max_gap_s``
(60 s) apart; at a report's own time it is that report; otherwise (before its first report,
after its last, across a longer gap) it is unknown. Positions are never extrapolated.

At every sample (``step_s``, 1 s, from the first report) each pair of tracks of different
parties whose positions are known is *near* when the horizontal separation (the chord
between the surface points: within millimetres of the geodesic at these distances) is below
twice the horizontal minimum and the vertical one below twice the vertical minimum, and *in
loss* when both are below the minima themselves (strictly, as the detector's test).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench._alert_figures import Coverage, FloatArray, Pair, pair_of
from deconfliction.detect import to_ecef
from deconfliction.detect.exact import VERTICAL_TOLERANCE_M

MAX_GAP_S = 60.0
STEP_S = 1.0
_CHUNK = 600  # samples interpolated at once


@dataclass(frozen=True)
class TrackHistory:
    """The recorded reports of one track (times sorted, no repeats)."""

    key: str  # "party/track"
    party: str
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray


@dataclass(frozen=True)
class Encounters:
    """Sample times at which each pair was near (within twice both minima) or in loss."""

    step_s: float
    near: dict[Pair, FloatArray]
    loss: dict[Pair, FloatArray]
    coverage: Coverage


def coverage_of(track: TrackHistory, max_gap_s: float = MAX_GAP_S) -> list[tuple[float, float]]:
    """The intervals over which the track's position is known (see the module docstring)."""
    t = track.time_s
    if t.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(t) > max_gap_s)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [t.size - 1]))
    return [(float(t[s]), float(t[e])) for s, e in zip(starts, ends, strict=True)]


def _interpolate(
    track: TrackHistory, xyz: FloatArray, grid: FloatArray, max_gap_s: float
) -> tuple[npt.NDArray[np.bool_], FloatArray, FloatArray]:
    """Whether the position is known at each grid time, and the position (xyz, alt) there."""
    t = track.time_s
    i = np.searchsorted(t, grid, side="right") - 1
    exact = (i >= 0) & (t[np.clip(i, 0, t.size - 1)] == grid)
    inside = (i >= 0) & (i < t.size - 1)
    j = np.clip(i, 0, max(t.size - 2, 0))
    k = np.minimum(j + 1, t.size - 1)
    gap = t[k] - t[j]
    known = exact | (inside & (gap <= max_gap_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(gap > 0, (grid - t[j]) / gap, 0.0)
    w = np.where(exact, 0.0, w)
    j = np.where(exact, np.clip(i, 0, t.size - 1), j)
    k = np.where(exact, j, k)
    pos = xyz[:, j] * (1.0 - w) + xyz[:, k] * w
    alt = track.alt_m[j] * (1.0 - w) + track.alt_m[k] * w
    return known, pos, alt


def encounters(
    tracks: Iterable[TrackHistory],
    *,
    horizontal_m: float,
    vertical_m: float,
    step_s: float = STEP_S,
    max_gap_s: float = MAX_GAP_S,
) -> Encounters:
    """The near and loss samples of every pair of tracks of different parties."""
    tracks = [t for t in tracks if t.time_s.size]
    cover = {t.key: coverage_of(t, max_gap_s) for t in tracks}
    near: dict[Pair, list[float]] = {}
    loss: dict[Pair, list[float]] = {}
    if not tracks:
        return Encounters(step_s, {}, {}, Coverage(cover))
    t0 = math.floor(min(float(t.time_s[0]) for t in tracks))
    t1 = max(float(t.time_s[-1]) for t in tracks)
    grid = t0 + step_s * np.arange(math.floor((t1 - t0) / step_s) + 1)
    xyz = [to_ecef(t.lat, t.lon, 0.0) for t in tracks]
    first = np.array([t.time_s[0] for t in tracks])
    last = np.array([t.time_s[-1] for t in tracks])
    party_codes: dict[str, int] = {}
    party = np.array([party_codes.setdefault(t.party, len(party_codes)) for t in tracks])
    keys = [t.key for t in tracks]
    h_near2, v_near = (2.0 * horizontal_m) ** 2, 2.0 * vertical_m
    h_loss2, v_loss = horizontal_m**2, vertical_m - VERTICAL_TOLERANCE_M
    for c0 in range(0, grid.size, _CHUNK):
        times = grid[c0 : c0 + _CHUNK]
        active = np.flatnonzero((first <= times[-1]) & (last >= times[0]))
        if active.size < 2:
            continue
        known = np.zeros((times.size, active.size), dtype=bool)
        pos = np.full((3, times.size, active.size), np.nan)
        alt = np.full((times.size, active.size), np.nan)
        for col, n in enumerate(active.tolist()):
            known[:, col], pos[:, :, col], alt[:, col] = _interpolate(
                tracks[n], xyz[n], times, max_gap_s
            )
        for r in range(times.size):
            cols = np.flatnonzero(known[r])
            if cols.size < 2:
                continue
            a, b = np.triu_indices(cols.size, 1)
            a, b = cols[a], cols[b]
            differ = party[active[a]] != party[active[b]]
            a, b = a[differ], b[differ]
            dz = np.abs(alt[r, a] - alt[r, b])
            keep = dz < v_near
            a, b, dz = a[keep], b[keep], dz[keep]
            d = pos[:, r, a] - pos[:, r, b]
            h2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
            keep = h2 < h_near2
            t = float(times[r])
            for i, j, hh, vv in zip(
                active[a[keep]].tolist(),
                active[b[keep]].tolist(),
                h2[keep].tolist(),
                dz[keep].tolist(),
                strict=True,
            ):
                pair = pair_of(keys[i], keys[j])
                near.setdefault(pair, []).append(t)
                if hh < h_loss2 and vv < v_loss:
                    loss.setdefault(pair, []).append(t)
    return Encounters(
        step_s,
        {p: np.array(v) for p, v in near.items()},
        {p: np.array(v) for p, v in loss.items()},
        Coverage(cover),
    )
