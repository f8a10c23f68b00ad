"""The alert-quality figures on hand-made event lists (bench._alert_figures)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from bench._alert_figures import (
    AlertSpan,
    Coverage,
    Episode,
    StreamEvent,
    alert_spans,
    chain_starts,
    figures,
    loss_episodes,
    nuisances,
    reopenings,
    runs,
    warnings,
)

from deconfliction.units import format_time

T = 1_000_000.0
A, B, C = "red/r1", "blue/b1", "green/g1"


def opened(
    party: str, track: str, conflict: str, at: float, severity: str = "predicted"
) -> StreamEvent:
    data: dict[str, Any] = {
        "conflict": conflict,
        "kind": "track_track",
        "severity": severity,
        "opened": format_time(T + at),
        "updated": format_time(T + at),
        "closed": None,
        "own": {"track": track},
    }
    return StreamEvent(party, "alert.opened", data)


def closed(party: str, track: str, conflict: str, opened_at: float, at: float) -> StreamEvent:
    data: dict[str, Any] = {
        "conflict": conflict,
        "kind": "track_track",
        "severity": "predicted",
        "opened": format_time(T + opened_at),
        "updated": format_time(T + at),
        "closed": format_time(T + at),
        "own": {"track": track},
    }
    return StreamEvent(party, "alert.resolved", data)


def conflict(name: str, opened_at: float, closed_at: float | None) -> list[StreamEvent]:
    """Both parties' events of a conflict between red/r1 and blue/b1."""
    events = [opened("red", "r1", name, opened_at), opened("blue", "b1", name, opened_at)]
    if closed_at is not None:
        events += [
            closed("red", "r1", name, opened_at, closed_at),
            closed("blue", "b1", name, opened_at, closed_at),
        ]
    return events


def span(
    name: str, opened_at: float, closed_at: float, pair: tuple[str, str] = (B, A)
) -> AlertSpan:
    return AlertSpan(name, pair, T + opened_at, T + closed_at)


def test_spans_pair_the_two_parties_tracks_and_count_each_conflict_once() -> None:
    events = conflict("c1", 0, 19) + conflict("c2", 30, None)
    events.append(StreamEvent("red", "reports.accepted", {"count": 1}))
    spans = alert_spans(reversed(events), end_s=T + 100)
    assert [(s.conflict, s.pair, s.opened_s - T, s.closed_s - T, s.still_open) for s in spans] == [
        ("c1", ("blue/b1", "red/r1"), 0.0, 19.0, False),
        ("c2", ("blue/b1", "red/r1"), 30.0, 100.0, True),
    ]


def test_an_escalation_on_the_stream_is_recorded_in_the_span() -> None:
    events = conflict("c1", 0, 60)
    update = dict(opened("red", "r1", "c1", 0).data, severity="loss", updated=format_time(T + 40))
    events.append(StreamEvent("red", "alert.updated", update))
    (only,) = alert_spans(events, end_s=T + 100)
    assert [(t - T, s) for t, s in only.severities] == [(0.0, "predicted"), (40.0, "loss")]


def test_a_conflict_seen_by_one_party_only_is_an_error() -> None:
    with pytest.raises(ValueError, match="two tracks"):
        alert_spans([opened("red", "r1", "c1", 0)], end_s=T)


def test_flicker_counts_reopenings_within_the_window_per_pair() -> None:
    spans = [
        span("a", 0, 19),
        span("b", 20, 39),  # 1 s after a: flicker
        span("c", 69, 80),  # 30 s after b: flicker (the window is inclusive)
        span("d", 111, 120),  # 31 s after c: not
        span("e", 20, 39, pair=(A, C)),  # another pair's first alert: not
    ]
    assert [s.conflict for s in reopenings(spans)] == ["b", "c"]
    assert chain_starts(spans) == {"a": T, "b": T, "c": T, "d": T + 111, "e": T + 20}


def test_an_alert_still_open_starts_no_reopening_after_it() -> None:
    first = AlertSpan("a", (B, A), T, T + 50, still_open=True)
    assert reopenings([first, span("b", 60, 70)]) == []


