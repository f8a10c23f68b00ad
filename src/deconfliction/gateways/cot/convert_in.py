"""CoT events from a TAK client, as what the hub takes: reports, zones, hotline messages.

Pure: no I/O (the geoid grid is package data read once). Each function takes a parsed
:class:`~deconfliction.gateways.cot.events.CotEvent` and returns one *intent*; the session
carries it out through the hub, which validates it as it validates the API's input.

- **Positions** ``a-<affiliation>-<dimension>-…``: the battle dimension gives the domain
  (``A`` air, ``G`` ground, ``S`` sea and ``U`` subsurface as sea); the track is the
  ``uid``; speed (m/s) and course from ``<track>``; ``alt_m`` (above mean sea level) is
  ``hae`` less the EGM96 undulation. Events past their ``stale`` time are ignored.
- **Zones**: a drawn shape (``u-d-f`` line or polygon, ``u-d-r`` rectangle, ``u-d-c-c``
  circle) whose remarks hold a line ``#zone RULE [key=value …]`` (see :func:`zone_marker`)
  is a zone of the sender's party, with the shape's ``uid`` as its id. Deleting the shape
  (``t-x-d-d``) withdraws it.
- **GeoChat** ``b-t-f`` to a desk contact ``deconfliction.desk.PARTY[.CHANNEL]`` is a
  hotline message to that party on that channel (``command`` when none is given). A text
  ``ACK`` (optionally ``ACK MESSAGE-ID``) acknowledges instead.
- **Pings** ``t-x-c-t`` are answered; a request ``t-x-takp-q`` for protocol version 1
  switches the connection to protobuf (see :mod:`~deconfliction.gateways.cot.protobuf`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.gateways.cot.events import UNKNOWN, CotEvent
from deconfliction.gateways.geoid import msl_from_hae
from deconfliction.units import format_time, parse_distance_m

DESK_PREFIX = "deconfliction.desk."
HUB_DESK = "hub"  # the desk contact of the hub's own messages (alert threads)
CHANNELS = ("air", "ground", "command")
_DOMAINS = {"A": "air", "G": "ground", "S": "sea", "U": "sea"}
_MAX_ID = 64
# "ACK", "ack msg_0190f3a2b4c5d6e7f8a9b" (a message id as the hub makes them), "Ack, thanks"
_ACK = re.compile(r"^\s*ack(?:nowledged?)?\b[\s:,-]*(msg_[0-9a-f]{21}\b)?", re.IGNORECASE)
_MARKER = re.compile(r"^\s*#zone\b(.*)$", re.IGNORECASE | re.MULTILINE)
_RULES = ("no_entry", "notify_before_entry", "protected")


@dataclass(frozen=True)
class Position:
    """A report of the sender's party (JSON as ``POST /v1/reports`` takes it)."""

    report: dict[str, Any]


@dataclass(frozen=True)
class ZoneIn:
    """A zone of the sender's party: its id and GeoJSON Feature."""

    zone_id: str
    feature: dict[str, Any]


@dataclass(frozen=True)
class ZoneDeleted:
    """A shape was deleted: withdraw the zone with this id if the party owns it."""

    zone_id: str


@dataclass(frozen=True)
class Chat:
    """A GeoChat message for another party's desk."""

    to: str
    channel: str
    text: str


@dataclass(frozen=True)
class Ack:
    """An acknowledgement typed in GeoChat to a desk: of ``message_id``, or (None) of the
    oldest message from that desk not yet acknowledged."""

    desk: str
    message_id: str | None


@dataclass(frozen=True)
class Ping:
    """``t-x-c-t``: answer with ``t-x-c-t-r``."""


@dataclass(frozen=True)
class ProtocolRequest:
    """``t-x-takp-q``: the client asks for TAK protocol ``version``."""

    version: int


@dataclass(frozen=True)
class Ignored:
    """Nothing for the hub; ``reason`` is the counter it goes to."""

    reason: str


Intent = Position | ZoneIn | ZoneDeleted | Chat | Ack | Ping | ProtocolRequest | Ignored


