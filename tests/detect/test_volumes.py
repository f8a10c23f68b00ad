"""The volume index: exact 4-D overlaps, what a row reveals, and index consistency."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry

from deconfliction.detect.overlaps import ObjectKind, Overlap, Ref
from deconfliction.detect.volumes import Indexed, VolumeIndex
from deconfliction.errors import InvalidInput
from deconfliction.model import Volume
from tests.scenarios import HOUR_S, NOW_S, PARIS, circle, corridor, split_box

SQUARE = shapely.box(2.0, 48.0, 2.2, 48.2)


def vol(
    footprint: BaseGeometry = SQUARE,
    alt: tuple[float, float] = (0.0, 1000.0),
    window: tuple[float, float] = (NOW_S, NOW_S + HOUR_S),
) -> Volume:
    return Volume(footprint, alt[0], alt[1], window[0], window[1])


def op(name: str) -> Ref:
    return Ref(ObjectKind.OPERATION, name)


def index_with(*items: tuple[str, list[Volume]], rebuild_after: int = 4096) -> VolumeIndex:
    index = VolumeIndex(rebuild_after=rebuild_after)
    for name, volumes in items:
        index.put(op(name), owner=f"party-{name}", version=f"{name}@1", volumes=volumes)
    return index


def hit_ids(index: VolumeIndex, volumes: list[Volume], **kwargs: object) -> list[str]:
    return list(index.query(volumes, **kwargs).ids)  # type: ignore[arg-type]


# --- Exact overlap in area, altitude and time ----------------------------------------------


def test_overlap_in_all_three_is_a_conflict_with_the_intersections() -> None:
    index = index_with(("other", [vol(alt=(300.0, 1500.0), window=(NOW_S + 600, NOW_S + 7200))]))
    mine = vol(shapely.box(2.1, 48.1, 2.3, 48.3))
    (row,) = list(index.query([mine]))
    assert (row.kind, row.id, row.owner, row.version) == (
        ObjectKind.OPERATION,
        "other",
        "party-other",
        "other@1",
    )
    assert (row.volume_index, row.other_volume_index) == (0, 0)
    assert shapely.equals(row.footprint, shapely.box(2.1, 48.1, 2.2, 48.2))
    assert (row.alt_lower_m, row.alt_upper_m) == (300.0, 1000.0)
    assert (row.start_s, row.end_s) == (NOW_S + 600, NOW_S + HOUR_S)


@pytest.mark.parametrize(
    ("alt", "window"),
    [
        ((1500.0, 3000.0), (NOW_S, NOW_S + HOUR_S)),  # band above
        ((1000.0, 3000.0), (NOW_S, NOW_S + HOUR_S)),  # stacked: touching bands
        ((0.0, 1000.0), (NOW_S + 2 * HOUR_S, NOW_S + 3 * HOUR_S)),  # later window
        ((0.0, 1000.0), (NOW_S + HOUR_S, NOW_S + 2 * HOUR_S)),  # hand-over: touching windows
        ((0.0, 1000.0), (NOW_S - HOUR_S, NOW_S)),  # earlier, touching
    ],
)
def test_same_area_but_separate_band_or_window_is_no_conflict(
    alt: tuple[float, float], window: tuple[float, float]
) -> None:
    index = index_with(("other", [vol(alt=alt, window=window)]))
    assert hit_ids(index, [vol()]) == []


def test_the_slightest_overlap_of_band_and_window_counts() -> None:
    index = index_with(
        ("other", [vol(alt=(999.9, 3000.0), window=(NOW_S + HOUR_S - 1, NOW_S + 2 * HOUR_S))])
    )
    (row,) = list(index.query([vol()]))
    assert (row.alt_lower_m, row.alt_upper_m) == (999.9, 1000.0)
    assert (row.start_s, row.end_s) == (NOW_S + HOUR_S - 1, NOW_S + HOUR_S)


def test_areas_that_only_share_an_edge_or_a_corner_do_not_overlap() -> None:
    index = index_with(
        ("east", [vol(shapely.box(2.2, 48.0, 2.4, 48.2))]),
        ("corner", [vol(shapely.box(2.2, 48.2, 2.4, 48.4))]),
        ("inside", [vol(shapely.box(2.05, 48.05, 2.1, 48.1))]),
    )
    assert hit_ids(index, [vol()]) == ["inside"]


def _east_tip_lon(disc: shapely.Polygon) -> float:
    return float(shapely.get_coordinates(disc)[0, 0])  # the first vertex is due east


@pytest.mark.parametrize(("gap_deg", "overlaps"), [(1e-5, False), (-1e-5, True)])
def test_two_circles_that_nearly_touch(gap_deg: float, overlaps: bool) -> None:
    # Vertices of both circles point at each other; 1e-5° of longitude is about 0.7 m here.
    disc = circle(*PARIS, 1000.0)
    reach = _east_tip_lon(disc) - PARIS[1]
    neighbour = shapely.affinity.translate(disc, xoff=2 * reach + gap_deg)
    index = index_with(("neighbour", [vol(neighbour)]))
    rows = list(index.query([vol(disc)]))
    assert bool(rows) is overlaps
    if overlaps:
        assert 0.0 < rows[0].footprint.area < 1e-9


def test_a_corridor_crossing_a_polygon_overlaps_where_it_crosses() -> None:
    route = corridor([(48.0, 1.5), (48.1, 2.7)], half_width_m=250.0)
    index = index_with(("convoy", [vol(route)]))
    (row,) = list(index.query([vol()]))
    assert shapely.equals_exact(
        row.footprint.normalize(), route.intersection(SQUARE).normalize(), 1e-12
    )
    assert row.footprint.within(SQUARE.buffer(1e-12))
    assert row.footprint.within(route.buffer(1e-12))


def test_a_corridor_passing_beside_a_polygon_does_not_overlap() -> None:
    # A route 600 m south of the square's southern edge with a 500 m half-width.
    south_m_in_deg = 600.0 / 111_200.0
    route = corridor([(48.0 - south_m_in_deg, 1.5), (48.0 - south_m_in_deg, 2.7)], 500.0)
    assert hit_ids(index_with(("convoy", [vol(route)])), [vol()]) == []


def test_footprints_split_at_the_antimeridian() -> None:
    across = split_box(-17.2, -17.0, 179.9, -179.9)
    index = index_with(
        ("west-side", [vol(shapely.box(-179.95, -17.15, -179.5, -16.5))]),
        ("east-side", [vol(shapely.box(179.5, -17.5, 179.95, -17.1))]),
        ("far-away", [vol(shapely.box(0.0, -17.2, 0.1, -17.0))]),
        ("also-split", [vol(split_box(-17.05, -16.9, 179.99, -179.99))]),
    )
    rows = {row.id: row for row in index.query([vol(across)])}
    assert sorted(rows) == ["also-split", "east-side", "west-side"]
    assert shapely.equals(rows["west-side"].footprint, shapely.box(-179.95, -17.15, -179.9, -17.0))
    assert rows["also-split"].footprint.geom_type == "MultiPolygon"
    # and the other way round: a split footprint in the index is found from either side
    assert hit_ids(index, [vol(shapely.box(179.98, -17.0, 179.999, -16.95))]) == ["also-split"]


def test_each_pair_of_volumes_is_one_row() -> None:
    index = index_with(
        (
            "patrol",
            [
                vol(shapely.box(2.0, 48.0, 2.1, 48.1)),
                vol(shapely.box(5.0, 45.0, 5.1, 45.1)),
                vol(shapely.box(2.1, 48.1, 2.3, 48.3), alt=(0.0, 50.0)),
            ],
        )
    )
    mine = [vol(shapely.box(5.0, 45.0, 6.0, 46.0)), vol()]
    found = index.query(mine)
    assert list(
        zip(found.volume_index.tolist(), found.other_volume_index.tolist(), strict=True)
    ) == [
        (0, 1),
        (1, 0),
        (1, 2),
    ]
    assert found.refs() == [op("patrol")]


# --- Only the overlap is revealed ----------------------------------------------------------


def test_a_row_reveals_the_overlap_and_nothing_else_of_the_other_plan() -> None:
    hidden = [
        vol(shapely.Polygon([(2.15, 47.9), (2.5, 47.95), (2.45, 48.15), (2.15, 48.15)])),
        vol(shapely.box(7.77, 43.33, 7.88, 43.44)),
    ]
    index = VolumeIndex()
    index.put(op("secret"), owner="blue", version="b7", volumes=hidden)
    found = index.query([vol()])
    (row,) = list(found)
    assert {f for f in Overlap.__dataclass_fields__} == {
        "kind", "id", "owner", "version", "rule", "volume_index", "other_volume_index",
        "footprint", "alt_lower_m", "alt_upper_m", "start_s", "end_s",
    }  # fmt: skip
    assert row.footprint.covered_by(SQUARE)
    assert not row.footprint.equals(hidden[0].footprint)
    wire = row.to_json()
    coordinates = shapely.get_coordinates(shapely.geometry.shape(wire["overlap"]["footprint"]))
    assert SQUARE.buffer(1e-12).covers(shapely.points(coordinates)).all()
    assert set(wire) == {
        "kind", "id", "party", "version", "rule", "volume_index", "overlap",
    }  # fmt: skip
    text = json.dumps(wire) + repr(found) + repr(row)
    for secret in ("7.77", "7.88", "43.33", "43.44", "47.9", "2.5", "2.45"):
        assert secret not in text


# --- Zones, exclusions, kinds --------------------------------------------------------------


def test_a_protected_point_inside_or_on_the_edge_of_a_volume_overlaps() -> None:
    index = VolumeIndex()
    for name, point in [("in", (2.1, 48.1)), ("edge", (2.2, 48.1)), ("out", (2.3, 48.1))]:
        index.put(
            Ref(ObjectKind.ZONE, name),
            owner="ngo",
            version="z1",
            volumes=[
                vol(shapely.Point(*point), alt=(0.0, float("inf")), window=(0.0, float("inf")))
            ],
            rule="protected",
        )
    found = index.query([vol()])
    assert found.ids == ("edge", "in")
    assert set(found.rules) == {"protected"}
    assert found[1].footprint.equals(shapely.Point(2.1, 48.1))
    assert found[1].to_json()["overlap"]["alt_lower_m"] == 0.0


def test_exclude_and_kinds_filter_entries() -> None:
    index = index_with(("mine", [vol()]), ("theirs", [vol()]))
    index.put(
        Ref(ObjectKind.ZONE, "no-go"), owner="army", version="z", volumes=[vol()], rule="no_entry"
    )
    assert hit_ids(index, [vol()]) == ["mine", "theirs", "no-go"]
    assert hit_ids(index, [vol()], exclude=op("mine")) == ["theirs", "no-go"]
    assert hit_ids(index, [vol()], kinds={ObjectKind.ZONE}) == ["no-go"]
    assert hit_ids(index, [vol()], exclude=op("not-there")) == ["mine", "theirs", "no-go"]


# --- Writes --------------------------------------------------------------------------------


def test_replace_remove_and_versions() -> None:
    index = index_with(("a", [vol()]), ("b", [vol()]), rebuild_after=1)
    index.put(
        op("a"), owner="party-a", version="a@2", volumes=[vol(shapely.box(9.0, 9.0, 9.1, 9.1))]
    )
    assert hit_ids(index, [vol()]) == ["b"]
    assert hit_ids(index, [vol(shapely.box(9.0, 9.0, 9.2, 9.2))]) == ["a"]
    index.set_version(op("b"), "b@2")
    assert index.query([vol()]).versions == ("b@2",)
    assert index.version(op("a")) == "a@2"
    assert index.remove(op("b")) is True
    assert index.remove(op("b")) is False
    assert hit_ids(index, [vol()]) == []
    assert len(index) == 1
    assert op("a") in index
    assert op("b") not in index
    assert index.refs() == [op("a")]
    assert (index.stats.objects, index.stats.volumes) == (1, 1)


def test_writes_rebuild_the_recent_tree_often_and_compact_rarely() -> None:
    index = VolumeIndex(rebuild_after=2)
    index.put_many([Indexed(op(f"base-{i}"), "p", "v", [vol()]) for i in range(200)])
    assert (index.stats.main_tree_parts, index.stats.compactions) == (200, 1)
    for i in range(30):
        index.put(op(f"new-{i}"), owner="p", version="v", volumes=[vol()])
    stats = index.stats
    # The overflow is folded into the recent tree every 3 writes; past 200 / 8 = 25 parts
    # beyond the main tree (the 27th write) everything is compacted.
    assert (stats.compactions, stats.recent_rebuilds) == (2, 9)
    assert (stats.main_tree_parts, stats.recent_tree_parts, stats.overflow_parts) == (227, 3, 0)
    assert len(index.query([vol()])) == 230


def test_objects_whose_volumes_all_ended_are_listed_as_expired() -> None:
    index = index_with(
        ("short", [vol(window=(NOW_S, NOW_S + 60))]),
        ("two-legs", [vol(window=(NOW_S, NOW_S + 60)), vol(window=(NOW_S + 120, NOW_S + 180))]),
    )
    assert index.expired(NOW_S + 59) == []
    assert index.expired(NOW_S + 60) == [op("short")]
    assert index.expired(NOW_S + 180) == [op("short"), op("two-legs")]


def test_query_of_an_empty_index_or_no_volumes() -> None:
    assert len(VolumeIndex().query([vol()])) == 0
    assert len(index_with(("a", [vol()])).query([])) == 0


def test_an_object_without_volumes_is_not_indexed() -> None:
    with pytest.raises(InvalidInput, match="operation a has no volumes to index"):
        VolumeIndex().put(op("a"), owner="p", version="v", volumes=[])


# --- Consistency with a brute-force check --------------------------------------------------

GRID = st.integers(min_value=0, max_value=5)


@st.composite
def grid_volumes(draw: st.DrawFn) -> list[Volume]:
    volumes = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        x0, y0 = draw(GRID), draw(GRID)
        x1, y1 = x0 + draw(st.integers(1, 3)), y0 + draw(st.integers(1, 3))
        footprint: BaseGeometry = shapely.box(x0, y0, x1, y1)
        shape = draw(st.sampled_from(["box", "triangle", "two boxes"]))
        if shape == "triangle":  # slanted edges and partial touches
            footprint = shapely.Polygon([(x0, y0), (x1, y0), (x0, y1)])
        elif shape == "two boxes":  # several parts, like a footprint split at the antimeridian
            gap = draw(st.integers(1, 2))
            second = shapely.box(x1 + gap, y0, x1 + gap + draw(st.integers(1, 2)), y1)
            footprint = shapely.MultiPolygon([footprint, second])
        lo, t0 = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        volumes.append(
            Volume(footprint, lo, lo + draw(st.integers(1, 3)), t0, t0 + draw(st.integers(1, 3)))
        )
    return volumes


WRITES = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), st.one_of(st.none(), grid_volumes())), max_size=25
)


def brute_force(
    objects: dict[str, list[Volume]], mine: list[Volume], exclude: str | None
) -> set[tuple[str, int, int, float, float, float, float, float]]:
    rows = set()
    for name, theirs in objects.items():
        if name == exclude:
            continue
        for i, a in enumerate(mine):
            for j, b in enumerate(theirs):
                area = shapely.intersection(a.footprint, b.footprint).area
                lo, hi = max(a.alt_lower_m, b.alt_lower_m), min(a.alt_upper_m, b.alt_upper_m)
                t0, t1 = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
                if area > 0 and lo < hi and t0 < t1:
                    rows.add((name, i, j, round(area, 9), lo, hi, t0, t1))
    return rows


@settings(max_examples=150, deadline=None)
@given(writes=WRITES, mine=grid_volumes(), rebuild_after=st.sampled_from([1, 2, 5, 1000]))
def test_index_matches_an_all_pairs_check(
    writes: list[tuple[str, list[Volume] | None]], mine: list[Volume], rebuild_after: int
) -> None:
    index = VolumeIndex(rebuild_after=rebuild_after)
    objects: dict[str, list[Volume]] = {}
    for name, volumes in writes:
        if volumes is None:
            assert index.remove(op(name)) == (name in objects)
            objects.pop(name, None)
        else:
            index.put(op(name), owner="p", version="v", volumes=volumes)
            objects[name] = volumes
    for exclude in (None, "a"):
        found = index.query(mine, exclude=None if exclude is None else op(exclude))
        got = {
            (r.id, r.volume_index, r.other_volume_index, round(r.footprint.area, 9),
             r.alt_lower_m, r.alt_upper_m, r.start_s, r.end_s)
            for r in found
        }  # fmt: skip
        assert got == brute_force(objects, mine, exclude)
        assert len(found) == len(got)  # no pair twice
    assert sorted(index.refs(), key=lambda r: r.id) == [op(n) for n in sorted(objects)]


@settings(max_examples=50, deadline=None)
@given(writes=WRITES)
def test_put_many_is_the_same_as_putting_one_by_one(
    writes: list[tuple[str, list[Volume] | None]],
) -> None:
    last = {name: volumes for name, volumes in writes if volumes is not None}
    one_by_one, at_once = VolumeIndex(rebuild_after=3), VolumeIndex()
    for name, volumes in writes:
        if volumes is not None:
            one_by_one.put(op(name), owner="p", version="v", volumes=volumes)
    at_once.put_many(Indexed(op(n), "p", "v", v) for n, v in last.items())
    probe = [vol(shapely.box(0, 0, 9, 9), alt=(0, 9), window=(0, 9))]
    a, b = one_by_one.query(probe), at_once.query(probe)
    assert (a.ids, a.volume_index.tolist(), a.other_volume_index.tolist()) == (
        b.ids,
        b.volume_index.tolist(),
        b.other_volume_index.tolist(),
    )
    assert np.array_equal(shapely.area(a.footprints()), shapely.area(b.footprints()))


def test_taking_rows_keeps_them_whole_and_computes_only_their_shapes() -> None:
    index = index_with(("a", [vol()]), ("b", [vol(shapely.box(2.1, 48.1, 2.5, 48.5))]))
    found = index.query([vol(shapely.box(2.15, 48.15, 2.3, 48.3))])
    assert found.ids == ("a", "b")
    (b,) = list(found.take([1]))
    assert (b.id, b.owner, b.version) == ("b", "party-b", "b@1")
    assert shapely.equals(b.footprint, shapely.box(2.15, 48.15, 2.3, 48.3))
    assert "footprints" not in found._cache  # reading a taken row left the rest alone
    assert shapely.equals(found[0].footprint, shapely.box(2.15, 48.15, 2.2, 48.2))
