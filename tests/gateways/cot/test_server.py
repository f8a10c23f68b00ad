"""The CoT gateway end to end: two parties' TAK clients (pytak, TLS, certificates and data
packages from `deconfliction tak package`) against a hub."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from deconfliction.gateways.cot.events import cot_time
from deconfliction.gateways.geoid import hae_from_msl, undulation_m
from tests.gateways.cot.tak_world import TakClient, tak_world

# pytak sets TLS options Python deprecates: its business, not these tests'.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")


def position(
    uid: str,
    lat: float,
    lon: float,
    alt_m: float,
    *,
    cot_type: str = "a-f-A-M-F-Q",
    speed: float = 100.0,
    course: float = 90.0,
    stale_s: float = 60.0,
) -> bytes:
    """A position event as ATAK sends one (hae above the ellipsoid)."""
    now = time.time()
    hae = hae_from_msl(alt_m, lat, lon)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
        f'uid="{uid}" type="{cot_type}" how="m-g" time="{cot_time(now)}" '
        f'start="{cot_time(now)}" stale="{cot_time(now + stale_s)}">'
        f'<point lat="{lat}" lon="{lon}" hae="{hae:.2f}" ce="10" le="10"/>'
        f'<detail><contact callsign="{uid}"/><track speed="{speed}" course="{course}"/>'
        f"</detail></event>"
    ).encode()


def geochat(sender_uid: str, to_uid: str, text: str, message_id: str) -> bytes:
    now = time.time()
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
        f'uid="GeoChat.{sender_uid}.{to_uid}.{message_id}" type="b-t-f" how="h-g-i-g-o" '
        f'time="{cot_time(now)}" start="{cot_time(now)}" stale="{cot_time(now + 86400)}">'
        f'<point lat="0" lon="0" hae="9999999" ce="9999999" le="9999999"/><detail>'
        f'<__chat parent="RootContactGroup" groupOwner="false" messageId="{message_id}" '
        f'chatroom="{to_uid}" id="{to_uid}" senderCallsign="{sender_uid}">'
        f'<chatgrp uid0="{sender_uid}" uid1="{to_uid}" id="{to_uid}"/></__chat>'
        f'<link uid="{sender_uid}" type="a-f-G-U-C" relation="p-p"/>'
        f'<remarks source="BAO.F.ATAK.{sender_uid}" to="{to_uid}" time="{cot_time(now)}">'
        f"{text}</remarks></detail></event>"
    ).encode()


def rectangle(uid: str, corners: list[tuple[float, float]], remarks: str) -> bytes:
    now = time.time()
    links = "".join(f'<link point="{lat},{lon}"/>' for lat, lon in corners)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
        f'uid="{uid}" type="u-d-r" how="h-e" time="{cot_time(now)}" start="{cot_time(now)}" '
        f'stale="{cot_time(now + 86400)}"><point lat="{corners[0][0]}" lon="{corners[0][1]}" '
        f'hae="9999999" ce="9999999" le="9999999"/><detail>{links}'
        f'<contact callsign="{uid}"/><remarks>{remarks}</remarks></detail></event>'
    ).encode()


async def _until(check, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def _everything(client: TakClient) -> str:
    return "\n".join(ET.tostring(e, encoding="unicode") for e in client.received)


def test_two_parties_positions_alerts_zones_chat_and_visibility(tmp_path: Path) -> None:
    asyncio.run(_two_parties(tmp_path))


async def _two_parties(tmp_path: Path) -> None:
    async with tak_world(tmp_path) as world:
        east = await world.client("east")
        west = await world.client("west")
        # Desk contacts: each sees the other's desks and the hub's.
        await east.wait_for(lambda e: e.get("uid") == "deconfliction.desk.west.air")
        await west.wait_for(lambda e: e.get("uid") == "deconfliction.desk.east.air")

        # Positions from east's client become east's tracks, altitude above mean sea level.
        await east.send(position("EAST-1", 35.0, 40.0, 3000.0))
        await _until(lambda: any(r.track == "EAST-1" for r in world.hub.tracks_for("east")))
        (report,) = [r for r in world.hub.tracks_for("east") if r.track == "EAST-1"]
        assert (report.lat, report.lon) == (35.0, 40.0)
        assert abs(report.alt_m - 3000.0) < 0.05 and abs(undulation_m(35.0, 40.0)) > 5
        assert (report.gs_mps, report.course_deg, report.domain.value) == (100.0, 90.0, "air")

        # West's aircraft 4.5 km away, 100 m higher: a conflict, an alert on both clients.
        await west.send(position("WEST-7", 35.0, 40.05, 3100.0, course=270.0))
        await _until(lambda: any(r.track == "WEST-7" for r in world.hub.tracks_for("west")))
        await world.tick()
        alert_e = await east.wait_for(lambda e: e.get("type") == "b-a-o-tbl")
        alert_w = await west.wait_for(lambda e: e.get("type") == "b-a-o-tbl")
        for alert, other in ((alert_e, "west"), (alert_w, "east")):
            emergency = alert.find("detail/emergency")
            assert emergency is not None and emergency.get("type") == "911 Alert"
            remarks = alert.findtext("detail/remarks") or ""
            assert f"loss of separation with {other}" in remarks
        (open_e,) = world.hub.alerts_for("east")
        assert alert_e.get("uid") == f"deconfliction.alert.{open_e.id}"

        # The hub's thread message reaches east as GeoChat from the hub's desk; east
        # acknowledges it from TAK ("ACK"), which acknowledges the alert.
        await east.wait_for(
            lambda e: (
                e.get("type") == "b-t-f"
                and e.find("detail/__chat").get("id") == "deconfliction.desk.hub"
            )  # type: ignore[union-attr]
        )
        await east.send(geochat("EAST-1", "deconfliction.desk.hub", "ACK", "m-1"))
        await _until(lambda: world.hub.alerts_for("east")[0].state.value == "acknowledged")

        # West turns away: the alert is resolved, both clients get the cancellation.
        await west.send(position("WEST-7", 35.0, 41.5, 3100.0, course=90.0))
        await asyncio.sleep(0.3)
        await world.tick()
        for client in (east, west):
            cancel = await client.wait_for(lambda e: e.get("type") == "b-a-o-can")
            emergency = cancel.find("detail/emergency")
            assert emergency is not None and emergency.get("cancel") == "true"
        assert cancel_uid_matches(east, alert_e.get("uid"))

        # West declares a zone over the API, shared with east: east's client draws it.
        feature = {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[40.0, 34.0], [40.2, 34.0], [40.2, 34.2], [40.0, 34.2], [40.0, 34.0]]
                ],
            },
            "properties": {
                "name": "West field hospital",
                "rule": "no_entry",
                "shared_with": ["east"],
            },
        }
        answer = await asyncio.to_thread(
            world.api_as("west").put, "/v1/zones/west-hospital", json=feature
        )
        assert answer.status_code == 201, answer.text
        shape = await east.wait_for(lambda e: e.get("uid") == "west-hospital")
        assert shape.get("type") == "u-d-f"
        points = [link.get("point") for link in shape.findall("detail/link")]
        assert points[0] == "34.0,40.0" and len(points) == 5
        assert "no_entry" in (shape.findtext("detail/remarks") or "")

        # East draws a rectangle marked as a zone (shared with nobody): east's zone.
        corners = [(36.0, 41.0), (36.0, 41.1), (36.1, 41.1), (36.1, 41.0)]
        await east.send(rectangle("east-depot-uid", corners, "Depot\n#zone no_entry"))
        await _until(
            lambda: any(
                f["id"] == "east-depot-uid" for f in world.hub.zones.collection("east")["features"]
            )
        )

        # GeoChat from east to west's air desk is a hotline message to west; west's
        # acknowledgement over the API comes back to east's client.
        await east.send(geochat("EAST-1", "deconfliction.desk.west.air", "Turning north", "m-2"))

        def west_message() -> str | None:
            items = world.api_as("west").get("/v1/messages").json()["messages"]
            mine = [m for m in items if m["from"] == "east" and m["text"] == "Turning north"]
            return mine[0]["id"] if mine else None

        await _until(lambda: west_message() is not None)
        message_id = west_message()
        assert message_id is not None
        received = await west.wait_for(
            lambda e: (
                e.get("type") == "b-t-f" and "Turning north" in (e.findtext("detail/remarks") or "")
            )
        )
        assert received.find("detail/__chat").get("id") == "deconfliction.desk.east.air"  # type: ignore[union-attr]
        ack = await asyncio.to_thread(world.api_as("west").post, f"/v1/messages/{message_id}/ack")
        assert ack.status_code == 200, ack.text
        await east.wait_for(
            lambda e: (
                e.get("type") == "b-t-f"
                and f"ACKNOWLEDGED by west: [{message_id}]" in (e.findtext("detail/remarks") or "")
            )
        )

        # Nothing of east's picture reached west beyond the alert: not its track (by id or
        # as a track event), not its zone.
        await asyncio.sleep(1.0)  # a few picture rounds
        everything = _everything(west)
        assert "EAST-1" not in everything
        assert "east-depot-uid" not in everything
        assert not [
            e
            for e in west.received
            if e.get("type", "").startswith("a-")
            and not e.get("uid", "").startswith("deconfliction.desk.")
        ]
        assert {e.get("uid") for e in west.of_type("u-d-")} == {"west-hospital"}  # its own
        # ... and east saw west's zone and alert, but not west's track either.
        assert "WEST-7" not in _everything(east)


def cancel_uid_matches(client: TakClient, uid: str | None) -> bool:
    return any(e.get("uid") == uid for e in client.of_type("b-a-o-can"))


def test_plain_tcp_is_bound_to_its_party(tmp_path: Path) -> None:
    asyncio.run(_plain(tmp_path))


async def _plain(tmp_path: Path) -> None:
    from tests.gateways.cot.tak_world import free_port

    port = free_port()
    async with tak_world(tmp_path, tak_plain_port=port, tak_plain_party="west") as world:
        assert world.gateway.bound["plain"] == port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(position("WEST-PLAIN", 34.5, 41.0, 500.0, cot_type="a-f-G-U-C"))
        await writer.drain()
        received = b""
        while b"deconfliction.desk.east.air" not in received:
            received += await asyncio.wait_for(reader.read(65536), 10)
        await _until(lambda: any(r.track == "WEST-PLAIN" for r in world.hub.tracks_for("west")))
        (report,) = [r for r in world.hub.tracks_for("west") if r.track == "WEST-PLAIN"]
        assert report.domain.value == "ground" and abs(report.alt_m - 500.0) < 0.05
        writer.close()


def test_plain_tcp_needs_a_party(tmp_path: Path) -> None:
    from deconfliction.errors import InvalidInput
    from deconfliction.gateways.cot.server import CotGateway
    from deconfliction.gateways.hub_port import HubPort
    from deconfliction.hub import Hub
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    hub = Hub(Settings(tak_plain_port=8087), SQLiteStore(tmp_path / "h.db"))
    try:
        with pytest.raises(InvalidInput, match="tak_plain_port needs tak_plain_party"):
            CotGateway(HubPort(hub), None)
    finally:
        hub.close()


def test_a_client_connecting_later_gets_the_picture_and_can_acknowledge(tmp_path: Path) -> None:
    asyncio.run(_later(tmp_path))


async def _later(tmp_path: Path) -> None:
    async with tak_world(tmp_path) as world:
        now = time.time()
        for party, track, lon in (("east", "E-9", 40.0), ("west", "W-9", 40.05)):
            report = {"track": track, "time": now, "lat": 35.0, "lon": lon, "alt_m": 3000.0}
            answer = await asyncio.to_thread(world.api_as(party).post, "/v1/reports", json=[report])
            assert answer.status_code == 200, answer.text
        await world.tick()
        (alert,) = world.hub.alerts_for("east")
        east = await world.client("east")  # connects after the alert opened
        await east.wait_for(lambda e: e.get("uid") == f"deconfliction.alert.{alert.id}")
        await east.wait_for(lambda e: e.get("uid") == "E-9")  # its own track from the API
        chat = await east.wait_for(lambda e: e.get("type") == "b-t-f")
        assert "reply ACK" in (chat.findtext("detail/remarks") or "")
        await east.send(geochat("EAST-TAK", "deconfliction.desk.hub", "ack", "m-9"))
        await _until(lambda: world.hub.alerts_for("east")[0].state.value == "acknowledged")
        assert "W-9" not in _everything(east)
