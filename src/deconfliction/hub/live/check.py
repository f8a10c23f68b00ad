"""The track–track check of the detection cycle.

Every cycle runs :func:`deconfliction.detect.detect_conflicts` over the live tracks with the
minima of the current agreements, and each conflict becomes a finding keyed by its two
tracks (:class:`~deconfliction.hub.alerts.keys.TrackPair`); the views each party is told are
built by :func:`deconfliction.hub.alerts.visibility.track_pair`, only for conflicts not yet
open, and only when opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial

from deconfliction.detect import Conflicts, MinimaTable, detect_conflicts
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import ConflictKey, TrackPair
from deconfliction.hub.live.snapshot import LiveTracks
from deconfliction.hub.parties.registry import Parties
from deconfliction.model import DOMAINS
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.alert_views import AlertView, MinimaShown, PairFigures, PairGeometry
from deconfliction.model.codec import load
from deconfliction.settings import Settings
from deconfliction.units import format_time


class TrackPairCheck:
    """Track–track conflicts between parties (a :class:`~deconfliction.hub.cycle.Check`)."""

    kinds = frozenset({AlertKind.TRACK_TRACK})

    def __init__(self, parties: Parties, settings: Settings) -> None:
        self._parties = parties
        self._settings = settings
        self._minima: tuple[str | None, MinimaTable] | None = None

    def minima(self) -> MinimaTable:
        """The minima table for the current agreements (rebuilt when they change)."""
        version = self._parties.version
        if self._minima is None or self._minima[0] != version:
            table = MinimaTable.from_agreements(
                self._parties.agreements(), self._settings.domain_minima()
            )
            self._minima = (version, table)
        return self._minima[1]

    def scan(self, live: LiveTracks) -> TrackPairScan:
        """Detect (pure, no lock needed): the costly part of the check."""
        minima = self.minima()
        return TrackPairScan(live, detect_conflicts(live.snapshot, minima), minima)


@dataclass(frozen=True)
class TrackPairScan:
    live: LiveTracks
    conflicts: Conflicts
    minima: MinimaTable

    @property
    def found(self) -> int:
        return len(self.conflicts)

    def findings(self, is_open: Callable[[ConflictKey], bool]) -> Iterator[Finding]:
        """A finding per conflict; views are built only for conflicts not yet open (an open
        one keeps the views it was opened with), and only when read (when opened)."""
        live, conflicts = self.live, self.conflicts
        snap = live.snapshot
        parties, party_codes, tracks = snap.parties, snap.party.tolist(), snap.track
        t_in = conflicts.t_in_s.tolist()
        pairs = zip(conflicts.index_a.tolist(), conflicts.index_b.tolist(), strict=True)
        for k, (i, j) in enumerate(pairs):
            end_i = (parties[party_codes[i]], tracks[i], i)
            end_j = (parties[party_codes[j]], tracks[j], j)
            (party_a, track_a, i), (party_b, track_b, j) = sorted((end_i, end_j))
            key = TrackPair(party_a, track_a, party_b, track_b)
            figures = Lazy(partial(_figures, conflicts, k, live.time_s))
            severity = Severity.LOSS if t_in[k] <= 0.0 else Severity.PREDICTED
            views: Lazy[Mapping[str, AlertView]] = (
                _NONE if is_open(key) else Lazy(partial(self._views, k, i, j, key))
            )
            yield Finding(key, severity, views, figures, round(t_in[k], 1))

    def still_live(self, key: ConflictKey) -> bool:
        """Whether both tracks of a track–track conflict are live in this cycle."""
        assert isinstance(key, TrackPair)
        keys = self.live.track_ids()
        return (key.party_a, key.track_a) in keys and (key.party_b, key.track_b) in keys

    def _views(self, k: int, i: int, j: int, key: TrackPair) -> dict[str, AlertView]:
        live, conflicts = self.live, self.conflicts
        domains = (DOMAINS[int(live.snapshot.domain[i])], DOMAINS[int(live.snapshot.domain[j])])
        agreed = self.minima.minima(key.party_a, key.party_b, domains[0].value, domains[1].value)
        figures = _figures(conflicts, k, live.time_s)
        geometry = PairGeometry(
            t_in_s=figures.t_in_s,
            t_out_s=figures.t_out_s,
            t_cpa_s=figures.t_cpa_s,
            d_cpa_m=figures.d_cpa_m,
            dz_cpa_m=figures.dz_cpa_m,
            loss_at=format_time(live.time_s + float(conflicts.t_in_s[k])),
            cpa_at=format_time(live.time_s + float(conflicts.t_cpa_s[k])),
            minima=None if agreed is None else load(MinimaShown, agreed.to_json()),
        )
        a = visibility.TrackSide(key.party_a, key.track_a, live.state(i))
        b = visibility.TrackSide(key.party_b, key.track_b, live.state(j))
        return visibility.track_pair(a, b, geometry)


_NONE: Lazy[Mapping[str, AlertView]] = Lazy.of({})


def _figures(conflicts: Conflicts, k: int, time_s: float) -> PairFigures:
    return PairFigures(
        t_in_s=round(float(conflicts.t_in_s[k]), 1),
        t_out_s=round(float(conflicts.t_out_s[k]), 1),
        t_cpa_s=round(float(conflicts.t_cpa_s[k]), 1),
        d_cpa_m=round(float(conflicts.d_cpa_m[k]), 1),
        dz_cpa_m=round(float(conflicts.dz_cpa_m[k]), 1),
        computed=format_time(time_s),
    )
