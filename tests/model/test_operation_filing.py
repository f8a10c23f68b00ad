"""Reading an operation request: every input check names the volume and the problem."""

from __future__ import annotations

import math
from typing import Any

import pytest

from deconfliction.errors import InvalidInput, PayloadTooLarge
from deconfliction.geo import GeometryLimits
from deconfliction.model import OperationLimits
from deconfliction.model.operation_filing import read_filing
from tests.scenarios import OP_END, OP_START, T0, box_geojson, op_volume

LIMITS = OperationLimits(max_volumes=3, max_volume_area_m2=50e6)


def read(*volumes: dict[str, Any], **fields: Any) -> Any:
    return read_filing(
        "blue",
        "op-1",
        {"volumes": list(volumes), **fields},
        now_s=T0,
        limits=LIMITS,
        geometry_limits=GeometryLimits(max_area_m2=LIMITS.max_volume_area_m2),
    )


def test_a_polygon_a_disc_and_a_route_corridor() -> None:
    corridor = {"type": "LineString", "coordinates": [[2.30, 48.80], [2.40, 48.85]]}
    point = {"type": "Point", "coordinates": [2.35, 48.85]}
    filing = read(op_volume(), op_volume(point, radius_m=500), op_volume(corridor, buffer_m=200))
    kinds = [v.footprint.geom_type for v in filing.operation.volumes]
    assert kinds == ["Polygon", "Polygon", "Polygon"]
    assert filing.volumes.accepted[1] == {
        "geometry": point,
        "radius_m": 500.0,
        "buffer_m": None,
        "alt_lower_m": 0.0,
        "alt_upper_m": 120.0,
        "start": "2026-11-23T10:10:00Z",
        "end": "2026-11-23T11:00:00Z",
    }
    # The corridor is 400 m wide along its ~9 km: about 3.7 km², not the line's box.
    assert 3.0e6 < filing.volumes.areas_m2[2] < 4.5e6


@pytest.mark.parametrize(
    ("volumes", "fields", "message"),
    [
        ([], {}, "operation 'op-1': an operation needs at least one volume"),
        (
            [op_volume(start=OP_END, end=OP_START)],
            {},
            r"volumes\[0\]: end 2026-11-23T10:10:00Z is before start 2026-11-23T11:00:00Z",
        ),
        ([op_volume(start=T0 - 7200, end=T0 - 60)], {}, r"volumes\[0\]: end .* is in the past"),
        ([op_volume(alt=(500, 100))], {}, r"volumes\[0\]: altitude band is inverted"),
        (
            # 0.2° of latitude (22.24 km) by 0.2° of longitude at 48.1° (14.87 km): 331 km².
            [op_volume(box_geojson(2.0, 48.0, 2.2, 48.2))],
            {},
            r"volumes\[0\]: its area is 331 km², more than the limit of 50 km²",
        ),
        (
            [op_volume(), op_volume({"type": "Circle", "coordinates": [2.35, 48.85]})],
            {},
            r"volumes\[1\]: geometry type 'Circle' is not supported",
        ),
        (
            [op_volume({"type": "Point", "coordinates": [2.35, 48.85]})],
            {},
            r"volumes\[0\]: a Point needs radius_m",
        ),
        ([{**op_volume(), "alt_upper_m": None}], {}, r"volumes\[0\]: alt_upper_m is required"),
        ([{**op_volume(), "ceiling": 3}], {}, r"volumes\[0\]: unknown field 'ceiling'"),
        ([op_volume()], {"priority": 101}, "priority must be a whole number from 0 to 100"),
        ([op_volume()], {"domain": "space"}, "unknown domain 'space'"),
        ([op_volume()], {"key": ["a"]}, "key must be an object"),
        ([op_volume()], {"key": {"a": 1}}, "a version is text"),
        ([op_volume()], {"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_each_input_check_says_what_is_wrong(
    volumes: list[dict[str, Any]], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        read(*volumes, **fields)
    assert not isinstance(refused.value, PayloadTooLarge)


def test_more_volumes_than_the_limit_are_refused_before_any_is_read() -> None:
    broken = {"type": "Circle"}
    with pytest.raises(PayloadTooLarge, match="has 4 volumes; at most 3 are allowed"):
        read(*[op_volume(broken)] * 4)


def test_volumes_must_be_given() -> None:
    with pytest.raises(InvalidInput, match="volumes is required"):
        read_filing("blue", "op-1", {"priority": 3}, now_s=T0, limits=LIMITS)
    with pytest.raises(InvalidInput, match="is not allowed"):
        read_filing("blue", "no spaces", {"volumes": [op_volume()]}, now_s=T0, limits=LIMITS)


def _ring(n: int) -> dict[str, Any]:
    """A small polygon of ``n`` positions (a circle of 1 km around Paris, closed)."""
    points = [
        [
            2.35 + 0.013 * math.cos(2 * math.pi * k / (n - 1)),
            48.85 + 0.009 * math.sin(2 * math.pi * k / (n - 1)),
        ]
        for k in range(n - 1)
    ]
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def test_more_positions_in_all_than_the_limit_are_refused_as_the_volumes_are_read() -> None:
    limits = OperationLimits(max_volumes=3, max_volume_area_m2=50e6, max_total_vertices=1_000)
    geometry = GeometryLimits(max_vertices=600, max_area_m2=50e6)

    def read_with(*volumes: dict[str, Any]) -> Any:
        request = {"volumes": list(volumes)}
        return read_filing(
            "blue", "op-1", request, now_s=T0, limits=limits, geometry_limits=geometry
        )

    assert len(read_with(op_volume(_ring(500)), op_volume(_ring(500))).operation.volumes) == 2
    broken = {"type": "Circle"}  # never read: the limit is passed at the second volume
    with pytest.raises(PayloadTooLarge, match="more than 1,000 positions in all"):
        read_with(op_volume(_ring(500)), op_volume(_ring(501)), op_volume(broken))
