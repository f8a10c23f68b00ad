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

from deconfliction.detect.zone_exact import capsule_interval, disc_interval, piece_interval
from deconfliction.detect.zone_index import CAPSULE, DISC, PIECE, GridLevel, ZoneIndex
from deconfliction.geo.frames import WGS84_A_M, WGS84_E2, to_tangent, wrap_lon

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
MERGE_GAP_S = 1e-3  # parts of one zone whose intervals are this close are one stretch


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
    lookahead, in its tangent plane. ``sweep``: (n, 6) the path on the map for the broad
    phase: start lon (in [-180, 180)), start lat, change of lon, change of lat (first
    order), and margins in lon and lat (degrees) that the path on the ground never leaves:
    it stays within the margins of the straight map segment from start to start + change.
    """

    start: FloatArray
    delta: FloatArray
    sweep: FloatArray


def track_paths(
    lat: FloatArray,
    lon: FloatArray,
    gs_mps: FloatArray,
    course_deg: FloatArray,
    lookahead_s: FloatArray,
) -> TrackPaths:
    """The straight path of each track over its lookahead, and where it runs on the map.

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
        [normal * cos_lat * cos_lon, normal * cos_lat * sin_lon, normal * (1.0 - WGS84_E2) * sin_lat]
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

    # On the map: the first-order end, and margins for what first order misses (the
    # path's curvature on the map, about d²·tan|φ|/R; taken generously).
    per_lat = np.radians(WGS84_A_M * (1.0 - WGS84_E2) / (w2 * np.sqrt(w2)))
    per_lon = np.maximum(np.radians(normal * cos_lat), 1e-3)
    dlat = north / per_lat
    dlon = east / per_lon
    slope = np.abs(sin_lat) / np.maximum(cos_lat, 1e-6)
    margin_lat = (distance * distance * (1.0 + slope) / 6.3e6 + 20.0) / per_lat
    # cos(|φ| + δ) ≥ cos φ (1 - δ²/2) - |sin φ| δ bounds the shortest degree of longitude.
    reach = np.radians(np.abs(dlat) + 2.0 * margin_lat)
    cos_far = cos_lat * (1.0 - 0.5 * reach * reach) - np.abs(sin_lat) * reach
    margin_lon = margin_lat * per_lat / (per_lon * np.maximum(cos_far, 0.01) / np.maximum(cos_lat, 1e-6))
    margin_lon += 0.5 * np.abs(dlon) * (1.0 - np.maximum(cos_far, 0.01) / np.maximum(cos_lat, 1e-6))
    polar = (cos_far <= 0.01) | (np.abs(dlon) + 2.0 * margin_lon >= 360.0)
    sweep = np.column_stack(
        [
            wrap_lon(lon),
            lat,
            np.where(polar, 0.0, dlon),
            dlat,
            np.where(polar, 180.0, margin_lon),
            margin_lat,
        ]
    )
    return TrackPaths(start=start, delta=delta, sweep=sweep)


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

    lon_a, alt_a, gs_a = column(lon), column(alt_m), column(gs_mps)
    course_a, vs_a, horizon = column(course_deg), column(vs_mps), column(lookahead_s)
    party_a = column(party)
    if n == 0 or len(index.prims) == 0:
        return Incursions.empty()
    paths = track_paths(lat_a, lon_a, gs_a, course_a, horizon)
    track, prim = _broad_phase(index, paths)

    # Owner, validity window and altitude band: cheap, and they drop many pairs.
    zone = index.prims.zone[prim]
    limits = index.zone_limits[zone]
    state = np.column_stack([party_a, alt_a, vs_a, horizon])[track]
    w0, w1 = _window(limits, state, now_s)
    keep = (limits[:, 0] != state[:, 0]) & (w0 <= w1)
    track, prim, zone, w0, w1 = track[keep], prim[keep], zone[keep], w0[keep], w1[keep]
    lookahead = state[keep, 3]

    u0, u1 = _exact_phase(index, paths, track, prim)
    t0 = np.maximum(np.maximum(u0, 0.0) * lookahead, w0)
    t1 = np.minimum(np.minimum(u1, 1.0) * lookahead, w1)
    inside = t0 <= t1
    return _merge(
        index, track[inside], zone[inside], t0[inside], t1[inside], lookahead[inside]
    )


