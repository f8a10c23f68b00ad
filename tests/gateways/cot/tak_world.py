"""A hub with its CoT gateway, two parties with data packages from `deconfliction tak
package`, and real TAK clients (pytak) connected with them over TLS."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from configparser import ConfigParser
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from deconfliction.api import create_app
from deconfliction.cli import main
from deconfliction.gateways.cot.certificates import TakCa, ca_dir_for
from deconfliction.gateways.cot.server import CotGateway
from deconfliction.gateways.hub_port import HubPort
from deconfliction.hub import Hub
from deconfliction.journal.signing import save_hub_key
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pytak warns that aiohttp (not needed here) is missing
    import pytak
    from pytak.client_functions import read_pref_package


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class TakClient:
    """A pytak client over TLS: what it reads is parsed and kept in ``received``."""

    def __init__(self, name: str, config: dict[str, str]) -> None:
        self.name = name
        parser = ConfigParser()
        parser["pytak"] = config
        self.config = parser["pytak"]
        self.received: list[ET.Element] = []
        self.raw: list[bytes] = []
        self.closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        reader, writer = await pytak.protocol_factory(self.config)
        self.tx = pytak.TXWorker(asyncio.Queue(), self.config, writer)
        self.rx = pytak.RXWorker(asyncio.Queue(), self.config, reader)
        self.writer = writer
        self._task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            while True:
                data = await self.rx.readcot()
                if not data:
                    break
                self.raw.append(data)
                self.received.append(ET.fromstring(data.split(b"?>", 1)[-1]))
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed.set()

    async def send(self, data: bytes) -> None:
        await self.tx.send_data(data)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    def of_type(self, prefix: str) -> list[ET.Element]:
        return [e for e in self.received if e.get("type", "").startswith(prefix)]

    def by_uid(self, uid: str) -> list[ET.Element]:
        return [e for e in self.received if e.get("uid") == uid]

    async def wait_for(
        self, check: Callable[[ET.Element], bool], timeout_s: float = 10.0
    ) -> ET.Element:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for event in self.received:
                if check(event):
                    return event
            if self.closed.is_set():
                break
            await asyncio.sleep(0.05)
        seen = [(e.get("type"), e.get("uid")) for e in self.received]
        raise AssertionError(f"{self.name} did not receive the event; it got {seen}")


@dataclass
class TakWorld:
    hub: Hub
    api: TestClient
    gateway: CotGateway
    db_path: Path
    key_path: Path
    packages: dict[str, Path]
    tokens: dict[str, str]
    clients: list[TakClient] = field(default_factory=list)

    def config(self, party: str) -> dict[str, str]:
        config: dict[str, Any] = read_pref_package(str(self.packages[party]))
        port = self.gateway.bound["tls"]
        config["COT_URL"] = f"ssl://127.0.0.1:{port}"
        return {k: str(v) for k, v in config.items() if v}

    async def client(self, party: str) -> TakClient:
        client = TakClient(party, self.config(party))
        await client.connect()
        self.clients.append(client)
        return client

    def api_as(self, party: str) -> TestClient:
        client = TestClient(self.api.app)
        client.headers["Authorization"] = f"Bearer {self.tokens[party]}"
        return client

    async def tick(self) -> None:
        await asyncio.to_thread(self.hub.tick)


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@asynccontextmanager
async def tak_world(tmp_path: Path, **settings: Any) -> AsyncIterator[TakWorld]:
    """East and west, agreed (hotline) but not sharing pictures, each with a package."""
    db_path, key_path = tmp_path / "hub.db", tmp_path / "hub.key"
    key = Ed25519PrivateKey.generate()
    save_hub_key(key, key_path)
    values: dict[str, Any] = {
        "tak_port": free_port(),
        "tak_picture_s": 0.3,
        # The gateway's tests turn aircraft away and expect the alert to end at the next
        # cycle: no hysteresis, no fresh reports to wait for, no release margin.
        "alert_hysteresis_s": 0.0,
        "alert_resolve_reports": 0,
        "alert_release_factor": 1.0,
        "alert_release_lookahead_s": 0.0,
        **settings,
    }
    hub = Hub(Settings(**values), SQLiteStore(db_path), key=key)
    tokens = {}
    for name in ("east", "west"):
        tokens[name] = hub.add_party(name)[1]
    hub.set_agreement(Agreement("east", "west"))
    packages = {}
    for name in ("east", "west"):
        out = tmp_path / f"{name}.zip"
        cli("tak", "package", name, "-o", str(out), "--db", str(db_path), "--key", str(key_path))
        packages[name] = out
    gateway = CotGateway(HubPort(hub), TakCa(ca_dir_for(key_path)))
    await gateway.start()
    world = TakWorld(
        hub,
        TestClient(create_app(hub, run_cycle=False)),
        gateway,
        db_path,
        key_path,
        packages,
        tokens,
    )
    try:
        yield world
    finally:
        for client in world.clients:
            await client.close()
        await gateway.stop()
        hub.close()
