"""The detection cycle over the live picture: track–track conflicts become findings.

Every cycle takes the live tracks (reported within ``stale_after_s``), extrapolates each from
its own report time to the cycle time, runs :func:`deconfliction.detect.detect_conflicts`,
and turns each conflict into a :class:`~deconfliction.hub.alerts.Finding` that carries, for
each of the two parties, only what it may see: its own track in full, and of the other side
the party's name and the state of its track at alert time (never its track id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.detect import Conflicts, MinimaTable, Snapshot, detect_conflicts, extrapolate
from deconfliction.hub.alerts.book import ConflictKey, Deferred, Finding
from deconfliction.hub.live.picture import LivePicture
from deconfliction.model import DOMAINS
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.units import format_time

TRACK_TRACK = "tt"


def track_key(party: str, track: str) -> str:
    return f"{party}/{track}"


@dataclass(frozen=True)
class LiveTracks:
    """The live tracks of one cycle, extrapolated to its time, and where they came from."""

    time_s: float
    snapshot: Snapshot  # at ``time_s``
    rows: npt.NDArray[np.intp]  # rows of the live picture
    reported_s: npt.NDArray[np.float64]  # each track's latest report time

    def __len__(self) -> int:
        return len(self.snapshot)

    def keys(self) -> set[tuple[str, str]]:
        """The (party, track) of every live track (made once, on first use)."""
        return self._keys

    @cached_property
    def _keys(self) -> set[tuple[str, str]]:
        parties = self.snapshot.parties
        names = (parties[c] for c in self.snapshot.party.tolist())
        return set(zip(names, self.snapshot.track.tolist(), strict=True))

    def state(self, i: int) -> dict[str, Any]:
        """A track's state at the cycle time, as alerts carry it (no party, no id)."""
        s = self.snapshot
        return {
            "time": format_time(self.time_s),
            "reported": format_time(float(self.reported_s[i])),
            "lat": round(float(s.lat[i]), 6),
            "lon": round(float(s.lon[i]), 6),
            "alt_m": round(float(s.alt_m[i]), 1),
            "gs_mps": round(float(s.gs_mps[i]), 2),
            "course_deg": round(float(s.course_deg[i]), 1),
            "vs_mps": round(float(s.vs_mps[i]), 2),
            "domain": DOMAINS[int(s.domain[i])].value,
        }


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


def _figures(conflicts: Conflicts, k: int) -> dict[str, Any]:
    return {
        "t_in_s": round(float(conflicts.t_in_s[k]), 1),
        "t_out_s": round(float(conflicts.t_out_s[k]), 1),
        "t_cpa_s": round(float(conflicts.t_cpa_s[k]), 1),
        "d_cpa_m": round(float(conflicts.d_cpa_m[k]), 1),
        "dz_cpa_m": round(float(conflicts.dz_cpa_m[k]), 1),
    }


class Figures(Deferred[Any]):
    """A conflict's live figures, made into a dict only when someone reads them (but
    ``t_in_s``, which ordering by urgency reads, straight from the columns)."""

    __slots__ = ("_conflicts", "_k")

    def __init__(self, conflicts: Conflicts, k: int, time_s: float) -> None:
        super().__init__(lambda: {**_figures(conflicts, k), "computed": format_time(time_s)})
        self._conflicts, self._k = conflicts, k

    def __getitem__(self, key: str) -> Any:
        if key == "t_in_s" and self._build is not None:
            return round(float(self._conflicts.t_in_s[self._k]), 1)
        return super().__getitem__(key)


def track_findings(
    live: LiveTracks,
    conflicts: Conflicts,
    minima: MinimaTable,
    is_open: Callable[[ConflictKey], bool],
) -> Iterator[Finding]:
    """A finding per conflict; the parties' views are built only for conflicts not yet open
    (an open one keeps the views it was opened with), and only when read (when opened)."""
    snap = live.snapshot
    parties = snap.parties
    party_codes = snap.party.tolist()
    tracks = snap.track
    t_in = conflicts.t_in_s.tolist()
    pairs = zip(conflicts.index_a.tolist(), conflicts.index_b.tolist(), strict=True)
    for k, (i, j) in enumerate(pairs):
        end_i = (parties[party_codes[i]], tracks[i], i)
        end_j = (parties[party_codes[j]], tracks[j], j)
        (party_a, track_a, i), (party_b, track_b, j) = sorted((end_i, end_j))
        key: ConflictKey = (TRACK_TRACK, party_a, track_a, party_b, track_b)
        figures = Figures(conflicts, k, live.time_s)
        severity = Severity.LOSS if t_in[k] <= 0.0 else Severity.PREDICTED
        if is_open(key):
            yield Finding(key, AlertKind.TRACK_TRACK, severity, {}, figures)
            continue
        views = partial(
            _pair_views, live, conflicts, minima, k, (party_a, track_a, i), (party_b, track_b, j)
        )
        yield Finding(key, AlertKind.TRACK_TRACK, severity, Deferred(views), figures)


def _pair_views(
    live: LiveTracks,
    conflicts: Conflicts,
    minima: MinimaTable,
    k: int,
    end_a: tuple[str, str, int],
    end_b: tuple[str, str, int],
) -> dict[str, dict[str, Any]]:
    """What each party of conflict ``k`` is told: its own track, the other's party and
    state (never its track id), and the geometry."""
    (party_a, track_a, i), (party_b, track_b, j) = end_a, end_b
    snap = live.snapshot
    agreed = minima.minima(
        party_a, party_b, DOMAINS[int(snap.domain[i])].value, DOMAINS[int(snap.domain[j])].value
    )
    geometry: dict[str, Any] = {
        **_figures(conflicts, k),
        "loss_at": format_time(live.time_s + float(conflicts.t_in_s[k])),
        "cpa_at": format_time(live.time_s + float(conflicts.t_cpa_s[k])),
    }
    if agreed is not None:
        geometry["minima"] = agreed.to_json()
    return {
        party_a: {
            "own": {"track": track_a, "state": live.state(i)},
            "other": {"party": party_b, "state": live.state(j)},
            "geometry": geometry,
        },
        party_b: {
            "own": {"track": track_b, "state": live.state(j)},
            "other": {"party": party_a, "state": live.state(i)},
            "geometry": geometry,
        },
    }


def still_live(live: LiveTracks, picture: LivePicture) -> Callable[[ConflictKey], bool]:
    """Whether both tracks of a track–track conflict were live in this cycle."""
    mask = np.zeros(len(picture), dtype=bool)
    mask[live.rows] = True

    def alive(party: str, track: str) -> bool:
        row = picture.row_of(party, track)
        return row is not None and row < mask.size and bool(mask[row])

    def check(key: ConflictKey) -> bool:
        _, party_a, track_a, party_b, track_b = key
        return alive(party_a, track_a) and alive(party_b, track_b)

    return check


def detect(live: LiveTracks, minima: MinimaTable) -> Conflicts:
    """Track–track conflicts among the live tracks (pure; no lock needed)."""
    return detect_conflicts(live.snapshot, minima)