def track_id(uid: str) -> str:
    """A track or zone id for ``uid``: the uid itself, or a stable shortening of a long one."""
    if len(uid) <= _MAX_ID:
        return uid
    digest = hashlib.sha256(uid.encode()).hexdigest()[:16]
    return f"{uid[: _MAX_ID - 17]}~{digest}"


def convert(event: CotEvent, now_s: float) -> Intent:
    """What ``event`` asks of the hub (see the module)."""
    kind = event.type
    if kind == "t-x-c-t":
        return Ping()
    if kind == "t-x-takp-q":
        return _protocol_request(event)
    if kind.startswith("a-"):
        return position(event, now_s)
    if kind.startswith("u-d-"):
        return zone(event, now_s)
    if kind == "t-x-d-d":
        return _deleted(event)
    if kind == "b-t-f":
        return chat(event)
    return Ignored("unsupported type")


def position(event: CotEvent, now_s: float) -> Position | Ignored:
    """A position event as a report, or why it is ignored."""
    atoms = event.type.split("-")
    domain = _DOMAINS.get(atoms[2]) if len(atoms) > 2 else None
    if domain is None:
        return Ignored("unsupported battle dimension")
    if event.stale_s < now_s:
        return Ignored("stale")
    report: dict[str, Any] = {
        "track": track_id(event.uid),
        "time": format_time(event.time_s),
        "lat": event.lat,
        "lon": event.lon,
        "domain": domain,
    }
    if event.hae_m != UNKNOWN:
        report["alt_m"] = round(msl_from_hae(event.hae_m, event.lat, event.lon), 2)
    elif domain == "air":
        return Ignored("air track without altitude")
    track = event.find("track")
    if track is not None:
        for name, key in (("speed", "gs_mps"), ("course", "course_deg")):
            value = _float(track.get(name))
            if value is not None and value >= 0:
                report[key] = value
    return Position(report)


