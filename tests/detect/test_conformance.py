"""Conformance: positions inside or outside an operation's volumes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from deconfliction.detect.conformance import conforming, conforming_by_operation, conforms
from deconfliction.model import Volume
from tests.scenarios import HOUR_S, NOW_S, split_box

LOW = Volume(shapely.box(2.0, 48.0, 2.2, 48.2), 0.0, 120.0, NOW_S, NOW_S + HOUR_S)
LATER_HIGH = Volume(
    shapely.box(2.2, 48.0, 2.4, 48.2), 500.0, 900.0, NOW_S + HOUR_S, NOW_S + 2 * HOUR_S
)
PLAN = [LOW, LATER_HIGH]


@pytest.mark.parametrize(
    ("lat", "lon", "alt_m", "time_s", "expected"),
    [
        (48.1, 2.1, 60.0, NOW_S + 60, True),
        (48.1, 2.1, 60.0, NOW_S + HOUR_S + 60, False),  # right place, volume is over
        (48.1, 2.3, 60.0, NOW_S + HOUR_S + 60, False),  # later volume, wrong band
        (48.1, 2.3, 700.0, NOW_S + HOUR_S + 60, True),
        (48.1, 2.5, 700.0, NOW_S + HOUR_S + 60, False),  # outside the footprint
        (48.2, 2.2, 120.0, NOW_S + HOUR_S, True),  # corner, ceiling, end: all closed
        (48.1, 2.1, 120.1, NOW_S + 60, False),
        (48.1, 2.1, 60.0, NOW_S - 1, False),  # before the plan starts
    ],
)
def test_one_position(lat: float, lon: float, alt_m: float, time_s: float, expected: bool) -> None:
    assert conforms(PLAN, lat, lon, alt_m, time_s) is expected


def test_many_positions_at_once_match_one_by_one() -> None:
    rng = np.random.default_rng(7)
    n = 500
    lat, lon = rng.uniform(47.9, 48.3, n), rng.uniform(1.9, 2.5, n)
    alt, time = rng.uniform(0, 1000, n), rng.uniform(NOW_S - 600, NOW_S + 2.2 * HOUR_S, n)
    together = conforming(PLAN, lat, lon, alt, time)
    apart = [conforms(PLAN, *row) for row in zip(lat, lon, alt, time, strict=True)]
    assert together.tolist() == apart
    assert 0 < together.sum() < n


def test_a_plan_split_at_the_antimeridian() -> None:
    plan = [Volume(split_box(-17.2, -17.0, 179.9, -179.9), 0.0, 100.0, NOW_S, NOW_S + HOUR_S)]
    inside = conforming(plan, [-17.1, -17.1, -17.1], [179.95, -179.95, 0.0], 50.0, NOW_S)
    assert inside.tolist() == [True, True, False]


def test_reports_naming_operations() -> None:
    found = conforming_by_operation(
        {"survey": PLAN, "other": [LOW]},
        ["survey", "other", None, "unknown", "survey"],
        [48.1, 48.1, 0.0, 0.0, 48.1],
        [2.3, 2.3, 0.0, 0.0, 2.1],
        [700.0, 700.0, 0.0, 0.0, 700.0],
        [NOW_S + HOUR_S + 1] * 5,
    )
    assert found.tolist() == [True, False, True, True, False]
