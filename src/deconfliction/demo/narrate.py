"""One line of text for each event of a party's stream a newcomer should see, or None.

It reads only the event as the party received it (``{"seq", "time", "kind", "data"}``), so
each line shows what that party was told, and nothing more.
"""

from __future__ import annotations

from typing import Any

HUB = "@hub"


def describe(party: str, event: dict[str, Any]) -> str | None:
    kind: str = event["kind"]
    data: dict[str, Any] = event["data"]
    family = kind.split(".", 1)[0]
    text: str | None = None
    if family == "alert":
        text = _alert(kind, data)
    elif family == "message":
        text = _message(party, kind, data)
    elif family == "zone":
        text = _zone(party, kind, data)
    elif family == "incident":
        text = _incident(kind, data)
    return None if text is None else f"{party:<12} hears  {text}"


def _distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _own(data: dict[str, Any]) -> str:
    own = data.get("own") or {}
    zone = own.get("zone")
    return str(own.get("track") or own.get("operation") or (zone or {}).get("id") or "-")


def _alert(kind: str, data: dict[str, Any]) -> str | None:
    if kind == "alert.counterpart_acknowledged":
        return None
    what = data.get("kind", "")
    own, other = _own(data), (data.get("other") or {})
    against = other.get("party") or ", ".join(data.get("counterparts", []))
    if kind == "alert.acknowledged":
        return f"acknowledged its {what} alert about {own}"
    if kind in ("alert.resolved", "alert.expired"):
        return f"{what} alert {kind.removeprefix('alert.')}: {own} and {against}"
    severity = data.get("severity", "")
    lead = "ALERT" if kind == "alert.opened" else "ALERT now"
    figures = data.get("now") or data.get("geometry") or {}
    if what == "track_track":
        loss = "loss of separation" if severity == "loss" else "predicted loss of separation"
        return (
            f"{lead} {loss}: {own} and {against}'s traffic, closest "
            f"{_distance(figures.get('d_cpa_m', 0))} and {figures.get('dz_cpa_m', 0):.0f} m "
            f"in {figures.get('t_cpa_s', 0):.0f} s"
        )
    if what == "track_zone":
        zone = (data.get("own") or {}).get("zone") or other.get("zone") or {}
        track_side = "zone" not in (data.get("own") or {})
        who = f"its {own}" if track_side else f"a track of {against}"
        t_in = (data.get("now") or {}).get("t_in_s") or 0
        entering = "is inside" if severity == "loss" else f"enters in {t_in / 60:.0f} min"
        return f"{lead} {who} {entering}: zone {zone.get('id')} ({zone.get('rule')})"
    if what == "zone_zone":
        zone = other.get("zone") or {}
        named = f" {zone['id']}" if zone.get("id") else ""
        return (
            f"ADVISORY {own} overlaps {against}'s {other.get('rule', '')} zone{named} "
            "(a protected site inside another party's zone)"
        )
    if what == "operation_operation":
        return (
            f"ADVISORY drone operation {own} overlaps an operation of {against} "
            f"(its priority: {other.get('priority')}); asked to resolve: {data.get('resolve_by')}"
        )
    return f"{lead} {what} ({severity}): {own} and {against}"


def _subject(message: dict[str, Any]) -> str:
    if message.get("text"):
        return f'"{message["text"]}"'
    fields = message.get("fields") or {}
    if message.get("template") == "zone_unacknowledged":
        return f"protected zone {fields.get('zone')} is not acknowledged yet"
    if message.get("template") == "crossing_notice":
        tracks = ", ".join(fields.get("tracks") or [])
        places = " → ".join(p.get("name") or "?" for p in fields.get("route") or [])
        return (
            f"crossing notice: {fields.get('who', '')} ({tracks}) {places}, "
            f"for {float(fields.get('duration_s', 0)) / 60:.0f} min"
        )
    return str(message.get("template"))


def _message(party: str, kind: str, data: dict[str, Any]) -> str | None:
    message = data.get("message") or {}
    step = data.get("step") or {}
    sender = message.get("from")
    if sender == HUB and message.get("thread") != message.get("id"):
        return None  # the hub's thread about an alert: the alert's own line says it
    head = f"{message.get('priority')} message {message.get('id')}"
    if kind == "message.received":
        where = f"from {sender} on {data.get('channel')}"
        return f"MESSAGE {where} ({message.get('priority')}): {_subject(message)}"
    if kind == "message.overdue":
        return f"its {head} to {message.get('to')} is overdue"
    if kind in ("message.escalated", "message.repeated"):
        verb = "ESCALATED" if kind == "message.escalated" else "REPEATED"
        return (
            f"{verb} to {message.get('to')}'s command desk: {head} from {sender}, "
            f"not acknowledged (escalation {message.get('escalations')})"
        )
    if kind == "message.acknowledged" and step.get("by") != party:
        return f"{step.get('by')} acknowledged its {head} on {step.get('channel')}"
    return None


def _zone(party: str, kind: str, data: dict[str, Any]) -> str | None:
    zone = data.get("zone") or {}
    meta = zone.get("deconfliction") or {}
    properties = zone.get("properties") or {}
    owner = meta.get("owner")
    if kind == "zone.declared" and owner != party:
        return (
            f"zone {zone.get('id')} of {owner}: {properties.get('name')} ({properties.get('rule')})"
        )
    if kind == "zone.acknowledged" and owner == party:
        pending = ", ".join(meta.get("pending") or []) or "nobody"
        return (
            f"{data.get('acknowledged_by')} acknowledged {zone.get('id')} (waiting for {pending})"
        )
    if kind in ("zone.expiring", "zone.expired", "zone.withdrawn"):
        return f"{kind.removeprefix('zone.')}: zone {zone.get('id')}"
    return None


def _incident(kind: str, data: dict[str, Any]) -> str | None:
    incident = data.get("incident") or {}
    if kind == "incident.reported":
        return (
            f"INCIDENT {incident.get('id')} reported by {incident.get('reporter')}: "
            f"{incident.get('kind')}"
        )
    if kind == "incident.account_added":
        return f"{data.get('by')} added its account to incident {incident.get('id')}"
    if kind == "incident.state_changed":
        return f"incident {incident.get('id')} is now {incident.get('state')}"
    return None
