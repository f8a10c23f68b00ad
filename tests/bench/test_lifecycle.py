"""The copy of the hub's alert cycle and the proposed rules, on hand-made encounters
(bench._lifecycle). These are the behaviours issue 14 asks of the hub, checked on the
prototype first."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from bench._alert_figures import AlertSpan
from bench._lifecycle import HUB, PROPOSED, simulate

from deconfliction.detect import MinimaTable, Snapshot

M_PER_DEG = 111_319.49  # along the equator
T0 = 1_800_000_000.0

# (lon_m, alt_m, gs_mps, course_deg, vs_mps) of a track at time t, or None: no report.
State = tuple[float, float, float, float, float] | None


def scenario(
    tracks: dict[str, Callable[[float], State]],
    seconds: int,
    selected: dict[str, float] | None = None,
) -> tuple[list[Snapshot], list[np.ndarray]]:
    snapshots, levels = [], []
    for t in range(seconds + 1):
        rows = [(name, f(float(t))) for name, f in tracks.items()]
        rows = [(name, s) for name, s in rows if s is not None]
        if not rows:
            continue
        snapshots.append(
            Snapshot.from_columns(
                T0 + t,
                party=[name.split("/")[0] for name, _ in rows],
                track=[name.split("/")[1] for name, _ in rows],
                lat=[0.0] * len(rows),
                lon=[s[0] / M_PER_DEG for _, s in rows],
                alt_m=[s[1] for _, s in rows],
                gs_mps=[s[2] for _, s in rows],
                course_deg=[s[3] for _, s in rows],
                vs_mps=[s[4] for _, s in rows],
            )
        )
        levels.append(np.array([(selected or {}).get(name, np.nan) for name, _ in rows]))
    return snapshots, levels


def every(
    interval: int, state: Callable[[float], State], start: int = 0
) -> Callable[[float], State]:
    return lambda t: state(t) if t >= start and (t - start) % interval == 0 else None


def east(x0: float, alt: float, speed: float = 200.0, vs: float = 0.0) -> Callable[[float], State]:
    return lambda t: (x0 + speed * t, alt + vs * t, speed, 90.0, vs)


def west(x0: float, alt: float, speed: float = 200.0, vs: float = 0.0) -> Callable[[float], State]:
    return lambda t: (x0 - speed * t, alt + vs * t, speed, 270.0, vs)


def run(
    tracks: dict[str, Callable[[float], State]], seconds: int, **kwargs: object
) -> tuple[list[AlertSpan], list[AlertSpan]]:
    snaps, levels = scenario(tracks, seconds, kwargs.get("selected"))  # type: ignore[arg-type]
    return (
        simulate(snaps, HUB, MinimaTable(), levels),
        simulate(snaps, PROPOSED, MinimaTable(), levels),
    )


def test_a_conflict_missing_for_one_report_at_10_s_keeps_one_alert() -> None:
    # b descends 2 m/s from 400 m above a, head-on from 60 km: loss predicted at 127 s.
    # Its report at 30 s reads a vertical rate of 0: that report alone shows no conflict.
    def b(t: float) -> State:
        vs = 0.0 if t == 30 else -2.0
        return (60_000.0 - 200.0 * t, 9400.0 - 2.0 * t, 200.0, 270.0, vs)

    hub, proposed = run({"red/a": every(10, east(0.0, 9000.0)), "blue/b": every(10, b)}, 100)
    assert len(hub) == 2  # resolved at 39 s, reopened at 40 s
    assert len(proposed) == 1 and proposed[0].still_open


def test_a_head_on_pair_raises_one_alert_that_escalates() -> None:
    tracks = {"red/a": every(5, east(0.0, 9000.0)), "blue/b": every(5, west(150_000.0, 9000.0))}
    hub, proposed = run(tracks, 400)
    assert len(proposed) == 1
    severities = [s for _, s in proposed[0].severities]
    assert severities == ["advisory", "predicted", "loss"]
    assert len(hub) == 1 and [s for _, s in hub[0].severities] == ["predicted", "loss"]


def test_a_sparse_track_reporting_every_40_s_keeps_its_alert() -> None:
    # Side by side 3 km apart at one level: a current loss throughout. a reports every 40 s;
    # b appears once a's interval is known.
    a = every(40, lambda t: (200.0 * t, 9000.0, 200.0, 90.0, 0.0))
    b = every(5, lambda t: (3000.0 + 200.0 * t, 9000.0, 200.0, 90.0, 0.0), start=80)
    hub, proposed = run({"red/a": a, "blue/b": b}, 400)
    assert len(hub) > 3  # expired each time a is 30 s old, reopened at its next report
    assert len(proposed) == 1


def test_an_altitude_glitch_raises_nothing() -> None:
    # b flies 2 km below a, crossing under it; one report of b reads a's altitude.
    def b(t: float) -> State:
        return (20_000.0 - 200.0 * t, 9000.0 if t == 50 else 7000.0, 200.0, 270.0, 0.0)

    hub, proposed = run({"red/a": every(5, east(0.0, 9000.0)), "blue/b": every(5, b)}, 120)
    assert len(hub) == 1
    assert proposed == []


def test_levelling_off_1000_ft_below_with_a_selected_altitude_raises_nothing() -> None:
    level = 9000.0 - 304.8

    def b(t: float) -> State:
        alt = min(7500.0 + 10.0 * t, level)
        return (40_000.0 - 200.0 * t, alt, 200.0, 270.0, 10.0 if alt < level else 0.0)

    tracks = {"red/a": every(5, east(0.0, 9000.0)), "blue/b": every(5, b)}
    hub, proposed = run(tracks, 150, selected={"blue/b": level})
    assert len(hub) == 1
    assert proposed == []


def test_a_steady_level_track_with_one_vertical_rate_report_is_level() -> None:
    level = 9000.0 - 304.8

    def b(t: float) -> State:  # level 1,000 ft below a; one report reads +2.5 m/s
        return (40_000.0 - 200.0 * t, level, 200.0, 270.0, 2.5 if t == 60 else 0.0)

    hub, proposed = run({"red/a": every(5, east(0.0, 9000.0)), "blue/b": every(5, b)}, 150)
    assert len(hub) == 1
    assert proposed == []


def test_the_proposed_rules_are_the_hubs_when_switched_off() -> None:
    off = dataclasses.replace(
        PROPOSED,
        filtered=False,
        level_offs=False,
        stale_intervals=0.0,
        resolve_reports=0,
        confirm_beyond_s=None,
        warning_horizon_s=None,
        release_factor=None,
        hysteresis_s=HUB.hysteresis_s,
    )
    tracks = {
        "red/a": every(10, east(0.0, 9000.0)),
        "blue/b": every(10, west(60_000.0, 9400.0, vs=-2.0)),
    }
    snaps, _ = scenario(tracks, 200)
    one = simulate(snaps, HUB, MinimaTable())
    two = simulate(snaps, off, MinimaTable())
    assert [(s.opened_s, s.closed_s) for s in one] == [(s.opened_s, s.closed_s) for s in two]