def _window(limits: FloatArray, state: FloatArray, now_s: float) -> tuple[FloatArray, FloatArray]:
    """Times within the lookahead when the zone is valid and the track inside its band.

    ``limits``: per pair, the zone's owner code, band and validity (``ZoneIndex.zone_limits``);
    ``state``: per pair, the track's party code, altitude, vertical speed and lookahead.
    """
    alt, vs, lookahead = state[:, 1], state[:, 2], state[:, 3]
    w0 = np.maximum(0.0, limits[:, 3] - now_s)
    w1 = np.minimum(lookahead, limits[:, 4] - now_s)
    level = vs == 0.0
    rate = np.where(level, 1.0, vs)
    with np.errstate(invalid="ignore"):
        ta = (limits[:, 1] - alt) / rate
        tb = (limits[:, 2] - alt) / rate
    in_band = (ta <= 0.0) & (tb >= 0.0)  # meaningful for level flight only
    band0 = np.where(level, np.where(in_band, -np.inf, np.inf), np.minimum(ta, tb))
    band1 = np.where(level, np.where(in_band, np.inf, -np.inf), np.maximum(ta, tb))
    return np.maximum(w0, band0), np.minimum(w1, band1)


def _broad_phase(index: ZoneIndex, paths: TrackPaths) -> tuple[IntArray, IntArray]:
    """(track, part) pairs where the part's box meets the track's path on the map."""
    tracks: list[IntArray] = []
    parts: list[IntArray] = []
    for level in index.levels:
        t, p = _query_level(level, paths.sweep)
        keep = _sweep_meets_box(paths.sweep[t], index.prim_box[p])
        tracks.append(t[keep])
        parts.append(p[keep])
    if len(index.everywhere):
        n = len(paths.sweep)
        t = np.repeat(np.arange(n), len(index.everywhere))
        p = np.tile(index.everywhere, n)
        keep = _sweep_meets_box(paths.sweep[t], index.prim_box[p])
        tracks.append(t[keep])
        parts.append(p[keep])
    return np.concatenate(tracks), np.concatenate(parts)


def _sweep_meets_box(sweep: FloatArray, box: FloatArray) -> BoolArray:
    """Whether the map segment of each path, grown by its margins, meets each box.

    ``box``: centre lon, centre lat, half extents (degrees). The segment is
    ``start + p·change`` for p in [0, 1]; both boxes' half extents are added and the slabs
    in lon and lat intersected (Liang–Barsky).
    """
    x = box[:, 0] - sweep[:, 0]
    x -= 360.0 * np.round(x / 360.0)  # across the antimeridian
    y = box[:, 1] - sweep[:, 1]
    hx = box[:, 2] + sweep[:, 4]
    hy = box[:, 3] + sweep[:, 5]
    lo, hi = _slab_range(x, hx, sweep[:, 2])
    lo_y, hi_y = _slab_range(y, hy, sweep[:, 3])
    result: BoolArray = np.maximum(np.maximum(lo, lo_y), 0.0) <= np.minimum(
        np.minimum(hi, hi_y), 1.0
    )
    return result


