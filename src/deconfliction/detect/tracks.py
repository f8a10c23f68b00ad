"""Track–track conflicts of one snapshot: broad phase, minima per pair, exact phase."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.boxes import swept_boxes
from deconfliction.detect.broad import all_pairs, candidate_pairs
from deconfliction.detect.earth import Motion
from deconfliction.detect.exact import PairConflicts, exact_conflicts
from deconfliction.detect.minima import MinimaTable, PairMinima
from deconfliction.detect.snapshot import Snapshot

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Up to this many tracks, every pair goes to the exact phase without a broad phase.
_SMALL = 100


@dataclass(frozen=True)
class TrackConflict:
    """One predicted or current loss of separation between two tracks.

    ``track_a < track_b`` (then ``party_a < party_b`` for equal ids). Times are seconds
    after the snapshot: the conflict lasts from ``t_in_s`` (0 when separation is already
    lost) to ``t_out_s`` (at most the lookahead); ``t_cpa_s`` is the time of horizontal
    closest approach within the lookahead, ``d_cpa_m`` the horizontal and ``dz_cpa_m`` the
    vertical separation then.
    """

    track_a: str
    track_b: str
    party_a: str
    party_b: str
    t_in_s: float
    t_out_s: float
    t_cpa_s: float
    d_cpa_m: float
    dz_cpa_m: float


@dataclass(frozen=True, eq=False)
class Conflicts:
    """The conflicts of one snapshot, as columns, sorted by ``(track_a, track_b)``.

    ``index_a``/``index_b`` index ``snapshot``; the other columns are as in
    :class:`TrackConflict`. Iterating yields :class:`TrackConflict` rows in that order.
    """

    snapshot: Snapshot
    index_a: IntArray
    index_b: IntArray
    t_in_s: FloatArray
    t_out_s: FloatArray
    t_cpa_s: FloatArray
    d_cpa_m: FloatArray
    dz_cpa_m: FloatArray

    def __len__(self) -> int:
        return int(self.index_a.shape[0])

    def __iter__(self) -> Iterator[TrackConflict]:
        snap = self.snapshot
        parties = snap.parties
        columns = zip(
            snap.track[self.index_a].tolist(),
            snap.track[self.index_b].tolist(),
            snap.party[self.index_a].tolist(),
            snap.party[self.index_b].tolist(),
            self.t_in_s.tolist(),
            self.t_out_s.tolist(),
            self.t_cpa_s.tolist(),
            self.d_cpa_m.tolist(),
            self.dz_cpa_m.tolist(),
            strict=True,
        )
        for track_a, track_b, party_a, party_b, *values in columns:
            yield TrackConflict(track_a, track_b, parties[party_a], parties[party_b], *values)

    def pairs(self) -> set[tuple[str, str, str, str]]:
        """``(party_a, track_a, party_b, track_b)`` of every conflict, for comparisons."""
        return {(c.party_a, c.track_a, c.party_b, c.track_b) for c in self}


def candidates(
    snapshot: Snapshot, minima: MinimaTable, *, same_party: bool = False
) -> tuple[IntArray, IntArray]:
    """The broad phase on a snapshot: pairs of indices ``a < b`` that may be in conflict.

    Pairs that no minima apply to and, unless ``same_party``, pairs of one party are left
    out; every pair :func:`detect_conflicts` reports is among the rest. Snapshots of a few
    tracks skip the pruning and give every pair.
    """
    a, b, _ = _candidates(snapshot, minima, same_party)
    return a, b


def _candidates(
    snapshot: Snapshot, minima: MinimaTable, same_party: bool
) -> tuple[IntArray, IntArray, PairMinima]:
    bounds = minima.track_bounds(snapshot.parties, snapshot.party, snapshot.domain)
    active = np.flatnonzero(bounds.checked)
    if active.size <= _SMALL:
        # A handful of tracks: testing every pair exactly is cheaper than pruning any.
        a, b = all_pairs(active.size)
    else:
        tracks = snapshot if active.size == len(snapshot) else snapshot.take(active)
        # Single precision is plenty for boxes a few kilometres wide (they allow for it).
        motion = Motion.from_arrays(
            tracks.lat, tracks.lon, tracks.gs_mps, tracks.course_deg, coarse=True
        )
        boxes = swept_boxes(
            motion,
            tracks.alt_m,
            tracks.vs_mps,
            horizontal_m=bounds.horizontal_m[active],
            vertical_m=bounds.vertical_m[active],
            lookahead_s=bounds.lookahead_s[active],
        )
        a, b = candidate_pairs(boxes)
    a, b = active[a], active[b]
    if not same_party:
        differ = snapshot.party[a] != snapshot.party[b]
        a, b = a[differ], b[differ]
    pair = minima.resolve(
        snapshot.parties,
        snapshot.party[a],
        snapshot.party[b],
        snapshot.domain[a],
        snapshot.domain[b],
    )
    checked = np.flatnonzero(pair.checked)
    if checked.size < a.size:
        a, b = a[checked], b[checked]
        pair = PairMinima(
            pair.horizontal_m[checked],
            pair.vertical_m[checked],
            pair.lookahead_s[checked],
            pair.checked[checked],
        )
    return a, b, pair


def _exact(
    snapshot: Snapshot, a: IntArray, b: IntArray, pair: PairMinima
) -> tuple[IntArray, IntArray, PairConflicts]:
    """The exact phase on candidate pairs, with full-precision motion of their tracks only."""
    n = len(snapshot)
    involved = np.zeros(n, dtype=np.bool_)
    involved[a] = True
    involved[b] = True
    index = np.flatnonzero(involved)
    if 2 * index.size > n:
        tracks, ia, ib = snapshot, a, b
    else:
        tracks = snapshot.take(index)
        position = np.empty(n, dtype=np.intp)
        position[index] = np.arange(index.size)
        ia, ib = position[a], position[b]
    found = exact_conflicts(
        tracks.motion(),
        tracks.alt_m,
        tracks.vs_mps,
        ia,
        ib,
        pair.horizontal_m,
        pair.vertical_m,
        pair.lookahead_s,
        level_alt_m=tracks.level_alt_m,
    )
    return a[found.pair], b[found.pair], found


def detect_conflicts(
    snapshot: Snapshot, minima: MinimaTable, *, same_party: bool = False
) -> Conflicts:
    """Every pair of tracks closer than their minima at one moment within the lookahead.

    Parameters
    ----------
    snapshot
        The tracks at one time; a track with a ``level_alt_m`` ahead of its vertical
        motion stops there (see :mod:`deconfliction.detect.earth`).
    minima
        Minima per domain pair and per pair of parties.
    same_party
        Also check pairs of tracks of the same party (left out by default).

    Examples
    --------
    >>> snap = Snapshot.from_columns(
    ...     0.0, party=["red", "blue", "red"], track=["r1", "b1", "r2"],
    ...     lat=[0.0, 0.0, 0.0], lon=[0.0, 0.2, 0.05], alt_m=[9000.0, 9100.0, 9000.0],
    ...     gs_mps=[200.0, 200.0, 0.0], course_deg=[90.0, 270.0, 0.0])
    >>> [(c.track_a, c.track_b, round(c.t_in_s, 1)) for c in
    ...  detect_conflicts(snap, MinimaTable())]
    [('b1', 'r1', 32.5), ('b1', 'r2', 37.2)]
    """
    a, b, pair = _candidates(snapshot, minima, same_party)
    a, b, found = _exact(snapshot, a, b, pair)
    order, a, b = _ordered(snapshot, a, b)
    return Conflicts(
        snapshot=snapshot,
        index_a=a[order],
        index_b=b[order],
        t_in_s=found.t_in_s[order],
        t_out_s=found.t_out_s[order],
        t_cpa_s=found.t_cpa_s[order],
        d_cpa_m=found.d_cpa_m[order],
        dz_cpa_m=found.dz_cpa_m[order],
    )


def _ordered(snapshot: Snapshot, a: IntArray, b: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Swap each pair so that ``(track, party)`` of ``a`` sorts first; the order of rows."""
    if a.size == 0:
        return np.empty(0, dtype=np.intp), a, b
    involved, inverse = np.unique(np.concatenate((a, b)), return_inverse=True)
    party_rank = np.argsort(np.argsort(np.array(snapshot.parties, dtype=str)))
    names = snapshot.track[involved].astype(str)
    order = np.lexsort((party_rank[snapshot.party[involved]], names))
    rank = np.empty(involved.size, dtype=np.intp)
    rank[order] = np.arange(involved.size)
    rank_a, rank_b = rank[inverse[: a.size]], rank[inverse[a.size :]]
    swap = rank_a > rank_b
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    rows = np.lexsort((np.where(swap, rank_a, rank_b), np.where(swap, rank_b, rank_a)))
    return rows, first, second
