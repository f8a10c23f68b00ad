"""Losing the database's primary: a synchronous standby is promoted while reports stream in
through a real ``deconfliction serve``, which finds the new primary by itself (a multi-host
URL with ``target_session_attrs=read-write``). Every report the hub acknowledged is on the
new primary, and the journal verifies. See docs/scaling.md."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from deconfliction.store.postgres import PostgresStore
from tests.postgres_server import PostgresServer, find_bindir, free_port
from tests.served import run_cli

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "deconfliction"

pytestmark = pytest.mark.slow


@pytest.fixture
def replicated() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    """A primary and its synchronous standby, streaming, in one temporary folder."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's server binaries are not installed (apt-get install postgresql)")
    primary = PostgresServer(bindir, settings={"synchronous_commit": "on"}).init().start()
    standby = PostgresServer(bindir, primary.root, name="standby")
    try:
        primary.create_database(DATABASE)
        standby.init_standby(primary).start()
        # From now on the primary acknowledges a commit only once the standby has it on disk.
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = primary.execute("SELECT sync_state FROM pg_stat_replication")
            if found and found[0][0] == "sync":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the standby never became synchronous")
        yield primary, standby
    finally:
        standby.stop("immediate")
        primary.remove()


class Streamer(threading.Thread):
    """A client posting batches of new reports, sending a batch again until it is
    acknowledged; what was acknowledged and every status seen are kept."""

    def __init__(self, url: str, token: str, name: str) -> None:
        super().__init__(daemon=True)
        self.name = name
        self.client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.acknowledged: set[tuple[str, float]] = set()
        self.statuses: dict[int, int] = {}
        self.stop = threading.Event()
        self.batches = 0

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            now = time.time()
            batch = [
                {
                    "track": f"{self.name}-{n % 40}-{i}",
                    "time": now,
                    "lat": 48.0 + i * 0.01,
                    "lon": 2.0 + (n % 40) * 0.01,
                    "alt_m": 3000.0,
                    "gs_mps": 100.0,
                    "course_deg": 90.0,
                    "vs_mps": 0.0,
                    "domain": "air",
                }
                for i in range(10)
            ]
            n += 1
            while not self.stop.is_set():
                try:
                    response = self.client.post("/v1/reports", json=batch)
                except httpx.TransportError:
                    self.statuses[0] = self.statuses.get(0, 0) + 1
                    time.sleep(0.1)
                    continue
                self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
                if response.status_code == 200:
                    self.acknowledged.update((r["track"], r["time"]) for r in batch)
                    self.batches += 1
                    break
                time.sleep(0.05)

    def wait_for(self, batches: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.batches < batches:
            assert time.monotonic() < deadline, f"only {self.batches} batches acknowledged"
            time.sleep(0.02)


def test_a_promoted_standby_has_every_acknowledged_report(
    replicated: tuple[PostgresServer, PostgresServer], tmp_path: Path
) -> None:
    primary, standby = replicated
    url = (
        f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/{DATABASE}"
        "?target_session_attrs=read-write&connect_timeout=2"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DECONFLICTION_DB": url,
        "DECONFLICTION_KEY": str(tmp_path / "hub.key"),
    }
    token = run_cli(env, "party", "add", "blue").strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "deconfliction", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    streamers = [Streamer(f"http://127.0.0.1:{port}", token, f"s{i}") for i in range(3)]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.1)
        for streamer in streamers:
            streamer.start()
        for streamer in streamers:
            streamer.wait_for(30, timeout_s=60)
        primary.kill()  # mid-stream: three clients are posting as it dies
        killed_at = [streamer.batches for streamer in streamers]
        time.sleep(1.0)
        standby.promote()
        promoted = time.monotonic()
        for streamer, before in zip(streamers, killed_at, strict=True):
            streamer.wait_for(before + 1, timeout_s=120)
        recovered_s = time.monotonic() - promoted
        for streamer, before in zip(streamers, killed_at, strict=True):
            streamer.wait_for(before + 30, timeout_s=60)
    finally:
        for streamer in streamers:
            streamer.stop.set()
        for streamer in streamers:
            streamer.join(timeout=90)
        server.terminate()
        output, _ = server.communicate(timeout=30)
    statuses: dict[int, int] = {}
    for streamer in streamers:
        for status, count in streamer.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    # While there was no primary, a write waited for one or was answered 503 (to send again);
    # never anything else.
    assert set(statuses) <= {200, 503}, (statuses, output[-3000:])
    print(
        f"statuses {statuses}; every client acknowledged again "
        f"{recovered_s:.1f} s after the promotion"
    )
    assert recovered_s < 60
    acknowledged = set().union(*(streamer.acknowledged for streamer in streamers))
    # Every acknowledged report is on the new primary (a batch whose answer was lost may be
    # there too, or twice: it was sent again).
    store = PostgresStore(standby.url(DATABASE))
    try:
        stored = set()
        for entry in store.report_batches_after(0):
            columns = orjson.loads(entry.content)["reports"]
            stored.update(zip(columns["track"], columns["time_s"], strict=True))
    finally:
        store.close()
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged reports lost, e.g. {sorted(missing)[:3]}"
    verified = run_cli(env, "journal", "verify", "--db", standby.url(DATABASE))
    assert "OK" in verified
