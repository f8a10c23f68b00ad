"""The visibility rule for conflicts: what each involved party is told, kind by kind.

This is the one place that decides it. A party is told its own objects in full and, of the
other side, only the minimum it needs to keep clear:

- **track–track**: the other party's name and its track's state at alert time (never the
  track's id), and where and when separation is lost;
- **track–zone**: the zone's owner learns the other party's name and its track's state;
  the track's party learns the zone's id, name, rule and volume (outline, band, validity),
  even if the zone is not shared with it — the minimum it needs to keep out. The owner's
  hotline message names the track ``withheld``;
- **operation–operation**: the other party's name, whether its priority is higher, lower or
  equal (never the number), and the overlap (footprints, band, window of each overlapping
  pair of volumes) — never the other operation's id, its other volumes or its extent;
- **operation–zone**: the operation's owner learns the zone's owner and rule, and the
  zone's id only if the zone is shared with it; the zone's owner learns the operation's
  party and domain; both the overlap;
- **zone–zone**: each owner learns the other's party and rule, and the other zone's id and
  name only if it is shared with it; both the overlap;
- **nonconformance**: a track's party learns its track left its operation, or entered
  another party's operation (whose party only); that party learns the track's party and
  state, never the track's id.

Checks gather the facts (:class:`TrackSide`, :class:`OperationSide`, geometries) and call
one function here per conflict; each returns the views by party.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deconfliction.model.alert_views import (
    AlertView,
    EntryGeometry,
    HotlineContent,
    IntrudedView,
    IntruderView,
    NonconformingView,
    OperationInZoneView,
    OperationPairView,
    OtherOperation,
    OtherOperationOwner,
    OtherTrack,
    OtherZone,
    OtherZoneOfPair,
    OtherZoneOwner,
    OverlapGeometry,
    OwnFlight,
    OwnOperation,
    OwnOperationBrief,
    OwnTrack,
    OwnZone,
    OwnZoneId,
    PairGeometry,
    PartyOnly,
    Relation,
    TrackPairView,
    TrackState,
    ZoneAheadView,
    ZoneEnteredView,
    ZoneNamed,
    ZoneOperationView,
    ZoneOverlapGeometry,
    ZonePairView,
    ZoneShown,
    ZoneVolume,
)
from deconfliction.model.party import Domain
from deconfliction.model.zone import Zone

Views = dict[str, AlertView]
# The zone owner's hotline message names the track (its template requires one) without its id.
WITHHELD_TRACK = "withheld"


@dataclass(frozen=True, slots=True)
class TrackSide:
    """A track in a conflict: its party, its id and its state at alert time."""

    party: str
    track: str
    state: TrackState


@dataclass(frozen=True, slots=True)
class OperationSide:
    """An operation in a conflict, and which of its volumes overlap."""

    owner: str
    operation: str
    priority: int
    domain: Domain
    volumes: tuple[int, ...]

    def own(self) -> OwnOperation:
        return OwnOperation(self.operation, self.priority, self.domain, self.volumes)


def relation(theirs: int, mine: int) -> Relation:
    """How the other side's priority compares with mine."""
    return "higher" if theirs > mine else "lower" if theirs < mine else "equal"


def track_pair(a: TrackSide, b: TrackSide, geometry: PairGeometry) -> Views:
    return {
        a.party: TrackPairView(OwnTrack(a.track, a.state), OtherTrack(b.party, b.state), geometry),
        b.party: TrackPairView(OwnTrack(b.track, b.state), OtherTrack(a.party, a.state), geometry),
    }


def track_in_zone(
    zone: Zone, volume: ZoneVolume, track: TrackSide, geometry: EntryGeometry
) -> Views:
    about = ZoneShown(zone.id, zone.name, zone.rule)

    def hotline(track_label: str) -> HotlineContent:
        fields: dict[str, Any] = {
            "zone": zone.id,
            "zone_owner": zone.owner,
            "rule": zone.rule.value,
            "track": track_label,
            "track_party": track.party,
            "time_to_entry_s": geometry.time_to_entry_s,
            "where": {"lat": track.state.lat, "lon": track.state.lon},
        }
        return HotlineContent("alert_zone_incursion", fields)

    return {
        zone.owner: ZoneEnteredView(
            OwnZone(about), OtherTrack(track.party, track.state), geometry, hotline(WITHHELD_TRACK)
        ),
        track.party: ZoneAheadView(
            OwnTrack(track.track, track.state),
            OtherZone(zone.owner, volume),
            geometry,
            hotline(track.track),
        ),
    }


def operation_pair(
    mine: OperationSide,
    theirs: OperationSide,
    geometry: tuple[OverlapGeometry, OverlapGeometry],
    resolve_by: str,
) -> Views:
    """``geometry``: the overlap as ``mine``'s owner reads it, then as ``theirs``'."""
    return {
        mine.owner: OperationPairView(
            mine.own(),
            OtherOperation(theirs.owner, relation(theirs.priority, mine.priority)),
            geometry[0],
            resolve_by,
        ),
        theirs.owner: OperationPairView(
            theirs.own(),
            OtherOperation(mine.owner, relation(mine.priority, theirs.priority)),
            geometry[1],
            resolve_by,
        ),
    }


def operation_in_zone(
    operation: OperationSide, zone: Zone, geometry: tuple[OverlapGeometry, OverlapGeometry]
) -> Views:
    """``geometry``: the overlap as the operation's owner reads it, then as the zone's."""
    shown = zone.id if zone.visible_to(operation.owner) else None
    return {
        operation.owner: OperationInZoneView(
            operation.own(),
            OtherZoneOwner(zone.owner, zone.rule, shown),
            geometry[0],
            operation.owner,
        ),
        zone.owner: ZoneOperationView(
            OwnZoneId(zone.id, zone.rule),
            OtherOperationOwner(operation.owner, operation.domain),
            geometry[1],
            operation.owner,
        ),
    }


def zone_pair(protected: Zone, no_entry: Zone, geometry: ZoneOverlapGeometry) -> Views:
    views: Views = {}
    for own, other in ((protected, no_entry), (no_entry, protected)):
        shown = ZoneNamed(other.id, other.name) if other.visible_to(own.owner) else None
        views[own.owner] = ZonePairView(
            OwnZone(ZoneShown(own.id, own.name, own.rule)),
            OtherZoneOfPair(other.owner, other.rule, shown),
            geometry,
        )
    return views


def nonconforming(track: TrackSide, operation: str) -> Views:
    return {track.party: NonconformingView(OwnFlight(track.track, operation, track.state))}


def intruding(track: TrackSide, operation: str, entered: OperationSide) -> Views:
    """``track``, flying ``operation``, is inside ``entered`` (another party's)."""
    return {
        track.party: IntruderView(
            OwnFlight(track.track, operation, track.state), PartyOnly(entered.owner)
        ),
        entered.owner: IntrudedView(
            OwnOperationBrief(entered.operation, entered.priority, entered.domain),
            OtherTrack(track.party, track.state),
        ),
    }
