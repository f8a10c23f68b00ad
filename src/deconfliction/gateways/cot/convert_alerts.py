"""Alerts as CoT: ``b-a-o-tbl`` (``b-a-g`` for a zone incursion) with ``<emergency>`` and
the alert in the party's language, cancelled with ``b-a-o-can`` under the same uid."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from deconfliction.errors import DeconflictionError
from deconfliction.gateways.cot.events import event_element, to_bytes
from deconfliction.gateways.cot.view import DAY_S, Reader, outline_point
from deconfliction.hotline.render import render

ALERT_PREFIX = "deconfliction.alert."
ALERT_OPEN = ("alert.opened", "alert.updated", "alert.acknowledged")
ALERT_CLOSED = ("alert.resolved", "alert.expired")
_ALERT_TEMPLATE = {
    "track_track": "alert_track_conflict",
    "track_zone": "alert_zone_incursion",
    "operation_operation": "alert_operation_conflict",
    "operation_zone": "alert_operation_conflict",
}


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
            found = outline_point(candidate.get("outline"))
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
    if kind in ALERT_CLOSED:
        event, detail = event_element(
            "b-a-o-can", uid, time_s=now_s, stale_s=now_s + 60.0, lat=point[0], lon=point[1]
        )
        ET.SubElement(detail, "contact", {"callsign": callsign})
        ET.SubElement(detail, "emergency", {"cancel": "true"}).text = callsign
        ET.SubElement(detail, "remarks").text = f"{alert.get('id')}: {alert.get('state')}"
        return to_bytes(event)
    if kind not in ALERT_OPEN:
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
