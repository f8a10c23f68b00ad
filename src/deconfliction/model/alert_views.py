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
from deconfliction.model.codec import described as doc
from deconfliction.model.party import Domain
from deconfliction.model.zone import ZoneRule

GeoJSON = dict[str, Any]
Relation = Literal["higher", "lower", "equal"]


# -- pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackState:
    """A track's state extrapolated to the cycle's ``time`` (``reported``: its latest report)."""

    time: Annotated[str, doc("When the state holds: the cycle's time, RFC 3339.")]
    reported: Annotated[str, doc("When the track was last reported, RFC 3339.")]
    lat: Annotated[float, doc("Latitude, WGS84 degrees.")]
    lon: Annotated[float, doc("Longitude, WGS84 degrees.")]
    alt_m: Annotated[float, doc("Altitude, metres.")]
    gs_mps: Annotated[float, doc("Ground speed, metres per second.")]
    course_deg: Annotated[float, doc("Course over ground, degrees true.")]
    vs_mps: Annotated[float, doc("Vertical speed, metres per second (positive climbing).")]
    domain: Annotated[Domain, doc("Where it moves: air, ground or sea.")]


@dataclass(frozen=True, slots=True)
class OwnTrack:
    track: Annotated[str, doc("The reader's own track id.")]
    state: Annotated[TrackState, doc("The track's state at alert time.")]


@dataclass(frozen=True, slots=True)
class OtherTrack:
    """The other side of a track conflict: its party and its track's state, never its id."""

    party: Annotated[str, doc("The other party's name.")]
    state: Annotated[TrackState, doc("The other track's state at alert time (never its id).")]


@dataclass(frozen=True, slots=True)
class MinimaShown:
    """The minima that apply to the pair (``vertical_m`` null: altitude is ignored)."""

    horizontal_m: Annotated[float, doc("Horizontal minimum, metres.")]
    vertical_m: Annotated[
        float | None, doc("Vertical minimum, metres (null: altitude is ignored).")
    ]
    lookahead_s: Annotated[float, doc("How far ahead conflicts are predicted, seconds.")]


@dataclass(frozen=True, slots=True)
class PairGeometry:
    """Where and when two tracks lose separation, at alert time."""

    t_in_s: Annotated[
        float, doc("Seconds from the cycle's time to the loss of separation (0 or less: lost now).")
    ]
    t_out_s: Annotated[float, doc("Seconds to the end of the loss of separation.")]
    t_cpa_s: Annotated[float, doc("Seconds to the closest point of approach.")]
    d_cpa_m: Annotated[float, doc("Horizontal distance at the closest point of approach, metres.")]
    dz_cpa_m: Annotated[float, doc("Vertical distance at the closest point of approach, metres.")]
    loss_at: Annotated[str, doc("When separation is lost, RFC 3339.")]
    cpa_at: Annotated[str, doc("When the closest point of approach is reached, RFC 3339.")]
    minima: Annotated[
        MinimaShown | None,
        OMIT_NONE,
        doc("The minima that apply to the pair, when an agreement or domain sets them."),
    ] = None


@dataclass(frozen=True, slots=True)
class ZoneShown:
    id: Annotated[str, doc("The zone's id.")]
    name: Annotated[str | None, doc("The zone's name, if it has one.")]
    rule: Annotated[ZoneRule, doc("The zone's rule: no_entry, notify_before_entry or protected.")]


@dataclass(frozen=True, slots=True)
class ZoneVolume:
    """A zone a track is about to enter: what it is and the volume to keep out of."""

    id: Annotated[str, doc("The zone's id.")]
    name: Annotated[str | None, doc("The zone's name, if it has one.")]
    rule: Annotated[ZoneRule, doc("The zone's rule: no_entry, notify_before_entry or protected.")]
    outline: Annotated[
        GeoJSON, doc("The zone's outline as a GeoJSON geometry (buffers and radii applied).")
    ]
    alt_lower_m: Annotated[
        float | None, doc("Lower limit of the altitude band, metres (null: none).")
    ]
    alt_upper_m: Annotated[
        float | None, doc("Upper limit of the altitude band, metres (null: none).")
    ]
    valid_from: Annotated[str | None, doc("Start of validity, RFC 3339 (null: none).")]
    valid_to: Annotated[str | None, doc("End of validity, RFC 3339 (null: none).")]


@dataclass(frozen=True, slots=True)
class OwnZone:
    zone: Annotated[ZoneShown, doc("The reader's own zone.")]


@dataclass(frozen=True, slots=True)
class OtherZone:
    party: Annotated[str, doc("The zone owner's name.")]
    zone: Annotated[ZoneVolume, doc("The zone and its volume, to keep out of.")]


@dataclass(frozen=True, slots=True)
class EntryGeometry:
    time_to_entry_s: Annotated[
        float, doc("Seconds until the track enters the zone (0: inside now).")
    ]
    entry_at: Annotated[str, doc("When the track enters the zone, RFC 3339.")]
    time_to_exit_s: Annotated[
        float | None, doc("Seconds until it leaves the zone (null: not within the lookahead).")
    ]
    inside_now: Annotated[bool, doc("Whether the track is inside the zone now.")]


