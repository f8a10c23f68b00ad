"""Alerts in data time (issue 14, docs/detection.md "Alert quality"): the track filter and the
lifecycle rules, through the hub with its default settings.

Aircraft fly straight at constant speed; each test submits their reports at the times a feed
would and runs a detection cycle every second, as the hub does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from pyproj import Geod

from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.codec import dump
from tests.scenarios import T0

WGS84 = Geod(ellps="WGS84")
FT = 0.3048


@dataclass(frozen=True)
class Flight:
    """A straight flight: where it is at T0, its course, speeds and altitude profile."""

    party: str
    track: str
    lat: float
    lon: float
    course_deg: float
    gs_mps: float = 200.0
    alt_m: float = 9000.0
    vs_mps: float = 0.0
    level_at_m: float | None = None  # the climb or descent stops there

    def alt_at(self, t_s: float) -> float:
        alt = self.alt_m + self.vs_mps * (t_s - T0)
        if self.level_at_m is not None:
            if self.vs_mps > 0:
                alt = min(alt, self.level_at_m)
            elif self.vs_mps < 0:
                alt = max(alt, self.level_at_m)
        return alt

    def report(self, t_s: float, **fields: float) -> dict[str, object]:
        lon, lat, _ = WGS84.fwd(self.lon, self.lat, self.course_deg, self.gs_mps * (t_s - T0))
        alt = self.alt_at(t_s)
        levelled = self.level_at_m is not None and alt == self.level_at_m
        item: dict[str, object] = {
            "track": self.track,
            "time": t_s,
            "lat": lat,
            "lon": lon,
            "alt_m": alt,
            "gs_mps": self.gs_mps,
            "course_deg": self.course_deg,
            "vs_mps": 0.0 if levelled else self.vs_mps,
        }
        item.update(fields)
        return item


def at(lat: float, lon: float, course_deg: float, distance_m: float) -> tuple[float, float]:
    lon2, lat2, _ = WGS84.fwd(lon, lat, course_deg, distance_m)
    return lat2, lon2


def head_on(gap_m: float, blue_alt_m: float = 9000.0, red_alt_m: float = 9000.0) -> list[Flight]:
    """Blue east, red west at 200 m/s each, ``gap_m`` apart at T0 on the same parallel."""
    lat, lon = at(45.0, 5.0, 90.0, gap_m)
    return [
        Flight("blue", "B1", 45.0, 5.0, 90.0, alt_m=blue_alt_m),
        Flight("red", "R1", lat, lon, 270.0, alt_m=red_alt_m),
    ]


Reporter = Callable[[Flight, float], dict[str, object] | None]


def every(interval_s: float) -> Reporter:
    """Report at T0, T0 + interval_s, …"""

    def reporter(flight: Flight, t_s: float) -> dict[str, object] | None:
        return flight.report(t_s) if (t_s - T0) % interval_s == 0 else None

    return reporter


def fly(
    hub: Hub,
    clock: ManualClock,
    flights: list[Flight],
    seconds: int,
    reporters: dict[str, Reporter] | None = None,
) -> list[int]:
    """From the clock's time, ``seconds`` one-second steps: each flight's report when its
    reporter gives one (default: every second), then a cycle. The conflicts each cycle found."""
    found = []
    for _ in range(seconds):
        now = clock.now()
        for flight in flights:
            item = (reporters or {}).get(flight.track, every(1))(flight, now)
            if item is not None:
                result = hub.submit_reports(flight.party, [item])
                assert result.accepted == 1, result.rejected
        found.append(hub.run_cycle(now).conflicts)
        clock.advance(1)
    return found


def track_alerts(hub: Hub, party: str) -> list[object]:
    """Every track–track alert of ``party``, open or closed."""
    alerts = hub.alerts_for(party) + hub.closed_alerts_for(party)
    return [a for a in alerts if a.kind is AlertKind.TRACK_TRACK]


def alert_events(hub: Hub, party: str) -> list[tuple[str, str]]:
    return [
        (e.kind, e.data["severity"])
        for e in hub.events_after(party, 0)
        if e.kind.startswith("alert.") and e.data.get("kind") == "track_track"
    ]


def test_a_conflict_missing_from_one_report_at_10_s_keeps_one_alert(
    hub: Hub, clock: ManualClock
) -> None:
    """Red reports every 10 s; one of its reports puts it 700 m higher (within what a
    10 s gap allows, so believed), out of conflict; the next brings it back."""
    hub.add_party("blue")
    hub.add_party("red")
    blue, red = head_on(60_000.0)
    ten_s = every(10)
    glitch_at = T0 + 30

    def red_reports(flight: Flight, t_s: float) -> dict[str, object] | None:
        if t_s == glitch_at:
            return flight.report(t_s, alt_m=flight.alt_m + 700.0)
        return ten_s(flight, t_s)

    found = fly(hub, clock, [blue, red], 70, {"R1": red_reports})
    assert found[30] == 0, "the report at +30 s must take the pair out of conflict"
    assert found[-1] == 1
    assert len(track_alerts(hub, "blue")) == 1
    assert [kind for kind, _ in alert_events(hub, "blue")].count("alert.opened") == 1
    assert "alert.resolved" not in [kind for kind, _ in alert_events(hub, "blue")]


def test_a_level_off_at_the_selected_altitude_1000_ft_below_raises_no_alert(
    hub: Hub, clock: ManualClock
) -> None:
    """Red climbs at 10 m/s towards FL290 head-on with blue at FL300. Without knowing
    where red stops, its climb predicts it through blue's level: a conflict."""
    hub.add_party("blue")
    hub.add_party("red")
    blue, red = head_on(80_000.0, blue_alt_m=30_000 * FT)
    climbing = replace(red, alt_m=26_000 * FT, vs_mps=10.0, level_at_m=29_000 * FT)

    def with_selected(flight: Flight, t_s: float) -> dict[str, object]:
        return flight.report(t_s, selected_alt_m=29_000 * FT)

    assert max(fly(hub, clock, [blue, climbing], 150, {"R1": with_selected})) == 0
    assert track_alerts(hub, "blue") == []


