"""The zone index: parts in their frames, boxes that hold them, every part findable once."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import shapely

from deconfliction.detect.zone_broad import boxes_overlap
from deconfliction.detect.zone_index import CAPSULE, DISC, PIECE, ZoneIndex
from deconfliction.geo.frames import ecef
from deconfliction.model import Zone
from deconfliction.model.zone import zones_from_collection
from tests.detect.hand import along
from tests.scenarios import EUPHRATES_ZONES, ZONE_PARTY_CODES, ZONES_OWNER


def zone(zid: str, geometry: dict[str, Any], owner: str = "aid", **properties: Any) -> Zone:
    props = {"rule": "no_entry", **properties}
    return Zone.from_feature(
        {"type": "Feature", "id": zid, "geometry": geometry, "properties": props}, owner=owner
    )


MIXED = [
    zone("disc", {"type": "Point", "coordinates": [40.0, 35.0]}, radius_m=2_000),
    zone(
        "area",
        {
            "type": "Polygon",
            "coordinates": [
                [[41, 35], [41.3, 35], [41.3, 35.1], [41.15, 35.03], [41, 35.1], [41, 35]]
            ],
        },
        buffer_m=700,
    ),
    zone("big", {"type": "Point", "coordinates": [20.0, 60.0]}, radius_m=300_000),
    zone("polar", {"type": "Point", "coordinates": [0.0, 89.5]}, radius_m=20_000),
    zone(
        "pacific",
        {"type": "LineString", "coordinates": [[179.0, -5.0], [-179.0, -4.0]]},
        buffer_m=3_000,
    ),
]


@pytest.fixture(scope="module")
def index() -> ZoneIndex:
    zones = zones_from_collection(EUPHRATES_ZONES, owner=ZONES_OWNER) + MIXED
    return ZoneIndex.build(zones, ZONE_PARTY_CODES)


def test_zone_columns(index: ZoneIndex) -> None:
    assert index.zone_ids[:3] == ("euphrates-line", "southern-circle", "disc")
    assert index.owner_code.tolist()[:3] == [0, 0, 2]
    assert index.alt_upper_m[0] == 3_000.0
    assert math.isinf(index.alt_lower_m[0])
    limited = dict(
        zip(index.zone_ids, np.bincount(index.prims.zone, index.prim_limited) > 0, strict=True)
    )
    assert limited["euphrates-line"]
    assert limited["southern-circle"]
    assert not limited["disc"]
    assert index.part_count.sum() == len(index.prims)


def test_unknown_owner_gets_no_code() -> None:
    built = ZoneIndex.build(MIXED[:1], {"east": 0})
    assert built.owner_code.tolist() == [-1]


def test_parts_are_ordered_by_kind(index: ZoneIndex) -> None:
    prims = index.prims
    kinds = prims.kind.tolist()
    assert kinds == sorted(kinds)
    assert kinds.index(CAPSULE) == prims.capsule_from
    assert kinds.index(PIECE) == prims.piece_from
    assert kinds.count(DISC) == 4  # the southern circle, "disc", "big" and "polar"


def test_every_outline_point_is_in_a_box_of_its_zone(index: ZoneIndex) -> None:
    for z, zone_ in enumerate(index.zones):
        points = shapely.get_coordinates(zone_.region.shape)[::3]
        boxes = index.prim_box[index.prims.zone == z]
        for lon, lat in points:
            here = np.array([[lon, lat, 0.0, 0.0]] * len(boxes))
            assert boxes_overlap(boxes, here).any(), (zone_.id, lon, lat)


def test_frames_place_points_in_metres(index: ZoneIndex) -> None:
    disc = index.zone_ids.index("disc")
    p = int(np.flatnonzero(index.prims.zone == disc)[0])
    frame = index.prims.frame[p]
    north = along(40.0, 35.0, 0.0, 1_000.0)
    x, y, z = (float(v[0]) for v in ecef(np.array([north[1]]), np.array([north[0]])))
    east_m = frame[0] * x + frame[1] * y - frame[5]
    north_m = frame[2] * x + frame[3] * y + frame[4] * z - frame[6]
    assert abs(east_m) < 1e-3
    assert north_m == pytest.approx(1_000.0, abs=0.01)
    assert index.prims.radius_m[p] == pytest.approx(2_000.0, abs=0.01)


def test_every_part_is_in_exactly_one_level_or_everywhere(index: ZoneIndex) -> None:
    seen = np.concatenate([level.order for level in index.levels] + [index.everywhere])
    assert sorted(seen.tolist()) == list(range(len(index.prims)))
    for level in index.levels:
        assert np.all(index.prims.half_lat[level.order] <= level.grow_lat)
        assert np.all(index.prims.half_lon[level.order] <= level.grow_lon)
        assert level.first[-1] == len(level.order)
    polar = index.zone_ids.index("polar")
    polar_parts = np.flatnonzero(index.prims.zone == polar)
    assert set(polar_parts.tolist()) <= set(index.everywhere.tolist())


def test_bounds_hold_every_vertex(index: ZoneIndex) -> None:
    prims = index.prims
    for p in range(prims.piece_from, len(prims)):
        start, count = prims.edge_start[p], prims.edge_count[p]
        ends = prims.edges[start : start + count]
        assert np.all(np.hypot(ends[:, 0], ends[:, 1]) <= prims.bound_m[p] + 1e-6)
        assert np.array_equal(ends[1:, :2], ends[:-1, 2:])  # a closed ring
        assert np.array_equal(ends[0, :2], ends[-1, 2:])
    caps = slice(prims.capsule_from, prims.piece_from)
    ends = np.maximum(np.hypot(*prims.a[caps].T), np.hypot(*prims.b[caps].T))
    assert np.all(ends + prims.radius_m[caps] <= prims.bound_m[caps] + 1e-6)


def test_empty_index() -> None:
    empty = ZoneIndex.build([], ZONE_PARTY_CODES)
    assert len(empty) == 0
    assert len(empty.prims) == 0
    assert empty.levels == ()
    assert len(empty.everywhere) == 0
