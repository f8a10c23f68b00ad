"""Parsing CoT with defusedxml, and building it back."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput, MalformedPayload
from deconfliction.gateways.cot.events import UNKNOWN, event_element, parse_event, to_bytes

EVENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="A-1" type="a-f-G-U-C" '
    b'how="m-g" time="2024-05-01T10:00:00.000Z" start="2024-05-01T10:00:00Z" '
    b'stale="2024-05-01T10:05:00Z"><point lat="48.1" lon="11.5" hae="520.5" ce="9999999.0" '
    b'le="9999999.0"/><detail><contact callsign="Alpha"/></detail></event>'
)


def test_parse() -> None:
    event = parse_event(EVENT)
    assert (event.type, event.uid, event.how) == ("a-f-G-U-C", "A-1", "m-g")
    assert (event.lat, event.lon, event.hae_m, event.ce_m) == (48.1, 11.5, 520.5, UNKNOWN)
    assert event.stale_s - event.time_s == 300.0
    contact = event.find("contact")
    assert contact is not None and contact.get("callsign") == "Alpha"


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b'<!DOCTYPE e [<!ENTITY x "y">]><event/>', MalformedPayload, "refused XML"),
        (b'<!DOCTYPE e SYSTEM "http://example.org/e.dtd"><event/>', MalformedPayload, "refused"),
        (b"<event><point></event>", MalformedPayload, "not well-formed"),
        (b"<evnt/>", MalformedPayload, "expected <event>"),
        (EVENT.replace(b' uid="A-1"', b""), InvalidInput, "needs type and uid"),
        (EVENT.replace(b'lat="48.1"', b'lat="98.1"'), InvalidInput, "out of range"),
        (EVENT.replace(b'lat="48.1"', b'lat="nan"'), InvalidInput, "not a finite number"),
        (EVENT.replace(b"2024-05-01T10:00:00.000Z", b"yesterday"), InvalidInput, "time"),
    ],
)
def test_refused(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        parse_event(data)


def test_built_events_parse_back() -> None:
    event, detail = event_element(
        "b-a-o-tbl", "u<1>", time_s=1.7e9, stale_s=1.7e9 + 60, lat=-33.5, lon=151.25, hae_m=12.0
    )
    detail.append(parse_event(EVENT).find("contact"))  # type: ignore[arg-type]
    data = to_bytes(event)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<event ')
    back = parse_event(data)
    assert (back.uid, back.lat, back.lon, back.hae_m, back.stale_s) == (
        "u<1>",
        -33.5,
        151.25,
        12.0,
        1.7e9 + 60,
    )
