"""The track filter over columns (detect.filter)."""

from __future__ import annotations

import numpy as np
import pytest

from deconfliction.detect import level_off_s
from deconfliction.detect.filter import (
    FT_M,
    FilterParams,
    FilterState,
    Reports,
    overdue,
    predict,
    update,
)
from deconfliction.errors import InvalidInput

NAN = float("nan")


def feed(
    state: FilterState,
    row: int,
    times: list[float],
    alts: list[float],
    vss: list[float] | None = None,
    *,
    selected: list[float] | None = None,
    gs: float = 200.0,
    course: float = 90.0,
) -> None:
    """Reports of one track, one update per report; positions follow gs and course."""
    vss = vss or [0.0] * len(times)
    for k, (t, alt, vs) in enumerate(zip(times, alts, vss, strict=True)):
        east = gs * np.sin(np.radians(course)) * (t - times[0])
        north = gs * np.cos(np.radians(course)) * (t - times[0])
        update(
            state,
            [row],
            Reports.of(
                time_s=[t],
                lat=[48.0 + north / 111_195.0],
                lon=[2.0 + east / (111_195.0 * np.cos(np.radians(48.0)))],
                alt_m=[alt],
                gs_mps=[gs],
                course_deg=[course],
                vs_mps=[vs],
                selected_alt_m=None if selected is None else [selected[k]],
            ),
        )


def test_a_level_track_with_jittering_vertical_rate_is_level() -> None:
    state = FilterState()
    times = [5.0 * k for k in range(8)]
    alts = [9000.0 + (7.62 if k % 2 else 0.0) for k in range(8)]  # one 25 ft step
    vss = [0.33 * (-1) ** k for k in range(8)]  # a 64 ft/min quantum either way
    feed(state, 0, times, alts, vss)
    p = predict(state, [0])
    assert p.level[0] and p.vs_mps[0] == 0.0
    assert 9000.0 <= p.alt_m[0] <= 9007.62
    assert p.interval_s[0] == pytest.approx(5.0)


def test_a_single_vertical_rate_report_does_not_unlevel_a_steady_track() -> None:
    state = FilterState()
    feed(state, 0, [5.0 * k for k in range(8)], [9000.0] * 7 + [9000.0], [0.0] * 7 + [2.5])
    p = predict(state, [0])
    assert p.level[0] and p.vs_mps[0] == 0.0


def test_a_climbing_track_keeps_its_rate_and_a_new_climb_is_seen_at_once() -> None:
    state = FilterState()
    times = [5.0 * k for k in range(12)]
    alts = [3000.0] * 6 + [3000.0 + 50.0 * k for k in range(1, 7)]
    vss = [0.0] * 6 + [10.0] * 6
    feed(state, 0, times[:7], alts[:7], vss[:7])
    first = predict(state, [0])
    assert not first.level[0] and first.vs_mps[0] > 4.0  # one report into the climb
    feed(state, 0, times[7:], alts[7:], vss[7:])
    climbing = predict(state, [0])
    assert climbing.vs_mps[0] == pytest.approx(10.0, abs=0.5)
    assert climbing.alt_m[0] == pytest.approx(alts[-1], abs=10.0)


def test_an_altitude_glitch_of_30_km_is_rejected_and_counted() -> None:
    state = FilterState()
    alts = [3000.0] * 5 + [33_000.0] + [3000.0] * 3
    feed(state, 0, [5.0 * k for k in range(9)], alts)
    p = predict(state, [0])
    assert p.alt_m[0] == pytest.approx(3000.0) and p.level[0] and p.vs_mps[0] == 0.0
    assert p.rejected[0] == 1 and state.rejected_total == 1


def test_altitudes_rejected_several_times_in_agreement_are_believed() -> None:
    state = FilterState()
    alts = [3000.0] * 5 + [9000.0] * 4
    feed(state, 0, [5.0 * k for k in range(9)], alts)
    p = predict(state, [0])
    assert state.rejected_total == 2  # the third agreeing report re-acquires
    assert p.alt_m[0] == pytest.approx(9000.0, abs=1.0)


def test_a_track_coded_in_100_ft_steps_is_known_as_such() -> None:
    state = FilterState()
    feed(state, 0, [5.0 * k for k in range(6)], [3048.0, 3048.0, 3078.48, 3048.0, 3048.0, 3048.0])
    feed(state, 1, [5.0 * k for k in range(6)], [3048.0] * 5 + [3055.62])
    assert state.quantum_m(np.array([0, 1])).tolist() == [100 * FT_M, 25 * FT_M]


