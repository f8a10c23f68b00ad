"""The live tracks of one detection cycle: every track still live (reported within
``stale_after_s``, or within ``stale_after_intervals`` of its own usual report interval),
predicted from the track filter at its own report time and extrapolated to the cycle's
time. Every check of the cycle reads the same :class:`LiveTracks`.

What the filter gives each track (:mod:`deconfliction.detect.filter`): a smoothed position,
velocity and vertical rate (altitude glitches rejected), a vertical rate of 0 once its
altitude has been steady for ``level_window_s``, and where its vertical motion stops: the
report's ``selected_alt_m`` when it lies ahead, else ``vertical_lookahead_s`` of climb or
descent from now (an implied level-off: a climb is not extrapolated through every level of
a five-minute lookahead).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from deconfliction.detect import Snapshot, extrapolate
from deconfliction.detect.filter import FilterParams, predict
from deconfliction.hub.live.picture import LivePicture
from deconfliction.model import DOMAINS
from deconfliction.model.alert_views import TrackState
from deconfliction.settings import Settings
from deconfliction.units import format_time


@dataclass(frozen=True)
class LiveRules:
    """Which tracks are live, and how they are predicted (from the settings)."""

    stale_after_s: float = 30.0
    stale_after_intervals: float = 3.0
    stale_after_max_s: float = 180.0
    vertical_lookahead_s: float = 120.0  # inf: no implied level-off
    params: FilterParams = field(default_factory=FilterParams)

    @classmethod
    def of(cls, settings: Settings) -> LiveRules:
        vertical = settings.vertical_lookahead_s
        return cls(
            stale_after_s=settings.stale_after_s,
            stale_after_intervals=settings.stale_after_intervals,
            stale_after_max_s=settings.stale_after_max_s,
            vertical_lookahead_s=vertical if vertical > 0 else math.inf,
            params=FilterParams(
                level_window_s=settings.level_window_s,
                level_band_m=settings.level_band_m,
                glitch_gate_m=settings.altitude_glitch_m,
                max_vertical_rate_mps=settings.max_vertical_rate_mps,
            ),
        )

    def live_rows(self, picture: LivePicture, now_s: float) -> npt.NDArray[np.intp]:
        """The rows of ``picture`` live at ``now_s``."""
        return picture.live_rows(
            now_s,
            self.stale_after_s,
            intervals=self.stale_after_intervals,
            longest_s=self.stale_after_max_s,
        )


@dataclass(frozen=True)
class LiveTracks:
    """The live tracks of one cycle, extrapolated to its time, and where they came from."""

    time_s: float
    snapshot: Snapshot  # at ``time_s``
    rows: npt.NDArray[np.intp]  # rows of the live picture
    reported_s: npt.NDArray[np.float64]  # each track's latest report time
    reports: npt.NDArray[np.int64]  # each track's reports so far (to count fresh ones)
    altitudes_rejected: int  # by the filter since the hub started, every track
    # The picture's row of a track: rows are never taken back nor given to another track,
    # so this stays true of the rows above while the picture grows.
    row_of: Callable[[str, str], int | None]

    def __len__(self) -> int:
        return len(self.snapshot)

    def party(self, i: int) -> str:
        return self.snapshot.parties[int(self.snapshot.party[i])]

    def index(self, party: str, track: str) -> int | None:
        """Where the track is in this cycle's snapshot (None: not live)."""
        row = self.row_of(party, track)
        position = self._position
        if row is None or row >= position.size or position[row] < 0:
            return None
        return int(position[row])

    @cached_property
    def _position(self) -> npt.NDArray[np.intp]:
        """For each row of the picture up to the last live one, its place in the snapshot
        (-1: not live)."""
        rows = self.rows
        position = np.full(int(rows.max()) + 1 if rows.size else 0, -1, dtype=np.intp)
        position[rows] = np.arange(rows.size, dtype=np.intp)
        return position

    def state(self, i: int) -> TrackState:
        """A track's state at the cycle time, as alerts carry it (no party, no id)."""
        s = self.snapshot
        return TrackState(
            time=format_time(self.time_s),
            reported=format_time(float(self.reported_s[i])),
            lat=round(float(s.lat[i]), 6),
            lon=round(float(s.lon[i]), 6),
            alt_m=round(float(s.alt_m[i]), 1),
            gs_mps=round(float(s.gs_mps[i]), 2),
            course_deg=round(float(s.course_deg[i]), 1),
            vs_mps=round(float(s.vs_mps[i]), 2),
            domain=DOMAINS[int(s.domain[i])],
        )


def live_tracks(picture: LivePicture, now_s: float, rules: LiveRules) -> LiveTracks:
    """The live tracks of ``picture``, predicted by its filter and extrapolated to ``now_s``
    (call under the hub lock)."""
    rows = rules.live_rows(picture, now_s)
    p = predict(picture.motion, rows, picture.params)
    # Where the vertical motion stops: the selected altitude if it lies ahead, else the
    # implied level-off (for a level track, its altitude: no motion either way).
    selected_ahead = np.isfinite(p.level_alt_m) & ((p.level_alt_m - p.alt_m) * p.vs_mps >= 0.0)
    if math.isinf(rules.vertical_lookahead_s):
        reach = np.full(rows.size, np.nan)
    else:
        reach = p.alt_m + p.vs_mps * (now_s - p.time_s + rules.vertical_lookahead_s)
    level = np.where(selected_ahead, p.level_alt_m, reach)
    snapshot = Snapshot(
        time_s=now_s,
        track=np.array([picture.track[r] for r in rows.tolist()], dtype=object),
        party=picture.party[rows].astype(np.int32),
        parties=tuple(picture.parties),
        lat=p.lat,
        lon=p.lon,
        alt_m=p.alt_m,
        gs_mps=p.gs_mps,
        course_deg=p.course_deg,
        vs_mps=p.vs_mps,
        domain=picture.domain[rows].copy(),
        level_alt_m=level,
    )
    # Reports may be up to future_tolerance_s ahead of the clock: those move back.
    moved = extrapolate(snapshot, now_s - p.time_s, time_s=now_s)
    return LiveTracks(
        now_s,
        moved,
        rows,
        picture.time_s[rows].copy(),
        picture.reports[rows].copy(),
        picture.motion.rejected_total,
        picture.row_of,
    )
