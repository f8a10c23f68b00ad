"""Cursor on Target events: parsed from bytes with ``defusedxml``, built back to bytes.

Parsing refuses what a hostile client could use against an XML parser: a document type
declaration (so no entity, internal or external, can be declared, and none expanded) and
external references. ``MalformedPayload`` is raised for those and for anything that is not
one well-formed ``<event>``; ``InvalidInput`` for an event whose attributes make no sense
(no ``uid``, a latitude of 200, a time that is not one).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from deconfliction.errors import InvalidInput, MalformedPayload
from deconfliction.units import parse_time

# CoT's "unknown" for hae, ce and le.
UNKNOWN = 9999999.0
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class CotEvent:
    """One CoT ``<event>``: its attributes, its ``<point>`` and its ``<detail>`` element."""

    type: str
    uid: str
    time_s: float
    start_s: float
    stale_s: float
    lat: float
    lon: float
    hae_m: float = UNKNOWN
    ce_m: float = UNKNOWN
    le_m: float = UNKNOWN
    how: str = "m-g"
    detail: ET.Element | None = field(default=None, compare=False)

    def find(self, path: str) -> ET.Element | None:
        """The first element of ``<detail>`` at ``path`` (ElementTree syntax), if any."""
        return None if self.detail is None else self.detail.find(path)


def _float(element: ET.Element, name: str, default: float | None = None) -> float:
    raw = element.get(name)
    if raw is None:
        if default is None:
            raise InvalidInput(f"<{element.tag}> has no {name}")
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"<{element.tag}> {name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(f"<{element.tag}> {name}={raw!r} is not a finite number")
    return value


def _time(event: ET.Element, name: str) -> float:
    raw = event.get(name)
    if raw is None:
        raise InvalidInput(f"<event> has no {name}")
    return parse_time(raw, f"<event> {name}")


def parse_xml(data: bytes) -> ET.Element:
    """The root element of ``data``, refusing DTDs, entities and external references."""
    try:
        root: ET.Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise MalformedPayload(f"refused XML: {type(error).__name__}") from None
    except (ET.ParseError, ValueError) as error:
        raise MalformedPayload(f"not well-formed XML: {error}") from None
    return root


def parse_event(data: bytes) -> CotEvent:
    """One CoT event from its bytes (the XML declaration is optional)."""
    return event_from_element(parse_xml(data))


def event_from_element(root: ET.Element) -> CotEvent:
    """A CoT event from a parsed ``<event>`` element."""
    if root.tag != "event":
        raise MalformedPayload(f"expected <event>, got <{root.tag[:40]}>")
    cot_type = root.get("type")
    uid = root.get("uid")
    if not cot_type or not uid:
        raise InvalidInput("<event> needs type and uid")
    point = root.find("point")
    if point is None:
        raise InvalidInput("<event> has no <point>")
    lat, lon = _float(point, "lat"), _float(point, "lon")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InvalidInput(f"<point> lat={lat} lon={lon} is out of range")
    return CotEvent(
        type=cot_type,
        uid=uid,
        time_s=_time(root, "time"),
        start_s=_time(root, "start"),
        stale_s=_time(root, "stale"),
        lat=lat,
        lon=lon,
        hae_m=_float(point, "hae", UNKNOWN),
        ce_m=_float(point, "ce", UNKNOWN),
        le_m=_float(point, "le", UNKNOWN),
        how=root.get("how") or "",
        detail=root.find("detail"),
    )


def cot_time(time_s: float) -> str:
    """A CoT time: UTC with milliseconds and a ``Z``."""
    moment = datetime.fromtimestamp(time_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _number(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if value != UNKNOWN else "9999999.0"


def event_element(
    cot_type: str,
    uid: str,
    *,
    time_s: float,
    stale_s: float,
    lat: float,
    lon: float,
    hae_m: float = UNKNOWN,
    ce_m: float = UNKNOWN,
    le_m: float = UNKNOWN,
    how: str = "h-g-i-g-o",
) -> tuple[ET.Element, ET.Element]:
    """A new ``<event>`` and its empty ``<detail>``, to fill in."""
    event = ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": uid,
            "type": cot_type,
            "how": how,
            "time": cot_time(time_s),
            "start": cot_time(time_s),
            "stale": cot_time(stale_s),
        },
    )
    ET.SubElement(
        event,
        "point",
        {
            "lat": _number(lat),
            "lon": _number(lon),
            "hae": _number(hae_m),
            "ce": _number(ce_m),
            "le": _number(le_m),
        },
    )
    return event, ET.SubElement(event, "detail")


def to_bytes(event: ET.Element) -> bytes:
    """The event as sent on a stream: the XML declaration, then the element."""
    return DECLARATION + ET.tostring(event, encoding="unicode").encode()