@dataclass(frozen=True, slots=True)
class HotlineContent:
    """The template and fields of the hub's hotline message about the alert."""

    template: Annotated[str, doc("The hotline template of the hub's message about the alert.")]
    fields: Annotated[dict[str, Any], doc("The template's fields.")]


@dataclass(frozen=True, slots=True)
class OwnOperation:
    operation: Annotated[str, doc("The reader's own operation id.")]
    priority: Annotated[int, doc("The operation's priority.")]
    domain: Annotated[Domain, doc("Where it moves: air, ground or sea.")]
    volumes: Annotated[tuple[int, ...], doc("Indices of the reader's volumes that overlap.")]


@dataclass(frozen=True, slots=True)
class OtherOperation:
    """The other side of an operation conflict: its party and how its priority compares."""

    party: Annotated[str, doc("The other party's name.")]
    priority: Annotated[
        Relation,
        doc("How the other plan's priority compares with the reader's (never the number)."),
    ]


@dataclass(frozen=True, slots=True)
class OtherZoneOwner:
    """A zone an operation enters, of another party (its id only if shared with the reader)."""

    party: Annotated[str, doc("The zone owner's name.")]
    rule: Annotated[ZoneRule, doc("The zone's rule: no_entry, notify_before_entry or protected.")]
    zone: Annotated[
        str | None, OMIT_NONE, doc("The zone's id, only if its owner shares it with the reader.")
    ] = None


@dataclass(frozen=True, slots=True)
class OwnZoneId:
    zone: Annotated[str, doc("The reader's own zone id.")]
    rule: Annotated[ZoneRule, doc("The zone's rule: no_entry, notify_before_entry or protected.")]


@dataclass(frozen=True, slots=True)
class OtherOperationOwner:
    party: Annotated[str, doc("The operation owner's name.")]
    domain: Annotated[Domain, doc("The operation's domain.")]


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: Annotated[float, doc("Latitude, WGS84 degrees.")]
    lon: Annotated[float, doc("Longitude, WGS84 degrees.")]


@dataclass(frozen=True, slots=True)
class VolumeOverlap:
    """One overlapping pair of volumes (``own_volume_index``: the reader's volume)."""

    own_volume_index: Annotated[int, doc("The reader's volume of this overlapping pair.")]
    footprint: Annotated[GeoJSON, doc("The overlap's footprint, a GeoJSON geometry.")]
    alt_lower_m: Annotated[
        float | None, doc("Lower limit of the altitude band, metres (null: none).")
    ]
    alt_upper_m: Annotated[
        float | None, doc("Upper limit of the altitude band, metres (null: none).")
    ]
    start: Annotated[str | None, doc("Start of this pair's overlap, RFC 3339 (null: none).")]
    end: Annotated[str | None, doc("End of this pair's overlap, RFC 3339 (null: none).")]


@dataclass(frozen=True, slots=True)
class OverlapGeometry:
    overlaps: Annotated[tuple[VolumeOverlap, ...], doc("Each overlapping pair of volumes.")]
    start: Annotated[str, doc("Start of the whole overlap, RFC 3339.")]
    end: Annotated[str, doc("End of the whole overlap, RFC 3339.")]
    alt_lower_m: Annotated[float, doc("Lowest altitude of the overlap, metres.")]
    alt_upper_m: Annotated[float, doc("Highest altitude of the overlap, metres.")]
    where: Annotated[LatLon, doc("A point inside the overlap.")]


@dataclass(frozen=True, slots=True)
class ZoneNamed:
    id: Annotated[str, doc("The zone's id.")]
    name: Annotated[str | None, doc("The zone's name, if it has one.")]


@dataclass(frozen=True, slots=True)
class OtherZoneOfPair:
    party: Annotated[str, doc("The other zone owner's name.")]
    rule: Annotated[ZoneRule, doc("The other zone's rule.")]
    zone: Annotated[
        ZoneNamed | None,
        doc("The other zone's id and name, or null unless it is shared with the reader."),
    ]


@dataclass(frozen=True, slots=True)
class ZoneOverlapGeometry:
    overlap: Annotated[GeoJSON, doc("The overlap of the two zones, a GeoJSON geometry.")]
    overlap_area_m2: Annotated[float, doc("Area of the overlap, square metres.")]
    touches_only: Annotated[bool, doc("Whether the zones only touch.")]
    protected_zone_inside: Annotated[
        bool, doc("Whether the protected zone lies wholly inside the other.")
    ]
    alt_lower_m: Annotated[
        float | None, doc("Lower limit of the common band, metres (null: none).")
    ]
    alt_upper_m: Annotated[
        float | None, doc("Upper limit of the common band, metres (null: none).")
    ]
    valid_from: Annotated[
        str | None, doc("Start of the window both zones are valid in, RFC 3339 (null: none).")
    ]
    valid_to: Annotated[str | None, doc("End of that window, RFC 3339 (null: none).")]


