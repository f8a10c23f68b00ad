"""Zones as drawn shapes: polygons and lines ``u-d-f``, circles ``u-d-c-c``, each part of a
multi-geometry on its own (``ID.1``, ``ID.2`` …), removed with ``t-x-d-d``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from deconfliction.errors import DeconflictionError
from deconfliction.gateways.cot.events import event_element, to_bytes
from deconfliction.gateways.cot.view import DAY_S, outline_point
from deconfliction.units import parse_time

ZONE_SHOWN = ("zone.declared", "zone.updated")
ZONE_GONE = ("zone.withdrawn", "zone.expired")


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
            centre = outline_point({"coordinates": ring})
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
    event, detail = event_element(
        "t-x-d-d", f"{uid}.delete", time_s=now_s, stale_s=now_s + 20.0, lat=0.0, lon=0.0
    )
    ET.SubElement(detail, "link", {"uid": uid, "relation": "none", "type": shape_type})
    ET.SubElement(detail, "__forcedelete")
    return to_bytes(event)


def is_zone_removal(kind: str) -> bool:
    return kind in ZONE_GONE
