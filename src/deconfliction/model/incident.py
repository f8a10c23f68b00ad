"""Incidents: a party's report of an unsafe event, the other parties' accounts, its review.

An incident names a kind, the time window and place it happened, a narrative, and
optionally the tracks involved. It moves ``open → under_review → closed``
(:class:`~deconfliction.model.states.IncidentState`); other parties add their own accounts
until it is closed. The evidence the hub computes from recorded data is attached by the hub
(see :mod:`deconfliction.detect.evidence`); this module holds only the report itself.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deconfliction.errors import Conflict, InvalidInput
from deconfliction.model.codec import dump
from deconfliction.model.ids import check_id
from deconfliction.model.party import check_party_name
from deconfliction.model.states import IncidentState
from deconfliction.units import format_time, parse_time

MAX_NARRATIVE_CHARS = 20_000
MAX_TRACKS = 20
MAX_ID_LENGTH = 64
INCIDENT_FIELDS = ("kind", "start", "end", "lat", "lon", "narrative", "tracks")


class IncidentKind(StrEnum):
    """What happened."""

    UNSAFE_AIR_ENCOUNTER = "unsafe_air_encounter"
    ZONE_VIOLATION = "zone_violation"
    PROTECTED_SITE_AFFECTED = "protected_site_affected"
    OTHER = "other"


@dataclass(frozen=True)
class TrackRef:
    """A track named by an incident: its party and the party's id for it."""

    party: str
    track: str


@dataclass(frozen=True)
class Account:
    """A party's own account of an incident."""

    party: str
    narrative: str
    time_s: float

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "narrative": self.narrative, "time": format_time(self.time_s)}


@dataclass(frozen=True)
class Incident:
    """An incident as reported, with the accounts added since and its review state."""

    id: str
    reporter: str
    kind: IncidentKind
    start_s: float
    end_s: float
    lat: float
    lon: float
    narrative: str
    tracks: tuple[TrackRef, ...]
    created_s: float
    state: IncidentState = IncidentState.OPEN
    accounts: tuple[Account, ...] = ()

    @property
    def parties(self) -> frozenset[str]:
        """The reporter and the parties of the named tracks."""
        return frozenset({self.reporter, *(ref.party for ref in self.tracks)})

    def moved_to(self, state: IncidentState) -> Incident:
        """The incident in ``state``; raise if its lifecycle does not allow the move."""
        return dataclasses.replace(self, state=self.state.to(state))

    def with_account(self, party: str, narrative: str, time_s: float) -> Incident:
        """The incident with ``party``'s account added; refused once it is closed."""
        if self.state is IncidentState.CLOSED:
            raise Conflict(f"incident {self.id} is closed; no more accounts can be added")
        text = check_narrative(narrative, "account")
        account = Account(check_party_name(party), text, time_s)
        return dataclasses.replace(self, accounts=(*self.accounts, account))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reporter": self.reporter,
            "kind": self.kind.value,
            "start": format_time(self.start_s),
            "end": format_time(self.end_s),
            "lat": self.lat,
            "lon": self.lon,
            "narrative": self.narrative,
            "tracks": [dump(ref) for ref in self.tracks],
            "created": format_time(self.created_s),
            "state": self.state.value,
            "accounts": [account.to_json() for account in self.accounts],
        }


def check_narrative(value: Any, what: str = "narrative") -> str:
    """The text itself if it can be a narrative; raise with the rule otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be non-empty text")
    if len(value) > MAX_NARRATIVE_CHARS:
        raise InvalidInput(f"{what} is longer than {MAX_NARRATIVE_CHARS} characters")
    return value


def _coordinate(item: dict[str, Any], name: str, limit: float) -> float:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"incident: {name} must be a number, got {value!r}")
    if not -limit <= value <= limit:
        raise InvalidInput(f"incident: {name} {value} is out of range [-{limit:g}, {limit:g}]")
    return float(value)


def _track_ref(reporter: str, value: Any, index: int) -> TrackRef:
    party: Any
    track: Any
    if isinstance(value, str):
        party, track = reporter, value
    elif isinstance(value, dict) and set(value) <= {"party", "track"}:
        party, track = value.get("party", reporter), value.get("track")
    else:
        raise InvalidInput(
            f"incident: tracks[{index}] must be a track id of yours or "
            '{"party": ..., "track": ...}'
        )
    check_id(track, f"incident: tracks[{index}].track")
    if not isinstance(party, str):
        raise InvalidInput(f"incident: tracks[{index}].party must be a party name")
    return TrackRef(check_party_name(party), track)


def parse_incident(
    reporter: str,
    item: Any,
    *,
    incident_id: str,
    now_s: float,
    max_window_s: float = 6 * 3600.0,
    future_tolerance_s: float = 60.0,
) -> Incident:
    """An :class:`Incident` from a parsed request body; raise :class:`InvalidInput` naming the
    field at fault.

    >>> incident = parse_incident(
    ...     "blue",
    ...     {"kind": "unsafe_air_encounter", "start": "2021-10-07T12:44:00Z",
    ...      "end": "2021-10-07T12:49:00Z", "lat": 49.27, "lon": 2.41,
    ...      "narrative": "Traffic crossed 300 m above us", "tracks": ["b1"]},
    ...     incident_id="i1", now_s=1_633_612_000.0)
    >>> incident.kind.value, incident.end_s - incident.start_s, incident.tracks[0].party
    ('unsafe_air_encounter', 300.0, 'blue')
    """
    if not isinstance(item, dict):
        raise InvalidInput("an incident must be a JSON object")
    unknown = item.keys() - set(INCIDENT_FIELDS)
    if unknown:
        raise InvalidInput(
            f"incident: unknown field {sorted(unknown)[0]!r}; an incident has the fields "
            + ", ".join(INCIDENT_FIELDS)
        )
    try:
        kind = IncidentKind(str(item.get("kind")))
    except ValueError:
        raise InvalidInput(
            f"incident: unknown kind {item.get('kind')!r}; use one of "
            + ", ".join(kind.value for kind in IncidentKind)
        ) from None
    start_s = parse_time(item.get("start"), "incident: start")
    end_s = parse_time(item.get("end"), "incident: end")
    if end_s < start_s:
        raise InvalidInput("incident: end is before start")
    if end_s - start_s > max_window_s:
        raise InvalidInput(
            f"incident: the window is {end_s - start_s:.0f} s long; at most {max_window_s:g} s "
            "is accepted — report separate incidents for separate events"
        )
    if end_s > now_s + future_tolerance_s:
        raise InvalidInput("incident: end is in the future; report an incident after it happened")
    raw_tracks = item.get("tracks") or []
    if not isinstance(raw_tracks, list) or len(raw_tracks) > MAX_TRACKS:
        raise InvalidInput(f"incident: tracks must be a list of at most {MAX_TRACKS} tracks")
    tracks = tuple(dict.fromkeys(_track_ref(reporter, v, i) for i, v in enumerate(raw_tracks)))
    return Incident(
        id=incident_id,
        reporter=check_party_name(reporter),
        kind=kind,
        start_s=start_s,
        end_s=end_s,
        lat=_coordinate(item, "lat", 90.0),
        lon=_coordinate(item, "lon", 180.0),
        narrative=check_narrative(item.get("narrative"), "incident: narrative"),
        tracks=tracks,
        created_s=now_s,
    )


@dataclass(frozen=True)
class TimelineItem:
    """An alert, hotline message or zone change around the incident."""

    time_s: float
    kind: str
    party: str
    text: str
