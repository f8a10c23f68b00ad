"""Track–zone detection: which tracks are, or will be within their lookahead, inside a zone.

For every track and every active zone of another party, :func:`find_incursions` reports
the time the track enters the zone (0 if it is inside now) and, if it leaves again within
its lookahead, the time it leaves. A zone counts only inside its altitude band and its
validity window: a track climbing into the band counts from the moment it is both over
the area and inside the band, and a zone that becomes valid during the lookahead counts
from its ``valid_from``. The owner's own tracks never count. All three rules forbid other
parties' tracks, so every rule is reported; what the hub does with a
``notify_before_entry`` incursion (nothing, once a crossing notice was acknowledged) is
its business, as is who may see the zone (``shared_with`` does not change detection).

**Motion model.** Each track moves in a straight line at constant ground speed and course
over its lookahead, in the tangent plane at its current position (east–north), and at
constant vertical speed. Over 75 km this stays within 4 m of the geodesic along the same
course (the plane's straight line and the geodesic differ by d³/(3R²) in length and not at
all in direction). Tracks and zone parts meet in each part's own tangent plane, where the
track's path is the straight segment between its projected start and end: exact for the
parts, and within a few metres of the model for paths up to a few hundred kilometres, so
times to entry are right to well under a second at ground speeds. (A shared motion
module, ``deconfliction.detect.earth``, is to replace :func:`track_paths`.)

**How.** A broad phase finds, per track, the zone parts whose boxes meet the box of its
path (a loose grid, :mod:`deconfliction.detect.zone_index`); owner, validity and altitude
drop most of those pairs; the rest are moved into the part's frame, checked against its
bounding circle, and tested exactly (:mod:`deconfliction.detect.zone_exact`). The
intervals of a zone's parts are merged to give the first entry and the exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.earth import bounded_speeds
from deconfliction.detect.zone_broad import candidate_pairs
from deconfliction.detect.zone_exact import part_intervals
from deconfliction.detect.zone_index import ZoneIndex
from deconfliction.geo.frames import WGS84_A_M, WGS84_E2, wrap_lon

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
# Intervals of one zone's parts closer than this along the path are one stretch: adjacent
# parts are tested in different local frames, which may disagree by a few metres.
MERGE_GAP_M = 10.0


@dataclass(frozen=True)
class Incursion:
    """One row of :class:`Incursions`."""

    track: int
    zone: int
    t_entry_s: float
    t_exit_s: float | None
    inside_now: bool


@dataclass(frozen=True, eq=False)
class Incursions:
    """Track–zone incursions as columns, sorted by track then zone.

    ``track`` indexes the track columns given to :func:`find_incursions`; ``zone`` indexes
    ``ZoneIndex.zones``. ``t_entry_s`` is seconds from now until the track is inside (0 if
    it is inside now); ``t_exit_s`` when it is out again, NaN if it is still inside at the
    end of its lookahead.
    """

    track: IntArray
    zone: IntArray
    t_entry_s: FloatArray
    t_exit_s: FloatArray
    inside_now: BoolArray

    def __len__(self) -> int:
        return len(self.track)

    def __iter__(self) -> Iterator[Incursion]:
        for i in range(len(self)):
            yield self.row(i)

    def row(self, i: int) -> Incursion:
        exit_s = float(self.t_exit_s[i])
        return Incursion(
            track=int(self.track[i]),
            zone=int(self.zone[i]),
            t_entry_s=float(self.t_entry_s[i]),
            t_exit_s=None if np.isnan(exit_s) else exit_s,
            inside_now=bool(self.inside_now[i]),
        )

    @classmethod
    def empty(cls) -> Incursions:
        none = np.empty(0, dtype=np.intp)
        return cls(none, none, np.empty(0), np.empty(0), np.empty(0, dtype=np.bool_))


@dataclass(frozen=True, eq=False)
class TrackPaths:
    """Each track's straight path over its lookahead (see the module's motion model).

    ``start``: (n, 3) ECEF of the track now; ``delta``: (n, 3) ECEF displacement over its
    lookahead, in its tangent plane. ``box``: (n, 4) a longitude/latitude box that holds the
    whole path on the ground (centre lon, centre lat, half extents, degrees).
    """

    start: FloatArray
    delta: FloatArray
    box: FloatArray


def track_paths(
    lat: FloatArray,
    lon: FloatArray,
    gs_mps: FloatArray,
    course_deg: FloatArray,
    lookahead_s: FloatArray,
) -> TrackPaths:
    """The straight path of each track over its lookahead, and a box around it on the map.

    >>> import numpy as np
    >>> paths = track_paths(np.array([35.0]), np.array([40.0]), np.array([10.0]),
    ...                     np.array([90.0]), np.array([600.0]))
    >>> round(float(np.linalg.norm(paths.delta[0])))
    6000
    """
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    sin_lat, cos_lat = np.sin(lat_r), np.cos(lat_r)
    sin_lon, cos_lon = np.sin(lon_r), np.cos(lon_r)
    w2 = 1.0 - WGS84_E2 * sin_lat * sin_lat
    normal = WGS84_A_M / np.sqrt(w2)
    start = np.column_stack(
        [
            normal * cos_lat * cos_lon,
            normal * cos_lat * sin_lon,
            normal * (1.0 - WGS84_E2) * sin_lat,
        ]
    )
    distance = gs_mps * lookahead_s
    course = np.radians(course_deg)
    east, north = distance * np.sin(course), distance * np.cos(course)
    delta = np.column_stack(
        [
            -sin_lon * east - sin_lat * cos_lon * north,
            cos_lon * east - sin_lat * sin_lon * north,
            cos_lat * north,
        ]
    )

    # The box: the start and a first-order end, grown by a generous bound on what first
    # order misses (the path's curvature on the map, about d²·tan|φ|/R).
    per_lat = np.radians(WGS84_A_M * (1.0 - WGS84_E2) / (w2 * np.sqrt(w2)))
    safe_cos = np.maximum(cos_lat, 1e-6)
    per_lon = np.radians(normal * safe_cos)
    dlat = north / per_lat
    dlon = east / per_lon
    slope = np.abs(sin_lat) / safe_cos
    margin_lat = (distance * distance * (1.0 + slope) / 6.3e6 + 20.0) / per_lat
    half_lat = 0.5 * np.abs(dlat) + margin_lat
    # cos(|φ| + δ) ≥ cos φ (1 - δ²/2) - |sin φ| δ: the shortest degree of longitude reached.
    reach = np.radians(np.abs(dlat) + 2.0 * margin_lat)
    shrink = np.maximum(1.0 - 0.5 * reach * reach - slope * reach, 0.01)
    half_lon = (0.5 * np.abs(dlon) + margin_lat * per_lat / per_lon) / shrink
    polar = (shrink <= 0.01) | (half_lon >= 180.0)
    box = np.column_stack(
        [
            wrap_lon(np.where(polar, lon, lon + 0.5 * dlon)),
            lat + 0.5 * dlat,
            np.where(polar, 180.0, half_lon),
            half_lat,
        ]
    )
    return TrackPaths(start=start, delta=delta, box=box)


def find_incursions(
    index: ZoneIndex,
    *,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    gs_mps: npt.ArrayLike,
    course_deg: npt.ArrayLike,
    vs_mps: npt.ArrayLike,
    party: npt.ArrayLike,
    lookahead_s: npt.ArrayLike,
    now_s: float,
) -> Incursions:
    """Every track inside, or entering within its lookahead, an active zone of another party.

    Parameters
    ----------
    index
        The zones, prepared by :meth:`ZoneIndex.build`.
    lat, lon, alt_m, gs_mps, course_deg, vs_mps
        Track state columns (degrees, metres, m/s, degrees true, m/s), one row per track,
        as of ``now_s``.
    party
        Each track's party code (the codes given to :meth:`ZoneIndex.build`).
    lookahead_s
        Each track's lookahead in seconds (a scalar applies to all).
    now_s
        Unix seconds of the state; zones' validity windows are compared with it.

    Returns
    -------
    Incursions
        Sorted by track then zone; at most one row per track and zone (the first entry).

    Examples
    --------
    >>> from deconfliction.model.zone import Zone
    >>> from deconfliction.detect.zone_index import ZoneIndex
    >>> zone = Zone.from_feature(
    ...     {"type": "Feature", "id": "tanf", "properties": {"rule": "no_entry",
    ...      "radius_m": 55000}, "geometry": {"type": "Point", "coordinates": [38.66, 33.5]}},
    ...     owner="east")
    >>> index = ZoneIndex.build([zone], {"east": 0, "west": 1})
    >>> found = find_incursions(index, lat=[33.5], lon=[38.0], alt_m=[300.0], gs_mps=[15.0],
    ...                         course_deg=[90.0], vs_mps=[0.0], party=[1], lookahead_s=600.0,
    ...                         now_s=0.0)
    >>> [(row.zone, round(row.t_entry_s), row.inside_now) for row in found]
    [(0, 422, False)]
    """
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    n = len(lat_a)

    def column(values: npt.ArrayLike) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(values, dtype=np.float64), n))

    lon_a, alt_a, course_a, horizon = (
        column(lon),
        column(alt_m),
        column(course_deg),
        column(lookahead_s),
    )
    gs_a, vs_a = bounded_speeds(column(gs_mps), column(vs_mps))
    party_a = np.ascontiguousarray(np.broadcast_to(np.asarray(party, dtype=np.intp), n))
    if n == 0 or len(index.prims) == 0:
        return Incursions.empty()
    paths = track_paths(lat_a, lon_a, gs_a, course_a, horizon)
    found: list[tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]] = []
    for track, part in candidate_pairs(index, paths.box, party_a):
        # Validity window and altitude band first: cheap, and they drop many pairs.
        lookahead = horizon[track]
        w0 = np.zeros(len(track))
        w1 = lookahead.copy()
        limited = np.flatnonzero(index.prim_limited[part])
        if len(limited):
            t = track[limited]
            limits = np.take(index.zone_limits, index.prims.zone[part[limited]], axis=0)
            w0[limited], w1[limited] = _window(limits, alt_a[t], vs_a[t], lookahead[limited], now_s)
            keep = w0 <= w1
            track, part, w0, w1, lookahead = (
                track[keep],
                part[keep],
                w0[keep],
                w1[keep],
                lookahead[keep],
            )
        rows, u0, u1 = part_intervals(index.prims, paths.start, paths.delta, track, part)
        horizon_r = lookahead[rows]
        t0 = np.maximum(np.maximum(u0, 0.0) * horizon_r, w0[rows])
        t1 = np.minimum(np.minimum(u1, 1.0) * horizon_r, w1[rows])
        inside = t0 <= t1
        rows = rows[inside]
        found.append(
            (track[rows], index.prims.zone[part[rows]], t0[inside], t1[inside], horizon_r[inside])
        )
    if not found:
        return Incursions.empty()
    track, zone, t0, t1, lookahead = (np.concatenate(c) for c in zip(*found, strict=True))
    with np.errstate(divide="ignore"):
        gap = np.where(gs_a > 0.0, MERGE_GAP_M / gs_a, 0.0)[track]
    return _merge(index, track, zone, t0, t1, lookahead, gap)


def _window(
    limits: FloatArray, alt_m: FloatArray, vs_mps: FloatArray, lookahead: FloatArray, now_s: float
) -> tuple[FloatArray, FloatArray]:
    """Times within the lookahead when the zone is valid and the track inside its band.

    ``limits``: per pair, the zone's band and validity (``ZoneIndex.zone_limits``).
    """
    w0 = np.maximum(0.0, limits[:, 2] - now_s)
    w1 = np.minimum(lookahead, limits[:, 3] - now_s)
    level = vs_mps == 0.0
    rate = np.where(level, 1.0, vs_mps)
    with np.errstate(invalid="ignore"):
        ta = (limits[:, 0] - alt_m) / rate
        tb = (limits[:, 1] - alt_m) / rate
    in_band = (ta <= 0.0) & (tb >= 0.0)  # meaningful for level flight only
    band0 = np.where(level, np.where(in_band, -np.inf, np.inf), np.minimum(ta, tb))
    band1 = np.where(level, np.where(in_band, np.inf, -np.inf), np.maximum(ta, tb))
    return np.maximum(w0, band0), np.minimum(w1, band1)


def _merge(
    index: ZoneIndex,
    track: IntArray,
    zone: IntArray,
    t0: FloatArray,
    t1: FloatArray,
    lookahead: FloatArray,
    gap: FloatArray,
) -> Incursions:
    """First entry and its exit per (track, zone) from the time intervals of its parts.

    ``gap``: per row, the longest break (s) between two parts' intervals that still counts
    as one stretch.

    A zone of one disc or capsule (a circle, a site) has at most one interval per track: it
    is the answer. The intervals of any other zone are sorted and merged.
    """
    if not len(track):
        return Incursions.empty()
    n_zones = len(index)
    key = track * n_zones + zone
    single = index.one_interval[zone]
    several = ~single
    if several.any():
        k, a, b, h, g = key[several], t0[several], t1[several], lookahead[several], gap[several]
        span = float(np.max(h)) + 2.0
        order = np.argsort(k.astype(np.float64) * span + a)  # by pair, then by entry time
        k, a, b, h, g = k[order], a[order], b[order], h[order], g[order]
        group_start = np.ones(len(k), dtype=np.bool_)
        group_start[1:] = k[1:] != k[:-1]
        group = np.cumsum(group_start) - 1
        reach = np.maximum.accumulate(b + group * span) - group * span  # latest end so far
        is_new = group_start.copy()
        is_new[1:] |= a[1:] > reach[:-1] + g[1:]
        new_at = np.flatnonzero(is_new)
        stretch_end = np.maximum.reduceat(b, new_at)
        firsts = np.flatnonzero(group_start)
        merged_end = stretch_end[np.searchsorted(new_at, firsts)]
        key = np.concatenate([key[single], k[firsts]])
        t0 = np.concatenate([t0[single], a[firsts]])
        t1 = np.concatenate([t1[single], merged_end])
        lookahead = np.concatenate([lookahead[single], h[firsts]])
    order = np.argsort(key)
    key, t0, t1, lookahead = key[order], t0[order], t1[order], lookahead[order]
    return Incursions(
        track=key // n_zones,
        zone=key % n_zones,
        t_entry_s=t0,
        t_exit_s=np.where(t1 >= lookahead - 1e-9, np.nan, t1),
        inside_now=t0 <= 0.0,
    )
