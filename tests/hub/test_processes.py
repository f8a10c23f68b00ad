"""Two ``deconfliction serve`` processes on one PostgreSQL database act as one hub: a
conflict fed through one reaches the stream clients of both; when the process running
detection is killed with SIGKILL, the other takes over within 5 s and raises the next
conflict, once; the journal verifies afterwards. See docs/scaling.md."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyproj import Geod
from websockets.sync.client import connect

from deconfliction.store.postgres import PostgresStore
from tests.conftest import PostgresDatabases
from tests.postgres_server import free_port
from tests.served import run_cli

ROOT = Path(__file__).resolve().parents[2]
WGS84 = Geod(ellps="WGS84")
TAKEOVER_S = 5.0


class Process:
    """One ``serve`` process of the hub."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "deconfliction", "serve", "--port", str(self.port)]
        self.popen = subprocess.Popen(
            [*command, "--no-access-log"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.popen.poll() is None, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        if self.popen.poll() is None:
            self.popen.terminate()
        return self.popen.communicate(timeout=30)[0][-3000:]


class Listener(threading.Thread):
    """A party's stream client on one process: every event it is sent, with when."""

    def __init__(self, process: Process, token: str) -> None:
        super().__init__(daemon=True)
        url = process.url.replace("http", "ws") + "/v1/stream"
        headers = {"Authorization": f"Bearer {token}"}
        self.socket = connect(url, additional_headers=headers, legacy=True)
        self.events: list[tuple[float, dict[str, object]]] = []

    def run(self) -> None:
        try:
            for message in self.socket:
                self.events.append((time.monotonic(), json.loads(message)))
        except Exception:  # the process was killed: the stream ends
            pass

    def opened(self, track: str) -> list[float]:
        """When alerts about the conflict of tracks ``*-{track}`` were opened on this
        stream (each party sees its own track's name)."""
        return [
            at
            for at, event in self.events
            if event["kind"] == "alert.opened" and f'-{track}"' in json.dumps(event["data"])
        ]

    def wait_opened(self, track: str, timeout_s: float) -> float:
        deadline = time.monotonic() + timeout_s
        while not self.opened(track):
            assert time.monotonic() < deadline, f"no alert about {track} on this stream"
            time.sleep(0.02)
        return self.opened(track)[0]


def head_on(lat: float, suffix: str) -> dict[str, list[dict[str, object]]]:
    """Blue flying east and red flying west at 200 m/s, 20 km apart now on parallel
    ``lat``: a loss of separation 27 s ahead, which opens an alert at the first cycle."""
    now = time.time()
    east_lon, east_lat, _ = WGS84.fwd(5.0, lat, 90.0, 20_000.0)

    def one(track: str, lat_deg: float, lon_deg: float, course: float) -> dict[str, object]:
        return {
            "track": track,
            "time": now,
            "lat": lat_deg,
            "lon": lon_deg,
            "alt_m": 9000.0,
            "gs_mps": 200.0,
            "course_deg": course,
        }

    return {
        "blue": [one(f"BLUE-{suffix}", lat, 5.0, 90.0)],
        "red": [one(f"RED-{suffix}", east_lat, east_lon, 270.0)],
    }


def post(process: Process, tokens: dict[str, str], reports: dict[str, list]) -> None:  # type: ignore[type-arg]
    for party, batch in reports.items():
        headers = {"Authorization": f"Bearer {tokens[party]}"}
        response = httpx.post(f"{process.url}/v1/reports", json=batch, headers=headers)
        assert response.status_code == 200, response.text


def leader_pid(url: str) -> int:
    store = PostgresStore(url)
    try:
        text = store.get_meta("leader_lease")
    finally:
        store.close()
    assert text is not None
    return int(json.loads(text)["holder"].split(":")[1])


@pytest.fixture
def database(postgres_databases: PostgresDatabases) -> Iterator[str]:
    name = postgres_databases.take()
    yield postgres_databases.server.url(name)
    postgres_databases.give_back(name)


def test_two_processes_act_as_one_hub_and_survive_losing_the_leader(
    database: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DECONFLICTION_DB": database,
        "DECONFLICTION_KEY": str(tmp_path / "hub.key"),
    }
    tokens = {party: run_cli(env, "party", "add", party).strip() for party in ("blue", "red")}
    processes = [Process(env), Process(env)]
    listeners: list[Listener] = []
    try:
        for process in processes:
            process.wait_ready()
        # blue's desk on the first process, red's on the second, and blue on both
        listeners = [
            Listener(processes[0], tokens["blue"]),
            Listener(processes[1], tokens["red"]),
            Listener(processes[1], tokens["blue"]),
        ]
        for listener in listeners:
            listener.start()
        post(processes[0], tokens, head_on(45.0, "ONE"))
        for listener in listeners:
            listener.wait_opened("ONE", timeout_s=10)

        pid = leader_pid(database)
        leader = next(p for p in processes if p.popen.pid == pid)
        survivor = next(p for p in processes if p is not leader)
        watching = [
            listener
            for listener, on in zip(listeners, [0, 1, 1], strict=True)
            if processes[on] is survivor
        ]
        leader.popen.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        leader.popen.wait(10)
        post(survivor, tokens, head_on(46.0, "TWO"))
        raised = [listener.wait_opened("TWO", timeout_s=15) - killed for listener in watching]
        assert max(raised) <= TAKEOVER_S, f"the next conflict was raised after {raised} s"
        assert leader_pid(database) == survivor.popen.pid
        time.sleep(2.0)  # a few more cycles: nothing is raised twice
        for listener in watching:
            assert len(listener.opened("ONE")) == 1
            assert len(listener.opened("TWO")) == 1
    finally:
        for listener in listeners:
            listener.socket.close()
        outputs = [process.output() for process in processes]
    print(f"after SIGKILL of the leader, the next conflict was raised in {max(raised):.2f} s")
    assert "OK" in run_cli(env, "journal", "verify", "--db", database), outputs
