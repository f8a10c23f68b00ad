"""``serve`` runs the CoT gateway beside the API, and ``feed aircraft-json`` posts a
receiver's aircraft to a running hub."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import CliRunner

from deconfliction.cli import main
from tests.gateways.adsb.traffic import aircraft_json, planes
from tests.gateways.cot.tak_world import TakClient, free_port, read_pref_package
from tests.gateways.cot.test_hostile import ping

SRC = str(Path(__file__).resolve().parents[2] / "src")
pytestmark = pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, int]]:
    """A hub served by ``deconfliction serve`` with the CoT gateway on a free port (one for
    the module: starting it takes seconds)."""
    tmp_path = tmp_path_factory.mktemp("served")
    db, port, tak_port = tmp_path / "hub.db", free_port(), free_port()
    _run("party", "add", "civil", "--db", str(db))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deconfliction",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--setting",
            "tak_port",
            str(tak_port),
        ],
        env={**os.environ, "PYTHONPATH": SRC},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the hub did not start"
                time.sleep(0.1)
        yield db, port, tak_port
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"CoT gateway for TAK clients on 127.0.0.1:{tak_port} (TLS)" in output, output


def test_serve_runs_the_cot_gateway(served: tuple[Path, int, int], tmp_path: Path) -> None:
    db, _, tak_port = served
    package = tmp_path / "civil.zip"
    _run("tak", "package", "civil", "-o", str(package), "--port", str(tak_port), "--db", str(db))

    async def pong() -> None:
        config = {k: str(v) for k, v in read_pref_package(str(package)).items() if v}
        client = TakClient("civil", config)
        await client.connect()
        await client.send(ping())
        await client.wait_for(lambda e: e.get("type") == "t-x-c-t-r")
        await client.close()

    asyncio.run(pong())


def test_feed_aircraft_json_posts_to_a_running_hub(
    served: tuple[Path, int, int], tmp_path: Path, shared_data: Path
) -> None:
    db, port, _ = served
    token = _run("party", "token", "civil", "--db", str(db)).strip()
    expected = planes(shared_data, 10)
    source = tmp_path / "aircraft.json"
    source.write_bytes(orjson.dumps(aircraft_json(expected, time.time())))
    url = f"http://127.0.0.1:{port}"
    args = ["feed", "aircraft-json", str(source), "--party", "civil", "--url", url, "--once"]
    said = CliRunner().invoke(main, [*args, "--token", token])
    assert said.exit_code == 0, said.output
    assert "reports_accepted 10" in said.output and "skipped: on the ground 1" in said.output
    tracks = httpx.get(f"{url}/v1/tracks", headers={"Authorization": f"Bearer {token}"}).json()[
        "tracks"
    ]
    assert {t["track"] for t in tracks} == {p.icao for p in expected}
    wrong = CliRunner().invoke(main, [*args, "--token", token, "--party", "other"])
    assert wrong.exit_code == 1
    assert "the token belongs to party 'civil', not to 'other'" in wrong.output
