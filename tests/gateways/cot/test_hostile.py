"""Hostile input on one TAK connection closes that connection, with a logged reason, and
leaves the hub and every other connection serving; revoking a party closes its connections
and refuses its certificate."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from deconfliction.gateways.cot.events import cot_time
from tests.gateways.cot.tak_world import TakClient, TakWorld, cli, pytak, tak_world
from tests.gateways.cot.test_server import position

# pytak sets TLS options Python deprecates: its business, not these tests'.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")


def ping() -> bytes:
    now = time.time()
    return (
        f'<?xml version="1.0"?><event version="2.0" uid="takPing" type="t-x-c-t" how="h-g-i-g-o" '
        f'time="{cot_time(now)}" start="{cot_time(now)}" stale="{cot_time(now + 20)}">'
        f'<point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail/></event>'
    ).encode()


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<event version="2.0" uid="x" type="a-f-G" time="2024-01-01T00:00:00Z" '
    b'start="2024-01-01T00:00:00Z" stale="2099-01-01T00:00:00Z"><point lat="0" lon="0"/>'
    b"<detail><remarks>&xxe;</remarks></detail></event>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><event version="2.0" uid="x" type="a-f-G"><point lat="0" lon="0"/>'
    b"<detail><remarks>&lol9;</remarks></detail></event>"
)
INTERNAL_DTD = (
    b'<!DOCTYPE event [<!ATTLIST event type CDATA "a-f-A">]><event version="2.0" uid="x" '
    b'time="2024-01-01T00:00:00Z" start="2024-01-01T00:00:00Z" stale="2099-01-01T00:00:00Z">'
    b'<point lat="0" lon="0" hae="0"/></event>'
)
MALFORMED = b"<event version=\"2.0\" uid=\"x\"><point lat='0' lon='0'><detail></event>"
GARBAGE = b"\x00\x01\x02 GET / HTTP/1.1\r\n\r\n" + b"<event/></event>"


async def _raw_connection(world: TakWorld, party: str):  # type: ignore[no-untyped-def]
    client = TakClient(party, world.config(party))
    return await pytak.protocol_factory(client.config)


async def _closed(reader: asyncio.StreamReader, timeout_s: float = 10.0) -> bool:
    """Whether the server closes the connection (everything it sends is read and dropped)."""
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            data = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            if not data:
                return True
    except (ConnectionError, OSError):
        return True
    except TimeoutError:
        return False
    return False


async def _still_serving(world: TakWorld, other: TakClient, n: int) -> None:
    """The other party's connection answers pings and its positions reach the hub; the API
    answers."""
    before = len(other.of_type("t-x-c-t-r"))
    await other.send(ping())
    await other.wait_for(lambda e: len(other.of_type("t-x-c-t-r")) > before)
    track = f"WEST-OK-{n}"
    await other.send(position(track, 34.0, 41.0, 1000.0))
    deadline = time.monotonic() + 10
    while not any(r.track == track for r in world.hub.tracks_for("west")):
        assert time.monotonic() < deadline, "west's position did not reach the hub"
        await asyncio.sleep(0.05)
    health = await asyncio.to_thread(world.api.get, "/v1/health")
    assert health.status_code == 200


CASES = {
    "external entity (XXE)": (XXE, "refused XML"),
    "entity expansion (billion laughs)": (LAUGHS, "refused XML"),
    "any DTD": (INTERNAL_DTD, "refused XML"),
    "malformed XML": (MALFORMED, "not well-formed"),
    "garbage": (GARBAGE, "not well-formed"),
    "oversize event": (
        b'<event version="2.0" uid="x" type="a-f-G"><detail><remarks>'
        + b"A" * 9000
        + b"</remarks></detail></event>",
        "more than 4096 bytes",
    ),
    "endless event": (b'<event version="2.0"><detail><remarks>' + b"A" * 9000, "more than 4096"),
    "flood": (ping() * 200, "events a second (flood)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_closes_only_that_connection(tmp_path: Path, case: str) -> None:
    payload, reason = CASES[case]
    asyncio.run(_hostile(tmp_path, payload, reason))


async def _hostile(tmp_path: Path, payload: bytes, reason: str) -> None:
    settings = {"tak_max_event_bytes": 4096, "tak_max_events_per_s": 5.0}
    async with tak_world(tmp_path, **settings) as world:
        west = await world.client("west")
        east_other = await world.client("east")  # another connection of the same party
        await _still_serving(world, west, 1)
        reader, writer = await _raw_connection(world, "east")
        writer.write(payload)
        await writer.drain()
        assert await _closed(reader), "the hostile connection was not closed"
        closes = [k for k in world.gateway.counters if k.startswith("closed: ")]
        assert any(reason in k for k in closes), closes
        await _still_serving(world, west, 2)
        await east_other.send(ping())
        await east_other.wait_for(lambda e: e.get("type") == "t-x-c-t-r")
        assert not east_other.closed.is_set()
        writer.close()


def test_revoked_party_is_disconnected_and_refused(tmp_path: Path) -> None:
    asyncio.run(_revoked(tmp_path))


async def _revoked(tmp_path: Path) -> None:
    async with tak_world(tmp_path) as world:
        east = await world.client("east")
        west = await world.client("west")
        await east.send(ping())
        await east.wait_for(lambda e: e.get("type") == "t-x-c-t-r")
        # Another process (the CLI) revokes east: its open connection is closed.
        await asyncio.to_thread(cli, "tak", "revoke", "east", "--db", str(world.db_path))
        await asyncio.wait_for(east.closed.wait(), 10)
        assert "closed: party 'east' has been revoked" in world.gateway.counters
        # A new connection with east's certificate is refused at once.
        reader, writer = await _raw_connection(world, "east")
        writer.write(ping())
        assert await _closed(reader, 5)
        assert world.gateway.counters["refused"] == 1
        await _still_serving(world, west, 1)


def test_connections_past_the_limit_are_refused(tmp_path: Path) -> None:
    asyncio.run(_too_many(tmp_path))


async def _too_many(tmp_path: Path) -> None:
    async with tak_world(tmp_path, tak_max_connections=2) as world:
        west = await world.client("west")
        east = await world.client("east")
        await east.send(ping())
        await east.wait_for(lambda e: e.get("type") == "t-x-c-t-r")
        reader, writer = await _raw_connection(world, "east")
        assert await _closed(reader, 5)
        assert world.gateway.counters["refused"] == 1
        await _still_serving(world, west, 1)
        writer.close()
