"""The antimeridian and the poles: split and unsplit outlines are one region."""

from __future__ import annotations

import math

import pytest
import shapely

from deconfliction.errors import InvalidInput
from deconfliction.geo.antimeridian import unwrap
from deconfliction.geo.region import parse_geometry

UNSPLIT = {
    "type": "Polygon",
    "coordinates": [[[178.5, -1.0], [-178.0, -1.5], [-178.5, 1.0], [179.0, 1.5], [178.5, -1.0]]],
}


def split_polygon() -> dict[str, object]:
    """UNSPLIT cut at ±180 by hand, RFC 7946 style (crossings interpolated in lon/lat)."""

    def crossing(a: tuple[float, float], b: tuple[float, float]) -> float:
        b_lon = b[0] + 360.0 if b[0] < 0 else b[0]
        f = (180.0 - a[0]) / (b_lon - a[0])
        return a[1] + f * (b[1] - a[1])

    south = crossing((178.5, -1.0), (-178.0, -1.5))
    north = crossing((179.0, 1.5), (-178.5, 1.0))
    west = [[178.5, -1.0], [180.0, south], [180.0, north], [179.0, 1.5], [178.5, -1.0]]
    east = [[-180.0, south], [-178.0, -1.5], [-178.5, 1.0], [-180.0, north], [-180.0, south]]
    return {"type": "MultiPolygon", "coordinates": [[west], [east]]}


def test_unwrap_makes_longitudes_continuous() -> None:
    assert unwrap([179.0, -179.0, -178.0, 179.5]) == [179.0, 181.0, 182.0, 179.5]
    assert unwrap([-179.0, 179.0]) == [-179.0, -181.0]


def test_split_and_unsplit_polygons_are_the_same_region() -> None:
    unsplit = parse_geometry(UNSPLIT)
    split = parse_geometry(split_polygon())
    assert unsplit.shape.geom_type == "MultiPolygon"
    assert shapely.equals_exact(unsplit.shape, split.shape, tolerance=1e-9)
    assert unsplit.area_m2 == pytest.approx(split.area_m2, rel=1e-12)
    assert all(-180.0 <= x <= 180.0 for x, _ in shapely.get_coordinates(unsplit.shape))


def test_geojson_of_a_region_across_the_antimeridian_is_split() -> None:
    geojson = parse_geometry(UNSPLIT).geojson()
    assert geojson["type"] == "MultiPolygon"
    for polygon in geojson["coordinates"]:
        ring = polygon[0]
        assert shapely.LinearRing(ring).is_ccw
        assert all(-180.0 <= x <= 180.0 for x, _ in ring)


def test_split_and_unsplit_lines_give_the_same_buffer() -> None:
    line = {"type": "LineString", "coordinates": [[179.0, 10.0], [-179.5, 10.5]]}
    lat = 10.0 + 0.5 * (1.0 / 1.5)
    split = {
        "type": "MultiLineString",
        "coordinates": [[[179.0, 10.0], [180.0, lat]], [[-180.0, lat], [-179.5, 10.5]]],
    }
    a = parse_geometry(line, buffer_m=3_000.0).shape
    b = parse_geometry(split, buffer_m=3_000.0).shape
    # The same outline up to where the densified points fall: well under a metre apart.
    assert shapely.hausdorff_distance(a, b) * 111_000.0 < 1.0
    assert a.geom_type == b.geom_type == "MultiPolygon"


def test_circle_across_the_antimeridian() -> None:
    region = parse_geometry({"type": "Point", "coordinates": [180.0, -20.0]}, radius_m=40_000.0)
    assert region.shape.geom_type == "MultiPolygon"
    assert region.area_m2 == pytest.approx(math.pi * 40_000.0**2, rel=1e-3)


def refusal(geometry: dict[str, object], **sizes: float) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_geometry(geometry, label="zone 'arctic'", **sizes)
    return caught.value.message


def test_ring_round_the_pole_is_refused() -> None:
    ring = [[0.0, 80.0], [120.0, 80.0], [-120.0, 80.0], [0.0, 80.0]]
    assert refusal({"type": "Polygon", "coordinates": [ring]}) == (
        "zone 'arctic': ring 1 of polygon 1 goes all the way round the North Pole; outlines "
        "that contain a pole are not supported — split it into parts that do not"
    )


def test_circle_reaching_the_pole_is_refused() -> None:
    message = refusal({"type": "Point", "coordinates": [10.0, -89.5]}, radius_m=60_000.0)
    assert message == (
        "zone 'arctic': it reaches the South Pole (from 10.0, -89.5 with 60,000 m); regions "
        "that contain a pole are not supported"
    )


def test_line_buffer_reaching_the_pole_is_refused() -> None:
    line = {"type": "LineString", "coordinates": [[0.0, 89.0], [90.0, 89.95]]}
    assert "reaches the North Pole" in refusal(line, buffer_m=10_000.0)


def test_near_the_pole_but_clear_of_it_is_accepted() -> None:
    region = parse_geometry({"type": "Point", "coordinates": [0.0, 89.0]}, radius_m=50_000.0)
    assert region.area_m2 == pytest.approx(math.pi * 50_000.0**2, rel=2e-3)
