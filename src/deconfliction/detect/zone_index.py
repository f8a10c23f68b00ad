"""The zone index: every zone's parts in their own local frames, and a grid to find them.

Built once when the zones change (:meth:`ZoneIndex.build`) and queried every detection
cycle by :func:`deconfliction.detect.zones.find_incursions`. Building costs more than a
query on purpose: everything a query would otherwise recompute is done here.

Each part of each zone's region (:class:`~deconfliction.geo.parts.RegionParts`) becomes a
*primitive* with its own local frame: the tangent plane at its centre (see
:mod:`deconfliction.geo.frames`). In that frame a disc is a centre and a radius, a capsule
two end points and a radius, a piece the list of its edges. A primitive also
has a bounding radius and a box in longitude/latitude.

The grid is a *loose* multi-level grid over longitude/latitude: a primitive is stored once,
in the cell of its box centre, at the level for its size (levels double in size; a level
with few primitives hands them to the next); a query box grown by the level's largest half
extent finds it, without duplicates. Primitives too large for any level (or near a pole)
are checked against every track.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.geo.frames import (
    ecef,
    gaussian_radius_m,
    metres_per_degree,
    tangent_axes,
    to_tangent,
    wrap_lon,
)
from deconfliction.geo.parts import RegionParts
from deconfliction.model.zone import Zone, ZoneRule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

DISC, CAPSULE, PIECE = 0, 1, 2
# A level's cells: rows of ``size * ROWS`` degrees, columns of ``size * COLUMNS`` degrees
# on the ground at the parts' typical latitude (coarser if the table would be too large).
ROWS = 0.5
COLUMNS = 0.125
MIN_ROW_DEG = 0.25
MIN_LEVEL_SHARE = 0.05  # a level with fewer of the parts joins the next coarser one
LEVEL_SIZES_DEG = (1 / 8, 1 / 4, 1 / 2, 1.0, 2.0, 4.0, 8.0)
MAX_LEVEL_CELLS = 4_000_000  # a level whose table would be larger hands its parts up
_BOX_MARGIN = 1.001  # boxes grow by 0.1 % (orthographic shrink) plus 10 m
_BOX_PAD_M = 20.0
BOX_SLACK_DEG = 1e-4  # about 11 m: more than float32 rounding of a box, for the broad phase


@dataclass(frozen=True, eq=False)
class Primitives:
    """Every part of every zone, as columns (see the module docs).

    A point with ECEF ``X`` is at ``east = f[0]·X₀ + f[1]·X₁ - f[5]``,
    ``north = f[2]·X₀ + f[3]·X₁ + f[4]·X₂ - f[6]`` in the frame ``f`` of its part.
    ``a``/``b``: (n, 2) local end points of capsules (discs: the origin). ``edges``: the
    edges of pieces, flat; piece ``p`` owns ``edges[edge_start[p]:][:edge_count[p]]``.
    """

    kind: npt.NDArray[np.int8]
    zone: IntArray
    frame: FloatArray  # (n, 7): tangent axes at the origin, then axes·origin (east, north)
    lon: FloatArray  # box centre, in [-180, 180)
    lat: FloatArray
    half_lon: FloatArray  # box half extents (degrees)
    half_lat: FloatArray
    bound_m: FloatArray  # every point of the part is within this of the origin
    radius_m: FloatArray
    a: FloatArray
    b: FloatArray
    edge_start: IntArray
    edge_count: IntArray
    edges: FloatArray  # (edges, 4): the two ends of each piece edge, in the piece's frame
    capsule_from: int  # parts are ordered discs, capsules, pieces: where each kind starts
    piece_from: int

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def box(self) -> FloatArray:
        """(n, 4): box centre lon, lat and half extents, packed for one gather per pair."""
        return np.column_stack([self.lon, self.lat, self.half_lon, self.half_lat])


@dataclass(frozen=True, eq=False)
class GridLevel:
    """One level of the loose grid: primitives sorted by the cell of their box centre.

    Rows are ``cell_lat`` degrees high, columns ``cell_lon`` wide (``nx`` of them round the
    world); ``first[r * nx + c]`` is the position in ``order`` of the first primitive of
    cell (``row0 + r``, ``c``), so a run of cells in one row is one slice of ``order``. No
    box of this level reaches further than ``grow_lat``/``grow_lon`` from its centre.
    """

    cell_lat: float
    cell_lon: float
    grow_lat: float
    grow_lon: float
    nx: int
    row0: int
    nrows: int
    first: npt.NDArray[np.int32]
    order: IntArray


@dataclass(frozen=True, eq=False)
class ZoneIndex:
    """Zones prepared for detection; rebuild it when the zones change.

    Per zone (indexed like ``zones``): ``owner_code`` (the owner's party code, -1 if it
    has none), altitude band and validity as floats with ``±inf`` for "none".
    """

    zones: tuple[Zone, ...]
    owner_code: IntArray
    rule: tuple[ZoneRule, ...]
    alt_lower_m: FloatArray
    alt_upper_m: FloatArray
    valid_from_s: FloatArray
    valid_to_s: FloatArray
    prims: Primitives
    levels: tuple[GridLevel, ...]
    everywhere: IntArray  # primitives checked against every track
    part_count: IntArray  # parts per zone
    one_interval: npt.NDArray[np.bool_]  # one disc or capsule: a path is inside it at most once
    prim_box: FloatArray  # Primitives.box, computed once
    prim_box32: npt.NDArray[np.float32]  # the same in single precision, half extents grown
    prim_owner: IntArray  # owner code of each part's zone
    prim_limited: npt.NDArray[np.bool_]  # the part's zone has an altitude band or validity
    zone_limits: FloatArray  # (zones, 4): alt lower, alt upper, valid from, valid to

    def __len__(self) -> int:
        return len(self.zones)

    @property
    def zone_ids(self) -> tuple[str, ...]:
        return tuple(zone.id for zone in self.zones)

    @classmethod
    def build(cls, zones: Sequence[Zone], party_codes: Mapping[str, int]) -> ZoneIndex:
        """Index ``zones``; ``party_codes`` maps party names to the codes tracks carry.

        >>> from deconfliction.model.zone import Zone
        >>> zone = Zone.from_feature(
        ...     {"type": "Feature", "id": "tanf", "properties": {"rule": "no_entry",
        ...      "radius_m": 55000}, "geometry": {"type": "Point", "coordinates": [38.66, 33.5]}},
        ...     owner="east")
        >>> index = ZoneIndex.build([zone], {"east": 0, "west": 1})
        >>> len(index), len(index.prims), int(index.owner_code[0])
        (1, 1, 0)
        """
        zones = tuple(zones)
        prims = _primitives([z.region.parts for z in zones])
        levels, everywhere = _grid(prims)

        def column(values: list[float | None], default: float) -> FloatArray:
            return np.array([default if v is None else v for v in values], dtype=np.float64)

        owner_code = np.array([party_codes.get(z.owner, -1) for z in zones], dtype=np.intp)
        alt_lower = column([z.alt_lower_m for z in zones], -math.inf)
        alt_upper = column([z.alt_upper_m for z in zones], math.inf)
        valid_from = column([z.valid_from_s for z in zones], -math.inf)
        valid_to = column([z.valid_to_s for z in zones], math.inf)
        limits = np.column_stack([alt_lower, alt_upper, valid_from, valid_to]).reshape(
            len(zones), 4
        )
        limited = ~np.all(np.isinf(limits), axis=1)
        part_count = np.bincount(prims.zone, minlength=len(zones)).astype(np.intp)
        return cls(
            zones=zones,
            owner_code=owner_code,
            rule=tuple(z.rule for z in zones),
            alt_lower_m=alt_lower,
            alt_upper_m=alt_upper,
            valid_from_s=valid_from,
            valid_to_s=valid_to,
            prims=prims,
            levels=levels,
            everywhere=everywhere,
            part_count=part_count,
            one_interval=(part_count == 1)
            & (np.bincount(prims.zone[prims.kind == PIECE], minlength=len(zones)) == 0),
            prim_box=prims.box,
            prim_box32=single_boxes(prims.box),
            prim_owner=owner_code[prims.zone],
            prim_limited=limited[prims.zone],
            zone_limits=limits,
        )


def single_boxes(box: FloatArray) -> npt.NDArray[np.float32]:
    """Boxes in single precision, half extents grown by :data:`BOX_SLACK_DEG`.

    Float32 keeps about 2 m at ±180°; the slack makes sure rounding never loses an overlap.
    """
    grown = box.astype(np.float32)
    grown[:, 2:] += np.float32(BOX_SLACK_DEG)
    return grown


def _primitives(parts_per_zone: Sequence[RegionParts]) -> Primitives:
    parts = RegionParts.concat(list(parts_per_zone))
    zone_of = {
        "disc": np.repeat(
            np.arange(len(parts_per_zone)), [len(p.disc_lon) for p in parts_per_zone]
        ),
        "capsule": np.repeat(
            np.arange(len(parts_per_zone)), [len(p.capsule_lon) for p in parts_per_zone]
        ),
        "piece": np.repeat(np.arange(len(parts_per_zone)), [p.piece_count for p in parts_per_zone]),
    }
    n_disc, n_caps, n_piece = len(parts.disc_lon), len(parts.capsule_lon), parts.piece_count

    # Frame origins: disc centres, capsule midpoints, piece vertex means.
    piece_sizes = np.diff(parts.piece_offsets)
    piece_of_vertex = np.repeat(np.arange(n_piece), piece_sizes)
    if n_piece:
        starts = parts.piece_offsets[:-1]
        piece_lon0 = np.add.reduceat(parts.piece_lon, starts) / piece_sizes
        piece_lat0 = np.add.reduceat(parts.piece_lat, starts) / piece_sizes
    else:
        piece_lon0 = piece_lat0 = np.empty(0)
    lon0 = np.concatenate([parts.disc_lon, parts.capsule_lon.mean(axis=1), piece_lon0])
    lat0 = np.concatenate([parts.disc_lat, parts.capsule_lat.mean(axis=1), piece_lat0])
    origin = np.column_stack(ecef(lat0, lon0)) if len(lon0) else np.empty((0, 3))
    axes = tangent_axes(lat0, lon0) if len(lon0) else np.empty((0, 5))

    def local(lon: FloatArray, lat: FloatArray, owner: IntArray) -> FloatArray:
        x, y, z = ecef(lat, lon)
        o = origin[owner]
        east, north = to_tangent(x - o[:, 0], y - o[:, 1], z - o[:, 2], axes[owner])
        return np.column_stack([east, north])

    n = n_disc + n_caps + n_piece
    a = np.zeros((n, 2))
    b = np.zeros((n, 2))
    radius = np.zeros(n)
    bound = np.zeros(n)

    # Discs: the geodesic circle of radius r is a circle of radius R·sin(r/R) in the frame.
    earth = gaussian_radius_m(parts.disc_lat)
    radius[:n_disc] = earth * np.sin(parts.disc_radius_m / earth)
    bound[:n_disc] = radius[:n_disc]

    caps = np.arange(n_disc, n_disc + n_caps)
    if n_caps:
        a[caps] = local(parts.capsule_lon[:, 0], parts.capsule_lat[:, 0], caps)
        b[caps] = local(parts.capsule_lon[:, 1], parts.capsule_lat[:, 1], caps)
        radius[caps] = parts.capsule_radius_m
        bound[caps] = np.maximum(np.hypot(*a[caps].T), np.hypot(*b[caps].T)) + radius[caps]

    edge_start = np.zeros(n, dtype=np.intp)
    edge_count = np.zeros(n, dtype=np.intp)
    edges = np.empty((0, 4))
    if n_piece:
        first_piece = n_disc + n_caps
        vertex = local(parts.piece_lon, parts.piece_lat, first_piece + piece_of_vertex)
        starts = parts.piece_offsets[:-1]
        following = np.arange(len(vertex)) + 1
        following[parts.piece_offsets[1:] - 1] = starts  # the last vertex closes onto the first
        edges = np.column_stack([vertex, vertex[following]])
        pieces = np.arange(first_piece, n)
        edge_start[pieces] = starts
        edge_count[pieces] = piece_sizes
        bound[pieces] = np.maximum.reduceat(np.hypot(vertex[:, 0], vertex[:, 1]), starts)

    box = _boxes(parts, n_disc, n_caps, radius)
    frame = np.column_stack(
        [
            axes,
            axes[:, 0] * origin[:, 0] + axes[:, 1] * origin[:, 1],
            axes[:, 2] * origin[:, 0] + axes[:, 3] * origin[:, 1] + axes[:, 4] * origin[:, 2],
        ]
    ).reshape(n, 7)
    return Primitives(
        kind=np.repeat(np.array([DISC, CAPSULE, PIECE], dtype=np.int8), [n_disc, n_caps, n_piece]),
        zone=np.concatenate([zone_of["disc"], zone_of["capsule"], zone_of["piece"]]).astype(
            np.intp
        ),
        frame=frame,
        lon=box[:, 0],
        lat=box[:, 1],
        half_lon=box[:, 2],
        half_lat=box[:, 3],
        bound_m=bound,
        radius_m=radius,
        a=a,
        b=b,
        edge_start=edge_start,
        edge_count=edge_count,
        edges=edges,
        capsule_from=n_disc,
        piece_from=n_disc + n_caps,
    )


def _boxes(parts: RegionParts, n_disc: int, n_caps: int, radius: FloatArray) -> FloatArray:
    """(n, 4) longitude/latitude boxes (centre, half extents) that hold each part."""
    sizes = np.diff(parts.piece_offsets)
    if len(sizes):
        starts = parts.piece_offsets[:-1]
        piece_west = np.minimum.reduceat(parts.piece_lon, starts)
        piece_east = np.maximum.reduceat(parts.piece_lon, starts)
        piece_south = np.minimum.reduceat(parts.piece_lat, starts)
        piece_north = np.maximum.reduceat(parts.piece_lat, starts)
    else:
        piece_west = piece_east = piece_south = piece_north = np.empty(0)
    west = np.concatenate([parts.disc_lon, parts.capsule_lon.min(axis=1), piece_west])
    east = np.concatenate([parts.disc_lon, parts.capsule_lon.max(axis=1), piece_east])
    south = np.concatenate([parts.disc_lat, parts.capsule_lat.min(axis=1), piece_south])
    north = np.concatenate([parts.disc_lat, parts.capsule_lat.max(axis=1), piece_north])
    # Discs and capsules reach their radius beyond their points (pieces: 0); the pad covers
    # the frame's orthographic shrink and straight-edge sag (a few metres).
    reach = (
        np.concatenate([parts.disc_radius_m, parts.capsule_radius_m, np.zeros(len(sizes))])
        * _BOX_MARGIN
        + _BOX_PAD_M
    )
    mid_lat = 0.5 * (south + north)
    per_lat, _ = metres_per_degree(mid_lat)
    half_lat = 0.5 * (north - south) + reach / per_lat
    far = np.minimum(np.maximum(np.abs(south), np.abs(north)) + reach / per_lat, 90.0)
    _, per_lon_far = metres_per_degree(np.minimum(far, 89.99))
    half_lon = 0.5 * (east - west) + reach / np.maximum(per_lon_far, 1e-9)
    half_lon = np.where((far >= 89.9) | (half_lon >= 180.0), 180.0, half_lon)
    return np.column_stack([wrap_lon(0.5 * (west + east)), mid_lat, half_lon, half_lat])


def _grid(prims: Primitives) -> tuple[tuple[GridLevel, ...], IntArray]:
    if not len(prims):
        return (), np.empty(0, dtype=np.intp)
    # Degrees of longitude are short away from the equator: cells are made about square
    # on the ground at the parts' typical latitude.
    aspect = max(0.2, float(np.cos(np.radians(np.median(np.abs(prims.lat))))))
    extent = 2.0 * np.maximum(prims.half_lat, prims.half_lon * aspect)
    sizes = np.array(LEVEL_SIZES_DEG)
    level_of = np.searchsorted(sizes, extent)  # first level at least as wide as the box
    levels: list[GridLevel] = []
    carry = np.empty(0, dtype=np.intp)
    # Every level costs a pass over all tracks, so a level with few parts hands them up.
    counts = np.bincount(level_of, minlength=len(sizes) + 1)
    last = int(np.flatnonzero(counts[: len(sizes)])[-1]) if counts[: len(sizes)].any() else -1
    for k, size in enumerate(LEVEL_SIZES_DEG):
        members = np.concatenate([carry, np.flatnonzero(level_of == k)]).astype(np.intp)
        if not len(members):
            continue
        if k < last and len(members) < MIN_LEVEL_SHARE * len(prims):
            carry = members
            continue
        level = _level(size, aspect, members, prims)
        if level is None:
            carry = members
            continue
        carry = np.empty(0, dtype=np.intp)
        levels.append(level)
    everywhere = np.concatenate([carry, np.flatnonzero(level_of >= len(sizes))]).astype(np.intp)
    return tuple(levels), everywhere


def _level(size: float, aspect: float, members: IntArray, prims: Primitives) -> GridLevel | None:
    """A level for parts at most ``size`` wide, with cells as fine as the memory cap allows."""
    lat = prims.lat[members]
    for coarsen in (1, 2, 4, 8):
        cell_lat = max(size * ROWS, MIN_ROW_DEG)
        nx = math.ceil(360.0 * aspect / (size * COLUMNS * coarsen))
        cell_lon = 360.0 / nx
        row = np.floor((lat + 90.0) / cell_lat).astype(np.intp)
        row0 = int(row.min())
        nrows = int(row.max()) - row0 + 1
        if nrows * nx <= MAX_LEVEL_CELLS:
            break
    else:
        return None
    col = np.floor((prims.lon[members] + 180.0) / cell_lon).astype(np.intp) % nx
    key = (row - row0) * nx + col
    sort = np.argsort(key, kind="stable")
    first = np.searchsorted(key[sort], np.arange(nrows * nx + 1)).astype(np.int32)
    return GridLevel(
        cell_lat=cell_lat,
        cell_lon=cell_lon,
        grow_lat=float(prims.half_lat[members].max()),
        grow_lon=float(prims.half_lon[members].max()),
        nx=nx,
        row0=row0,
        nrows=nrows,
        first=first,
        order=members[sort],
    )
