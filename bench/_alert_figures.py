"""The figures of alert quality, as pure functions over alert spans and encounters.

Definitions (the table of ``bench.alert_quality``; issue 14):

- **alert**: one track–track conflict the hub opened (it gives one alert per involved party;
  the figures count conflicts). Its *span* runs from its opening to its closing (resolved or
  expired); one still open at the end of the data runs to the end of the data.
- **flicker**: an alert of a pair opened at most ``window_s`` (30 s) after the pair's previous
  alert closed; the figure is their number over all alerts.
- **chain of reopenings**: the alerts of a pair, in order, each opened at most ``window_s``
  after the previous one closed; a chain starts at the opening of its first alert.
- **loss episode**: a run of consecutive sample times at which a pair is inside both minima
  (horizontal *and* vertical, strictly). Its *onset* is the first sample; the onset is
  *observable* when both tracks' positions are known at the sample before it (both aircraft
  reported before the onset), so that a warning was possible.
- **unalerted episode**: no alert of the pair open at its onset (``opened <= onset <=
  closed``).
- **warning time** of an alerted episode with an observable onset: onset minus the start of
  the chain of the alert open at onset. Figures: median and 10th percentile (the linear
  interpolation of ``numpy.percentile``).
- **nuisance alert**: an alert whose pair was never within twice both minima at a sample
  between its opening and ``max(closing, opening + horizon_s)`` (300 s), both ends included.

The positions, and so the samples at which a pair is near or in loss, come from
:mod:`bench._encounters`; these functions only count.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.units import parse_time

FloatArray = npt.NDArray[np.float64]
Pair = tuple[str, str]  # two "party/track" keys, sorted
FLICKER_WINDOW_S = 30.0
NUISANCE_HORIZON_S = 300.0


def pair_of(a: str, b: str) -> Pair:
    """The pair of two track keys (``party/track``), in sorted order."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class StreamEvent:
    """An event as a party's stream delivered it (``kind`` like ``alert.opened``)."""

    party: str
    kind: str
    data: Mapping[str, Any]


@dataclass
class AlertSpan:
    """One track–track conflict the hub alerted, from opening to closing."""

    conflict: str
    pair: Pair
    opened_s: float
    closed_s: float  # the end of the data if it was still open then
    still_open: bool = False
    # (time, severity) at opening and at each change announced on the stream.
    severities: list[tuple[float, str]] = field(default_factory=list)
    # What the opening cycle saw (simulations fill it: t_in_s, vs_mps of both tracks).
    notes: dict[str, float] = field(default_factory=dict)

    def open_at(self, time_s: float) -> bool:
        return self.opened_s <= time_s <= self.closed_s


def alert_spans(events: Iterable[StreamEvent], end_s: float) -> list[AlertSpan]:
    """The spans of the track–track conflicts in ``events`` (every party's stream, in any
    order), sorted by opening time. The pair is made of each involved party's own track."""
    tracks: dict[str, set[str]] = {}
    opened: dict[str, float] = {}
    closed: dict[str, float] = {}
    severities: dict[str, dict[float, str]] = {}
    for event in events:
        data = event.data
        if not event.kind.startswith("alert.") or data.get("kind") != "track_track":
            continue
        conflict = str(data["conflict"])
        own = data.get("own") or {}
        if "track" in own:
            tracks.setdefault(conflict, set()).add(f"{event.party}/{own['track']}")
        if event.kind == "alert.opened":
            opened[conflict] = min(opened.get(conflict, math.inf), parse_time(data["opened"]))
        if event.kind in ("alert.opened", "alert.updated") and "severity" in data:
            when = parse_time(data.get("updated") or data["opened"])
            severities.setdefault(conflict, {})[when] = str(data["severity"])
        if event.kind in ("alert.resolved", "alert.expired") and data.get("closed"):
            closed[conflict] = max(closed.get(conflict, -math.inf), parse_time(data["closed"]))
    spans = []
    for conflict, opened_s in opened.items():
        keys = sorted(tracks.get(conflict, ()))
        if len(keys) != 2:
            raise ValueError(f"conflict {conflict}: expected two tracks, saw {keys}")
        still_open = conflict not in closed
        spans.append(
            AlertSpan(
                conflict,
                pair_of(keys[0], keys[1]),
                opened_s,
                end_s if still_open else closed[conflict],
                still_open,
                sorted(severities.get(conflict, {}).items()),
            )
        )
    spans.sort(key=lambda s: (s.opened_s, s.pair))
    return spans


