"""What an alert tells one party: a typed view per kind of conflict and side.

A view holds the party's own object(s) in full and, of the other side, only what the
visibility rule allows (which view each party gets is decided in
:mod:`deconfliction.hub.alerts.visibility`). The field names are the members of the alert on
the wire and in the store; :func:`deconfliction.model.codec.dump` writes a view, and
:func:`deconfliction.model.alert.view_from_doc` reads one back. ``now`` (the live figures
of an open conflict) is not part of a view: it is added when an alert is read
(:class:`PairFigures`, :class:`EntryFigures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from deconfliction.model.codec import OMIT_NONE
from deconfliction.model.party import Domain
from deconfliction.model.zone import ZoneRule

GeoJSON = dict[str, Any]
Relation = Literal["higher", "lower", "equal"]


# -- pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackState:
    """A track's state extrapolated to the cycle's ``time`` (``reported``: its latest report)."""

    time: str
    reported: str
    lat: float
    lon: float
    alt_m: float
    gs_mps: float
    course_deg: float
    vs_mps: float
    domain: Domain


@dataclass(frozen=True, slots=True)
class OwnTrack:
    track: str
    state: TrackState


@dataclass(frozen=True, slots=True)
class OtherTrack:
    """The other side of a track conflict: its party and its track's state, never its id."""

    party: str
    state: TrackState


@dataclass(frozen=True, slots=True)
class MinimaShown:
    """The minima that apply to the pair (``vertical_m`` null: altitude is ignored)."""

    horizontal_m: float
    vertical_m: float | None
    lookahead_s: float


@dataclass(frozen=True, slots=True)
class PairGeometry:
    """Where and when two tracks lose separation, at alert time."""

    t_in_s: float
    t_out_s: float
    t_cpa_s: float
    d_cpa_m: float
    dz_cpa_m: float
    loss_at: str
    cpa_at: str
    minima: Annotated[MinimaShown | None, OMIT_NONE] = None


@dataclass(frozen=True, slots=True)
class ZoneShown:
    id: str
    name: str | None
    rule: ZoneRule


@dataclass(frozen=True, slots=True)
class ZoneVolume:
    """A zone a track is about to enter: what it is and the volume to keep out of."""

    id: str
    name: str | None
    rule: ZoneRule
    outline: GeoJSON
    alt_lower_m: float | None
    alt_upper_m: float | None
    valid_from: str | None
    valid_to: str | None


@dataclass(frozen=True, slots=True)
class OwnZone:
    zone: ZoneShown


@dataclass(frozen=True, slots=True)
class OtherZone:
    party: str
    zone: ZoneVolume


@dataclass(frozen=True, slots=True)
class EntryGeometry:
    time_to_entry_s: float
    entry_at: str
    time_to_exit_s: float | None
    inside_now: bool


@dataclass(frozen=True, slots=True)
class HotlineContent:
    """The template and fields of the hub's hotline message about the alert."""

    template: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OwnOperation:
    operation: str
    priority: int
    domain: Domain
    volumes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OtherOperation:
    """The other side of an operation conflict: its party and how its priority compares."""

    party: str
    priority: Relation


@dataclass(frozen=True, slots=True)
class OtherZoneOwner:
    """A zone an operation enters, of another party (its id only if shared with the reader)."""

    party: str
    rule: ZoneRule
    zone: Annotated[str | None, OMIT_NONE] = None


@dataclass(frozen=True, slots=True)
class OwnZoneId:
    zone: str
    rule: ZoneRule


@dataclass(frozen=True, slots=True)
class OtherOperationOwner:
    party: str
    domain: Domain


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class VolumeOverlap:
    """One overlapping pair of volumes (``own_volume_index``: the reader's volume)."""

    own_volume_index: int
    footprint: GeoJSON
    alt_lower_m: float | None
    alt_upper_m: float | None
    start: str | None
    end: str | None


@dataclass(frozen=True, slots=True)
class OverlapGeometry:
    overlaps: tuple[VolumeOverlap, ...]
    start: str
    end: str
    alt_lower_m: float
    alt_upper_m: float
    where: LatLon


