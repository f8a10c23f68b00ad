"""Swept boxes: every pair the exact phase keeps has overlapping boxes and bands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from deconfliction.detect import (
    Motion,
    Snapshot,
    all_pairs,
    curvature_margin_m,
    exact_conflicts,
    swept_boxes,
)
from deconfliction.detect.boxes import SweptBoxes
from tests.detect.encounters import cluster, latitudes, longitudes

GEOD = Geod(ellps="WGS84")


def boxes_for(snap: Snapshot, h: float, v: float, t: float) -> SweptBoxes:
    n = len(snap)
    return swept_boxes(
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        horizontal_m=np.full(n, h),
        vertical_m=np.full(n, v),
        lookahead_s=np.full(n, t),
    )


def kept_pairs(snap: Snapshot, h: float, v: float, t: float) -> tuple[np.ndarray, np.ndarray]:
    a, b = all_pairs(len(snap))
    found = exact_conflicts(snap.motion(), snap.alt_m, snap.vs_mps, a, b, h, v, t)
    return a[found.pair], b[found.pair]


minima = st.sampled_from(
    [(9260.0, 304.8, 300.0), (1000.0, np.inf, 600.0), (20_000.0, 600.0, 900.0), (500.0, 30.0, 60.0)]
)


@settings(max_examples=200, deadline=None)
@given(cluster(), minima)
def test_boxes_of_conflicting_pairs_overlap(
    snap: Snapshot, limits: tuple[float, float, float]
) -> None:
    a, b = kept_pairs(snap, *limits)
    assert boxes_for(snap, *limits).overlap(a, b).all()


@st.composite
def meeting(draw: st.DrawFn) -> tuple[Snapshot, float]:
    """Two tracks that reach one point at the same time, from as far apart as speeds allow."""
    lat, lon = draw(latitudes), draw(longitudes)
    when = draw(st.floats(0.0, 600.0))
    fast = draw(st.booleans())
    top = 3000.0 if fast else 320.0
    rows = []
    for _ in range(2):
        speed = draw(st.floats(0.0, top))
        away = draw(st.floats(0.0, 360.0))
        start_lon, start_lat, back = GEOD.fwd(lon, lat, away, speed * when)
        rows.append((float(np.clip(start_lat, -90, 90)), start_lon, speed, (back + 360.0) % 360.0))
    snap = Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["a", "b"],
        lat=[r[0] for r in rows],
        lon=[(r[1] + 180.0) % 360.0 - 180.0 for r in rows],
        alt_m=[5000.0, 5000.0],
        gs_mps=[r[2] for r in rows],
        course_deg=[r[3] for r in rows],
    )
    return snap, when


@settings(max_examples=400, deadline=None)
@given(meeting(), st.sampled_from([300.0, 600.0]))
def test_curvature_margin_covers_far_apart_meetings(
    case: tuple[Snapshot, float], lookahead: float
) -> None:
    """Pairs that meet late after closing from afar are where the 3-D distance exceeds the
    horizontal one most; their boxes must still overlap whenever the exact phase keeps them."""
    snap, _ = case
    h, v = 9260.0, 304.8
    a, b = kept_pairs(snap, h, v, lookahead)
    boxes = boxes_for(snap, h, v, lookahead)
    assert boxes.overlap(a, b).all()
    found = exact_conflicts(snap.motion(), snap.alt_m, snap.vs_mps, a, b, h, v, lookahead)
    if len(found):
        motion = snap.motion()
        margin = curvature_margin_m(snap.gs_mps, np.full(2, h), np.full(2, lookahead))
        for t in np.linspace(found.t_in_s[0], found.t_out_s[0], 7)[1:-1]:
            gap = np.linalg.norm(motion.at(t)[:, 1] - motion.at(t)[:, 0])
            assert gap <= h + margin.sum()


def test_altitude_band_and_box_extent() -> None:
    motion = Motion.from_arrays(np.zeros(1), np.zeros(1), np.array([200.0]), np.zeros(1))
    boxes = swept_boxes(
        motion,
        np.array([9000.0]),
        np.array([-10.0]),
        horizontal_m=np.array([9260.0]),
        vertical_m=np.array([304.8]),
        lookahead_s=np.array([300.0]),
    )
    assert boxes.alt_lo[0] == pytest.approx(6000.0 - 152.4)
    assert boxes.alt_hi[0] == pytest.approx(9000.0 + 152.4)
    # 60 km north plus a buffer of half the minimum and the curvature margin on each side.
    margin = curvature_margin_m(np.array([200.0]), np.array([9260.0]), np.array([300.0]))[0]
    extent = (boxes.hi - boxes.lo)[:, 0]
    assert max(extent) == pytest.approx(60_000 + 9260 + 2 * margin + 2, rel=1e-3)
    assert 500.0 < margin < 1000.0


def test_wild_speeds_get_an_unconditional_margin() -> None:
    margin = curvature_margin_m(np.array([250.0, 5000.0]), np.full(2, 9260.0), np.full(2, 300.0))
    assert margin[1] > 110_000.0 + 5000.0 * 300.0
    assert margin[0] < 1500.0
