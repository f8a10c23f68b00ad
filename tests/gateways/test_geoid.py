"""The EGM96 undulation shipped with the gateways, against NGA's published test values."""

from __future__ import annotations

import pytest

from deconfliction.gateways.geoid import hae_from_msl, msl_from_hae, undulation_m

# NGA's EGM96 test points (lat, lon in degrees, undulation in metres), as GeographicLib
# quotes them for its egm96-5 grid.
NGA_POINTS = [
    (38.6281550, 269.7791550, -31.628),
    (-14.621217, 305.021881, -2.969),
    (46.874383, 102.448779, -43.575),
    (-23.617446, 133.874712, 15.871),
    (38.625473, 359.999500, 50.066),
    (-0.466744, 0.002300, 17.329),
]


@pytest.mark.parametrize(("lat", "lon", "expected"), NGA_POINTS)
def test_undulation_matches_nga(lat: float, lon: float, expected: float) -> None:
    assert undulation_m(lat, lon) == pytest.approx(expected, abs=0.5)
    assert undulation_m(lat, lon - 360.0) == pytest.approx(undulation_m(lat, lon), abs=1e-9)


def test_poles_antimeridian_and_round_trip() -> None:
    assert undulation_m(90.0, 0.0) == pytest.approx(undulation_m(90.0, 123.0), abs=1e-6)
    assert undulation_m(-90.0, 10.0) == pytest.approx(-29.5, abs=0.5)
    assert undulation_m(30.0, 180.0) == pytest.approx(undulation_m(30.0, -180.0), abs=1e-9)
    assert msl_from_hae(hae_from_msl(1234.5, 51.5, -0.1), 51.5, -0.1) == pytest.approx(1234.5)
    assert hae_from_msl(0.0, 51.5, -0.1) == pytest.approx(46.0, abs=1.0)  # London: N ≈ 46 m