@dataclass(frozen=True, slots=True)
class OwnFlight:
    """A track of the reader's and the operation it flies (or left)."""

    track: Annotated[str, doc("The reader's own track id.")]
    operation: Annotated[str, doc("The operation the track flies (its own party's).")]
    state: Annotated[TrackState, doc("The track's state at alert time.")]


@dataclass(frozen=True, slots=True)
class PartyOnly:
    party: Annotated[str, doc("The party whose operation the track entered.")]


@dataclass(frozen=True, slots=True)
class OwnOperationBrief:
    operation: Annotated[str, doc("The reader's operation the track entered.")]
    priority: Annotated[int, doc("The operation's priority.")]
    domain: Annotated[Domain, doc("Where it moves: air, ground or sea.")]


# -- the views, by kind and side --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackPairView:
    """``track_track``, each side: its track, the other party and its track's state."""

    own: Annotated[OwnTrack, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherTrack, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[PairGeometry, doc("Where and when the conflict is.")]


@dataclass(frozen=True, slots=True)
class ZoneEnteredView:
    """``track_zone``, the zone's owner: its zone, the other party and its track's state."""

    own: Annotated[OwnZone, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherTrack, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[EntryGeometry, doc("Where and when the conflict is.")]
    hotline: Annotated[HotlineContent, doc("What the hub's hotline message about the alert says.")]


@dataclass(frozen=True, slots=True)
class ZoneAheadView:
    """``track_zone``, the track's party: its track and the zone's volume, even unshared."""

    own: Annotated[OwnTrack, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherZone, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[EntryGeometry, doc("Where and when the conflict is.")]
    hotline: Annotated[HotlineContent, doc("What the hub's hotline message about the alert says.")]


@dataclass(frozen=True, slots=True)
class OperationPairView:
    """``operation_operation``, each side: its operation, the other party, the overlap."""

    own: Annotated[OwnOperation, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherOperation, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[OverlapGeometry, doc("Where and when the conflict is.")]
    resolve_by: Annotated[
        str, doc("The party asked to resolve the conflict (the lower priority's owner).")
    ]


@dataclass(frozen=True, slots=True)
class OperationInZoneView:
    """``operation_zone``, the operation's owner."""

    own: Annotated[OwnOperation, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherZoneOwner, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[OverlapGeometry, doc("Where and when the conflict is.")]
    resolve_by: Annotated[
        str, doc("The party asked to resolve the conflict (the lower priority's owner).")
    ]


@dataclass(frozen=True, slots=True)
class ZoneOperationView:
    """``operation_zone``, the zone's owner."""

    own: Annotated[OwnZoneId, doc("The reader's own object(s), in full.")]
    other: Annotated[
        OtherOperationOwner, doc("The other side, only as the visibility rule allows.")
    ]
    geometry: Annotated[OverlapGeometry, doc("Where and when the conflict is.")]
    resolve_by: Annotated[
        str, doc("The party asked to resolve the conflict (the lower priority's owner).")
    ]


@dataclass(frozen=True, slots=True)
class ZonePairView:
    """``zone_zone``, each owner: its zone, the other party's rule (and zone if shared)."""

    own: Annotated[OwnZone, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherZoneOfPair, doc("The other side, only as the visibility rule allows.")]
    geometry: Annotated[ZoneOverlapGeometry, doc("Where and when the conflict is.")]


@dataclass(frozen=True, slots=True)
class NonconformingView:
    """``nonconformance``, the track's party: its track left its own operation."""

    own: Annotated[OwnFlight, doc("The reader's own object(s), in full.")]


@dataclass(frozen=True, slots=True)
class IntruderView:
    """``nonconformance``, the track's party: it is inside another party's operation."""

    own: Annotated[OwnFlight, doc("The reader's own object(s), in full.")]
    other: Annotated[PartyOnly, doc("The other side, only as the visibility rule allows.")]


@dataclass(frozen=True, slots=True)
class IntrudedView:
    """``nonconformance``, the operation's owner: another party's track is inside it."""

    own: Annotated[OwnOperationBrief, doc("The reader's own object(s), in full.")]
    other: Annotated[OtherTrack, doc("The other side, only as the visibility rule allows.")]


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

    t_in_s: Annotated[
        float, doc("Seconds from the cycle's time to the loss of separation (0 or less: lost now).")
    ]
    t_out_s: Annotated[float, doc("Seconds to the end of the loss of separation.")]
    t_cpa_s: Annotated[float, doc("Seconds to the closest point of approach.")]
    d_cpa_m: Annotated[float, doc("Horizontal distance at the closest point of approach, metres.")]
    dz_cpa_m: Annotated[float, doc("Vertical distance at the closest point of approach, metres.")]
    computed: Annotated[str, doc("When the figures were computed, RFC 3339.")]


@dataclass(frozen=True, slots=True)
class EntryFigures:
    """A zone incursion's figures now: seconds to entry and to exit (null: not computed)."""

    t_in_s: Annotated[float, doc("Seconds to entry into the zone (0: inside).")]
    t_out_s: Annotated[float | None, doc("Seconds to exit (null: not within the lookahead).")]
    computed: Annotated[str, doc("When the figures were computed, RFC 3339.")]


LiveFigures = PairFigures | EntryFigures