def _slab_range(centre: FloatArray, half: FloatArray, change: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The p with |p·change - centre| ≤ half (empty: lo > hi)."""
    moving = change != 0.0
    step = np.where(moving, change, 1.0)
    a = (centre - half) / step
    b = (centre + half) / step
    inside = np.abs(centre) <= half
    lo = np.where(moving, np.minimum(a, b), np.where(inside, -np.inf, np.inf))
    hi = np.where(moving, np.maximum(a, b), np.where(inside, np.inf, -np.inf))
    return lo, hi


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For ranges of the given lengths: the range of each item and its position in it."""
    owner = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, position


def _query_level(level: GridLevel, sweep: FloatArray) -> tuple[IntArray, IntArray]:
    """(track, part) pairs for the parts of one level whose centres may be near a path.

    For each row of cells the path's map segment crosses (grown by its margins and by the
    level's largest half extent), the run of cells it spans in that row.
    """
    lon, lat, dlon, dlat = sweep[:, 0], sweep[:, 1], sweep[:, 2], sweep[:, 3]
    grow_lon = sweep[:, 4] + level.grow_lon
    grow_lat = sweep[:, 5] + level.grow_lat
    south = np.minimum(lat, lat + dlat) - grow_lat
    north = np.maximum(lat, lat + dlat) + grow_lat
    r0 = np.maximum(np.floor((south + 90.0) / level.cell_lat).astype(np.intp) - level.row0, 0)
    r1 = np.minimum(
        np.floor((north + 90.0) / level.cell_lat).astype(np.intp) - level.row0, level.nrows - 1
    )
    track, offset = _expand(np.maximum(r1 - r0 + 1, 0))
    row = r0[track] + offset
    # The part of the segment whose latitude, grown, reaches this row's band.
    band_south = (row + level.row0) * level.cell_lat - 90.0 - grow_lat[track]
    band_north = band_south + level.cell_lat + 2.0 * grow_lat[track]
    lo, hi = _slab_range(
        0.5 * (band_south + band_north) - lat[track], 0.5 * (band_north - band_south), dlat[track]
    )
    lo = np.clip(lo, 0.0, 1.0)
    hi = np.clip(hi, 0.0, 1.0)
    change = dlon[track]
    west = lon[track] + np.minimum(lo * change, hi * change) - grow_lon[track]
    east = lon[track] + np.maximum(lo * change, hi * change) + grow_lon[track]
    nx = level.nx
    c0 = np.floor((west + 180.0) / level.cell_lon).astype(np.intp)
    c1 = np.floor((east + 180.0) / level.cell_lon).astype(np.intp)
    width = np.minimum(c1 - c0 + 1, nx)
    col = c0 % nx
    base = row * nx
    reach = col + width
    start = level.first[base + col].astype(np.intp)
    stop = level.first[base + np.minimum(reach, nx)].astype(np.intp)
    wraps = reach > nx  # the run passes the antimeridian: the rest of it from column 0
    if wraps.any():
        track = np.concatenate([track, track[wraps]])
        start = np.concatenate([start, level.first[base[wraps]].astype(np.intp)])
        stop = np.concatenate(
            [stop, level.first[base[wraps] + reach[wraps] - nx].astype(np.intp)]
        )
    entry, position = _expand(stop - start)
    return track[entry], level.order[start[entry] + position]


def _exact_phase(
    index: ZoneIndex, paths: TrackPaths, track: IntArray, prim: IntArray
) -> tuple[FloatArray, FloatArray]:
    """The interval of the path's line parameter inside each part (empty: u0 > u1)."""
    prims = index.prims
    axes = prims.axes[prim]
    start = paths.start[track] - prims.origin[prim]
    delta = paths.delta[track]
    sx, sy = to_tangent(start[:, 0], start[:, 1], start[:, 2], axes)
    dx, dy = to_tangent(delta[:, 0], delta[:, 1], delta[:, 2], axes)

    # Bounding circle: the closest point of the path to the part's origin.
    d2 = dx * dx + dy * dy
    moving = d2 > 0.0
    u = np.clip(-(sx * dx + sy * dy) / np.where(moving, d2, 1.0), 0.0, 1.0)
    u = np.where(moving, u, 0.0)
    cx, cy = sx + u * dx, sy + u * dy
    bound = prims.bound_m[prim]
    near = cx * cx + cy * cy <= bound * bound

    u0 = np.full(len(prim), np.inf)
    u1 = np.full(len(prim), -np.inf)
    kind = prims.kind[prim]
    for code in (DISC, CAPSULE, PIECE):
        rows = np.flatnonzero(near & (kind == code))
        if not len(rows):
            continue
        p = prim[rows]
        args = (sx[rows], sy[rows], dx[rows], dy[rows])
        if code == DISC:
            a, b = disc_interval(*args, prims.radius_m[p])
        elif code == CAPSULE:
            ends_a, ends_b = prims.a[p], prims.b[p]
            a, b = capsule_interval(
                *args, ends_a[:, 0], ends_a[:, 1], ends_b[:, 0], ends_b[:, 1], prims.radius_m[p]
            )
        else:
            a, b = piece_interval(
                *args, prims.edge_start[p], prims.edge_count[p],
                prims.edge_nx, prims.edge_ny, prims.edge_c,
            )
        u0[rows] = a
        u1[rows] = b
    return u0, u1


def _merge(
    index: ZoneIndex,
    track: IntArray,
    zone: IntArray,
    t0: FloatArray,
    t1: FloatArray,
    lookahead: FloatArray,
) -> Incursions:
    """First entry and its exit per (track, zone) from the time intervals of its parts.

    A zone of one part (a circle, a site, a convex area) has one interval per track: it
    is the answer. The intervals of a zone of several parts are sorted and merged.
    """
    if not len(track):
        return Incursions.empty()
    n_zones = len(index)
    key = track * n_zones + zone
    single = index.part_count[zone] == 1
    several = ~single
    if several.any():
        k, a, b, h = key[several], t0[several], t1[several], lookahead[several]
        span = float(np.max(h)) + 2.0
        order = np.argsort(k.astype(np.float64) * span + a)  # by pair, then by entry time
        k, a, b, h = k[order], a[order], b[order], h[order]
        group_start = np.ones(len(k), dtype=np.bool_)
        group_start[1:] = k[1:] != k[:-1]
        group = np.cumsum(group_start) - 1
        reach = np.maximum.accumulate(b + group * span) - group * span  # latest end so far
        is_new = group_start.copy()
        is_new[1:] |= a[1:] > reach[:-1] + MERGE_GAP_S
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
