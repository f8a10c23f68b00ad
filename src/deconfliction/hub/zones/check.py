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

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.detect.zone_index import ZoneIndex
from deconfliction.detect.zones import Incursions, find_incursions
from deconfliction.hub.alerts.book import ConflictKey, Deferred, Finding
from deconfliction.hub.live.detection import LiveTracks
from deconfliction.model import DOMAINS
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.zone import Zone, ZoneRule
from deconfliction.units import format_time

TRACK_ZONE = "tz"
# The owner's hotline message names the track (its template requires one) without its id.
WITHHELD_TRACK = "withheld"
# Expected crossing check: (zone id, zone owner, party, track, time_s, alt_m) -> bool.
ExpectedCrossing = Callable[[str, str, str, str, float, float | None], bool]


def zone_key(zone_id: str, version: int, party: str, track: str) -> ConflictKey:
    return (TRACK_ZONE, zone_id, str(version), party, track)


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


def zone_volume(zone: Zone) -> dict[str, Any]:
    """The conflicting volume: outline, altitude band, validity (``null``: no limit)."""
    return {
        "outline": zone.region.geojson(),
        "alt_lower_m": _metres(zone.alt_lower_m),
        "alt_upper_m": _metres(zone.alt_upper_m),
        "valid_from": None if zone.valid_from_s is None else format_time(zone.valid_from_s),
        "valid_to": None if zone.valid_to_s is None else format_time(zone.valid_to_s),
    }


def zone_findings(
    live: LiveTracks,
    indexed: IndexedZones,
    found: Incursions,
    current: Callable[[str, int], Zone | None],
    is_open: Callable[[ConflictKey], bool],
    expected: ExpectedCrossing,
) -> Iterator[Finding]:
    """A finding per incursion of a zone still current (``current(id, version)``), except
    expected crossings of ``notify_before_entry`` zones; views are built only for new
    conflicts (an open one keeps the views it was opened with)."""
    snap = live.snapshot
    volumes: dict[str, dict[str, Any]] = {}  # one outline per zone, however many tracks
    computed = format_time(live.time_s)
    for k in range(len(found)):
        i, z = int(found.track[k]), int(found.zone[k])
        zone = current(indexed.zones[z].id, indexed.versions[z])
        if zone is None or (zone.valid_to_s is not None and zone.valid_to_s <= live.time_s):
            continue  # withdrawn or changed since the index was built, or just ended
        party, track = snap.parties[int(snap.party[i])], str(snap.track[i])
        t_entry = max(0.0, float(found.t_entry_s[k]))
        if zone.rule is ZoneRule.NOTIFY_BEFORE_ENTRY:
            alt_at_entry = float(snap.alt_m[i] + snap.vs_mps[i] * t_entry)
            if expected(zone.id, zone.owner, party, track, live.time_s + t_entry, alt_at_entry):
                continue
        key = zone_key(zone.id, indexed.versions[z], party, track)
        exit_s = float(found.t_exit_s[k])
        t_exit = None if math.isnan(exit_s) else round(exit_s, 1)
        figures: dict[str, Any] = {
            "t_in_s": round(t_entry, 1),
            "t_out_s": t_exit,
            "computed": computed,
        }
        severity = Severity.LOSS if bool(found.inside_now[k]) else Severity.PREDICTED
        if is_open(key):
            yield Finding(key, AlertKind.TRACK_ZONE, severity, {}, figures)
            continue
        views = functools.partial(_views, live, i, zone, party, track, t_entry, t_exit, volumes)
        yield Finding(key, AlertKind.TRACK_ZONE, severity, Deferred(views), figures)


def _views(
    live: LiveTracks,
    i: int,
    zone: Zone,
    party: str,
    track: str,
    t_entry: float,
    t_exit: float | None,
    volumes: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    state = live.state(i)
    volume = volumes.get(zone.id)
    if volume is None:
        volume = volumes[zone.id] = zone_volume(zone)
    geometry = {
        "time_to_entry_s": round(t_entry, 1),
        "entry_at": format_time(live.time_s + t_entry),
        "time_to_exit_s": t_exit,
        "inside_now": t_entry <= 0.0,
    }
    about = {"id": zone.id, "name": zone.name, "rule": zone.rule.value}

    def hotline(track_label: str) -> dict[str, Any]:
        return {
            "template": "alert_zone_incursion",
            "fields": {
                "zone": zone.id,
                "zone_owner": zone.owner,
                "rule": zone.rule.value,
                "track": track_label,
                "track_party": party,
                "time_to_entry_s": round(t_entry, 1),
                "where": {"lat": state["lat"], "lon": state["lon"]},
            },
        }

    return {
        zone.owner: {
            "own": {"zone": about},
            "other": {"party": party, "state": state},
            "geometry": geometry,
            "hotline": hotline(WITHHELD_TRACK),
        },
        party: {
            "own": {"track": track, "state": state},
            "other": {"party": zone.owner, "zone": {**about, **volume}},
            "geometry": geometry,
            "hotline": hotline(track),
        },
    }


def still_live(
    live: LiveTracks, current: Callable[[str, int], Zone | None]
) -> Callable[[ConflictKey], bool]:
    """Whether the track of a track–zone conflict is still live and its zone's version
    still the active one."""
    keys = live.keys()

    def check(key: ConflictKey) -> bool:
        _, zone_id, version, party, track = key
        return (party, track) in keys and current(zone_id, int(version)) is not None

    return check