def test_the_selected_altitude_is_the_level_and_a_report_without_it_means_none() -> None:
    state = FilterState()
    feed(state, 0, [0.0, 5.0], [3000.0, 3050.0], [10.0, 10.0], selected=[3600.0, 3600.0])
    assert predict(state, [0]).level_alt_m.tolist() == [3600.0]
    feed(state, 0, [10.0], [3100.0], [10.0])
    assert np.isnan(predict(state, [0]).level_alt_m[0])


def test_the_filter_does_not_predict_past_the_selected_level() -> None:
    state = FilterState()
    times = [5.0 * k for k in range(4)]
    feed(state, 0, times, [3000.0, 3050.0, 3100.0, 3150.0], [10.0] * 4, selected=[3160.0] * 4)
    # The next report, at the level, is no surprise; the state stays at 3,160 m.
    feed(state, 0, [20.0, 25.0], [3160.0, 3160.0], [0.0, 0.0], selected=[3160.0] * 2)
    p = predict(state, [0])
    assert p.alt_m[0] == pytest.approx(3160.0, abs=0.5)  # without the level: 3,178 m
    assert level_off_s(p.alt_m, p.vs_mps, p.level_alt_m).tolist() == [0.0]  # held there
    assert state.rejected_total == 0


def test_sparse_tracks_keep_their_own_interval_and_are_late_only_for_themselves() -> None:
    state = FilterState()
    feed(state, 0, [0.0, 40.0, 80.0, 120.0], [3000.0] * 4)
    feed(state, 1, [100.0, 105.0, 110.0, 115.0, 120.0], [3000.0] * 5)
    assert predict(state, [0, 1]).interval_s.tolist() == pytest.approx([40.0, 5.0])
    late = overdue(state, [0, 1], 150.0, intervals=1.5, floor_s=10.0)
    assert late.tolist() == [False, True]


def test_several_reports_of_a_track_in_one_update_are_taken_in_time_order() -> None:
    one, many = FilterState(), FilterState()
    times = [10.0, 0.0, 5.0]
    reports = Reports.of(
        time_s=times,
        lat=[48.0, 48.0, 48.0],
        lon=[2.0, 2.0, 2.0],
        alt_m=[3100.0, 3000.0, 3050.0],
        gs_mps=[0.0] * 3,
        course_deg=[0.0] * 3,
        vs_mps=[10.0] * 3,
    )
    result = update(many, [3, 3, 3], reports)
    assert (result.accepted, result.late) == (3, 0)
    for k in (1, 2, 0):
        update(one, [3], reports.take(np.array([k])))
    assert predict(one, [3]).alt_m.tolist() == predict(many, [3]).alt_m.tolist()
    late = update(many, [3], reports.take(np.array([1])))  # time 0 again: late
    assert (late.accepted, late.late, many.late_total) == (0, 1, 1)


def test_the_state_grows_with_the_rows_and_restarts_after_a_long_gap() -> None:
    state = FilterState(capacity=4)
    feed(state, 40, [0.0, 5.0], [3000.0, 3000.0])
    assert state.capacity >= 41 and state.reports[40] == 2
    feed(state, 40, [500.0], [6000.0])  # after restart_after_s: no glitch, a new start
    p = predict(state, [40])
    assert p.alt_m[0] == 6000.0 and state.rejected_total == 0 and state.reports[40] == 1


def test_positions_and_velocity_follow_a_straight_track() -> None:
    state = FilterState()
    feed(state, 0, [5.0 * k for k in range(10)], [3000.0] * 10, gs=150.0, course=45.0)
    p = predict(state, [0])
    assert p.gs_mps[0] == pytest.approx(150.0, abs=0.5)
    assert p.course_deg[0] == pytest.approx(45.0, abs=0.5)
    north = 150.0 * np.cos(np.radians(45.0)) * 45.0
    assert p.lat[0] == pytest.approx(48.0 + north / 111_195.0, abs=2e-4)


def test_params_change_the_level_window() -> None:
    state = FilterState()
    feed(state, 0, [0.0, 5.0, 10.0], [3000.0] * 3)
    assert not predict(state, [0]).level[0]
    assert predict(state, [0], FilterParams(level_window_s=10.0)).level[0]


def test_mismatched_columns_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Reports.of(
            time_s=[0.0, 1.0],
            lat=[0.0],
            lon=[0.0],
            alt_m=[0.0],
            gs_mps=[0.0],
            course_deg=[0.0],
            vs_mps=[0.0],
        )
    with pytest.raises(InvalidInput):
        update(
            FilterState(),
            [0, 1],
            Reports.of(
                time_s=[0.0],
                lat=[0.0],
                lon=[0.0],
                alt_m=[0.0],
                gs_mps=[0.0],
                course_deg=[0.0],
                vs_mps=[0.0],
            ),
        )
