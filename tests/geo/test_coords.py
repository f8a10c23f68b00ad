"""Reading GeoJSON coordinates: every refusal says what and where."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.geo.coords import read_geometry
from tests.scenarios import EUPHRATES_LINE

LABEL = "zone 'river-line'"


def read(geometry: Any, max_vertices: int = 10_000) -> Any:
    return read_geometry(geometry, label=LABEL, max_vertices=max_vertices)


def refusal(geometry: Any, max_vertices: int = 10_000) -> str:
    with pytest.raises(InvalidInput) as caught:
        read(geometry, max_vertices)
    return caught.value.message


def test_reads_each_type_as_lon_lat() -> None:
    assert read({"type": "Point", "coordinates": [39.01, 35.95]}).points == [(39.01, 35.95)]
    line = read({"type": "LineString", "coordinates": [list(p) for p in EUPHRATES_LINE]})
    assert line.lines == [EUPHRATES_LINE]
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    polygons = read({"type": "MultiPolygon", "coordinates": [[ring], [ring]]}).polygons
    assert len(polygons) == 2
    assert polygons[0][0][1] == (1.0, 0.0)


def test_an_altitude_in_a_position_is_ignored() -> None:
    assert read({"type": "Point", "coordinates": [39.0, 35.0, 250.0]}).points == [(39.0, 35.0)]


def test_latitude_out_of_range_with_swap_hint() -> None:
    message = refusal({"type": "Point", "coordinates": [35.95, 139.0]})
    assert message == (
        "zone 'river-line': the point [35.95, 139.0] has latitude 139.0, out of range "
        "[-90, 90]; the pair looks like (lat, lon) — GeoJSON wants [lon, lat]"
    )


def test_latitude_out_of_range_without_hint_when_a_swap_would_not_help() -> None:
    message = refusal({"type": "LineString", "coordinates": [[120.0, 10.0], [120.0, 95.0]]})
    assert message == (
        "zone 'river-line': position 2 of the line [120.0, 95.0] has latitude 95.0, "
        "out of range [-90, 90]"
    )


def test_longitude_out_of_range() -> None:
    ring = [[0, 0], [200, 0], [1, 1], [0, 0]]
    message = refusal({"type": "Polygon", "coordinates": [ring]})
    assert message == (
        "zone 'river-line': position 2 of ring 1 of polygon 1 [200.0, 0.0] has longitude "
        "200.0, out of range [-180, 180]"
    )


def test_unclosed_ring_says_where_it_starts_and_ends() -> None:
    ring = [list(p) for p in EUPHRATES_LINE]
    message = refusal({"type": "Polygon", "coordinates": [ring]})
    assert message == (
        "zone 'river-line': ring 1 of polygon 1 is not closed: it starts at (39.01, 35.95) "
        "and ends at (40.92, 34.45); repeat the first position at the end"
    )


def test_ring_with_fewer_than_three_distinct_points() -> None:
    ring = [[0, 0], [1, 1], [1, 1], [0, 0]]
    message = refusal(
        {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [0, 1], [0, 0]]], [ring]]}
    )
    assert message == (
        "zone 'river-line': ring 1 of polygon 2 has 2 distinct points; a ring needs at least 3"
    )


def test_line_with_one_distinct_point() -> None:
    message = refusal({"type": "LineString", "coordinates": [[1, 1], [1, 1]]})
    assert message == "zone 'river-line': the line has fewer than 2 distinct points"


def test_more_vertices_than_the_limit() -> None:
    ring = [[i * 0.001, 0.0] for i in range(12)] + [[0.0, 1.0], [0.0, 0.0]]
    message = refusal({"type": "Polygon", "coordinates": [ring]}, max_vertices=10)
    assert message == (
        "zone 'river-line': the geometry has 14 positions, more than the limit of 10; "
        "simplify it or split it into several objects"
    )


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ("POINT (1 2)", "the geometry must be a GeoJSON object, got str"),
        (
            {"type": "Circle"},
            "geometry type 'Circle' is not supported; use Point, MultiPoint, "
            "LineString, MultiLineString, Polygon, MultiPolygon",
        ),
        (
            {"type": "GeometryCollection", "geometries": []},
            "geometry type 'GeometryCollection' "
            "is not supported; use Point, MultiPoint, LineString, MultiLineString, Polygon, "
            "MultiPolygon",
        ),
        ({"type": "Point"}, 'the Point has no "coordinates"'),
        (
            {"type": "Point", "coordinates": [1]},
            "the point must be a position [lon, lat] (two numbers), got [1]",
        ),
        ({"type": "Point", "coordinates": ["1", 2]}, "the point must hold numbers, got ['1', 2]"),
        ({"type": "Point", "coordinates": [True, 2]}, "the point must hold numbers, got [True, 2]"),
        (
            {"type": "Point", "coordinates": [float("nan"), 2]},
            "the point must hold finite numbers, got [nan, 2]",
        ),
        ({"type": "Polygon", "coordinates": []}, "polygon 1 has no rings"),
        (
            {"type": "MultiPoint", "coordinates": 5},
            "the MultiPoint must be a list of points, got int",
        ),
    ],
)
def test_malformed_geometry(geometry: Any, expected: str) -> None:
    assert refusal(geometry) == f"{LABEL}: {expected}"
