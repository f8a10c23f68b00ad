"""CoT from TAK clients as reports, zones, hotline messages and acknowledgements."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.gateways.cot.convert_in import (
    Ack,
    Chat,
    Ignored,
    Ping,
    Position,
    ProtocolRequest,
    ZoneDeleted,
    ZoneIn,
    convert,
    track_id,
)
from deconfliction.gateways.cot.events import cot_time, parse_event
from deconfliction.gateways.geoid import undulation_m

NOW = 1_714_557_600.0


def event(
    cot_type: str,
    detail: str = "",
    *,
    uid: str = "U-1",
    hae: str = "9999999",
    lat: float = 48.0,
    lon: float = 11.0,
    stale_s: float = 60.0,
) -> bytes:
    return (
        f'<event version="2.0" uid="{uid}" type="{cot_type}" how="m-g" time="{cot_time(NOW)}" '
        f'start="{cot_time(NOW)}" stale="{cot_time(NOW + stale_s)}"><point lat="{lat}" '
        f'lon="{lon}" hae="{hae}" ce="5" le="5"/><detail>{detail}</detail></event>'
    ).encode()


def intent(data: bytes, now_s: float = NOW):  # type: ignore[no-untyped-def]
    return convert(parse_event(data), now_s)


@pytest.mark.parametrize(
    ("cot_type", "domain"),
    [("a-f-A-M-F", "air"), ("a-h-G-U-C-I", "ground"), ("a-n-S", "sea"), ("a-u-U-S", "sea")],
)
def test_positions_by_battle_dimension(cot_type: str, domain: str) -> None:
    got = intent(event(cot_type, '<track speed="12.5" course="271"/>', hae="600"))
    assert isinstance(got, Position)
    n = undulation_m(48.0, 11.0)
    assert got.report == {
        "track": "U-1",
        "time": "2024-05-01T10:00:00Z",
        "lat": 48.0,
        "lon": 11.0,
        "domain": domain,
        "alt_m": round(600 - n, 2),
        "gs_mps": 12.5,
        "course_deg": 271.0,
    }


def test_positions_ignored() -> None:
    assert intent(event("a-f-P-S")) == Ignored("unsupported battle dimension")
    assert intent(event("a-f-G", stale_s=60), NOW + 61) == Ignored("stale")
    assert intent(event("a-f-A")) == Ignored("air track without altitude")
    ground = intent(event("a-f-G"))  # a ground unit without altitude is fine
    assert isinstance(ground, Position) and "alt_m" not in ground.report


def test_long_uids_are_shortened_stably() -> None:
    uid = "x" * 100
    assert len(track_id(uid)) == 64 and track_id(uid) == track_id(uid) != track_id(uid + "y")
    assert track_id("ANDROID-1234") == "ANDROID-1234"


def test_drawn_shapes_with_a_marker_are_zones() -> None:
    links = "".join(f'<link point="{lat},{lon}"/>' for lat, lon in [(1, 2), (1, 3), (2, 3), (2, 2)])
    marker = "#zone protected share=west,east until=2030-01-01T00:00:00Z top=2km"
    remarks = f"<remarks>Camp\n{marker}</remarks>"
    got = intent(event("u-d-r", links + '<contact callsign="Camp A"/>' + remarks, uid="shape-1"))
    assert got == ZoneIn(
        "shape-1",
        {
            "type": "Feature",
            "id": "shape-1",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[2.0, 1.0], [3.0, 1.0], [3.0, 2.0], [2.0, 2.0], [2.0, 1.0]]],
            },
            "properties": {
                "rule": "protected",
                "shared_with": ["west", "east"],
                "valid_to": "2030-01-01T00:00:00Z",
                "alt_upper_m": 2000.0,
                "name": "Camp A",
            },
        },
    )
    two = '<link point="1,2"/><link point="1,3"/>'
    line = intent(event("u-d-f", two + "<remarks>#zone no_entry buffer=500m</remarks>"))
    assert isinstance(line, ZoneIn) and line.feature["geometry"]["type"] == "LineString"
    assert line.feature["properties"]["buffer_m"] == 500.0
    circle = intent(
        event(
            "u-d-c-c",
            '<shape><ellipse major="750" minor="750" angle="360"/>'
            "</shape><remarks>#zone notify_before_entry share=all</remarks>",
        )
    )
    assert isinstance(circle, ZoneIn)
    assert circle.feature["geometry"] == {"type": "Point", "coordinates": [11.0, 48.0]}
    assert circle.feature["properties"]["radius_m"] == 750.0
    assert intent(event("u-d-r", links + "<remarks>just a box</remarks>")) == Ignored(
        "shape without #zone"
    )
    with pytest.raises(InvalidInput, match="needs a rule"):
        intent(event("u-d-r", links + "<remarks>#zone keep_out</remarks>"))
    with pytest.raises(InvalidInput, match="unknown key 'colour'"):
        intent(event("u-d-r", links + "<remarks>#zone no_entry colour=red</remarks>"))
    deleted = intent(event("t-x-d-d", '<link uid="shape-1" relation="none" type="u-d-r"/>'))
    assert deleted == ZoneDeleted("shape-1")


def chat(to: str, text: str) -> bytes:
    return event(
        "b-t-f",
        f'<__chat chatroom="{to}" id="{to}" messageId="m1" senderCallsign="A1">'
        f'<chatgrp uid0="U-1" uid1="{to}" id="{to}"/></__chat><remarks to="{to}">{text}</remarks>',
        uid="GeoChat.U-1.x.m1",
    )


def test_geochat_to_desks() -> None:
    assert intent(chat("deconfliction.desk.west.air", "Turning north")) == Chat(
        "west", "air", "Turning north"
    )
    assert intent(chat("deconfliction.desk.west", "hello")) == Chat("west", "command", "hello")
    assert intent(chat("deconfliction.desk.west.ground", "ack")) == Ack("west", None)
    message_id = "msg_0190f3a2b4c5d6e7f8a9b"
    assert intent(chat("deconfliction.desk.hub", f"ACK {message_id}")) == Ack("hub", message_id)
    assert intent(chat("deconfliction.desk.hub", "Ack, thanks")) == Ack("hub", None)
    assert intent(chat("deconfliction.desk.hub", "hello")) == Ignored("chat to the hub desk")
    assert intent(chat("ANDROID-99", "hi")) == Ignored("chat not addressed to a desk")


def test_control() -> None:
    assert intent(event("t-x-c-t")) == Ping()
    request = '<TakControl><TakRequest version="1"/></TakControl>'
    assert intent(event("t-x-takp-q", request)) == ProtocolRequest(1)
    assert intent(event("b-m-p-s-p-i")) == Ignored("unsupported type")
