"""Places: validation, decimal degrees, and MGRS checked against a hand conversion."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.model.codec import dump, load
from deconfliction.model.place import Place

MGRS_SPACED = re.compile(r"^\d{2}[C-HJ-NP-X] [A-HJ-NP-Z][A-HJ-NP-V] \d{5} \d{5}$")


@pytest.mark.parametrize(
    ("lat", "lon", "text"),
    [
        (35.33, 40.14, "35.33000°N 40.14000°E"),
        (-33.92487, 18.42406, "33.92487°S 18.42406°E"),
        (40.7128, -74.006, "40.71280°N 74.00600°W"),
        (0.0, 0.0, "0.00000°N 0.00000°E"),
        (-0.0, -0.0, "0.00000°N 0.00000°E"),
        (-90.0, 180.0, "90.00000°S 180.00000°E"),
    ],
)
def test_decimal_degrees(lat: float, lon: float, text: str) -> None:
    assert Place(lat, lon).degrees() == text


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [
        (35.33, 40.14, None),  # Syria, zone 37 (odd)
        (55.7539, 37.6208, None),  # Moscow, zone 37, band U
        (33.5138, 36.2765, None),  # Damascus, zone 37 (odd), band S
        (31.7683, 35.2137, None),  # zone 36 (even: row letters offset)
        (-33.92487, 18.42406, None),  # southern hemisphere, zone 34
        (40.7128, -74.006, None),  # western hemisphere, zone 18 (even)
        (0.5, -78.4, None),  # near the equator
        (60.5, 5.5, 32),  # Norway exception: 32V, not 31V
        (78.22, 15.65, 33),  # Svalbard exception: 33X
        (83.9, -30.0, None),  # band X, up to 84°N
        (-79.9, 100.0, None),  # band C, from 80°S
    ],
)
def test_mgrs_matches_hand_conversion(
    lat: float, lon: float, zone: int | None, by_hand: Callable[..., str]
) -> None:
    place = Place(lat, lon)
    assert place.mgrs() == by_hand(lat, lon, zone)
    assert MGRS_SPACED.match(place.mgrs() or "")
    assert place.mgrs_compact() == (place.mgrs() or "").replace(" ", "")


def test_mgrs_of_the_example_in_the_docs() -> None:
    assert Place(35.33, 40.14).mgrs() == "37S FV 03609 10235"


@pytest.mark.parametrize(("lat", "given"), [(84.0, True), (-80.0, True), (84.01, False)])
def test_mgrs_limits(lat: float, given: bool) -> None:
    assert (Place(lat, 10.0).mgrs() is not None) is given


@pytest.mark.parametrize(("lat", "lon"), [(84.5, 10.0), (90.0, 0.0), (-80.5, 10.0), (-90.0, 0.0)])
def test_no_mgrs_in_polar_regions(lat: float, lon: float) -> None:
    place = Place(lat, lon)
    assert not place.has_mgrs
    assert place.mgrs() is None
    assert place.mgrs_compact() is None


@pytest.mark.parametrize(
    ("lat", "lon", "name", "problem"),
    [
        (90.5, 0.0, None, r"lat 90.5 is out of range \[-90, 90\]"),
        (0.0, -181.0, None, r"lon -181.0 is out of range"),
        (float("nan"), 0.0, None, "lat nan is out of range"),
        (True, 0.0, None, "lat must be a number"),
        ("35", 0.0, None, "lat must be a number"),
        (0.0, 0.0, "  ", "name must be non-empty"),
        (0.0, 0.0, "x" * 121, "longer than 120"),
        (0.0, 0.0, "Camp \u202eA", "U\\+202E at position 5 is a control or direction"),
        (0.0, 0.0, "Camp\nA", "U\\+000A at position 4"),
    ],
)
def test_invalid_places(lat: object, lon: object, name: object, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        Place(lat, lon, name)  # type: ignore[arg-type]


def test_json_round_trip_and_errors() -> None:
    place = Place.from_json({"lat": 35.33, "lon": 40.14, "name": " Tal Hamis "})
    assert place == Place(35.33, 40.14, "Tal Hamis")
    assert Place.from_json(dump(place)) == place
    assert load(Place, dump(place)) == place
    assert dump(Place(1, 2)) == {"lat": 1.0, "lon": 2.0}
    with pytest.raises(InvalidInput, match="where: lon is missing"):
        Place.from_json({"lat": 1.0}, "where")
    with pytest.raises(InvalidInput, match="unknown key 'alt'"):
        Place.from_json({"lat": 1.0, "lon": 2.0, "alt": 3})
    with pytest.raises(InvalidInput, match="expected an object"):
        Place.from_json([1.0, 2.0])
    with pytest.raises(InvalidInput, match=r"^where: lat 99"):
        Place.from_json({"lat": 99, "lon": 2.0}, "where")
