"""Resampling reports made at each aircraft's own times onto a grid of snapshots.

At each grid time ``t`` (a multiple of ``every_s`` in unix seconds, from the first report
to the last), the snapshot holds every track whose latest report at or before ``t`` is at
most ``max_age_s`` old, moved to ``t`` along the detector's own motion model
(:func:`deconfliction.detect.snapshot.extrapolate`), as the hub does live with each track's
latest report. Reports come in time order; the state kept is one row per live track.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from deconfliction.detect.snapshot import Snapshot, extrapolate
from deconfliction.gateways.columns import Columns, TrackTexts


class Resampler:
    """Feed it the reports of each time in order (:meth:`add`), then :meth:`finish`."""

    def __init__(self, every_s: float, max_age_s: float) -> None:
        self.every_s = every_s
        self.max_age_s = max_age_s
        self._state: Columns | None = None  # the latest report of each track
        self._arrived: list[Columns] = []  # reports not yet in the state
        self._next_s: float | None = None  # the next grid time to emit
        self._last_s = -math.inf  # the time of the latest report
        self._texts = TrackTexts()

    def add(self, reports: Columns) -> Iterator[Snapshot]:
        """Reports in time order, all later than those of earlier calls."""
        times = reports.time_s
        if self._next_s is None:
            self._next_s = self._grid_at_or_after(float(times[0]))
        while True:
            # Every report at or before the grid time is in once a later one has come.
            cut = int(np.searchsorted(times, self._next_s, side="right"))
            if cut == len(reports):
                break
            if cut:
                self._arrived.append(reports.take(slice(0, cut)))
                reports, times = reports.take(slice(cut, len(reports))), times[cut:]
            yield from self._emit(self._next_s)
            self._next_s = self._grid_at_or_after(self._next_s + self.every_s, float(times[0]))
        self._arrived.append(reports)
        self._last_s = float(times[-1])

    def finish(self) -> Iterator[Snapshot]:
        """The grid times up to the latest report."""
        while self._next_s is not None and self._next_s <= self._last_s:
            yield from self._emit(self._next_s)
            self._next_s += self.every_s

    def _grid_at_or_after(self, time_s: float, upcoming_s: float | None = None) -> float:
        """The grid time at or after ``time_s``; past a gap with no live track, the first
        one at or after the upcoming reports."""
        if upcoming_s is not None and not self._live_at(time_s):
            time_s = max(time_s, upcoming_s)
        return math.ceil(time_s / self.every_s) * self.every_s

    def _live_at(self, time_s: float) -> bool:
        state = self._merged()
        return (
            state is not None
            and len(state) > 0
            and (float(state.time_s.max()) >= time_s - self.max_age_s)
        )

    def _merged(self) -> Columns | None:
        """The state with the reports that arrived since, latest report per track."""
        if self._arrived:
            parts = self._arrived if self._state is None else [self._state, *self._arrived]
            rows = Columns.join(parts)
            keys = rows.keys()
            _, last_reversed = np.unique(keys[::-1], return_index=True)
            latest = np.sort(len(keys) - 1 - last_reversed)
            self._state = rows.take(latest)
            self._arrived = []
        return self._state

    def _emit(self, grid_s: float) -> Iterator[Snapshot]:
        state = self._merged()
        if state is None:
            return
        age = grid_s - state.time_s
        live = age <= self.max_age_s
        if not live.all():  # tracks gone stale never come back without a new report
            state = self._state = state.take(np.flatnonzero(live))
            age = age[live]
        if len(state):
            yield extrapolate(state.snapshot(grid_s, self._texts), age, time_s=grid_s)
