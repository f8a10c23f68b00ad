"""parse_geometry: sizes, limits and the region it returns."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pyproj
import pytest
import shapely

from deconfliction.errors import InvalidInput
from deconfliction.geo import GeometryLimits, RegionKind, parse_geometry
from tests.scenarios import CIRCLE_CENTRE, CIRCLE_RADIUS_M, EUPHRATES_BUFFER_M, EUPHRATES_LINE

LINE = {"type": "LineString", "coordinates": [list(p) for p in EUPHRATES_LINE]}
POINT = {"type": "Point", "coordinates": list(CIRCLE_CENTRE)}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[40, 35], [40.2, 35], [40.2, 35.2], [40, 35.2], [40, 35]]],
}
LABEL = "zone 'river-line'"
GEOD = pyproj.Geod(ellps="WGS84")


def refusal(geometry: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_geometry(geometry, label=LABEL, **kwargs)
    return caught.value.message


def test_kinds_and_sizes() -> None:
    line = parse_geometry(LINE, buffer_m=EUPHRATES_BUFFER_M)
    circle = parse_geometry(POINT, radius_m=CIRCLE_RADIUS_M)
    area = parse_geometry(SQUARE)
    assert (line.kind, circle.kind, area.kind) == (
        RegionKind.LINE,
        RegionKind.CIRCLE,
        RegionKind.AREA,
    )
    assert line.buffer_m == EUPHRATES_BUFFER_M
    assert circle.radius_m == CIRCLE_RADIUS_M
    assert line.vertex_count == 4
    assert circle.area_m2 == pytest.approx(math.pi * CIRCLE_RADIUS_M**2, rel=1e-3)
    length = sum(GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in itertools.pairwise(EUPHRATES_LINE))
    # Two 5 km sides along the line and two half-disc ends (bends overlap a little).
    expected = 2 * EUPHRATES_BUFFER_M * length + math.pi * EUPHRATES_BUFFER_M**2
    assert line.area_m2 == pytest.approx(expected, rel=0.02)


def test_buffer_grows_an_area_and_a_point_radius() -> None:
    plain = parse_geometry(SQUARE)
    grown = parse_geometry(SQUARE, buffer_m=2_000.0)
    assert grown.area_m2 > plain.area_m2
    assert shapely.covers(grown.shape, plain.shape)
    disc = parse_geometry(POINT, radius_m=1_000.0, buffer_m=500.0)
    # An inscribed polygon within 5 m of the circle: at most 2πr·5 m short.
    assert 0 <= math.pi * 1_500.0**2 - disc.area_m2 <= 2 * math.pi * 1_500.0 * 5.0
    assert disc.parts.disc_radius_m.tolist() == [1_500.0]


def test_negative_buffer() -> None:
    assert refusal(LINE, buffer_m=-5) == (
        "zone 'river-line': buffer_m is -5.0; a buffer is a distance of 0 metres or more"
    )


def test_negative_radius() -> None:
    assert refusal(POINT, radius_m=-100.0) == (
        "zone 'river-line': radius_m is -100.0; a radius is a distance of 0 metres or more"
    )


@pytest.mark.parametrize(
    ("geometry", "kwargs", "expected"),
    [
        (
            LINE,
            {},
            "a LineString needs buffer_m greater than 0 metres (the distance on each "
            "side of the line)",
        ),
        (POINT, {}, "a Point needs radius_m (or buffer_m) greater than 0 metres"),
        (
            LINE,
            {"radius_m": 10.0, "buffer_m": 10.0},
            "radius_m applies to Point geometries only; to widen a LineString use buffer_m",
        ),
        (POINT, {"radius_m": "5km"}, "radius_m must be a number of metres, got '5km'"),
        (POINT, {"radius_m": math.inf}, "radius_m must be a finite number of metres, got inf"),
        (POINT, {"radius_m": 3e6}, "radius_m is 3,000,000 m; the largest supported is 2,000,000 m"),
    ],
)
def test_sizes_that_do_not_fit_the_geometry(geometry: Any, kwargs: Any, expected: str) -> None:
    assert refusal(geometry, **kwargs) == f"{LABEL}: {expected}"


def test_area_larger_than_the_limit() -> None:
    limits = GeometryLimits(max_area_m2=5_000e6)
    assert refusal(POINT, radius_m=CIRCLE_RADIUS_M, limits=limits) == (
        "zone 'river-line': its area is 9,502 km², more than the limit of 5,000 km²; split it "
        "into smaller objects"
    )


def test_vertex_limit_comes_from_the_limits() -> None:
    message = refusal(LINE, buffer_m=10.0, limits=GeometryLimits(max_vertices=3))
    assert message.endswith(
        "the geometry has 4 positions, more than the limit of 3; simplify "
        "it or split it into several objects"
    )


def test_region_queries() -> None:
    circle = parse_geometry(POINT, radius_m=CIRCLE_RADIUS_M)
    line = parse_geometry(LINE, buffer_m=EUPHRATES_BUFFER_M)
    assert not circle.intersects(line)
    assert circle.contains([38.66, 38.66 + 0.7], [33.5, 33.5]).tolist() == [True, False]
    site = parse_geometry({"type": "Point", "coordinates": [40.14, 35.33]}, radius_m=300.0)
    assert site.intersects(line)
    assert shapely.equals(site.intersection(line), site.shape)
    geojson = circle.geojson()
    assert geojson["type"] == "Polygon"
    assert shapely.LinearRing(geojson["coordinates"][0]).is_ccw


def test_overlapping_multipolygon_parts_make_one_region() -> None:
    a = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    b = [[0.5, 0], [1.5, 0], [1.5, 1], [0.5, 1], [0.5, 0]]
    region = parse_geometry({"type": "MultiPolygon", "coordinates": [[a], [b]]})
    assert region.shape.geom_type == "Polygon"
    assert shapely.area(region.shape) == pytest.approx(1.5)


def test_parts_describe_a_buffered_area() -> None:
    region = parse_geometry(SQUARE, buffer_m=1_000.0)
    assert region.parts.piece_count == 1
    assert len(region.parts.capsule_lon) >= 4
    assert np.all(region.parts.capsule_radius_m == 1_000.0)