def test_without_a_selected_altitude_the_climb_is_a_conflict_until_it_levels_off(
    hub: Hub, clock: ManualClock
) -> None:
    """The same pair without selected_alt_m: while red climbs, its climb may go through
    blue's level (the hub cannot know), so the conflict is found; once red has been
    steady at FL290 for level_window_s, it is level, whatever one report's rate says."""
    hub.add_party("blue")
    hub.add_party("red")
    blue, red = head_on(40_000.0, blue_alt_m=30_000 * FT)  # within 5 NM from +77 s
    climbing = replace(red, alt_m=28_000 * FT, vs_mps=10.0, level_at_m=29_000 * FT)
    found = fly(hub, clock, [blue, climbing], 25)  # levels off after 30.5 s
    assert max(found[:20]) == 1  # climbing through FL300 within the implied level-off
    after_level = fly(hub, clock, [blue, climbing], 40)
    assert after_level[-1] == 0  # level: the conflict is gone

    def noisy_rate(flight: Flight, t_s: float) -> dict[str, object]:
        return flight.report(t_s, vs_mps=2.5)  # one ADS-B rate glitch: 750 ft in 90 s

    assert fly(hub, clock, [blue, climbing], 1, {"R1": noisy_rate}) == [0]


def test_an_altitude_glitch_of_30_km_in_one_report_raises_nothing_and_is_counted(
    hub: Hub, clock: ManualClock
) -> None:
    """Red flies 900 m below blue (no conflict); one of its reports says 30 km lower, from
    where its altitude would be believed to climb back through blue's level."""
    hub.add_party("blue")
    hub.add_party("red")
    blue, red = head_on(40_000.0, blue_alt_m=9900.0)
    glitch_at = T0 + 10

    def red_reports(flight: Flight, t_s: float) -> dict[str, object]:
        if t_s == glitch_at:
            return flight.report(t_s, alt_m=flight.alt_m - 30_000.0)
        return flight.report(t_s)

    found = fly(hub, clock, [blue, red], 20, {"R1": red_reports})
    assert max(found) == 0
    assert track_alerts(hub, "blue") == []
    assert hub.run_cycle().altitudes_rejected == 1


def test_a_head_on_pair_raises_one_alert_that_escalates_to_loss(
    hub: Hub, clock: ManualClock
) -> None:
    """100 km apart closing at 400 m/s: the loss (5 NM) comes 227 s after T0, the lookahead
    (300 s) sees it from the start; an advisory opens once it has been found for
    alert_advisory_confirm_s (60 s)."""
    hub.add_party("blue")
    hub.add_party("red")
    fly(hub, clock, head_on(100_000.0), 240)
    for party in ("blue", "red"):
        [opened] = track_alerts(hub, party)
        assert opened.opened_s == T0 + 60
        assert alert_events(hub, party) == [
            ("alert.opened", Severity.ADVISORY.value),
            ("alert.updated", Severity.PREDICTED.value),
            ("alert.updated", Severity.LOSS.value),
        ]
    [alert] = hub.alerts_for("blue")
    assert alert.severity is Severity.LOSS
    assert dump(alert.view)["other"]["party"] == "red"


