"""The live tracks of one detection cycle: every track reported within ``stale_after_s``,
extrapolated from its own report time to the cycle's time. Every check of the cycle reads
the same :class:`LiveTracks`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from deconfliction.detect import Snapshot, extrapolate
from deconfliction.hub.live.picture import LivePicture
from deconfliction.model import DOMAINS
from deconfliction.model.alert_views import TrackState
from deconfliction.units import format_time


@dataclass(frozen=True)
class LiveTracks:
    """The live tracks of one cycle, extrapolated to its time, and where they came from."""

    time_s: float
    snapshot: Snapshot  # at ``time_s``
    rows: npt.NDArray[np.intp]  # rows of the live picture
    reported_s: npt.NDArray[np.float64]  # each track's latest report time

    def __len__(self) -> int:
        return len(self.snapshot)

    def party(self, i: int) -> str:
        return self.snapshot.parties[int(self.snapshot.party[i])]

    def track_ids(self) -> set[tuple[str, str]]:
        """The (party, track) of every live track (made once, on first use)."""
        return self._keys

    @cached_property
    def _keys(self) -> set[tuple[str, str]]:
        parties = self.snapshot.parties
        names = (parties[c] for c in self.snapshot.party.tolist())
        return set(zip(names, self.snapshot.track.tolist(), strict=True))

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


def live_tracks(picture: LivePicture, now_s: float, stale_after_s: float) -> LiveTracks:
    """The live tracks of ``picture`` extrapolated to ``now_s`` (call under the hub lock)."""
    rows = picture.live_rows(now_s, stale_after_s)
    reported = picture.time_s[rows].copy()
    snapshot = Snapshot(
        time_s=now_s,
        track=np.array([picture.track[r] for r in rows.tolist()], dtype=object),
        party=picture.party[rows].astype(np.int32),
        parties=tuple(picture.parties),
        lat=picture.lat[rows].copy(),
        lon=picture.lon[rows].copy(),
        alt_m=picture.alt_m[rows].copy(),
        gs_mps=picture.gs_mps[rows].copy(),
        course_deg=picture.course_deg[rows].copy(),
        vs_mps=picture.vs_mps[rows].copy(),
        domain=picture.domain[rows].copy(),
    )
    # Reports may be up to future_tolerance_s ahead of the clock: those move back.
    moved = extrapolate(snapshot, now_s - reported, time_s=now_s)
    return LiveTracks(now_s, moved, rows, reported)
