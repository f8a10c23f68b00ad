"""The exact phase with level-offs: a track's vertical motion stops at its ``level_alt_m``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.detect import (
    MinimaTable,
    PairConflicts,
    Snapshot,
    detect_conflicts,
    exact_conflicts,
    extrapolate,
    horizontal_separation_m,
    level_off_s,
)
from tests.detect.encounters import encounter

NAN = float("nan")


def pair(
    alt: tuple[float, float],
    vs: tuple[float, float],
    level: tuple[float, float] | None,
    *,
    gs: tuple[float, float] = (0.0, 0.0),
    lookahead_s: float = 300.0,
) -> PairConflicts:
    """Two tracks over one point (horizontally in conflict throughout unless ``gs``)."""
    snap = Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["a", "b"],
        lat=[0.0, 0.0],
        lon=[0.0, 0.0],
        alt_m=alt,
        gs_mps=gs,
        course_deg=[90.0, 270.0],
        vs_mps=vs,
    )
    return exact_conflicts(
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        np.array([0]),
        np.array([1]),
        np.array([9260.0]),
        np.array([304.8]),
        np.array([lookahead_s]),
        level_alt_m=None if level is None else np.array(level),
    )


def test_a_climb_levelling_off_1000_ft_below_the_other_is_no_conflict() -> None:
    assert len(pair((9000.0, 8000.0), (0.0, 10.0), None)) == 1
    assert len(pair((9000.0, 8000.0), (0.0, 10.0), (NAN, 9000.0 - 304.8))) == 0


def test_a_climb_levelling_off_inside_the_minimum_conflicts_from_when_it_gets_there() -> None:
    found = pair((9000.0, 8000.0), (0.0, 10.0), (NAN, 8800.0))
    assert found.t_in_s[0] == pytest.approx((9000.0 - 304.8 - 8000.0) / 10.0)
    assert found.t_out_s[0] == 300.0  # it stays there
    assert found.dz_cpa_m[0] == pytest.approx(1000.0)  # t_cpa is 0 (no horizontal motion)


def test_a_level_behind_the_motion_is_ignored() -> None:
    linear = pair((9000.0, 8000.0), (0.0, 10.0), None)
    behind = pair((9000.0, 8000.0), (0.0, 10.0), (NAN, 7000.0))
    assert (behind.t_in_s[0], behind.t_out_s[0]) == (linear.t_in_s[0], linear.t_out_s[0])


def test_a_track_at_its_level_is_level_whatever_its_rate() -> None:
    assert len(pair((9000.0, 8695.2), (0.0, 10.0), (NAN, 8695.2))) == 0


def test_the_first_of_two_vertical_windows_is_the_conflict() -> None:
    # a climbs fast and levels at 3,000 m at 150 s; b climbs slowly past it from 1,000 m.
    found = pair((0.0, 1000.0), (20.0, 5.0), (3000.0, NAN), lookahead_s=600.0)
    assert found.t_in_s[0] == pytest.approx((1000.0 - 304.8) / 15.0)
    assert found.t_out_s[0] == pytest.approx((1000.0 + 304.8) / 15.0)
    # Starting 250 m apart: inside at once until 3.65 s; inside again from 189 s (after a
    # levelled off at 50 s and b closed the 1,000 m left at 5 m/s): the first one is given.
    early = pair((2000.0, 1750.0), (20.0, 5.0), (3000.0, NAN), lookahead_s=600.0)
    assert early.t_in_s[0] == 0.0
    assert early.t_out_s[0] == pytest.approx((304.8 - 250.0) / 15.0)


def test_a_conflict_continues_across_the_level_off() -> None:
    # a climbs into b's band and levels off inside it at 100 s: one interval to the horizon.
    found = pair((0.0, 1100.0), (10.0, 0.0), (1000.0, NAN))
    assert found.t_in_s[0] == pytest.approx((1100.0 - 304.8) / 10.0)
    assert found.t_out_s[0] == 300.0


def test_both_levelling_off_are_split_at_each_level_off() -> None:
    # a: 0 → 1,000 m at 10 m/s (100 s); b: 2,000 → 1,400 m at -5 m/s (120 s). The gap
    # closes at 15 m/s to 1,000 m at 100 s, then at 5 m/s to 400 m at 120 s: never < 304.8.
    assert len(pair((0.0, 2000.0), (10.0, -5.0), (1000.0, 1400.0))) == 0
    # b levelling at 1,250 m instead: inside from 100 + (1,500 - 304.8 - 1,000) / 5 = 139.04 s.
    found = pair((0.0, 2000.0), (10.0, -5.0), (1000.0, 1250.0))
    assert found.t_in_s[0] == pytest.approx(100.0 + (500.0 - 304.8) / 5.0)
    assert found.t_out_s[0] == 300.0


def test_the_horizontal_interval_still_bounds_the_conflict() -> None:
    # Head-on 20 km apart at 400 m/s closing: horizontally inside 26.85–73.15 s; vertically
    # from 19.5 s for good (b levels off at a's altitude at 50 s): the horizontal interval.
    found = exact_conflicts(
        *_head_on(alt=(9000.0, 8500.0), vs=(0.0, 10.0)),
        level_alt_m=np.array([NAN, 9000.0]),
    )
    assert found.t_in_s[0] == pytest.approx((20_000 - 9260) / 400.0, abs=0.05)
    assert found.t_out_s[0] == pytest.approx((20_000 + 9260) / 400.0, abs=0.05)
    assert found.dz_cpa_m[0] == pytest.approx(0.0, abs=0.05)  # b levelled at t_cpa ≈ 50 s


def _head_on(alt: tuple[float, float], vs: tuple[float, float]) -> tuple:  # type: ignore[type-arg]
    snap = Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["a", "b"],
        lat=[0.0, 0.0],
        lon=[0.0, 0.17966],
        alt_m=alt,
        gs_mps=[200.0, 200.0],
        course_deg=[90.0, 270.0],
        vs_mps=vs,
    )
    return (
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        np.array([0]),
        np.array([1]),
        np.array([9260.0]),
        np.array([304.8]),
        np.array([300.0]),
    )


@st.composite
def levelled(draw: st.DrawFn) -> Snapshot:
    """An encounter whose tracks may each have a level ahead of, behind or at them."""
    snap = draw(encounter())
    levels = []
    for i in range(2):
        kind = draw(st.sampled_from(["none", "ahead", "behind", "at"]))
        alt, vs = float(snap.alt_m[i]), float(snap.vs_mps[i])
        after = draw(st.floats(0.0, 400.0))
        levels.append(
            {"none": NAN, "ahead": alt + vs * after, "behind": alt - vs * after, "at": alt}[kind]
        )
    return dataclasses.replace(snap, level_alt_m=np.array(levels))


@settings(max_examples=300, deadline=None)
@given(levelled())
def test_intervals_agree_with_dense_sampling_of_the_motion_model(snap: Snapshot) -> None:
    """Every sample (every 0.05 s) clearly inside both minima lies in a conflict the exact
    phase found, the first such sample in [t_in, t_out]; every sample in (t_in, t_out) is
    at most 0.1 % outside."""
    assert snap.level_alt_m is not None
    minima = MinimaTable().minima("red", "blue", "air", "air")
    assert minima is not None
    h, v, horizon = minima.horizontal_m, minima.vertical_m, minima.lookahead_s
    times = np.arange(0.0, horizon + 0.025, 0.05)
    motion = snap.motion()
    stop = level_off_s(snap.alt_m, snap.vs_mps, snap.level_alt_m)
    alt = snap.alt_m[:, None] + snap.vs_mps[:, None] * np.minimum(times, stop[:, None])
    pos = [motion.position_m[:, [i]] + motion.velocity_mps[:, [i]] * times for i in range(2)]
    up = [np.repeat(motion.up[:, [i]], times.size, axis=1) for i in range(2)]
    d = horizontal_separation_m(pos[0], pos[1], up[0], up[1])
    dz = np.abs(alt[1] - alt[0])
    band = 1e-3
    inner = (d < h * (1 - band)) & (dz < v * (1 - band))
    outer = (d < h * (1 + band)) & (dz < v * (1 + band) + 1e-3)
    found = exact_conflicts(
        motion,
        snap.alt_m,
        snap.vs_mps,
        np.array([0]),
        np.array([1]),
        np.array([h]),
        np.array([v]),
        np.array([horizon]),
        level_alt_m=snap.level_alt_m,
    )
    if len(found) == 0:
        assert not inner.any()
        return
    t_in, t_out = float(found.t_in_s[0]), float(found.t_out_s[0])
    assert 0.0 <= t_in < t_out <= horizon
    if inner.any():
        assert times[inner][0] >= t_in - 1e-9
        assert times[inner][0] <= t_out + 1e-9
    within = (times > t_in) & (times < t_out)
    assert outer[within].all()


@settings(max_examples=200, deadline=None)
@given(encounter())
def test_no_level_anywhere_is_the_linear_phase(snap: Snapshot) -> None:
    args = (
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        np.array([0]),
        np.array([1]),
        np.array([9260.0]),
        np.array([304.8]),
        np.array([300.0]),
    )
    linear = exact_conflicts(*args)
    none = exact_conflicts(*args, level_alt_m=np.full(2, NAN))
    for name in ("pair", "t_in_s", "t_out_s", "t_cpa_s", "d_cpa_m", "dz_cpa_m"):
        assert np.array_equal(getattr(linear, name), getattr(none, name))


def test_detect_conflicts_and_extrapolate_honour_the_snapshots_levels() -> None:
    snap = Snapshot.from_columns(
        0.0,
        party=["red", "blue", "green"],
        track=["level", "climbs", "climbs_on"],
        lat=[48.0, 48.0, 48.01],
        lon=[2.0, 2.0, 2.0],
        alt_m=[9000.0, 8000.0, 8000.0],
        gs_mps=[0.0, 0.0, 0.0],
        course_deg=[0.0, 0.0, 0.0],
        vs_mps=[0.0, 10.0, 10.0],
        level_alt_m=[NAN, 9000.0 - 304.8, NAN],
    )
    found = {(c.track_a, c.track_b) for c in detect_conflicts(snap, MinimaTable())}
    assert found == {("climbs_on", "level"), ("climbs", "climbs_on")}
    later = extrapolate(snap, 120.0)
    assert later.alt_m.tolist() == [9000.0, 9000.0 - 304.8, 9200.0]
    assert later.vs_mps.tolist() == [0.0, 0.0, 10.0]
    assert later.level_alt_m is not None and np.isnan(later.level_alt_m[0])
    assert len(snap.take([1])) == 1 and snap.take([1]).level_alt_m.tolist() == [8695.2]