def test_runs_split_where_samples_are_missing() -> None:
    times = T + np.array([0.0, 1.0, 2.0, 5.0, 6.0, 9.0])
    assert [(a - T, b - T) for a, b in runs(times, 1.0)] == [(0, 2), (5, 6), (9, 9)]
    assert runs(np.empty(0), 1.0) == []


def test_episodes_are_observable_when_both_tracks_were_known_the_sample_before() -> None:
    coverage = Coverage({A: [(T - 100, T + 100)], B: [(T + 10, T + 100)], C: [(T, T + 100)]})
    loss = {
        (B, A): T + np.array([10.0, 11.0, 12.0, 40.0, 41.0]),  # b1 appears at 10 already inside
        (A, C): T + np.array([5.0, 6.0]),
    }
    episodes = loss_episodes(loss, coverage, 1.0)
    assert [(e.pair, e.onset_s - T, e.end_s - T, e.observable) for e in episodes] == [
        ((A, C), 5.0, 6.0, True),
        ((B, A), 10.0, 12.0, False),
        ((B, A), 40.0, 41.0, True),
    ]


def test_coverage_bounds_are_inclusive_and_gaps_are_unknown() -> None:
    coverage = Coverage({A: [(0.0, 10.0), (80.0, 90.0)]})
    assert [coverage.known(A, t) for t in (-1, 0, 10, 11, 79, 80, 90, 91)] == [
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    assert not coverage.known(B, 5.0)


def test_warning_runs_from_the_first_alert_of_the_chain_open_at_onset() -> None:
    spans = [span("a", 0, 19), span("b", 20, 100), span("late", 200, 260)]
    episodes = [
        Episode((B, A), T + 60, T + 80, True),  # b open, its chain started with a at 0
        Episode((B, A), T + 150, T + 160, True),  # nothing open: unalerted
        Episode((B, A), T + 230, T + 240, True),
    ]
    found = warnings(episodes, spans)
    assert [(w.alert.conflict if w.alert else None, w.warning_s) for w in found] == [
        ("b", 60.0),
        (None, None),
        ("late", 30.0),
    ]


def test_an_alert_closed_just_before_the_onset_leaves_it_unalerted() -> None:
    (found,) = warnings([Episode((B, A), T + 20, T + 30, True)], [span("a", 0, 19)])
    assert found.alert is None


def test_nuisance_looks_300_s_past_the_opening_even_if_the_alert_closed_sooner() -> None:
    spans = [span("near later", 0, 10), span("never near", 1000, 1010), span("long", 2000, 2600)]
    near = {(B, A): T + np.array([250.0, 1400.0, 2550.0])}
    assert [s.conflict for s in nuisances(spans, near)] == ["never near"]
    assert [s.conflict for s in nuisances(spans, near, horizon_s=200.0)] == [
        "near later",
        "never near",
    ]


def test_figures_put_it_together() -> None:
    spans = [span("a", 0, 19), span("b", 20, 100), span("c", 500, 510)]
    coverage = Coverage({A: [(T - 100, T + 1000)], B: [(T - 100, T + 1000)]})
    loss = {(B, A): T + np.array([60.0, 61.0, 62.0, 900.0])}
    near = {(B, A): T + np.array([55.0, 60.0, 61.0, 62.0, 900.0])}
    episodes = loss_episodes(loss, coverage, 1.0)
    result = figures(spans, episodes, near)
    assert (result.alerts, result.flicker, result.episodes, result.unalerted) == (3, 1, 2, 1)
    assert (result.observable, result.unalerted_observable) == (2, 1)
    assert (result.warning_median_s, result.alert_age_median_s) == (60.0, 40.0)
    assert result.nuisance == 1  # c: nothing near within 500..810
    assert dict(result.rows())["conflicts opened (one alert per involved party)"] == "3"


def test_figures_without_any_episode_have_no_warning_time() -> None:
    result = figures([span("a", 0, 19)], [], {})
    assert math.isnan(result.warning_median_s)
    assert result.nuisance == 1