def by_pair(spans: Iterable[AlertSpan]) -> dict[Pair, list[AlertSpan]]:
    """Spans grouped by pair, each list in order of opening."""
    out: dict[Pair, list[AlertSpan]] = {}
    for span in sorted(spans, key=lambda s: s.opened_s):
        out.setdefault(span.pair, []).append(span)
    return out


def reopenings(spans: Sequence[AlertSpan], window_s: float = FLICKER_WINDOW_S) -> list[AlertSpan]:
    """The alerts opened at most ``window_s`` after their pair's previous alert closed."""
    out = []
    for mine in by_pair(spans).values():
        for previous, span in itertools.pairwise(mine):
            if not previous.still_open and span.opened_s - previous.closed_s <= window_s:
                out.append(span)
    return out


def chain_starts(
    spans: Sequence[AlertSpan], window_s: float = FLICKER_WINDOW_S
) -> dict[str, float]:
    """For each conflict, the opening of the first alert of its chain of reopenings."""
    out: dict[str, float] = {}
    for mine in by_pair(spans).values():
        start = mine[0].opened_s
        previous: AlertSpan | None = None
        for span in mine:
            if (
                previous is None
                or previous.still_open
                or span.opened_s - previous.closed_s > window_s
            ):
                start = span.opened_s
            out[span.conflict] = start
            previous = span
    return out


@dataclass(frozen=True)
class Episode:
    """A loss of separation in the data: ``onset_s`` to ``end_s`` (last sample inside)."""

    pair: Pair
    onset_s: float
    end_s: float
    observable: bool


def runs(times_s: FloatArray, step_s: float) -> list[tuple[float, float]]:
    """Maximal runs of consecutive samples (``step_s`` apart) in sorted ``times_s``."""
    if times_s.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(times_s) > step_s * 1.5)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [times_s.size - 1]))
    return [(float(times_s[s]), float(times_s[e])) for s, e in zip(starts, ends, strict=True)]


@dataclass(frozen=True)
class Coverage:
    """Where each track's position is known: sorted, disjoint ``[start, end]`` intervals."""

    intervals: Mapping[str, Sequence[tuple[float, float]]]

    def known(self, track: str, time_s: float) -> bool:
        spans = self.intervals.get(track, ())
        i = bisect.bisect_right(spans, (time_s, math.inf)) - 1
        return i >= 0 and spans[i][0] <= time_s <= spans[i][1]


def loss_episodes(
    loss_times: Mapping[Pair, FloatArray], coverage: Coverage, step_s: float
) -> list[Episode]:
    """The loss episodes of every pair, from the sample times at which it is inside both
    minima; sorted by onset."""
    out = []
    for pair, times in loss_times.items():
        for onset, end in runs(np.sort(times), step_s):
            before = onset - step_s
            observable = coverage.known(pair[0], before) and coverage.known(pair[1], before)
            out.append(Episode(pair, onset, end, observable))
    out.sort(key=lambda e: (e.onset_s, e.pair))
    return out


@dataclass(frozen=True)
class Warning:
    """An episode and what the duty desk had at its onset."""

    episode: Episode
    alert: AlertSpan | None  # the alert of the pair open at onset, if any
    warning_s: float | None  # onset minus the start of that alert's chain


def warnings(
    episodes: Sequence[Episode], spans: Sequence[AlertSpan], window_s: float = FLICKER_WINDOW_S
) -> list[Warning]:
    """For each episode, the alert of its pair open at onset and the warning time."""
    pairs = by_pair(spans)
    starts = chain_starts(spans, window_s)
    out = []
    for episode in episodes:
        open_now = [s for s in pairs.get(episode.pair, ()) if s.open_at(episode.onset_s)]
        if not open_now:
            out.append(Warning(episode, None, None))
            continue
        alert = min(open_now, key=lambda s: s.opened_s)
        out.append(Warning(episode, alert, episode.onset_s - starts[alert.conflict]))
    return out


