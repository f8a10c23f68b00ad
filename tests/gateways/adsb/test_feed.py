"""ADS-B feeds end to end: SBS-1 lines made from the shared quickstart data, served by a
local TCP server, and an aircraft.json file, become a party's tracks in the hub."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from deconfliction.gateways.adsb.feed import hub_sink, poll_aircraft_json, run_sbs
from deconfliction.gateways.hub_port import HubPort
from deconfliction.gateways.services import GatewayServices
from deconfliction.hub import Hub
from deconfliction.model import Report
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore
from tests.gateways.adsb.traffic import FT, KT, Plane, aircraft_json, planes, sbs_lines


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[Hub]:
    """A hub on the system clock (feeds stamp reports with the time they hear them)."""
    hub = Hub(Settings(tak_port=0), SQLiteStore(tmp_path / "hub.db"))
    hub.add_party("civil")
    yield hub
    hub.close()


def _check(tracks: list[Report], expected: list[Plane], *, sbs: bool) -> None:
    """Every plane is a track at its position, within the resolution of the feed."""
    by_id = {r.track: r for r in tracks}
    assert set(by_id) == {p.icao for p in expected}
    for plane in expected:
        report = by_id[plane.icao]
        assert report.domain.value == "air"
        assert abs(report.lat - plane.lat) <= 6e-6 and abs(report.lon - plane.lon) <= 6e-6
        assert abs(report.alt_m - plane.alt_m) <= 0.5 * FT + 0.05  # whole feet
        assert abs(report.gs_mps - plane.gs_mps) <= (0.5 if sbs else 0.05) * KT + 0.01
        assert abs((report.course_deg - plane.course_deg + 180) % 360 - 180) <= 0.51
        assert abs(report.vs_mps - plane.vs_mps) <= 0.5 * FT / 60 + 0.01


async def _sbs_server(lines: list[str], connections: list[int]):  # type: ignore[no-untyped-def]
    """A local server that sends ``lines`` to each connection, then closes it."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        writer.write("".join(line + "\r\n" for line in lines).encode())
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def test_sbs_feed_from_quickstart_data(live_hub: Hub, shared_data: Path) -> None:
    expected = planes(shared_data)
    lines = [line for plane in expected for line in sbs_lines(plane)]
    lines[5:5] = ["MSG,3,1,1,NOTHEX,1,,,,,,,,,,", "garbage", "MSG,3,1,1,4CA2D6,1,,,,,,x,,,1.0,2.0"]
    counters: Counter[str] = Counter()

    async def scenario() -> None:
        connections: list[int] = []
        server = await _sbs_server(lines, connections)
        port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        feed = asyncio.ensure_future(
            run_sbs(
                "127.0.0.1",
                port,
                hub_sink(HubPort(live_hub), "civil"),
                batch_s=0.2,
                counters=counters,
                stop=stop,
            )
        )
        deadline = time.monotonic() + 15
        while len(connections) < 2 and time.monotonic() < deadline:  # it reconnects
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(feed, 10)
        server.close()
        await server.wait_closed()
        assert len(connections) >= 2

    asyncio.run(scenario())
    _check(live_hub.tracks_for("civil"), expected, sbs=True)
    assert counters["malformed"] >= 3 and counters["reports_accepted"] >= len(expected)
    assert counters["reports_rejected"] == 0


def test_sbs_feed_inside_serve(live_hub: Hub, shared_data: Path, tmp_path: Path) -> None:
    """The setting adsb_sbs runs the feed beside the API (GatewayServices, as serve does)."""
    expected = planes(shared_data, 5)
    lines = [line for plane in expected for line in sbs_lines(plane)]

    async def scenario() -> None:
        server = await _sbs_server(lines, [])
        port = server.sockets[0].getsockname()[1]
        live_hub.settings = live_hub.settings.replace(
            adsb_sbs=f"127.0.0.1:{port}", adsb_party="civil", adsb_batch_s=0.2
        )
        services = GatewayServices(live_hub, tmp_path / "hub.key")
        assert services.describe() == [f"SBS-1 feed from 127.0.0.1:{port} as party civil"]
        await services.start()
        deadline = time.monotonic() + 10
        while len(live_hub.tracks_for("civil")) < len(expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await services.stop()
        server.close()

    asyncio.run(scenario())
    _check(live_hub.tracks_for("civil"), expected, sbs=True)


def test_aircraft_json_file(live_hub: Hub, shared_data: Path, tmp_path: Path) -> None:
    expected = planes(shared_data)
    path = tmp_path / "aircraft.json"
    path.write_bytes(orjson.dumps(aircraft_json(expected, time.time())))
    counters: Counter[str] = Counter()
    sink = hub_sink(HubPort(live_hub), "civil")
    asyncio.run(poll_aircraft_json(str(path), sink, once=True, counters=counters))
    _check(live_hub.tracks_for("civil"), expected, sbs=False)
    assert counters["skipped: on the ground"] == 1 and counters["skipped: no position"] == 1
    assert counters["reports_accepted"] == len(expected)
    # Read again: the same positions are stored once.
    asyncio.run(poll_aircraft_json(str(path), sink, once=True, counters=counters))
    assert counters["reports_accepted"] == len(expected)
