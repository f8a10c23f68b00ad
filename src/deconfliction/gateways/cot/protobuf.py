"""TAK protocol version 1: protobuf ``TakMessage`` payloads to and from CoT events (with
``takproto``'s generated messages).

In: the payload is parsed as a ``TakMessage`` and rebuilt as an ``<event>`` element: the
typed detail fields (contact, group, track, takv, status, precision location) as their
elements, and ``xmlDetail`` (everything else, as XML text) parsed with defusedxml like a
version 0 event, so the same refusals apply. Then it goes through the same checks as XML
(:func:`~deconfliction.gateways.cot.events.event_from_element`).

Out: the hub's events are built as XML and converted with ``takproto.xml2proto`` (which
parses only what the hub itself built).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from deconfliction.errors import MalformedPayload
from deconfliction.gateways.cot.events import CotEvent, cot_time, event_from_element, parse_xml

try:
    import takproto
    from google.protobuf.message import DecodeError
    from takproto.proto import TakMessage
except ImportError:  # pragma: no cover - takproto is a dependency; without it v1 is not offered
    takproto = None


def available() -> bool:
    return takproto is not None


def encode(xml: bytes) -> bytes:
    """A hub-built XML event as a version 1 stream message (``0xbf``, length, payload)."""
    return bytes(takproto.xml2proto(xml, takproto.TAKProtoVer.STREAM))


def _time(milliseconds: int) -> str:
    return cot_time(milliseconds / 1000.0)


def _set(element: ET.Element, source: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(source, name)
        if value != "":
            element.set(name, str(value))


def decode(payload: bytes) -> CotEvent:
    """One version 1 message as a CoT event (``MalformedPayload`` if it is not one)."""
    message = TakMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        raise MalformedPayload("not a TAK protocol message (protobuf)") from None
    if not message.HasField("cotEvent"):
        raise MalformedPayload("a TAK protocol message without an event")
    cot = message.cotEvent
    root = ET.Element(
        "event",
        {
            "version": "2.0",
            "type": cot.type,
            "uid": cot.uid,
            "how": cot.how,
            "time": _time(cot.sendTime),
            "start": _time(cot.startTime),
            "stale": _time(cot.staleTime),
        },
    )
    ET.SubElement(
        root,
        "point",
        {name: repr(float(getattr(cot, name))) for name in ("lat", "lon", "hae", "ce", "le")},
    )
    detail = ET.SubElement(root, "detail")
    given = cot.detail
    if given.xmlDetail:
        wrapped = parse_xml(b"<detail>" + given.xmlDetail.encode() + b"</detail>")
        detail.extend(list(wrapped))
    typed = (
        ("contact", "contact", ("endpoint", "callsign")),
        ("group", "__group", ("name", "role")),
        ("precisionLocation", "precisionlocation", ("geopointsrc", "altsrc")),
        ("status", "status", ("battery",)),
        ("takv", "takv", ("device", "platform", "os", "version")),
        ("track", "track", ("speed", "course")),
    )
    for field, tag, names in typed:
        if given.HasField(field):
            _set(ET.SubElement(detail, tag), getattr(given, field), names)
    return event_from_element(root)