def nuisances(
    spans: Sequence[AlertSpan],
    near_times: Mapping[Pair, FloatArray],
    horizon_s: float = NUISANCE_HORIZON_S,
) -> list[AlertSpan]:
    """The alerts whose pair was never within twice both minima between opening and
    ``max(closing, opening + horizon_s)`` (``near_times``: sorted sample times per pair)."""
    out = []
    empty = np.empty(0)
    for span in spans:
        times = near_times.get(span.pair, empty)
        end = max(span.closed_s, span.opened_s + horizon_s)
        first = int(np.searchsorted(times, span.opened_s, side="left"))
        if first >= times.size or times[first] > end:
            out.append(span)
    return out


def is_alarm(span: AlertSpan) -> bool:
    """Whether the alert reached severity ``predicted`` or ``loss`` (not only advisory); an
    alert with no recorded severity counts as one."""
    return not span.severities or any(s != "advisory" for _, s in span.severities)


@dataclass(frozen=True)
class Figures:
    """The table of ``bench.alert_quality``."""

    alerts: int
    flicker: int
    episodes: int
    unalerted: int
    observable: int
    unalerted_observable: int
    warning_median_s: float
    warning_p10_s: float
    # The same from the opening of the alert open at onset itself (not its chain's first).
    alert_age_median_s: float
    alert_age_p10_s: float
    nuisance: int
    # Alerts that reached severity predicted or loss (the desk's alarms), and their nuisances.
    alarms: int
    alarm_nuisance: int
    alert_seconds: float  # summed spans (how long the desk saw alerts)

    def rows(self) -> list[tuple[str, str]]:
        def pct(n: int, d: int) -> str:
            return f"{100.0 * n / d:.0f} % ({n} of {d})" if d else "-"

        return [
            ("conflicts opened (one alert per involved party)", f"{self.alerts}"),
            (
                "flicker: reopened <= 30 s after the pair's previous alert closed",
                pct(self.flicker, self.alerts),
            ),
            (
                "losses of separation (episodes) / with no alert open at onset",
                f"{self.episodes} / {self.unalerted}",
            ),
            (
                "  of which observable onset / with no alert open at onset",
                f"{self.observable} / {self.unalerted_observable}",
            ),
            (
                "warning time, median (p10), observable onsets",
                f"{self.warning_median_s:.0f} s ({self.warning_p10_s:.0f} s)",
            ),
            (
                "  the same from the opening of the alert open at onset (not its chain)",
                f"{self.alert_age_median_s:.0f} s ({self.alert_age_p10_s:.0f} s)",
            ),
            ("nuisance: never within 2x both minima", pct(self.nuisance, self.alerts)),
            (
                "  alerts that reached predicted or loss / nuisance among them",
                f"{self.alarms} / {pct(self.alarm_nuisance, self.alarms)}",
            ),
        ]


def figures(
    spans: Sequence[AlertSpan],
    episodes: Sequence[Episode],
    near_times: Mapping[Pair, FloatArray],
    *,
    window_s: float = FLICKER_WINDOW_S,
    horizon_s: float = NUISANCE_HORIZON_S,
) -> Figures:
    """Every figure of the table."""
    warned = warnings(episodes, spans, window_s)
    nuisance = nuisances(spans, near_times, horizon_s)
    nuisance_ids = {s.conflict for s in nuisance}
    alarms = [s for s in spans if is_alarm(s)]
    seen = [w for w in warned if w.episode.observable and w.alert is not None]
    times = np.array([w.warning_s for w in seen])
    ages = np.array([w.episode.onset_s - w.alert.opened_s for w in seen if w.alert is not None])
    return Figures(
        alerts=len(spans),
        flicker=len(reopenings(spans, window_s)),
        episodes=len(episodes),
        unalerted=sum(w.alert is None for w in warned),
        observable=sum(e.observable for e in episodes),
        unalerted_observable=sum(w.alert is None and w.episode.observable for w in warned),
        warning_median_s=float(np.median(times)) if times.size else math.nan,
        warning_p10_s=float(np.percentile(times, 10)) if times.size else math.nan,
        alert_age_median_s=float(np.median(ages)) if ages.size else math.nan,
        alert_age_p10_s=float(np.percentile(ages, 10)) if ages.size else math.nan,
        nuisance=len(nuisance),
        alarms=len(alarms),
        alarm_nuisance=sum(s.conflict in nuisance_ids for s in alarms),
        alert_seconds=float(sum(s.closed_s - s.opened_s for s in spans)),
    )
