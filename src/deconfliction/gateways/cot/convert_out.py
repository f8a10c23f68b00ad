"""What the hub tells a party, as CoT events for its TAK clients.

Pure: every function takes what the party's own stream or API shows it (an event's JSON, a
report of a track it may see) and returns CoT events as bytes; nothing here decides who may
see what. Uids are stable so that an update replaces what a client shows and a delete
(``t-x-d-d``) or cancellation (``b-a-o-can``) removes it:

- alert ``deconfliction.alert.ID``: ``b-a-o-tbl`` (``b-a-g``, geofence, for a zone
  incursion) with ``<emergency>`` and remarks in the party's language; ``b-a-o-can`` with
  ``<emergency cancel="true">`` once resolved or expired;
- zone: its id; polygons and lines as ``u-d-f`` (links), circles as ``u-d-c-c``; parts of
  a multi-geometry as ``ID.1``, ``ID.2`` …; the rule, band and validity in the remarks;
- track of another party (only where the two share pictures) ``deconfliction.track.PARTY.ID``
  as ``a-n-…`` (neutral), the party's own tracks under their ids as ``a-f-…``;
- hotline messages as GeoChat from the sending party's desk contact
  ``deconfliction.desk.PARTY.CHANNEL`` (the hub's own from ``deconfliction.desk.hub``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import DeconflictionError
from deconfliction.gateways.cot.convert_in import CHANNELS, HUB_DESK, desk_uid
from deconfliction.gateways.cot.events import UNKNOWN, event_element, to_bytes
from deconfliction.gateways.geoid import hae_from_msl
from deconfliction.hotline.render import render
from deconfliction.model.report import Report
from deconfliction.units import parse_time

ALERT_PREFIX = "deconfliction.alert."
TRACK_PREFIX = "deconfliction.track."
HUB_SENDER = "@hub"
DAY_S = 86_400.0
_DIMENSION = {"air": "A", "ground": "G", "sea": "S"}
_ALERT_OPEN = ("alert.opened", "alert.updated", "alert.acknowledged")
_ALERT_CLOSED = ("alert.resolved", "alert.expired")
_ZONE_SHOWN = ("zone.declared", "zone.updated")
_ZONE_GONE = ("zone.withdrawn", "zone.expired")
_ALERT_TEMPLATE = {
    "track_track": "alert_track_conflict",
    "track_zone": "alert_zone_incursion",
    "operation_operation": "alert_operation_conflict",
    "operation_zone": "alert_operation_conflict",
}


@dataclass(frozen=True)
class Reader:
    """Who the events are for: the party, its language and time zone, and the uid of the
    TAK client (if it has said who it is), to address GeoChat to."""

    party: str
    language: str = "en"
    timezone: str = "UTC"
    client_uid: str | None = None


# -- control ----------------------------------------------------------------------------


def _control(cot_type: str, uid: str, now_s: float) -> tuple[ET.Element, ET.Element]:
    return event_element(cot_type, uid, time_s=now_s, stale_s=now_s + 20.0, lat=0.0, lon=0.0)


def pong(now_s: float) -> bytes:
    """The answer to a ping."""
    event, _ = _control("t-x-c-t-r", "deconfliction.pong", now_s)
    return to_bytes(event)


def protocol_support(now_s: float, versions: Sequence[int] = (1,)) -> bytes:
    """``t-x-takp-v``: the protocol versions the hub offers (sent on connect)."""
    event, detail = _control("t-x-takp-v", "protouid", now_s)
    control = ET.SubElement(detail, "TakControl")
    for version in versions:
        ET.SubElement(control, "TakProtocolSupport", {"version": str(version)})
    return to_bytes(event)


def protocol_response(accepted: bool, now_s: float) -> bytes:
    """``t-x-takp-r``: whether the requested version is now in use."""
    event, detail = _control("t-x-takp-r", "protouid", now_s)
    control = ET.SubElement(detail, "TakControl")
    ET.SubElement(control, "TakResponse", {"status": "true" if accepted else "false"})
    return to_bytes(event)


# -- desks (contacts to chat with) ------------------------------------------------------


def desk_name(party: str, channel: str | None = None) -> str:
    if party in (HUB_DESK, HUB_SENDER):
        return "deconfliction hub"
    return f"{party} desk" + (f" ({channel})" if channel else "")


def desk_contacts(partners: Iterable[str], now_s: float) -> list[bytes]:
    """A contact per partner desk and channel, and the hub's, so users can chat to them.
    Desks have no position: they sit at 0,0 with unknown accuracy."""
    events = []
    desks = [(HUB_DESK, None)] + [(p, c) for p in sorted(partners) for c in CHANNELS]
    for party, channel in desks:
        uid = desk_uid(party, channel)
        event, detail = event_element(
            "a-f-G-U-C", uid, time_s=now_s, stale_s=now_s + DAY_S, lat=0.0, lon=0.0
        )
        ET.SubElement(
            detail, "contact", {"callsign": desk_name(party, channel), "endpoint": "*:-1:stcp"}
        )
        ET.SubElement(detail, "__group", {"name": "Cyan", "role": "HQ"})
        events.append(to_bytes(event))
    return events


# -- tracks -----------------------------------------------------------------------------


def track_uid(report: Report, viewer: str) -> str:
    return (
        report.track if report.party == viewer else f"{TRACK_PREFIX}{report.party}.{report.track}"
    )


def track_event(report: Report, viewer: str, stale_after_s: float) -> bytes:
    """A track ``viewer`` may see (its own, or a partner's that shares its picture)."""
    affiliation = "f" if report.party == viewer else "n"
    cot_type = f"a-{affiliation}-{_DIMENSION.get(report.domain.value, 'G')}"
    hae = (
        hae_from_msl(report.alt_m, report.lat, report.lon)
        if report.domain.value == "air" or report.alt_m
        else UNKNOWN
    )
    event, detail = event_element(
        cot_type,
        track_uid(report, viewer),
        time_s=report.time_s,
        stale_s=report.time_s + stale_after_s,
        lat=report.lat,
        lon=report.lon,
        hae_m=hae,
        how="m-f",
    )
    ET.SubElement(detail, "contact", {"callsign": f"{report.party}/{report.track}"})
    ET.SubElement(
        detail, "track", {"speed": f"{report.gs_mps:.2f}", "course": f"{report.course_deg:.1f}"}
    )
    return to_bytes(event)


# -- alerts -----------------------------------------------------------------------------


def _state(section: Any) -> Mapping[str, Any] | None:
    if not isinstance(section, Mapping):
        return None
    state = section.get("state")
    return state if isinstance(state, Mapping) else None


def _position(place: Any) -> tuple[float, float] | None:
    if isinstance(place, Mapping) and isinstance(place.get("lat"), int | float):
        lon = place.get("lon")
        if isinstance(lon, int | float):
            return float(place["lat"]), float(lon)
    return None


def _outline_point(geojson: Any) -> tuple[float, float] | None:
    """The mean of the first ring's (or line's) positions of a GeoJSON geometry."""
    coords = geojson.get("coordinates") if isinstance(geojson, Mapping) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        if not isinstance(coords[0][0], list):
            break
        coords = coords[0]
    if not isinstance(coords, list) or not coords:
        return None
    if not isinstance(coords[0], list):
        coords = [coords]
    points = [p for p in coords if isinstance(p, list) and len(p) >= 2]
    if not points:
        return None
    return (
        sum(float(p[1]) for p in points) / len(points),
        sum(float(p[0]) for p in points) / len(points),
    )


def alert_point(alert: Mapping[str, Any]) -> tuple[float, float] | None:
    """Where to show an alert: its own track, else the other side's state, else the
    conflicting volume."""
    for section in ("own", "other"):
        found = _position(_state(alert.get(section)))
        if found is not None:
            return found
    for candidate in (
        alert.get("geometry"),
        (alert.get("other") or {}).get("zone") if isinstance(alert.get("other"), Mapping) else None,
    ):
        if isinstance(candidate, Mapping):
            found = _outline_point(candidate.get("outline"))
            if found is not None:
                return found
    return None


def _fields(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The alert's template fields, from its JSON (what is missing is left out)."""
    own = alert.get("own") if isinstance(alert.get("own"), Mapping) else {}
    other = alert.get("other") if isinstance(alert.get("other"), Mapping) else {}
    geometry = alert.get("geometry") if isinstance(alert.get("geometry"), Mapping) else {}
    assert isinstance(own, Mapping) and isinstance(other, Mapping)
    assert isinstance(geometry, Mapping)
    counterparts = alert.get("counterparts") or []
    point = alert_point(alert)
    fields: dict[str, Any] = {
        "alert": alert.get("id"),
        "other_party": counterparts[0] if counterparts else None,
        "where": {"lat": point[0], "lon": point[1]} if point else None,
    }
    kind = alert.get("kind")
    if kind == "track_track":
        fields.update(
            own_track=own.get("track"),
            time_to_los_s=geometry.get("t_in_s"),
            closest_m=geometry.get("d_cpa_m"),
            closest_time=geometry.get("cpa_at"),
            vertical_m=geometry.get("dz_cpa_m"),
        )
    elif kind == "track_zone":
        zone = own.get("zone") if isinstance(own.get("zone"), Mapping) else other.get("zone")
        zone = zone if isinstance(zone, Mapping) else {}
        fields = {
            "alert": alert.get("id"),
            "where": fields["where"],
            "zone": zone.get("id"),
            "zone_owner": other.get("party") if "track" in own else alert.get("party"),
            "rule": zone.get("rule"),
            "track": own.get("track") or "withheld",
            "track_party": other.get("party") if "zone" in own else None,
            "time_to_entry_s": geometry.get("t_in_s"),
        }
    else:
        fields.update(
            own_operation=own.get("operation"),
            other_operation=other.get("operation"),
            start=geometry.get("start"),
            end=geometry.get("end"),
        )
    return {key: value for key, value in fields.items() if value is not None}


def alert_remarks(alert: Mapping[str, Any], reader: Reader) -> str:
    """The alert in the reader's language (its hotline template), or plain English."""
    template = _ALERT_TEMPLATE.get(str(alert.get("kind")))
    if template is not None:
        try:
            rendered = render(
                template, _fields(alert), language=reader.language, timezone=reader.timezone
            )
            return rendered.text
        except DeconflictionError:
            pass  # a figure the template requires is missing: say it in plain words
    others = ", ".join(alert.get("counterparts") or []) or "another party"
    severity = alert.get("severity")
    return f"ALERT {alert.get('id')}: {alert.get('kind')} conflict with {others} ({severity})"


def alert_event(kind: str, alert: Mapping[str, Any], reader: Reader, now_s: float) -> bytes | None:
    """An alert event (or its cancellation) for ``kind`` of the party's stream."""
    point = alert_point(alert) or (0.0, 0.0)
    others = ", ".join(alert.get("counterparts") or []) or "hub"
    callsign = f"ALERT {others}"
    uid = f"{ALERT_PREFIX}{alert.get('id')}"
    if kind in _ALERT_CLOSED:
        event, detail = event_element(
            "b-a-o-can", uid, time_s=now_s, stale_s=now_s + 60.0, lat=point[0], lon=point[1]
        )
        ET.SubElement(detail, "contact", {"callsign": callsign})
        ET.SubElement(detail, "emergency", {"cancel": "true"}).text = callsign
        ET.SubElement(detail, "remarks").text = f"{alert.get('id')}: {alert.get('state')}"
        return to_bytes(event)
    if kind not in _ALERT_OPEN:
        return None
    zone = alert.get("kind") == "track_zone"
    event, detail = event_element(
        "b-a-g" if zone else "b-a-o-tbl",
        uid,
        time_s=now_s,
        stale_s=now_s + DAY_S,
        lat=point[0],
        lon=point[1],
    )
    ET.SubElement(detail, "contact", {"callsign": callsign})
    emergency = "Geo-fence Breached" if zone else "911 Alert"
    ET.SubElement(detail, "emergency", {"type": emergency}).text = callsign
    ET.SubElement(detail, "remarks").text = alert_remarks(alert, reader)
    return to_bytes(event)


# -- zones ------------------------------------------------------------------------------

_COLOUR = {"no_entry": "-65536", "protected": "-16711936", "notify_before_entry": "-256"}


def zone_marker_line(props: Mapping[str, Any]) -> str:
    """The ``#zone`` line that declares a zone with these properties (see
    :func:`~deconfliction.gateways.cot.convert_in.zone_marker`)."""
    words = ["#zone", str(props.get("rule"))]
    shared = props.get("shared_with")
    if shared:
        words.append("share=" + (shared if isinstance(shared, str) else ",".join(map(str, shared))))
    for key, name in (
        ("buffer_m", "buffer"),
        ("alt_lower_m", "bottom"),
        ("alt_upper_m", "top"),
        ("valid_from", "from"),
        ("valid_to", "until"),
    ):
        value = props.get(key)
        if value is not None:
            words.append(f"{name}={value}")
    return " ".join(words)


def _zone_remarks(props: Mapping[str, Any], status: Mapping[str, Any], viewer: str) -> str:
    owner = status.get("owner", "?")
    lines = [f"Zone of {owner}: {props.get('rule')}"]
    lower, upper = props.get("alt_lower_m"), props.get("alt_upper_m")
    if lower is not None or upper is not None:
        lines.append(
            f"Altitude (m above mean sea level): {lower or 'surface'} to {upper or 'unlimited'}"
        )
    if props.get("buffer_m"):
        lines.append(f"Buffer: {props['buffer_m']} m each side")
    if props.get("valid_from") or props.get("valid_to"):
        lines.append(f"Valid: {props.get('valid_from') or '-'} to {props.get('valid_to') or '-'}")
    if owner == viewer:  # the owner's clients may edit the shape and send it back
        lines.append(zone_marker_line(props))
    return "\n".join(lines)


def _parts(geometry: Mapping[str, Any]) -> list[tuple[str, Any]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(coords, list):
        return []
    if kind in ("Polygon", "LineString", "Point"):
        return [(str(kind), coords)]
    single = {"MultiPolygon": "Polygon", "MultiLineString": "LineString", "MultiPoint": "Point"}
    if kind in single:
        return [(single[str(kind)], part) for part in coords]
    return []


def zone_uids(feature: Mapping[str, Any]) -> list[str]:
    """The uids a zone's shapes are sent under."""
    zone_id = str(feature.get("id"))
    geometry = feature.get("geometry")
    count = len(_parts(geometry)) if isinstance(geometry, Mapping) else 1
    return [zone_id] if count <= 1 else [f"{zone_id}.{i}" for i in range(1, count + 1)]


def zone_events(feature: Mapping[str, Any], now_s: float, viewer: str) -> list[bytes]:
    """A zone as drawn shapes (one per part)."""
    props = feature.get("properties") if isinstance(feature.get("properties"), Mapping) else {}
    status = (
        feature.get("deconfliction") if isinstance(feature.get("deconfliction"), Mapping) else {}
    )
    geometry = feature.get("geometry")
    assert isinstance(props, Mapping) and isinstance(status, Mapping)
    if not isinstance(geometry, Mapping):
        return []
    valid_to = props.get("valid_to")
    try:
        stale_s = parse_time(valid_to) if valid_to is not None else now_s + 30 * DAY_S
    except DeconflictionError:
        stale_s = now_s + 30 * DAY_S
    remarks = _zone_remarks(props, status, viewer)
    name = str(props.get("name") or feature.get("id"))
    events = []
    for uid, (kind, coords) in zip(zone_uids(feature), _parts(geometry), strict=True):
        if kind == "Point":
            lat, lon = float(coords[1]), float(coords[0])
            cot_type = "u-d-c-c"
        else:
            ring = coords[0] if kind == "Polygon" else coords
            centre = _outline_point({"coordinates": ring})
            if centre is None:
                continue
            lat, lon = centre
            cot_type = "u-d-f"
        event, detail = event_element(
            cot_type, uid, time_s=now_s, stale_s=max(stale_s, now_s + 60.0), lat=lat, lon=lon
        )
        ET.SubElement(detail, "contact", {"callsign": name})
        if kind == "Point":
            radius = str(props.get("radius_m") or props.get("buffer_m") or 1)
            shape = ET.SubElement(detail, "shape")
            ET.SubElement(shape, "ellipse", {"major": radius, "minor": radius, "angle": "360"})
        else:
            for position in ring:
                ET.SubElement(detail, "link", {"point": f"{position[1]},{position[0]}"})
        colour = _COLOUR.get(str(props.get("rule")), "-1")
        ET.SubElement(detail, "strokeColor", {"value": colour})
        ET.SubElement(detail, "strokeWeight", {"value": "3.0"})
        ET.SubElement(detail, "labels_on", {"value": "true"})
        ET.SubElement(detail, "remarks").text = remarks
        events.append(to_bytes(event))
    return events


def delete_event(uid: str, now_s: float, shape_type: str = "u-d-f") -> bytes:
    """``t-x-d-d``: remove the object ``uid`` from the clients' maps."""
    event, detail = _control("t-x-d-d", f"{uid}.delete", now_s)
    ET.SubElement(detail, "link", {"uid": uid, "relation": "none", "type": shape_type})
    ET.SubElement(detail, "__forcedelete")
    return to_bytes(event)


# -- hotline ----------------------------------------------------------------------------


def chat_event(
    sender: str, channel: str | None, text: str, message_id: str, reader: Reader, now_s: float
) -> bytes:
    """GeoChat from ``sender``'s desk (``@hub``: the hub's) to the reader's clients."""
    desk = HUB_DESK if sender == HUB_SENDER else sender
    uid = desk_uid(desk, None if desk == HUB_DESK else channel)
    callsign = desk_name(desk, None if desk == HUB_DESK else channel)
    event, detail = event_element(
        "b-t-f",
        f"GeoChat.{uid}.{callsign}.{message_id}",
        time_s=now_s,
        stale_s=now_s + DAY_S,
        lat=0.0,
        lon=0.0,
    )
    chat = ET.SubElement(
        detail,
        "__chat",
        {
            "parent": "RootContactGroup",
            "groupOwner": "false",
            "messageId": message_id,
            "chatroom": callsign,
            "id": uid,
            "senderCallsign": callsign,
        },
    )
    group = {"uid0": uid, "id": uid}
    if reader.client_uid:
        group["uid1"] = reader.client_uid
    ET.SubElement(chat, "chatgrp", group)
    ET.SubElement(detail, "link", {"uid": uid, "type": "a-f-G-U-C", "relation": "p-p"})
    remarks = ET.SubElement(
        detail, "remarks", {"source": f"BAO.F.ATAK.{uid}", "time": event.get("time", "")}
    )
    if reader.client_uid:
        remarks.set("to", reader.client_uid)
    remarks.text = text
    return to_bytes(event)


def message_events(kind: str, data: Mapping[str, Any], reader: Reader, now_s: float) -> list[bytes]:
    """GeoChat for a ``message.*`` event of the reader's stream."""
    message = data.get("message")
    if not isinstance(message, Mapping):
        return []
    message_id = str(message.get("id"))
    sender, recipient = str(message.get("from")), str(message.get("to"))
    channel = str(data.get("channel") or message.get("current_channel") or "command")
    if kind == "message.received" and recipient == reader.party:
        rendered = message.get("rendered")
        text = rendered.get("text") if isinstance(rendered, Mapping) else None
        text = text or message.get("text") or ""
        if message.get("ack_due") is not None:
            text += f"\n[{message_id}] reply ACK to acknowledge"
        return [chat_event(sender, channel, str(text), message_id, reader, now_s)]
    if kind == "message.acknowledged" and sender == reader.party:
        text = f"ACKNOWLEDGED by {recipient}: [{message_id}]"
        return [chat_event(recipient, channel, text, f"{message_id}.ack", reader, now_s)]
    notice = data.get("notice")
    if isinstance(notice, Mapping) and notice.get("text"):
        step = data.get("step")
        step_kind = step.get("kind") if isinstance(step, Mapping) else "step"
        return [
            chat_event(
                HUB_SENDER, None, str(notice["text"]), f"{message_id}.{step_kind}", reader, now_s
            )
        ]
    return []


# -- the stream -------------------------------------------------------------------------


def stream_events(kind: str, data: Mapping[str, Any], reader: Reader, now_s: float) -> list[bytes]:
    """CoT for one event of the party's stream (empty for kinds TAK has no use for).

    Zone removals are left to the caller, which knows the uids it sent."""
    if kind.startswith("alert."):
        event = alert_event(kind, data, reader, now_s)
        return [event] if event is not None else []
    if kind in _ZONE_SHOWN:
        zone = data.get("zone")
        return zone_events(zone, now_s, reader.party) if isinstance(zone, Mapping) else []
    if kind.startswith("message."):
        return message_events(kind, data, reader, now_s)
    return []


def is_zone_removal(kind: str) -> bool:
    return kind in _ZONE_GONE