@dataclass(frozen=True, slots=True)
class OtherZoneOfPair:
    party: str
    rule: ZoneRule
    zone: ZoneNamed | None  # null unless its owner shares it with the reader


@dataclass(frozen=True, slots=True)
class ZoneNamed:
    id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class ZoneOverlapGeometry:
    overlap: GeoJSON
    overlap_area_m2: float
    touches_only: bool
    protected_zone_inside: bool
    alt_lower_m: float | None
    alt_upper_m: float | None
    valid_from: str | None
    valid_to: str | None


@dataclass(frozen=True, slots=True)
class OwnFlight:
    """A track of the reader's and the operation it flies (or left)."""

    track: str
    operation: str
    state: TrackState


@dataclass(frozen=True, slots=True)
class PartyOnly:
    party: str


@dataclass(frozen=True, slots=True)
class OwnOperationBrief:
    operation: str
    priority: int
    domain: Domain


# -- the views, by kind and side --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackPairView:
    """``track_track``, each side: its track, the other party and its track's state."""

    own: OwnTrack
    other: OtherTrack
    geometry: PairGeometry


@dataclass(frozen=True, slots=True)
class ZoneEnteredView:
    """``track_zone``, the zone's owner: its zone, the other party and its track's state."""

    own: OwnZone
    other: OtherTrack
    geometry: EntryGeometry
    hotline: HotlineContent


@dataclass(frozen=True, slots=True)
class ZoneAheadView:
    """``track_zone``, the track's party: its track and the zone's volume, even unshared."""

    own: OwnTrack
    other: OtherZone
    geometry: EntryGeometry
    hotline: HotlineContent


@dataclass(frozen=True, slots=True)
class OperationPairView:
    """``operation_operation``, each side: its operation, the other party, the overlap."""

    own: OwnOperation
    other: OtherOperation
    geometry: OverlapGeometry
    resolve_by: str


@dataclass(frozen=True, slots=True)
class OperationInZoneView:
    """``operation_zone``, the operation's owner."""

    own: OwnOperation
    other: OtherZoneOwner
    geometry: OverlapGeometry
    resolve_by: str


@dataclass(frozen=True, slots=True)
class ZoneOperationView:
    """``operation_zone``, the zone's owner."""

    own: OwnZoneId
    other: OtherOperationOwner
    geometry: OverlapGeometry
    resolve_by: str


@dataclass(frozen=True, slots=True)
class ZonePairView:
    """``zone_zone``, each owner: its zone, the other party's rule (and zone if shared)."""

    own: OwnZone
    other: OtherZoneOfPair
    geometry: ZoneOverlapGeometry


@dataclass(frozen=True, slots=True)
class NonconformingView:
    """``nonconformance``, the track's party: its track left its own operation."""

    own: OwnFlight


@dataclass(frozen=True, slots=True)
class IntruderView:
    """``nonconformance``, the track's party: it is inside another party's operation."""

    own: OwnFlight
    other: PartyOnly


@dataclass(frozen=True, slots=True)
class IntrudedView:
    """``nonconformance``, the operation's owner: another party's track is inside it."""

    own: OwnOperationBrief
    other: OtherTrack


AlertView = (
    TrackPairView
    | ZoneEnteredView
    | ZoneAheadView
    | OperationPairView
    | OperationInZoneView
    | ZoneOperationView
    | ZonePairView
    | NonconformingView
    | IntruderView
    | IntrudedView
)

# -- live figures ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairFigures:
    """A track conflict's figures now (``computed``: when), refreshed every cycle."""

    t_in_s: float
    t_out_s: float
    t_cpa_s: float
    d_cpa_m: float
    dz_cpa_m: float
    computed: str


@dataclass(frozen=True, slots=True)
class EntryFigures:
    """A zone incursion's figures now: seconds to entry and to exit (null: not computed)."""

    t_in_s: float
    t_out_s: float | None
    computed: str


LiveFigures = PairFigures | EntryFigures
