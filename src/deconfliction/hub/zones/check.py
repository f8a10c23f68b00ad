"""Track–zone checks of the detection cycle: incursions become findings with minimal views.

Every cycle, the live tracks (the same :class:`~deconfliction.hub.detection.LiveTracks` as
the track–track check) are run against the active zones with
:func:`~deconfliction.detect.zones.find_incursions`, each track looking ahead as far as its
domain's lookahead (settings ``air_lookahead_s``, ``ground_lookahead_s``,
``sea_lookahead_s``). An incursion is a track of a party other than the zone's owner that
is inside the zone now, or enters it within its lookahead, inside the zone's altitude band
and validity window. Each becomes a :class:`~deconfliction.hub.alerts.Finding` of kind
``track_zone`` for the two parties:

- the **zone's owner** sees its zone (id, name, rule) and, of the other side, only the
  party's name and its track's state at alert time (never the track's id);
- the **track's party** sees its own track, the zone's id, name and rule and the
  conflicting volume (outline, altitude band, validity), even if the zone is not shared
  with it: that is the minimum it needs to keep out.

Both see the time to entry. An incursion into a ``notify_before_entry`` zone raises nothing
while the track's crossing is expected (a crossing notice the owner acknowledged covers
the track at the predicted entry time and altitude).

The key of a track–zone conflict names the zone's version, so a changed zone closes the
alerts about its old version (expired: that declaration left the picture) and opens new
ones about the new outline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from deconfliction.detect.zone_index import ZoneIndex
from deconfliction.detect.zones import Incursions, find_incursions
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import ConflictKey, TrackInZone
from deconfliction.hub.live.snapshot import LiveTracks
from deconfliction.model import DOMAINS
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.alert_views import AlertView, EntryFigures, EntryGeometry, ZoneVolume
from deconfliction.model.zone import Zone, ZoneRule
from deconfliction.units import format_time

# Expected crossing check: (zone id, zone owner, party, track, time_s, alt_m) -> bool.
ExpectedCrossing = Callable[[str, str, str, str, float, float | None], bool]
# The current declaration of a zone id at a version (None: withdrawn or changed since).
Current = Callable[[str, int], Zone | None]


@dataclass(frozen=True)
class IndexedZones:
    """The active zones of one generation, indexed for detection.

    Owners get their own codes (``owner_codes``) so that the index does not depend on the
    live picture's party codes: a track's party is translated into these codes each cycle
    (a party that owns no zone gets -2, which matches no owner).
    """

    generation: int
    zones: tuple[Zone, ...]
    versions: tuple[int, ...]
    owner_codes: Mapping[str, int]
    index: ZoneIndex | None

    @classmethod
    def build(cls, generation: int, zones: Sequence[tuple[Zone, int]]) -> IndexedZones:
        """Index ``zones`` (each with its version); pure, and slow for many zones: call it
        outside the hub lock."""
        owners = sorted({zone.owner for zone, _ in zones})
        codes = {owner: code for code, owner in enumerate(owners)}
        only = tuple(zone for zone, _ in zones)
        index = ZoneIndex.build(only, codes) if only else None
        return cls(generation, only, tuple(v for _, v in zones), codes, index)


def domain_lookaheads(air_s: float, ground_s: float, sea_s: float) -> npt.NDArray[np.float64]:
    """Lookahead seconds by domain code."""
    by_name = {"air": air_s, "ground": ground_s, "sea": sea_s}
    return np.array([by_name[d.value] for d in DOMAINS], dtype=np.float64)


def incursions(
    indexed: IndexedZones, live: LiveTracks, lookahead_by_domain: npt.NDArray[np.float64]
) -> Incursions:
    """Incursions of the live tracks into the indexed zones (pure; no lock needed)."""
    snap = live.snapshot
    if indexed.index is None or not len(snap):
        return Incursions.empty()
    lut = np.array([indexed.owner_codes.get(p, -2) for p in snap.parties], dtype=np.intp)
    return find_incursions(
        indexed.index,
        lat=snap.lat,
        lon=snap.lon,
        alt_m=snap.alt_m,
        gs_mps=snap.gs_mps,
        course_deg=snap.course_deg,
        vs_mps=snap.vs_mps,
        party=lut[snap.party] if len(lut) else np.full(len(snap), -2, dtype=np.intp),
        lookahead_s=lookahead_by_domain[snap.domain.astype(np.intp)],
        now_s=live.time_s,
    )


def _metres(value: float) -> float | None:
    return None if math.isinf(value) else value


def zone_volume(zone: Zone) -> ZoneVolume:
    """The zone and its conflicting volume: outline, band, validity (``null``: no limit)."""
    return ZoneVolume(
        id=zone.id,
        name=zone.name,
        rule=zone.rule,
        outline=zone.region.geojson(),
        alt_lower_m=_metres(zone.alt_lower_m),
        alt_upper_m=_metres(zone.alt_upper_m),
        valid_from=None if zone.valid_from_s is None else format_time(zone.valid_from_s),
        valid_to=None if zone.valid_to_s is None else format_time(zone.valid_to_s),
    )


class ZoneCheck:
    """Track–zone incursions (a :class:`~deconfliction.hub.cycle.Check`).

    ``indexed`` gives the active zones indexed for detection (refreshed from the store if
    another process changed them), ``current`` the current declaration of a zone id at a
    version, ``expected`` whether a crossing was notified and acknowledged.
    """

    kinds = frozenset({AlertKind.TRACK_ZONE})

    def __init__(
        self,
        indexed: Callable[[], IndexedZones],
        current: Current,
        expected: ExpectedCrossing,
        lookahead_by_domain: npt.NDArray[np.float64],
    ) -> None:
        self._indexed = indexed
        self._current = current
        self._expected = expected
        self._lookaheads = lookahead_by_domain

    def scan(self, live: LiveTracks) -> ZoneScan:
        indexed = self._indexed()
        found = incursions(indexed, live, self._lookaheads)
        return ZoneScan(live, indexed, found, self._current, self._expected)


@dataclass(frozen=True)
class ZoneScan:
    live: LiveTracks
    indexed: IndexedZones
    incursions: Incursions
    current: Current
    expected: ExpectedCrossing

    @property
    def found(self) -> int:
        return len(self.incursions)

    def findings(self, is_open: Callable[[ConflictKey], bool]) -> Iterator[Finding]:
        """A finding per incursion of a zone still current, except expected crossings of
        ``notify_before_entry`` zones; views are built only for new conflicts (an open one
        keeps the views it was opened with)."""
        live, found, indexed = self.live, self.incursions, self.indexed
        snap = live.snapshot
        volumes: dict[str, ZoneVolume] = {}  # one outline per zone, however many tracks
        computed = format_time(live.time_s)
        for k in range(len(found)):
            i, z = int(found.track[k]), int(found.zone[k])
            zone = self.current(indexed.zones[z].id, indexed.versions[z])
            if zone is None or (zone.valid_to_s is not None and zone.valid_to_s <= live.time_s):
                continue  # withdrawn or changed since the index was built, or just ended
            party, track = live.party(i), str(snap.track[i])
            t_entry = max(0.0, float(found.t_entry_s[k]))
            if zone.rule is ZoneRule.NOTIFY_BEFORE_ENTRY:
                alt_at_entry = float(snap.alt_m[i] + snap.vs_mps[i] * t_entry)
                if self.expected(
                    zone.id, zone.owner, party, track, live.time_s + t_entry, alt_at_entry
                ):
                    continue
            key = TrackInZone(zone.id, indexed.versions[z], party, track)
            exit_s = float(found.t_exit_s[k])
            t_exit = None if math.isnan(exit_s) else round(exit_s, 1)
            figures = EntryFigures(round(t_entry, 1), t_exit, computed)
            severity = Severity.LOSS if bool(found.inside_now[k]) else Severity.PREDICTED
            views: Lazy[Mapping[str, AlertView]] = (
                Lazy.of({})
                if is_open(key)
                else Lazy(partial(_views, live, i, zone, key, t_entry, t_exit, volumes))
            )
            yield Finding(key, severity, views, Lazy.of(figures), round(t_entry, 1))

    def reports(self, key: ConflictKey) -> None:
        """Fresh reports are not counted for these conflicts (the hysteresis alone)."""
        return None

    def held(self, keys: Sequence[ConflictKey]) -> tuple[()]:
        """No release margin: none is held."""
        return ()

    def still_live(self, key: ConflictKey) -> bool:
        """Whether the track is still live and the zone's version still the active one."""
        assert isinstance(key, TrackInZone)
        return (
            self.live.index(key.party, key.track) is not None
            and self.current(key.zone, key.zone_version) is not None
        )


def _views(
    live: LiveTracks,
    i: int,
    zone: Zone,
    key: TrackInZone,
    t_entry: float,
    t_exit: float | None,
    volumes: dict[str, ZoneVolume],
) -> dict[str, AlertView]:
    volume = volumes.get(zone.id)
    if volume is None:
        volume = volumes[zone.id] = zone_volume(zone)
    geometry = EntryGeometry(
        time_to_entry_s=round(t_entry, 1),
        entry_at=format_time(live.time_s + t_entry),
        time_to_exit_s=t_exit,
        inside_now=t_entry <= 0.0,
    )
    track = visibility.TrackSide(key.party, key.track, live.state(i))
    return visibility.track_in_zone(zone, volume, track, geometry)
