"""The detection cycle through the hub: live tracks extrapolated to the cycle time,
conflicts become alerts, stale tracks drop out."""

import json

from pyproj import Geod

from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.model import Agreement, Minima
from deconfliction.model.alert import Severity
from deconfliction.model.codec import dump
from tests.scenarios import T0

WGS84 = Geod(ellps="WGS84")


def at(lat: float, lon: float, course_deg: float, distance_m: float) -> tuple[float, float]:
    lon2, lat2, _ = WGS84.fwd(lon, lat, course_deg, distance_m)
    return lat2, lon2


def report(
    track: str,
    lat: float,
    lon: float,
    course: float,
    time_s: float,
    alt_m: float = 9000.0,
    gs_mps: float = 200.0,
) -> dict:
    return {
        "track": track,
        "time": time_s,
        "lat": lat,
        "lon": lon,
        "alt_m": alt_m,
        "gs_mps": gs_mps,
        "course_deg": course,
    }


def head_on(hub: Hub, clock: ManualClock, gap_m: float = 60_000.0) -> None:
    """Blue flies east, red west at 200 m/s, on the same parallel, ``gap_m`` apart at T0;
    each reports where it is at the clock's time."""
    flown_m = 200.0 * (clock.now() - T0)
    lat, lon = at(45.0, 5.0, 90.0, flown_m)
    hub.submit_reports("blue", [report("BLUE-JET-1", lat, lon, 90.0, clock.now())])
    lat, lon = at(45.0, 5.0, 90.0, gap_m - flown_m)
    hub.submit_reports("red", [report("RED-JET-1", lat, lon, 270.0, clock.now())])


def confirmed_head_on(hub: Hub, clock: ManualClock, gap_m: float = 45_000.0) -> None:
    """``head_on``, found by a cycle, then confirmed by the next reports 1 s later (a loss
    further ahead than ``alert_confirm_beyond_s`` opens only then; 45 km apart, it is within
    the warning horizon: not an advisory, which would wait ``alert_advisory_confirm_s``)."""
    head_on(hub, clock, gap_m)
    hub.run_cycle()
    clock.advance(1)
    head_on(hub, clock, gap_m)
    hub.run_cycle()


def test_a_conflict_far_ahead_opens_once_a_fresh_report_confirms_it(
    hub: Hub, clock: ManualClock
) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    head_on(hub, clock, 45_000.0)
    stats = hub.run_cycle()
    assert (stats.tracks, stats.conflicts) == (2, 1)
    assert hub.alerts_for("blue") == []  # 89 s ahead: beyond alert_confirm_beyond_s (60 s)
    clock.advance(1)
    assert hub.run_cycle().conflicts == 1  # found again, but from the same reports
    assert hub.alerts_for("blue") == []
    head_on(hub, clock, 45_000.0)
    hub.run_cycle()
    assert len(hub.alerts_for("blue")) == len(hub.alerts_for("red")) == 1


def test_a_predicted_conflict_opens_with_the_time_to_loss(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    confirmed_head_on(hub, clock)
    [blue] = hub.alerts_for("blue")
    assert blue.severity is Severity.PREDICTED  # within alert_warning_horizon_s (100 s)
    # 45 km apart at T0, closing at 400 m/s, 9,260 m minimum: loss in (45000 - 9260) / 400 s
    # after T0, and the alert opens 1 s later
    assert abs(dump(blue.view)["geometry"]["t_in_s"] - 88.35) < 1.0
    assert dump(blue.view)["own"]["track"] == "BLUE-JET-1"
    assert dump(blue.view)["other"]["party"] == "red"
    assert "RED-JET-1" not in json.dumps(blue.to_json())


def test_tracks_are_extrapolated_to_the_cycle_time(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    confirmed_head_on(hub, clock)
    clock.advance(20)  # no new reports: the cycle moves both 20 s along their courses
    hub.run_cycle()
    [alert] = hub.alerts_for("red")
    assert abs(alert.now.t_in_s - 68.35) < 1.0


def test_same_party_pairs_are_not_conflicts(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    lat, lon = at(45.0, 5.0, 90.0, 60_000)
    hub.submit_reports(
        "blue", [report("BLUE-JET-1", 45.0, 5.0, 90.0, T0), report("b2", lat, lon, 270.0, T0)]
    )
    assert hub.run_cycle().conflicts == 0


def test_stale_tracks_drop_out_and_their_alert_expires(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    confirmed_head_on(hub, clock)
    assert len(hub.alerts_for("blue")) == 1
    clock.advance(31)  # past stale_after_s (and 3 of its 1 s intervals) without a report
    assert hub.run_cycle().tracks == 0
    assert hub.alerts_for("blue") == []
    assert hub.closed_alerts_for("blue")[0].state.value == "expired"


def test_an_agreement_widens_the_minima_of_its_two_parties(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    head_on(hub, clock, gap_m=200_000)  # loss at 5 NM in 477 s: beyond 300 s
    assert hub.run_cycle().conflicts == 0
    hub.set_agreement(Agreement("blue", "red", minima={"air": Minima(20_000, 600, 600)}))
    # An advisory (450 s ahead): it opens once found for alert_advisory_confirm_s.
    for _ in range(int(hub.settings.alert_advisory_confirm_s) + 1):
        hub.run_cycle()
        clock.advance(1)
        head_on(hub, clock, gap_m=200_000)
    hub.run_cycle()
    [alert] = hub.alerts_for("blue")
    assert dump(alert.view)["geometry"]["minima"] == {
        "horizontal_m": 20_000.0,
        "vertical_m": 600.0,
        "lookahead_s": 600.0,
    }


def test_the_largest_accepted_speeds_still_raise_a_current_loss(
    hub: Hub, clock: ManualClock
) -> None:
    """Every speed validation accepts, at its extreme, keeps a loss 1.1 km away a loss."""
    from deconfliction.model.report import DEFAULT_SPEED_LIMITS

    hub.add_party("blue")
    hub.add_party("red")
    gs_max, vs_max = DEFAULT_SPEED_LIMITS.of("air")
    assert (gs_max, vs_max) == (hub.settings.air_max_gs_mps, hub.settings.air_max_vs_mps)
    lat, lon = at(45.0, 5.0, 0.0, 1100.0)
    hub.submit_reports("red", [report("R1", lat, lon, 180.0, clock.now(), alt_m=3000.0)])
    for n, (course, vs) in enumerate([(0.0, vs_max), (90.0, -vs_max), (225.0, 0.0)]):
        fast = report(f"B{n}", 45.0, 5.0, course, clock.now(), alt_m=3000.0, gs_mps=gs_max)
        fast["vs_mps"] = vs
        assert hub.submit_reports("blue", [fast]).accepted == 1
    hub.run_cycle()
    tracks = sorted(a.view.own.track for a in hub.alerts_for("blue"))
    assert tracks == ["B0", "B1", "B2"]
    assert {a.severity for a in hub.alerts_for("blue")} == {Severity.LOSS}


def test_speeds_above_the_limits_are_rejected_with_the_setting(
    hub: Hub, clock: ManualClock
) -> None:
    hub.add_party("blue")
    fast = report("B1", 45.0, 5.0, 90.0, clock.now(), gs_mps=1e308)
    climbing = {**report("B2", 45.0, 5.0, 90.0, clock.now()), "vs_mps": -1e308}
    result = hub.submit_reports("blue", [fast, climbing])
    assert result.accepted == 0
    reasons = [r.reason for r in result.rejected]
    assert "air_max_gs_mps" in reasons[0] and "1500" in reasons[0]
    assert "air_max_vs_mps" in reasons[1]
