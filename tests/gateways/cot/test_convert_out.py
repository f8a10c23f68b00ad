"""The hub's events as CoT for a party's TAK clients."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from deconfliction.gateways.cot.convert_alerts import alert_event
from deconfliction.gateways.cot.convert_in import ZoneIn, convert, zone_marker
from deconfliction.gateways.cot.convert_out import (
    desk_contacts,
    message_events,
    stream_events,
    track_event,
)
from deconfliction.gateways.cot.convert_zones import delete_event, zone_events
from deconfliction.gateways.cot.events import parse_event
from deconfliction.gateways.cot.view import Reader
from deconfliction.gateways.geoid import undulation_m
from deconfliction.model import Report
from deconfliction.model.party import Domain

NOW = 1_714_557_600.0
ALERT: dict[str, Any] = {
    "id": "al-1",
    "conflict": "cf-1",
    "kind": "track_track",
    "state": "open",
    "severity": "predicted",
    "counterparts": ["west"],
    "own": {"track": "EAST-1", "state": {"lat": 35.0, "lon": 40.0, "alt_m": 3000.0}},
    "other": {"party": "west", "state": {"lat": 35.0, "lon": 40.05, "alt_m": 3100.0}},
    "geometry": {
        "t_in_s": 40.0,
        "d_cpa_m": 1200.0,
        "cpa_at": "2024-05-01T10:01:00Z",
        "dz_cpa_m": 100.0,
    },
}


def xml(data: bytes) -> ET.Element:
    return ET.fromstring(data.split(b"?>", 1)[1])


def test_alert_in_the_party_language_then_cancelled() -> None:
    for language, words in (
        ("en", "predicted loss of separation with west"),
        ("ru", "west"),
        ("fr", "west"),
    ):
        event = xml(alert_event("alert.opened", ALERT, Reader("east", language), NOW) or b"")
        assert event.get("type") == "b-a-o-tbl" and event.get("uid") == "deconfliction.alert.al-1"
        assert event.find("detail/emergency").get("type") == "911 Alert"  # type: ignore[union-attr]
        remarks = event.findtext("detail/remarks") or ""
        assert words in remarks and "al-1" in remarks
        assert event.find("point").get("lat") == "35"  # type: ignore[union-attr]
    russian = xml(alert_event("alert.opened", ALERT, Reader("east", "ru"), NOW) or b"")
    assert "прогнозируется нарушение безопасного интервала с west" in (
        russian.findtext("detail/remarks") or ""
    )
    cancel = xml(
        alert_event("alert.resolved", {**ALERT, "state": "resolved"}, Reader("east"), NOW) or b""
    )
    assert cancel.get("type") == "b-a-o-can" and cancel.get("uid") == "deconfliction.alert.al-1"
    assert cancel.find("detail/emergency").get("cancel") == "true"  # type: ignore[union-attr]
    zone_alert = {**ALERT, "kind": "track_zone"}
    assert (
        xml(alert_event("alert.opened", zone_alert, Reader("east"), NOW) or b"").get("type")
        == "b-a-g"
    )
    assert alert_event("alert.counterpart_acknowledged", ALERT, Reader("east"), NOW) is None


def test_zone_shapes_round_trip_for_their_owner() -> None:
    feature = {
        "type": "Feature",
        "id": "z1",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[40.0, 34.0], [40.2, 34.0], [40.2, 34.2], [40.0, 34.0]]],
        },
        "properties": {"rule": "no_entry", "shared_with": ["west"], "alt_upper_m": 3000.0},
        "deconfliction": {"owner": "east", "version": 1},
    }
    (for_owner,) = zone_events(feature, NOW, "east")
    (for_west,) = zone_events(feature, NOW, "west")
    assert "#zone" not in (xml(for_west).findtext("detail/remarks") or "")
    back = convert(parse_event(for_owner), NOW)  # the owner edits it and sends it back
    assert isinstance(back, ZoneIn) and back.zone_id == "z1"
    assert back.feature["geometry"] == feature["geometry"]
    assert zone_marker(xml(for_owner).findtext("detail/remarks") or "") == {
        "rule": "no_entry",
        "shared_with": ["west"],
        "alt_upper_m": "3000.0",
    }
    multi = {
        **feature,
        "geometry": {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]},
        "properties": {"rule": "protected", "radius_m": 500},
    }
    events = [xml(e) for e in zone_events(multi, NOW, "west")]
    assert [e.get("uid") for e in events] == ["z1.1", "z1.2"]
    assert events[0].find("detail/shape/ellipse").get("major") == "500"  # type: ignore[union-attr]
    gone = xml(delete_event("z1.1", NOW))
    assert gone.get("type") == "t-x-d-d" and gone.find("detail/link").get("uid") == "z1.1"  # type: ignore[union-attr]


def test_tracks_own_and_shared() -> None:
    report = Report("west", "W-7", NOW, 35.0, 40.0, 3000.0, 120.0, 270.0, 0.0, Domain.AIR)
    shared = xml(track_event(report, "east", 30.0))
    assert shared.get("type") == "a-n-A" and shared.get("uid") == "deconfliction.track.west.W-7"
    hae = float(shared.find("point").get("hae"))  # type: ignore[union-attr, arg-type]
    assert abs(hae - (3000.0 + undulation_m(35.0, 40.0))) < 1e-3
    own = xml(track_event(report, "west", 30.0))
    assert own.get("type") == "a-f-A" and own.get("uid") == "W-7"


def test_desks_and_messages() -> None:
    uids = [xml(e).get("uid") for e in desk_contacts(["west"], NOW)]
    assert uids == [
        "deconfliction.desk.hub",
        *(f"deconfliction.desk.west.{c}" for c in ("air", "ground", "command")),
    ]
    message = {
        "id": "msg-1",
        "from": "west",
        "to": "east",
        "current_channel": "air",
        "ack_due": "2024-05-01T10:05:00Z",
        "state": "sent",
        "rendered": {"text": "Message\nHold west of the river"},
    }
    reader = Reader("east", client_uid="ANDROID-1")
    (chat,) = [
        xml(e)
        for e in message_events(
            "message.received", {"channel": "air", "message": message}, reader, NOW
        )
    ]
    assert chat.get("type") == "b-t-f"
    assert chat.find("detail/__chat").get("id") == "deconfliction.desk.west.air"  # type: ignore[union-attr]
    assert chat.find("detail/__chat/chatgrp").get("uid1") == "ANDROID-1"  # type: ignore[union-attr]
    assert "Hold west of the river" in (chat.findtext("detail/remarks") or "")
    assert "reply ACK" in (chat.findtext("detail/remarks") or "")
    # What east sent and west acknowledged comes back to east; what east sent, not.
    sent = {**message, "from": "east", "to": "west", "state": "acknowledged"}
    acked = message_events("message.acknowledged", {"message": sent}, reader, NOW)
    assert "ACKNOWLEDGED by west" in (xml(acked[0]).findtext("detail/remarks") or "")
    assert message_events("message.sent", {"message": sent}, reader, NOW) == []
    assert stream_events("reports.accepted", {"count": 3}, reader, NOW) == []
