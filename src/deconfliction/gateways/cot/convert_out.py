"""What the hub tells a party, as CoT events for its TAK clients.

Pure: every function takes what the party's own stream or API shows it (an event's JSON, a
report of a track it may see) and returns CoT events as bytes; nothing here decides who may
see what. Uids are stable so that an update replaces what a client shows and a delete
(``t-x-d-d``) or cancellation (``b-a-o-can``) removes it:

- alert ``deconfliction.alert.ID`` (:mod:`convert_alerts`): ``b-a-o-tbl`` (``b-a-g``,
  geofence, for a zone incursion) with ``<emergency>`` and remarks in the party's
  language; ``b-a-o-can`` with ``<emergency cancel="true">`` once resolved or expired;
- zone (:mod:`convert_zones`): its id; polygons and lines as ``u-d-f`` (links), circles as
  ``u-d-c-c``; parts of a multi-geometry as ``ID.1``, ``ID.2`` …; the rule, band and
  validity in the remarks;
- track of another party (only where the two share pictures) ``deconfliction.track.PARTY.ID``
  as ``a-n-…`` (neutral), the party's own tracks under their ids as ``a-f-…``;
- hotline messages as GeoChat from the sending party's desk contact
  ``deconfliction.desk.PARTY.CHANNEL`` (the hub's own from ``deconfliction.desk.hub``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from deconfliction.gateways.cot.convert_alerts import alert_event
from deconfliction.gateways.cot.convert_in import CHANNELS, HUB_DESK, desk_uid
from deconfliction.gateways.cot.convert_zones import ZONE_SHOWN, zone_events
from deconfliction.gateways.cot.events import UNKNOWN, event_element, to_bytes
from deconfliction.gateways.cot.view import DAY_S, Reader
from deconfliction.gateways.geoid import hae_from_msl
from deconfliction.model.report import Report

TRACK_PREFIX = "deconfliction.track."
HUB_SENDER = "@hub"
_DIMENSION = {"air": "A", "ground": "G", "sea": "S"}


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
    if kind in ZONE_SHOWN:
        zone = data.get("zone")
        return zone_events(zone, now_s, reader.party) if isinstance(zone, Mapping) else []
    if kind.startswith("message."):
        return message_events(kind, data, reader, now_s)
    return []
