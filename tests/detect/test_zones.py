"""Track–zone detection: predicted entries, bands, validity, owners, the antimeridian."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from deconfliction.detect.zone_index import ZoneIndex
from deconfliction.detect.zones import Incursion, Incursions, find_incursions
from deconfliction.model import Zone
from deconfliction.model.zone import zones_from_collection
from tests.detect.hand import (
    along,
    azimuth,
    distance_m,
    distance_to_line_m,
    first_distance_m,
    first_within_m,
)
from tests.scenarios import (
    AIR_LOOKAHEAD_S,
    CIRCLE_CENTRE,
    CIRCLE_RADIUS_M,
    CONVOY_OFFSET_M,
    CONVOY_SPEED_MPS,
    EUPHRATES_BUFFER_M,
    EUPHRATES_LINE,
    EUPHRATES_ZONES,
    GROUND_LOOKAHEAD_S,
    OTHER_PARTY,
    ZONE_PARTY_CODES,
    ZONES_NOW_S,
    ZONES_OWNER,
)

LINE, CIRCLE = 0, 1


def track(
    lon: float,
    lat: float,
    *,
    course: float = 0.0,
    gs: float = 0.0,
    alt: float = 250.0,
    vs: float = 0.0,
    party: str = OTHER_PARTY,
    lookahead: float = GROUND_LOOKAHEAD_S,
) -> dict[str, Any]:
    return {
        "lon": lon,
        "lat": lat,
        "course_deg": course,
        "gs_mps": gs,
        "alt_m": alt,
        "vs_mps": vs,
        "party": ZONE_PARTY_CODES[party],
        "lookahead_s": lookahead,
    }


def detect(
    index: ZoneIndex, tracks: list[dict[str, Any]], now_s: float = ZONES_NOW_S
) -> Incursions:
    columns = {key: np.array([t[key] for t in tracks]) for key in tracks[0]}
    return find_incursions(index, now_s=now_s, **columns)


def rows(found: Incursions) -> dict[tuple[int, int], Incursion]:
    return {(row.track, row.zone): row for row in found}


@pytest.fixture(scope="module")
def euphrates() -> ZoneIndex:
    return ZoneIndex.build(
        zones_from_collection(EUPHRATES_ZONES, owner=ZONES_OWNER), ZONE_PARTY_CODES
    )


def convoy_start(offset_m: float) -> tuple[tuple[float, float], float]:
    """A point ``offset_m`` south-west of the middle of the Raqqa–Deir ez-Zor leg, and the
    course from it straight back to that middle."""
    raqqa, deir = EUPHRATES_LINE[0], EUPHRATES_LINE[1]
    middle = (0.5 * (raqqa[0] + deir[0]), 0.5 * (raqqa[1] + deir[1]))
    away = azimuth(middle, deir) + 90.0  # the leg runs south-east: this is south-west
    start = along(*middle, away, offset_m)
    return start, azimuth(start, middle)


def test_convoy_heading_for_the_line_is_predicted_to_enter_it(euphrates: ZoneIndex) -> None:
    start, course = convoy_start(CONVOY_OFFSET_M)
    found = rows(detect(euphrates, [track(*start, course=course, gs=CONVOY_SPEED_MPS)]))
    assert set(found) == {(0, LINE)}
    entry = found[(0, LINE)]

    # By hand: how far along its course the convoy is first within 5 km of the line.
    reach = first_within_m(
        lambda lon, lat: distance_to_line_m(lon, lat, EUPHRATES_LINE),
        EUPHRATES_BUFFER_M,
        *start,
        course,
        CONVOY_SPEED_MPS * GROUND_LOOKAHEAD_S,
    )
    assert reach is not None
    expected_s = reach / CONVOY_SPEED_MPS
    assert 400.0 < expected_s < 430.0  # about (10 km - 5 km) / 12 m/s
    assert entry.t_entry_s == pytest.approx(expected_s, abs=1.0)
    assert not entry.inside_now
    assert entry.t_exit_s is None  # still inside at the end of its lookahead


def test_aircraft_above_the_band_raises_none_and_below_it_does(euphrates: ZoneIndex) -> None:
    start, course = convoy_start(20_000.0)
    high = track(*start, course=course, gs=200.0, alt=6_000.0, lookahead=AIR_LOOKAHEAD_S)
    low = {**high, "alt_m": 2_000.0}
    found = rows(detect(euphrates, [high, low]))
    assert (0, LINE) not in found
    reach = first_within_m(
        lambda lon, lat: distance_to_line_m(lon, lat, EUPHRATES_LINE),
        EUPHRATES_BUFFER_M,
        *start,
        course,
        200.0 * AIR_LOOKAHEAD_S,
    )
    assert reach is not None
    assert found[(1, LINE)].t_entry_s == pytest.approx(reach / 200.0, abs=1.0)
    # It crosses the 10 km wide buffer and is out again in about 50 s.
    assert found[(1, LINE)].t_exit_s == pytest.approx(reach / 200.0 + 50.0, abs=3.0)


def test_entry_into_the_circle_matches_a_hand_computation(euphrates: ZoneIndex) -> None:
    start = along(*CIRCLE_CENTRE, 10.0, 65_000.0)
    course = azimuth(start, CIRCLE_CENTRE)
    found = rows(detect(euphrates, [track(*start, course=course, gs=20.0)]))
    expected_s = (distance_m(start, CIRCLE_CENTRE) - CIRCLE_RADIUS_M) / 20.0
    assert found[(0, CIRCLE)].t_entry_s == pytest.approx(expected_s, abs=0.5)


def test_circle_entry_on_a_slanting_course(euphrates: ZoneIndex) -> None:
    start = along(*CIRCLE_CENTRE, 200.0, 62_000.0)
    course = azimuth(start, CIRCLE_CENTRE) + 25.0
    found = rows(detect(euphrates, [track(*start, course=course, gs=25.0)]))
    reach = first_within_m(
        lambda lon, lat: distance_m((lon, lat), CIRCLE_CENTRE),
        CIRCLE_RADIUS_M,
        *start,
        course,
        25.0 * GROUND_LOOKAHEAD_S,
    )
    assert reach is not None
    assert found[(0, CIRCLE)].t_entry_s == pytest.approx(reach / 25.0, abs=0.5)


def test_the_owners_own_tracks_never_count(euphrates: ZoneIndex) -> None:
    start, course = convoy_start(CONVOY_OFFSET_M)
    inside = along(*CIRCLE_CENTRE, 0.0, 1_000.0)
    found = detect(
        euphrates,
        [
            track(*start, course=course, gs=CONVOY_SPEED_MPS, party=ZONES_OWNER),
            track(*inside, party=ZONES_OWNER),
        ],
    )
    assert len(found) == 0


def test_track_inside_now(euphrates: ZoneIndex) -> None:
    inside = along(*CIRCLE_CENTRE, 45.0, 54_000.0)
    outward = azimuth(CIRCLE_CENTRE, inside)
    found = rows(detect(euphrates, [track(*inside, course=outward, gs=10.0), track(*inside)]))
    moving, still = found[(0, CIRCLE)], found[(1, CIRCLE)]
    assert moving.inside_now
    assert still.inside_now
    assert moving.t_entry_s == 0.0
    assert moving.t_exit_s == pytest.approx(100.0, abs=0.5)  # 1 km to the edge at 10 m/s
    assert still.t_exit_s is None


def test_descending_into_the_band_counts_from_when_it_is_in_both(euphrates: ZoneIndex) -> None:
    over = along(*EUPHRATES_LINE[1], 0.0, 1_000.0)  # over the line, near Deir ez-Zor
    descending = track(
        *over, course=90.0, gs=60.0, alt=3_600.0, vs=-10.0, lookahead=AIR_LOOKAHEAD_S
    )
    climbing = track(*over, course=90.0, gs=0.0, alt=2_500.0, vs=5.0, lookahead=AIR_LOOKAHEAD_S)
    found = rows(detect(euphrates, [descending, climbing]))
    assert found[(0, LINE)].t_entry_s == pytest.approx(60.0)  # 600 m above the 3,000 m top
    assert not found[(0, LINE)].inside_now
    assert found[(1, LINE)].inside_now
    assert found[(1, LINE)].t_exit_s == pytest.approx(100.0)  # climbs out through 3,000 m


def site(**properties: Any) -> Zone:
    props: dict[str, Any] = {
        "rule": "protected",
        "radius_m": 500.0,
        "valid_to": ZONES_NOW_S + 86_400,
    }
    props.update(properties)
    return Zone.from_feature(
        {
            "type": "Feature",
            "id": "site",
            "geometry": {"type": "Point", "coordinates": [40.0, 35.0]},
            "properties": props,
        },
        owner="aid",
    )


def test_zone_becoming_valid_within_the_lookahead_counts_from_valid_from() -> None:
    index = ZoneIndex.build([site(valid_from=ZONES_NOW_S + 120.0)], ZONE_PARTY_CODES)
    found = detect(index, [track(40.0, 35.0), track(40.0, 35.0, lookahead=100.0)])
    assert [(row.track, row.t_entry_s, row.inside_now) for row in found] == [(0, 120.0, False)]


def test_expired_zone_counts_no_more_and_an_expiring_one_ends_at_valid_to() -> None:
    expired = site(valid_from=ZONES_NOW_S - 7_200, valid_to=ZONES_NOW_S - 1.0)
    expiring = site(valid_to=ZONES_NOW_S + 250.0)
    assert len(detect(ZoneIndex.build([expired], ZONE_PARTY_CODES), [track(40.0, 35.0)])) == 0
    found = detect(ZoneIndex.build([expiring], ZONE_PARTY_CODES), [track(40.0, 35.0)])
    assert [(row.t_entry_s, row.t_exit_s) for row in found] == [(0.0, 250.0)]


def test_stationary_track_outside_a_zone_never_enters() -> None:
    index = ZoneIndex.build([site()], ZONE_PARTY_CODES)
    assert len(detect(index, [track(*along(40.0, 35.0, 0.0, 600.0))])) == 0


U_SHAPE = {
    "type": "Polygon",
    "coordinates": [
        [
            [40.0, 35.0],
            [40.3, 35.0],
            [40.3, 35.2],
            [40.2, 35.2],
            [40.2, 35.05],
            [40.1, 35.05],
            [40.1, 35.2],
            [40.0, 35.2],
            [40.0, 35.0],
        ]
    ],
}


def test_path_through_a_concave_zone_enters_leaves_and_reenters() -> None:
    zone = Zone.from_feature(
        {"type": "Feature", "id": "u", "geometry": U_SHAPE, "properties": {"rule": "no_entry"}},
        owner=ZONES_OWNER,
    )
    index = ZoneIndex.build([zone], ZONE_PARTY_CODES)
    start = (39.98, 35.15)
    found = rows(detect(index, [track(*start, course=90.0, gs=30.0)]))
    row = found[(0, 0)]
    inside = lambda lon, lat: bool(zone.region.contains([lon], [lat])[0])  # noqa: E731
    reach = first_distance_m(inside, *start, 90.0, 18_000.0)
    assert reach is not None
    assert row.t_entry_s == pytest.approx(reach / 30.0, abs=0.5)
    # Out of the first arm after it (0.1° of longitude, about 9.1 km), before the second.
    leave = first_distance_m(
        lambda x, y: not inside(x, y), *along(*start, 90.0, reach + 1.0), 90.0, 18_000.0
    )
    assert leave is not None
    assert row.t_exit_s == pytest.approx((reach + 1.0 + leave) / 30.0, abs=0.5)


# Antimeridian: the same zone drawn across ±180 and pre-split as RFC 7946 asks.
UNSPLIT = {
    "type": "Polygon",
    "coordinates": [[[178.5, -1.0], [-178.0, -1.5], [-178.5, 1.0], [179.0, 1.5], [178.5, -1.0]]],
}


def _split() -> dict[str, Any]:
    def crossing(a: tuple[float, float], b: tuple[float, float]) -> float:
        return a[1] + (180.0 - a[0]) / (b[0] + 360.0 - a[0]) * (b[1] - a[1])

    south = crossing((178.5, -1.0), (-178.0, -1.5))
    north = crossing((179.0, 1.5), (-178.5, 1.0))
    west = [[178.5, -1.0], [180.0, south], [180.0, north], [179.0, 1.5], [178.5, -1.0]]
    east = [[-180.0, south], [-178.0, -1.5], [-178.5, 1.0], [-180.0, north], [-180.0, south]]
    return {"type": "MultiPolygon", "coordinates": [[west], [east]]}


ANTIMERIDIAN_TRACKS = [
    track(178.3, 0.0, course=90.0, gs=200.0, lookahead=AIR_LOOKAHEAD_S),  # from the west
    track(-178.0, 0.0, course=270.0, gs=200.0, lookahead=AIR_LOOKAHEAD_S),  # from the east
    track(179.9, 0.2, course=90.0, gs=150.0, lookahead=AIR_LOOKAHEAD_S),  # inside, crossing ±180
    track(-179.95, -0.3),  # inside, still
    track(177.0, 0.0, course=90.0, gs=100.0, lookahead=AIR_LOOKAHEAD_S),  # too far to reach it
]


@pytest.mark.parametrize("geometry", [UNSPLIT, _split()], ids=["unsplit", "split"])
def test_zone_across_the_antimeridian(geometry: dict[str, Any]) -> None:
    zone = Zone.from_feature(
        {
            "type": "Feature",
            "id": "pacific",
            "geometry": geometry,
            "properties": {"rule": "no_entry"},
        },
        owner=ZONES_OWNER,
    )
    found = rows(detect(ZoneIndex.build([zone], ZONE_PARTY_CODES), ANTIMERIDIAN_TRACKS))
    assert set(found) == {(0, 0), (1, 0), (2, 0), (3, 0)}
    # The west edge crosses the equator at 178.7°, the east edge at -178.3° (straight edges
    # in lon/lat), and a course of 90° or 270° from the equator follows it.
    assert found[(0, 0)].t_entry_s == pytest.approx(
        distance_m((178.3, 0.0), (178.7, 0.0)) / 200.0, abs=0.5
    )
    assert found[(1, 0)].t_entry_s == pytest.approx(
        distance_m((-178.0, 0.0), (-178.3, 0.0)) / 200.0, abs=0.5
    )
    assert found[(2, 0)].inside_now
    assert found[(3, 0)].inside_now
    assert found[(2, 0)].t_exit_s is None


def test_split_and_unsplit_zones_give_the_same_answers() -> None:
    answers = []
    for geometry in (UNSPLIT, _split()):
        zone = Zone.from_feature(
            {
                "type": "Feature",
                "id": "pacific",
                "geometry": geometry,
                "properties": {"rule": "no_entry"},
            },
            owner=ZONES_OWNER,
        )
        answers.append(detect(ZoneIndex.build([zone], ZONE_PARTY_CODES), ANTIMERIDIAN_TRACKS))
    a, b = answers
    assert a.track.tolist() == b.track.tolist()
    assert np.allclose(a.t_entry_s, b.t_entry_s, atol=1e-6)
    assert np.allclose(a.t_exit_s, b.t_exit_s, atol=1e-6, equal_nan=True)


def test_circle_and_line_across_the_antimeridian() -> None:
    zones = [
        Zone.from_feature(
            {
                "type": "Feature",
                "id": "c",
                "geometry": {"type": "Point", "coordinates": [180.0, -20.0]},
                "properties": {"rule": "no_entry", "radius_m": 40_000},
            },
            owner=ZONES_OWNER,
        ),
        Zone.from_feature(
            {
                "type": "Feature",
                "id": "l",
                "geometry": {"type": "LineString", "coordinates": [[179.5, 30.0], [-179.5, 30.0]]},
                "properties": {"rule": "no_entry", "buffer_m": 2_000},
            },
            owner=ZONES_OWNER,
        ),
    ]
    index = ZoneIndex.build(zones, ZONE_PARTY_CODES)
    east_of = (-179.2, -20.0)
    course = azimuth(east_of, (180.0, -20.0))
    north_of = (180.0, 30.2)
    found = rows(
        detect(
            index,
            [
                track(*east_of, course=course, gs=150.0, lookahead=AIR_LOOKAHEAD_S),
                track(*north_of, course=180.0, gs=100.0, lookahead=AIR_LOOKAHEAD_S),
            ],
        )
    )
    expected = (distance_m(east_of, (180.0, -20.0)) - 40_000.0) / 150.0
    assert found[(0, 0)].t_entry_s == pytest.approx(expected, abs=0.5)
    # The line written unwrapped (179.5 to 180.5) is the same line; points are unwrapped too.
    reach = first_within_m(
        lambda lon, lat: distance_to_line_m(
            lon + 360.0 if lon < 0 else lon, lat, [(179.5, 30.0), (180.5, 30.0)]
        ),
        2_000.0,
        *north_of,
        180.0,
        100.0 * AIR_LOOKAHEAD_S,
    )
    assert reach is not None
    assert found[(1, 1)].t_entry_s == pytest.approx(reach / 100.0, abs=0.5)


def test_near_and_over_the_pole() -> None:
    centre = (0.0, 89.0)
    zone = Zone.from_feature(
        {
            "type": "Feature",
            "id": "polar",
            "geometry": {"type": "Point", "coordinates": list(centre)},
            "properties": {"rule": "no_entry", "radius_m": 50_000},
        },
        owner=ZONES_OWNER,
    )
    index = ZoneIndex.build([zone], ZONE_PARTY_CODES)
    south = track(0.0, 89.7, course=180.0, gs=100.0, lookahead=AIR_LOOKAHEAD_S)
    over = track(180.0, 89.9, course=0.0, gs=250.0, lookahead=AIR_LOOKAHEAD_S)  # crosses the pole
    found = rows(detect(index, [south, over]))
    expected = (distance_m((0.0, 89.7), centre) - 50_000.0) / 100.0
    assert found[(0, 0)].t_entry_s == pytest.approx(expected, abs=0.5)
    reach = first_within_m(
        lambda lon, lat: distance_m((lon, lat), centre), 50_000.0, 180.0, 89.9, 0.0, 250.0 * 300.0
    )
    assert reach is not None
    assert found[(1, 0)].t_entry_s == pytest.approx(reach / 250.0, abs=0.5)


def test_no_tracks_or_no_zones() -> None:
    empty = ZoneIndex.build([], ZONE_PARTY_CODES)
    assert len(detect(empty, [track(40.0, 35.0)])) == 0
    index = ZoneIndex.build([site()], ZONE_PARTY_CODES)
    none = find_incursions(
        index,
        lat=[],
        lon=[],
        alt_m=[],
        gs_mps=[],
        course_deg=[],
        vs_mps=[],
        party=[],
        lookahead_s=600.0,
        now_s=ZONES_NOW_S,
    )
    assert len(none) == 0
    assert list(none) == []


def test_rows_are_sorted_and_iterate_as_dataclasses(euphrates: ZoneIndex) -> None:
    start, course = convoy_start(CONVOY_OFFSET_M)
    inside = along(*CIRCLE_CENTRE, 0.0, 1_000.0)
    found = detect(
        euphrates,
        [track(*inside), track(*start, course=course, gs=CONVOY_SPEED_MPS), track(*inside)],
    )
    assert [(row.track, row.zone) for row in found] == [(0, CIRCLE), (1, LINE), (2, CIRCLE)]
    assert found.row(1) == Incursion(1, LINE, found.t_entry_s[1], None, False)
    assert math.isnan(found.t_exit_s[1])


def random_zones(rng: np.random.Generator, count: int) -> list[Zone]:
    """Circles, buffered lines and (buffered) concave areas of 1–20 km around 10°E 48°N."""
    zones = []
    for i in range(count):
        lon, lat = 10.0 + rng.uniform(-0.4, 0.4), 48.0 + rng.uniform(-0.3, 0.3)
        kind = i % 3
        props: dict[str, Any] = {"rule": "no_entry"}
        if kind == 0:
            geometry: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
            props["radius_m"] = float(rng.uniform(1_000, 15_000))
        elif kind == 1:
            points = [[lon, lat]]
            for _ in range(3):
                points.append(
                    list(
                        along(
                            *points[-1],
                            float(rng.uniform(0, 360)),
                            float(rng.uniform(3_000, 20_000)),
                        )
                    )
                )
            geometry = {"type": "LineString", "coordinates": points}
            props["buffer_m"] = float(rng.uniform(500, 4_000))
        else:
            angles = np.linspace(0, 360, 9, endpoint=False)
            ring = [
                list(along(lon, lat, float(a), float(rng.uniform(3_000, 15_000))))
                for a in angles[::-1]
            ]
            geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
            if rng.random() < 0.5:
                props["buffer_m"] = float(rng.uniform(200, 2_000))
        zones.append(
            Zone.from_feature(
                {"type": "Feature", "id": f"z{i}", "geometry": geometry, "properties": props},
                owner=ZONES_OWNER,
            )
        )
    return zones


def test_entries_agree_with_geodesic_positions_checked_against_the_outlines() -> None:
    import pyproj
    import shapely

    rng = np.random.default_rng(11)
    zones = random_zones(rng, 12)
    index = ZoneIndex.build(zones, ZONE_PARTY_CODES)
    n = 300
    tracks = [
        track(
            10.0 + rng.uniform(-0.6, 0.6),
            48.0 + rng.uniform(-0.45, 0.45),
            course=float(rng.uniform(0, 360)),
            gs=float(rng.choice([0.0, rng.uniform(2, 30)])),
        )
        for _ in range(n)
    ]
    found = rows(detect(index, tracks))

    # Reference positions: along each geodesic every 2 s, in a local metric projection.
    local = pyproj.Proj(proj="aeqd", lat_0=48.0, lon_0=10.0, ellps="WGS84")
    times = np.arange(0.0, GROUND_LOOKAHEAD_S + 1e-9, 2.0)
    lon0 = np.array([t["lon"] for t in tracks])
    lat0 = np.array([t["lat"] for t in tracks])
    course = np.array([t["course_deg"] for t in tracks])
    gs = np.array([t["gs_mps"] for t in tracks])
    lon_s, lat_s, _ = pyproj.Geod(ellps="WGS84").fwd(
        np.repeat(lon0, len(times)),
        np.repeat(lat0, len(times)),
        np.repeat(course, len(times)),
        np.outer(gs, times).ravel(),
    )
    x, y = local(np.asarray(lon_s), np.asarray(lat_s))
    points = shapely.points(x, y).reshape(n, len(times))
    margin = 20.0  # outlines are within 5 m of the region; this leaves room to spare
    checked = 0
    for z, zone in enumerate(zones):
        outline = shapely.transform(
            zone.region.shape, lambda c: np.column_stack(local(c[:, 0], c[:, 1]))
        )
        inside = shapely.contains(outline, points)
        depth = shapely.distance(outline.boundary, points)
        deep_inside = inside & (depth > margin)
        clearly_out = ~inside & (depth > margin)
        for t in range(n):
            row = found.get((t, z))
            if deep_inside[t].any():
                assert row is not None, (t, z)
            if row is None:
                assert not deep_inside[t].any()
                continue
            checked += 1
            k = round(row.t_entry_s / 2.0)
            assert not clearly_out[t, min(k + 1, len(times) - 1)], (t, z, row)
            if k > 0 and gs[t] > 0:
                # Before the entry the track was outside (or on the edge).
                before = math.floor((row.t_entry_s - margin / gs[t]) / 2.0)
                if before >= 0:
                    assert not deep_inside[t, before], (t, z, row)
    assert checked > 30


def test_long_straight_edge_at_high_latitude_is_followed() -> None:
    # The northern edge runs along the parallel 55°N for 100 km: straight in lon/lat, so a
    # curve in any local frame. A track coming down a meridian enters exactly at 55°N.
    box = [[10.0, 54.5], [11.6, 54.5], [11.6, 55.0], [10.0, 55.0], [10.0, 54.5]]
    zone = Zone.from_feature(
        {
            "type": "Feature",
            "id": "box",
            "properties": {"rule": "no_entry"},
            "geometry": {"type": "Polygon", "coordinates": [box]},
        },
        owner=ZONES_OWNER,
    )
    index = ZoneIndex.build([zone], ZONE_PARTY_CODES)
    starts = [(10.1, 55.05), (10.8, 55.05), (11.5, 55.05)]
    found = rows(detect(index, [track(*start, course=180.0, gs=10.0) for start in starts]))
    for i, start in enumerate(starts):
        expected = distance_m(start, (start[0], 55.0)) / 10.0
        assert found[(i, 0)].t_entry_s == pytest.approx(expected, abs=0.6)


@pytest.mark.parametrize("gs", [1e4, 1e154, 1e200, 1e308])
@pytest.mark.parametrize("vs", [0.0, 1e308, -1e308])
@pytest.mark.parametrize("course", [0.0, 45.0, 90.0])
def test_an_absurd_speed_never_hides_a_track_inside_now(
    euphrates: ZoneIndex, gs: float, vs: float, course: float
) -> None:
    inside = along(*CIRCLE_CENTRE, 45.0, 1_000.0)
    with np.errstate(all="raise"):  # no overflow anywhere, not only a right answer
        found = rows(detect(euphrates, [track(*inside, course=course, gs=gs, vs=vs)]))
    assert found[(0, CIRCLE)].inside_now
