"""The track–track check of the detection cycle.

Every cycle runs :func:`deconfliction.detect.detect_conflicts` over the live tracks with the
minima of the current agreements, and each conflict becomes a finding keyed by its two
tracks (:class:`~deconfliction.hub.alerts.keys.TrackPair`); the views each party is told are
built by :func:`deconfliction.hub.alerts.visibility.track_pair`, only for conflicts not yet
open, and only when opened.

Its severity is graded by the time to the loss: ``advisory`` beyond the warning horizon
(``alert_warning_horizon_s``), ``predicted`` within it, ``loss`` once separation is lost.
A finding carries both tracks' report counts, against which the alert book counts fresh
reports (:class:`~deconfliction.hub.alerts.book.Lifecycle`). An open conflict no longer
found at the minima is *held* (still counts as found) while the pair conflicts under the
minima times ``alert_release_factor`` with a lookahead ``alert_release_lookahead_s``
longer: it opens at the minima and is released only clearly outside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from deconfliction.detect import Conflicts, MinimaTable, detect_conflicts, exact_conflicts
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy, Lifecycle
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
        self._release = Release(
            max(settings.alert_release_factor, 1.0), settings.alert_release_lookahead_s
        )

    @staticmethod
    def lifecycle(settings: Settings) -> Lifecycle:
        """How track–track conflicts live (registered with the cycle)."""
        return Lifecycle(
            hysteresis_s=settings.alert_hysteresis_s,
            resolve_reports=settings.alert_resolve_reports,
            confirm_beyond_s=settings.alert_confirm_beyond_s,
            advisory_confirm_s=settings.alert_advisory_confirm_s,
            expire_after_s=settings.alert_hysteresis_s,
        )

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
        return TrackPairScan(
            live,
            detect_conflicts(live.snapshot, minima),
            minima,
            self._settings.alert_warning_horizon_s,
            self._release,
        )


@dataclass(frozen=True)
class Release:
    """The margins an open conflict is held within (see the module)."""

    factor: float
    lookahead_s: float

    @property
    def wider(self) -> bool:
        return self.factor > 1.0 or self.lookahead_s > 0.0


def severity(t_in_s: float, warning_horizon_s: float) -> Severity:
    """A track conflict's severity by its time to the loss of separation."""
    if t_in_s <= 0.0:
        return Severity.LOSS
    return Severity.PREDICTED if t_in_s <= warning_horizon_s else Severity.ADVISORY


@dataclass(frozen=True)
class TrackPairScan:
    live: LiveTracks
    conflicts: Conflicts
    minima: MinimaTable
    warning_horizon_s: float
    release: Release

    @property
    def found(self) -> int:
        return len(self.conflicts)

    def findings(self, is_open: Callable[[ConflictKey], bool]) -> Iterator[Finding]:
        """A finding per conflict; views are built only for conflicts not yet open (an open
        one keeps the views it was opened with), and only when read (when opened)."""
        live, conflicts = self.live, self.conflicts
        snap = live.snapshot
        names = snap.parties

        def ends(index: npt.NDArray[np.intp]) -> Iterator[tuple[int, str, str, int]]:
            """Each conflict's end: its place in the snapshot, party, track, report count."""
            return zip(
                index.tolist(),
                [names[c] for c in snap.party[index].tolist()],
                snap.track[index].tolist(),
                live.reports[index].tolist(),
                strict=True,
            )

        t_in = conflicts.t_in_s.tolist()
        horizon = self.warning_horizon_s
        pairs = zip(ends(conflicts.index_a), ends(conflicts.index_b), strict=True)
        for k, (end_i, end_j) in enumerate(pairs):
            if end_j[1:3] < end_i[1:3]:  # the key names the pair in order
                end_i, end_j = end_j, end_i
            i, party_i, track_i, count_i = end_i
            j, party_j, track_j, count_j = end_j
            key = TrackPair(party_i, track_i, party_j, track_j)
            figures = Lazy(partial(_figures, conflicts, k, live.time_s))
            views: Lazy[Mapping[str, AlertView]] = (
                _NONE if is_open(key) else Lazy(partial(self._views, k, i, j, key))
            )
            severity_k = severity(t_in[k], horizon)
            yield Finding(key, severity_k, views, figures, round(t_in[k], 1), (count_i, count_j))

    def _ends(self, key: ConflictKey) -> tuple[int, int] | None:
        """Where both tracks of a track–track conflict are in this cycle (None: not both
        live)."""
        assert isinstance(key, TrackPair)
        i = self.live.index(key.party_a, key.track_a)
        j = self.live.index(key.party_b, key.track_b)
        return None if i is None or j is None else (i, j)

    def still_live(self, key: ConflictKey) -> bool:
        """Whether both tracks of a track–track conflict are live in this cycle."""
        return self._ends(key) is not None

    def reports(self, key: ConflictKey) -> tuple[int, int] | None:
        """Both tracks' report counts (as a finding gives them)."""
        ends = self._ends(key)
        counts = self.live.reports
        return None if ends is None else (int(counts[ends[0]]), int(counts[ends[1]]))

    def held(self, keys: Sequence[ConflictKey]) -> set[ConflictKey]:
        """Open conflicts not found at the minima whose pairs still conflict within the
        release margins (a few pairs: the exact phase alone, on them only)."""
        if not self.release.wider:
            return set()
        picked = [(key, ends) for key in keys if (ends := self._ends(key)) is not None]
        if not picked:
            return set()
        index = np.array([ends for _, ends in picked], dtype=np.intp)
        used, where = np.unique(index, return_inverse=True)
        where = where.reshape(index.shape)
        snap = self.live.snapshot.take(used)
        pairs = self.minima.resolve(
            snap.parties,
            snap.party[where[:, 0]],
            snap.party[where[:, 1]],
            snap.domain[where[:, 0]],
            snap.domain[where[:, 1]],
        )
        factor = self.release.factor
        found = exact_conflicts(
            snap.motion(),
            snap.alt_m,
            snap.vs_mps,
            where[:, 0],
            where[:, 1],
            pairs.horizontal_m * factor,
            pairs.vertical_m * factor,
            pairs.lookahead_s + self.release.lookahead_s,
            level_alt_m=snap.level_alt_m,
        )
        checked = pairs.checked
        return {picked[k][0] for k in found.pair.tolist() if checked[k]}

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
