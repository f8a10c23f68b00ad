"""Region parts: their union is the region."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from deconfliction.geo.metric import densify
from deconfliction.geo.parts import MAX_PIECE_VERTICES, RegionParts, capsules, convex_pieces, discs
from tests.scenarios import EUPHRATES_LINE

CONCAVE = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 0.6), (0.0, 2.0), (0.0, 0.0)]
WITH_HOLE = [
    [(10.0, 40.0), (10.6, 40.0), (10.6, 40.5), (10.0, 40.5), (10.0, 40.0)],
    [(10.2, 40.2), (10.3, 40.2), (10.3, 40.3), (10.2, 40.3), (10.2, 40.2)],
]


def pieces_of(parts: RegionParts) -> list[shapely.Polygon]:
    offsets = parts.piece_offsets
    return [
        shapely.Polygon(
            np.column_stack(
                [
                    parts.piece_lon[offsets[k] : offsets[k + 1]],
                    parts.piece_lat[offsets[k] : offsets[k + 1]],
                ]
            )
        )
        for k in range(parts.piece_count)
    ]


@pytest.mark.parametrize("rings", [[CONCAVE], WITH_HOLE])
def test_convex_pieces_tile_the_polygon(rings: list[list[tuple[float, float]]]) -> None:
    polygon = shapely.Polygon(rings[0], rings[1:])
    pieces = pieces_of(convex_pieces(rings))
    union = shapely.union_all(pieces)
    assert shapely.area(shapely.symmetric_difference(union, polygon)) < 1e-12
    assert sum(p.area for p in pieces) == pytest.approx(polygon.area, rel=1e-12)
    for piece in pieces:
        assert piece.is_valid
        assert piece.exterior.is_ccw
        assert shapely.area(shapely.convex_hull(piece)) == pytest.approx(piece.area, rel=1e-9)
        assert len(piece.exterior.coords) - 1 <= MAX_PIECE_VERTICES


def test_a_convex_polygon_is_one_piece() -> None:
    square = [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.0, 0.1), (0.0, 0.0)]
    assert convex_pieces([square]).piece_count == 1


def test_a_large_convex_polygon_is_cut_into_pieces_of_bounded_size() -> None:
    angles = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    ring = [(float(np.cos(a)), float(np.sin(a))) for a in angles]
    parts = convex_pieces([[*ring, ring[0]]])
    assert parts.piece_count > 1
    assert max(np.diff(parts.piece_offsets)) <= MAX_PIECE_VERTICES


def test_capsules_follow_the_densified_line() -> None:
    parts = capsules([EUPHRATES_LINE], 5_000.0)
    dense = densify(EUPHRATES_LINE)
    assert len(parts.capsule_lon) == len(dense) - 1
    assert parts.capsule_lon[0].tolist() == [dense[0][0], dense[1][0]]
    assert parts.capsule_lat[-1].tolist() == [dense[-2][1], dense[-1][1]]
    assert set(parts.capsule_radius_m.tolist()) == {5_000.0}


def test_concat_keeps_every_part_in_order() -> None:
    a = discs([(1.0, 2.0)], 100.0)
    b = convex_pieces([CONCAVE])
    c = capsules([EUPHRATES_LINE[:2]], 10.0)
    both = RegionParts.concat([a, b, c, b])
    assert len(both) == len(a) + 2 * len(b) + len(c)
    assert both.piece_count == 2 * b.piece_count
    assert both.piece_offsets[-1] == 2 * b.piece_offsets[-1]
    assert both.disc_lon.tolist() == [1.0]
