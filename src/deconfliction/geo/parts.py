"""A region as a union of small parts: discs, capsules and polygonal pieces.

Detection tests a moving point against a region many thousand times a second; it cannot
afford a polygon of hundreds of vertices per test. So every region also carries this exact
decomposition, whose union *is* the region (not an approximation of it):

- a **disc**: the points within ``radius_m`` of a centre (a circle, a site);
- a **capsule**: the points within ``radius_m`` of a segment (a piece of a buffered line, or
  of the buffer around an outline: ``P ⊕ disc = P ∪ (∂P ⊕ disc)``);
- a **piece**: a polygon with at most :data:`MAX_PIECE_VERTICES` vertices,
  counter-clockwise, from a constrained Delaunay triangulation whose triangles are merged
  while they stay convex in longitude/latitude (Hertel–Mehlhorn). Small and convex pieces
  keep detection cheap (a path crosses a piece's outline about twice), but detection
  does not rely on convexity: a straight lon/lat edge is slightly bent in a local frame.

Segments and piece edges are short enough (:func:`~deconfliction.geo.metric.densify`) that
they are straight to within 5 m in any local frame near them. Longitudes inside one part
are continuous (they may pass ±180).

>>> parts = capsules([[(39.01, 35.95), (40.14, 35.33)]], 5000.0)
>>> len(parts.capsule_radius_m) > 1, float(parts.capsule_radius_m[0])
(True, 5000.0)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from deconfliction.geo.coords import Position
from deconfliction.geo.metric import densify

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
MAX_PIECE_VERTICES = 32


@dataclass(frozen=True, eq=False)
class RegionParts:
    """Discs, capsules and polygonal pieces whose union is a region (see the module docs).

    ``capsule_lon``/``capsule_lat`` are (n, 2): the two ends of each segment. The pieces are
    stored flat: piece ``k`` has the vertices ``piece_lon[piece_offsets[k]:piece_offsets[k+1]]``.
    """

    disc_lon: FloatArray
    disc_lat: FloatArray
    disc_radius_m: FloatArray
    capsule_lon: FloatArray
    capsule_lat: FloatArray
    capsule_radius_m: FloatArray
    piece_offsets: IntArray
    piece_lon: FloatArray
    piece_lat: FloatArray

    @property
    def piece_count(self) -> int:
        return len(self.piece_offsets) - 1

    def __len__(self) -> int:
        return len(self.disc_lon) + len(self.capsule_lon) + self.piece_count

    @classmethod
    def empty(cls) -> RegionParts:
        nothing = np.empty(0)
        return cls(
            nothing,
            nothing,
            nothing,
            np.empty((0, 2)),
            np.empty((0, 2)),
            nothing,
            np.zeros(1, dtype=np.intp),
            nothing,
            nothing,
        )

    @classmethod
    def concat(cls, parts: Sequence[RegionParts]) -> RegionParts:
        """All the parts of several sets, in order."""
        if not parts:
            return cls.empty()
        sizes = [p.piece_offsets[-1] for p in parts]
        starts = np.cumsum([0, *sizes[:-1]])
        offsets = [np.zeros(1, dtype=np.intp)] + [
            p.piece_offsets[1:] + start for p, start in zip(parts, starts, strict=True)
        ]
        return cls(
            np.concatenate([p.disc_lon for p in parts]),
            np.concatenate([p.disc_lat for p in parts]),
            np.concatenate([p.disc_radius_m for p in parts]),
            np.concatenate([p.capsule_lon for p in parts]),
            np.concatenate([p.capsule_lat for p in parts]),
            np.concatenate([p.capsule_radius_m for p in parts]),
            np.concatenate(offsets).astype(np.intp),
            np.concatenate([p.piece_lon for p in parts]),
            np.concatenate([p.piece_lat for p in parts]),
        )


def discs(points: Sequence[Position], radius_m: float) -> RegionParts:
    """One disc of ``radius_m`` around each point."""
    empty = RegionParts.empty()
    return RegionParts(
        np.array([p[0] for p in points], dtype=np.float64),
        np.array([p[1] for p in points], dtype=np.float64),
        np.full(len(points), radius_m),
        empty.capsule_lon,
        empty.capsule_lat,
        empty.capsule_radius_m,
        empty.piece_offsets,
        empty.piece_lon,
        empty.piece_lat,
    )


def capsules(lines: Sequence[Sequence[Position]], radius_m: float) -> RegionParts:
    """Capsules of ``radius_m`` along every (densified) edge of every line (unwrapped)."""
    ends: list[tuple[Position, Position]] = []
    lone: list[Position] = []
    for line in lines:
        points = _without_repeats(densify(line))
        if len(points) == 1:
            lone.append(points[0])
        ends.extend(itertools.pairwise(points))
    empty = RegionParts.empty()
    lone_parts = discs(lone, radius_m)
    return RegionParts(
        lone_parts.disc_lon,
        lone_parts.disc_lat,
        lone_parts.disc_radius_m,
        np.array([[a[0], b[0]] for a, b in ends], dtype=np.float64).reshape(-1, 2),
        np.array([[a[1], b[1]] for a, b in ends], dtype=np.float64).reshape(-1, 2),
        np.full(len(ends), radius_m),
        empty.piece_offsets,
        empty.piece_lon,
        empty.piece_lat,
    )


def convex_pieces(rings: Sequence[Sequence[Position]]) -> RegionParts:
    """Pieces, convex in lon/lat, that tile a polygon (outer ring, then holes; unwrapped)."""
    dense = [_without_repeats(densify(ring)) for ring in rings]
    polygon = shapely.Polygon(dense[0], dense[1:])
    pieces = _hertel_mehlhorn(polygon)
    empty = RegionParts.empty()
    sizes = [len(piece) for piece in pieces]
    return RegionParts(
        empty.disc_lon,
        empty.disc_lat,
        empty.disc_radius_m,
        empty.capsule_lon,
        empty.capsule_lat,
        empty.capsule_radius_m,
        np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp),
        np.array([p[0] for piece in pieces for p in piece], dtype=np.float64),
        np.array([p[1] for piece in pieces for p in piece], dtype=np.float64),
    )


def _without_repeats(points: Sequence[Position]) -> list[Position]:
    out = [points[0]]
    for p in points[1:]:
        if p != out[-1]:
            out.append(p)
    return out


def _cross(o: Position, a: Position, b: Position) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _hertel_mehlhorn(polygon: shapely.Polygon) -> list[list[Position]]:
    """Triangulate, then remove diagonals while both neighbours merge into a convex piece."""
    triangles = shapely.get_parts(shapely.constrained_delaunay_triangles(polygon))
    index: dict[Position, int] = {}
    points: list[Position] = []
    pieces: dict[int, list[int]] = {}
    owner: dict[tuple[int, int], int] = {}
    for number, triangle in enumerate(triangles):
        corners = [(float(x), float(y)) for x, y in list(triangle.exterior.coords)[:3]]
        area2 = _cross(corners[0], corners[1], corners[2])
        if area2 == 0.0:
            continue
        if area2 < 0.0:
            corners.reverse()
        ids = []
        for corner in corners:
            if corner not in index:
                index[corner] = len(points)
                points.append(corner)
            ids.append(index[corner])
        pieces[number] = ids
        for a, b in zip(ids, ids[1:] + ids[:1], strict=True):
            owner[(a, b)] = number
    diagonals = [(a, b) for (a, b) in owner if (b, a) in owner and a < b]
    for a, b in diagonals:
        first, second = owner.get((a, b)), owner.get((b, a))
        if first is None or second is None or first == second:
            continue
        merged = _merge(pieces[first], pieces[second], a, b, points)
        if merged is None:
            continue
        for edge in _edges(pieces[second]):
            owner[edge] = first
        del owner[(a, b)], owner[(b, a)]
        pieces[first] = merged
        del pieces[second]
    return [[points[i] for i in ids] for ids in pieces.values()]


def _edges(ids: list[int]) -> list[tuple[int, int]]:
    return list(zip(ids, ids[1:] + ids[:1], strict=True))


def _rotate_to(ids: list[int], start: int) -> list[int]:
    k = ids.index(start)
    return ids[k:] + ids[:k]


def _merge(
    first: list[int], second: list[int], a: int, b: int, points: list[Position]
) -> list[int] | None:
    """``first`` (with edge a→b) and ``second`` (with b→a) as one convex piece, or None."""
    if len(first) + len(second) - 2 > MAX_PIECE_VERTICES:
        return None
    one = _rotate_to(first, b)  # b ... a
    two = _rotate_to(second, a)  # a ... b
    for prev, here, nxt in ((one[-2], a, two[1]), (two[-2], b, one[1])):
        p, q, r = points[prev], points[here], points[nxt]
        cross = _cross(p, q, r)
        scale = abs(q[0] - p[0]) + abs(q[1] - p[1]) + abs(r[0] - q[0]) + abs(r[1] - q[1])
        if cross < -1e-12 * scale * scale:
            return None
    return one + two[1:-1]