def turned(flight: Flight, at_s: float, course_deg: float) -> Flight:
    """The flight from where it is at ``at_s`` on, on a new course."""
    lat, lon = at(flight.lat, flight.lon, flight.course_deg, flight.gs_mps * (at_s - T0))
    # Where the new straight line would have been at T0, so that it passes (lat, lon) at at_s.
    lat0, lon0 = at(lat, lon, course_deg + 180.0, flight.gs_mps * (at_s - T0))
    return replace(flight, lat=lat0, lon=lon0, course_deg=course_deg)


def test_an_advisory_that_vanishes_before_it_is_confirmed_raises_no_alert(
    hub: Hub, clock: ManualClock
) -> None:
    """The head-on pair found 227 s ahead, but red turns away 30 s later: a prediction that
    lasted less than alert_advisory_confirm_s opens nothing."""
    hub.add_party("blue")
    hub.add_party("red")
    blue, red = head_on(100_000.0)
    away = turned(red, T0 + 30, 0.0)

    def red_reports(flight: Flight, t_s: float) -> dict[str, object]:
        return (red if t_s < T0 + 30 else away).report(t_s)

    found = fly(hub, clock, [blue, red], 120, {"R1": red_reports})
    assert max(found[:30]) == 1 and max(found[35:]) == 0
    assert track_alerts(hub, "blue") == track_alerts(hub, "red") == []


def side_by_side(hub: Hub) -> tuple[Flight, Flight]:
    """Blue and red (parties added) flying the same way 3 km apart at the same level: a
    loss of separation that lasts."""
    hub.add_party("blue")
    hub.add_party("red")
    lat, lon = at(45.0, 5.0, 0.0, 3_000.0)
    return Flight("blue", "B1", 45.0, 5.0, 90.0), Flight("red", "R1", lat, lon, 90.0)


def test_a_track_back_after_missing_reports_past_stale_after_s_keeps_its_alert(
    hub: Hub, clock: ManualClock
) -> None:
    """A lasting loss (same way, 3 km apart, same level), both reporting every 5 s; red's
    feed misses 35 s of reports, so red leaves the picture for a moment (stale_after_s 30 s):
    the alert is held for alert_hysteresis_s and red is back within it."""
    blue, red = side_by_side(hub)
    five_s = every(5)

    def gap(flight: Flight, t_s: float) -> dict[str, object] | None:
        return None if T0 + 40 < t_s < T0 + 75 else five_s(flight, t_s)

    found = fly(hub, clock, [blue, red], 120, {"B1": five_s, "R1": gap})
    assert found[71:75] == [0, 0, 0, 0]  # red out of the picture
    [alert] = track_alerts(hub, "blue")
    assert alert.state.value == "open"
    assert [kind for kind, _ in alert_events(hub, "blue")] == ["alert.opened"]


def test_a_track_that_stops_reporting_expires_its_alert_after_the_hysteresis(
    hub: Hub, clock: ManualClock
) -> None:
    blue, red = side_by_side(hub)
    five_s = every(5)

    def stops(flight: Flight, t_s: float) -> dict[str, object] | None:
        return None if t_s > T0 + 40 else five_s(flight, t_s)

    found = fly(hub, clock, [blue, red], 150, {"B1": five_s, "R1": stops})
    left = found.index(0)  # red left the picture stale_after_s after its last report
    assert left == 71
    [alert] = track_alerts(hub, "blue")
    assert alert.state.value == "expired"
    assert alert.closed_s == T0 + (left - 1) + 30  # last found at +70 s, held for 30 s


def test_a_sparse_track_reporting_every_40_s_keeps_its_alert(hub: Hub, clock: ManualClock) -> None:
    """Blue and red fly the same way 3 km apart at the same level (a loss of separation
    that lasts); blue's feed reports every 40 s, past stale_after_s (30 s)."""
    blue, red = side_by_side(hub)
    sparse = every(40)
    fly(hub, clock, [blue], 41, {"B1": sparse})  # two reports: its interval is known
    found = fly(hub, clock, [blue, red], 200, {"B1": sparse})
    assert min(found) == 1
    [alert] = track_alerts(hub, "blue")
    assert alert.state.value == "open"
    assert [kind for kind, _ in alert_events(hub, "blue")] == ["alert.opened"]
