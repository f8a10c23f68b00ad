"""Polygon outlines: self-intersections and other faults, with where they are."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.geo.region import parse_geometry

LABEL = "zone 'field'"


def refusal(rings: list[list[list[float]]]) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_geometry({"type": "Polygon", "coordinates": rings}, label=LABEL)
    return caught.value.message


def test_bow_tie_self_intersects_near_the_crossing() -> None:
    message = refusal([[[40.0, 35.0], [40.2, 35.2], [40.2, 35.0], [40.0, 35.2], [40.0, 35.0]]])
    assert message == "zone 'field': ring 1 of polygon 1 self-intersects near (40.1, 35.1)"


def test_ring_touching_itself_is_a_self_intersection() -> None:
    message = refusal([[[0, 0], [4, 0], [4, 4], [2, 0], [0, 4], [0, 0]]])
    assert message == "zone 'field': ring 1 of polygon 1 self-intersects near (2.0, 0.0)"


def test_self_intersection_across_the_antimeridian_is_reported_in_world_longitudes() -> None:
    ring = [[179.0, 0.0], [-179.0, 1.0], [-179.0, 0.0], [179.0, 1.0], [179.0, 0.0]]
    assert refusal([ring]) == "zone 'field': ring 1 of polygon 1 self-intersects near (180.0, 0.5)"


def test_ring_on_one_line_has_no_area() -> None:
    message = refusal([[[0, 0], [1, 0], [2, 0], [0, 0]]])
    assert message == "zone 'field': ring 1 of polygon 1 has no area: its points lie on one line"


def test_hole_outside_its_polygon() -> None:
    outer = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[2, 2], [3, 2], [3, 3], [2, 2]]
    message = refusal([outer, hole])
    assert (
        message
        == "zone 'field': a hole of polygon 1 lies outside its outer ring (ring 1) near (2.0, 2.0)"
    )


def test_hole_crossing_the_outer_ring() -> None:
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [5, 1], [5, 2], [1, 2], [1, 1]]
    message = refusal([outer, hole])
    assert message == "zone 'field': the rings of polygon 1 cross each other near (4.0, 2.0)"


def test_valid_polygon_with_a_hole_passes() -> None:
    outer = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.2, 0.2]]
    region = parse_geometry({"type": "Polygon", "coordinates": [outer, hole]}, label=LABEL)
    assert len(region.shape.interiors) == 1