def _float(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and abs(value) < 1e9 else None


# -- zones ------------------------------------------------------------------------------


def remarks(event: CotEvent) -> str:
    element = event.find("remarks")
    return (element.text or "") if element is not None else ""


def zone_marker(text: str) -> dict[str, Any] | None:
    """Zone properties from a remarks line ``#zone RULE [key=value …]``, or None if there
    is no marker. Keys: ``share`` (``all`` or party names, comma-separated), ``buffer``,
    ``bottom`` and ``top`` (altitudes above mean sea level), ``from`` and ``until`` (RFC
    3339), ``name``; lengths take units (``500m``, ``2km``, ``3000ft``).

    >>> zone_marker("Keep out\\n#zone no_entry share=west,east top=3000ft")
    {'rule': 'no_entry', 'shared_with': ['west', 'east'], 'alt_upper_m': '3000ft'}
    """
    found = _MARKER.search(text)
    if found is None:
        return None
    words = found.group(1).split()
    if not words or words[0].lower() not in _RULES:
        raise InvalidInput(f"#zone needs a rule first: one of {', '.join(_RULES)}")
    props: dict[str, Any] = {"rule": words[0].lower()}
    names = {
        "buffer": "buffer_m",
        "bottom": "alt_lower_m",
        "top": "alt_upper_m",
        "from": "valid_from",
        "until": "valid_to",
        "name": "name",
    }
    for word in words[1:]:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or not value:
            raise InvalidInput(f"#zone: expected key=value, got {word!r}")
        if key == "share":
            props["shared_with"] = "all" if value == "all" else value.split(",")
        elif key in names:
            props[names[key]] = value
        else:
            raise InvalidInput(
                f"#zone: unknown key {key!r}; use share, buffer, bottom, top, from, until, name"
            )
    return props


def _link_points(event: CotEvent) -> list[list[float]]:
    points: list[list[float]] = []
    if event.detail is None:
        return points
    for link in event.detail.findall("link"):
        raw = link.get("point")
        if raw is None:
            continue
        parts = raw.split(",")
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise InvalidInput(f"<link point={raw[:40]!r}> is not 'lat,lon'") from None
        points.append([lon, lat])
    return points


def zone(event: CotEvent, now_s: float) -> ZoneIn | Ignored:
    """A drawn shape with a ``#zone`` marker as a zone Feature; ``Ignored`` without one."""
    props = zone_marker(remarks(event))
    if props is None:
        return Ignored("shape without #zone")
    contact = event.find("contact")
    if "name" not in props and contact is not None and contact.get("callsign"):
        props["name"] = contact.get("callsign")
    props = {key: _quantity(key, value) for key, value in props.items()}
    kind = event.type
    geometry: dict[str, Any]
    if kind.startswith("u-d-c"):
        ellipse = event.find("shape/ellipse")
        radius = _float(ellipse.get("major")) if ellipse is not None else None
        if radius is None or radius <= 0:
            raise InvalidInput("a circle needs <shape><ellipse major=…> in metres")
        geometry = {"type": "Point", "coordinates": [event.lon, event.lat]}
        props["radius_m"] = radius
    else:
        points = _link_points(event)
        if len(points) < 2:
            raise InvalidInput("a drawn shape needs at least two <link point=…>")
        closed = kind == "u-d-r" or (len(points) > 3 and points[0] == points[-1])
        if closed:
            ring = points if points[0] == points[-1] else [*points, points[0]]
            geometry = {"type": "Polygon", "coordinates": [ring]}
        else:
            geometry = {"type": "LineString", "coordinates": points}
    zone_id = track_id(event.uid)
    feature = {"type": "Feature", "id": zone_id, "geometry": geometry, "properties": props}
    return ZoneIn(zone_id, feature)


def _quantity(key: str, value: Any) -> Any:
    """Lengths with units stay text (the zone validation parses them); others as given."""
    if key in ("buffer_m", "alt_lower_m", "alt_upper_m") and isinstance(value, str):
        return parse_distance_m(value, f"#zone {key}")
    return value


def _deleted(event: CotEvent) -> ZoneDeleted | Ignored:
    link = event.find("link")
    uid = link.get("uid") if link is not None else None
    if not uid:
        return Ignored("delete without link")
    return ZoneDeleted(track_id(uid))


# -- GeoChat ----------------------------------------------------------------------------


def desk_uid(party: str, channel: str | None = None) -> str:
    """The contact uid of ``party``'s desk (on ``channel``) as TAK clients see it."""
    return f"{DESK_PREFIX}{party}" + (f".{channel}" if channel else "")


def parse_desk(uid: str) -> tuple[str, str] | None:
    """(party, channel) of a desk contact uid, or None if it is not one."""
    if not uid.startswith(DESK_PREFIX):
        return None
    rest = uid[len(DESK_PREFIX) :]
    party, _, channel = rest.rpartition(".")
    if channel in CHANNELS and party:
        return party, channel
    return rest, "command"


def _recipient(event: CotEvent) -> str | None:
    for path, attribute in (("__chat", "id"), ("__chat/chatgrp", "uid1"), ("remarks", "to")):
        element = event.find(path)
        value = element.get(attribute) if element is not None else None
        if value and value.startswith(DESK_PREFIX):
            return value
    return None


def chat(event: CotEvent) -> Chat | Ack | Ignored:
    """A GeoChat message to a desk contact, or an acknowledgement typed to it."""
    recipient = _recipient(event)
    if recipient is None:
        return Ignored("chat not addressed to a desk")
    desk = parse_desk(recipient)
    assert desk is not None
    party, channel = desk
    text = remarks(event).strip()
    if not text:
        return Ignored("empty chat")
    acked = _ACK.match(text)
    if acked is not None:
        return Ack(party, acked.group(1).lower() if acked.group(1) else None)
    if party == HUB_DESK:
        return Ignored("chat to the hub desk")
    return Chat(party, channel, text)


def _protocol_request(event: CotEvent) -> ProtocolRequest | Ignored:
    request = event.find("TakControl/TakRequest")
    version = _float(request.get("version")) if request is not None else None
    if version is None:
        return Ignored("protocol request without version")
    return ProtocolRequest(int(version))
