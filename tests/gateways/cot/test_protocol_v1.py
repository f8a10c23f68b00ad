"""TAK protocol version 1: negotiated with t-x-takp-v / -q / -r, then protobuf both ways."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import takproto
import takproto.functions
from takproto.proto import TakMessage

from deconfliction.gateways.cot.events import cot_time
from deconfliction.gateways.cot.framing import ProtobufFramer
from tests.gateways.cot.tak_world import TakClient, TakWorld, pytak, tak_world
from tests.gateways.cot.test_hostile import _closed, ping
from tests.gateways.cot.test_server import position

pytestmark = pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")


def request(version: int) -> bytes:
    now = time.time()
    return (
        f'<?xml version="1.0"?><event version="2.0" uid="protouid" type="t-x-takp-q" '
        f'how="m-g" time="{cot_time(now)}" start="{cot_time(now)}" '
        f'stale="{cot_time(now + 60)}"><point lat="0" lon="0" hae="0" ce="999999" le="999999"/>'
        f'<detail><TakControl><TakRequest version="{version}"/></TakControl></detail></event>'
    ).encode()


class V1Client:
    """A client that negotiates version 1, then speaks protobuf (with takproto)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.buffer = b""
        self.framer = ProtobufFramer(1 << 20)
        self.messages: list[TakMessage] = []

    async def xml_event(self) -> bytes:
        while b"</event>" not in self.buffer:
            self.buffer += await asyncio.wait_for(self.reader.read(65536), 10)
        event, _, self.buffer = self.buffer.partition(b"</event>")
        return event + b"</event>"

    async def negotiate(self) -> None:
        while b"t-x-takp-v" not in (event := await self.xml_event()):
            pass
        assert b'<TakProtocolSupport version="1"' in event
        self.writer.write(request(1))
        while True:
            event = await self.xml_event()
            if b"t-x-takp-r" in event:
                assert b'status="true"' in event
                break
        for payload in self.framer.feed(self.buffer):
            self.messages.append(_parsed(payload))

    async def send(self, xml: bytes) -> None:
        self.writer.write(bytes(takproto.xml2proto(xml, takproto.TAKProtoVer.STREAM)))
        await self.writer.drain()

    async def wait_for(self, cot_type: str) -> TakMessage:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for message in self.messages:
                if message.cotEvent.type == cot_type:
                    return message
            data = await asyncio.wait_for(self.reader.read(65536), deadline - time.monotonic())
            assert data, "closed"
            self.messages += [_parsed(p) for p in self.framer.feed(data)]
        raise AssertionError(f"no {cot_type}")


def _parsed(payload: bytes) -> TakMessage:
    message = TakMessage()
    message.ParseFromString(payload)
    return message


def test_negotiated_then_protobuf_both_ways(tmp_path: Path) -> None:
    asyncio.run(_v1(tmp_path))


async def _v1(tmp_path: Path) -> None:
    async with tak_world(tmp_path) as world:
        west = await world.client("west")  # stays on version 0 (it never asks)
        client = await _v1_client(world)
        await client.negotiate()
        await client.send(position("EAST-V1", 35.0, 40.0, 2000.0))
        deadline = time.monotonic() + 10
        while not any(r.track == "EAST-V1" for r in world.hub.tracks_for("east")):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        (report,) = [r for r in world.hub.tracks_for("east") if r.track == "EAST-V1"]
        assert abs(report.alt_m - 2000.0) < 0.05 and report.gs_mps == 100.0
        await client.send(ping())
        pong = await client.wait_for("t-x-c-t-r")
        assert pong.cotEvent.uid == "deconfliction.pong"
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [40.1, 34.1]},
            "properties": {"rule": "no_entry", "radius_m": 800, "shared_with": ["east"]},
        }
        answer = await asyncio.to_thread(world.api_as("west").put, "/v1/zones/w1", json=feature)
        assert answer.status_code == 201, answer.text
        circle = await client.wait_for("u-d-c-c")
        assert circle.cotEvent.uid == "w1" and (circle.cotEvent.lat, circle.cotEvent.lon) == (
            34.1,
            40.1,
        )
        assert '<ellipse major="800"' in circle.cotEvent.detail.xmlDetail
        assert world.gateway.counters["protocol v1"] == 1
        # A DTD inside xmlDetail is refused as in version 0: that connection is closed.
        message = TakMessage()
        message.cotEvent.type, message.cotEvent.uid = "a-f-G", "x"
        message.cotEvent.detail.xmlDetail = '<!DOCTYPE x [<!ENTITY a "b">]><remarks>&a;</remarks>'
        framed = takproto.functions.msg2proto(message, takproto.TAKProtoVer.STREAM)
        client.writer.write(bytes(framed))
        assert await _closed(client.reader)
        await west.send(ping())
        await west.wait_for(lambda e: e.get("type") == "t-x-c-t-r")


async def _v1_client(world: TakWorld) -> V1Client:
    config = TakClient("east", world.config("east")).config
    reader, writer = await pytak.protocol_factory(config)
    return V1Client(reader, writer)
