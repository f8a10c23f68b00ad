"""Taking over detection: two ``deconfliction serve`` processes on one PostgreSQL database;
the one running detection is killed with SIGKILL, 20 times over.

    python -m bench.takeover [--kills 20] [--setting NAME VALUE ...]

Each round: both processes serve; head-on pairs of tracks report every second through the
process that does not lead (a new pair each round), and a client of that process listens
to its stream. The leader is killed (at a random point of its lease's renewal cycle); then
are measured, from the kill:

- **takeover**: until the survivor says it leads (``GET /v1/health`` with the admin token,
  polled every 20 ms);
- **next alert**: until the survivor's stream client receives ``alert.opened`` for a pair
  whose reports started arriving at the kill (what a party sees of the takeover).

The killed process is then started again (it follows; the survivor keeps leading), and the
next round kills the survivor. The reference is the design bound: the lease runs out
``leader_lease_s`` after its last renewal, and a follower tries every cycle
(``cycle_min_s`` while reports arrive), so takeover <= leader_lease_s + cycle_s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)

from bench._postgres import describe, postgres  # noqa: E402
from bench._process import cli, free_port, wait_ready  # noqa: E402

EARTH_M = 6_371_000.0


class Process:
    def __init__(self, env: dict[str, str], db: str, settings: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "deconfliction", "serve", "--db", db]
        self.popen = subprocess.Popen(
            [*command, "--port", str(self.port), "--no-access-log", *settings],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_ready(self.url, self.popen)

    def leads(self, admin: str) -> bool:
        headers = {"Authorization": f"Bearer {admin}"}
        return bool(
            httpx.get(self.url + "/v1/health", headers=headers, timeout=5).json().get("leads")
        )


class Stream(threading.Thread):
    """Notes when ``alert.opened`` about each track of the party arrives."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        from websockets.sync.client import connect

        headers = {"Authorization": f"Bearer {token}"}
        self.ws = connect(url.replace("http", "ws", 1) + "/v1/stream", additional_headers=headers)
        self.opened: dict[str, float] = {}

    def run(self) -> None:
        try:
            for frame in self.ws:
                event = json.loads(frame)
                if event["kind"] == "alert.opened":
                    self.opened.setdefault(event["data"]["own"]["track"], time.monotonic())
        except Exception:  # closed
            return


def pair(round_no: int, lat: float) -> dict[str, dict[str, Any]]:
    """Blue east, red west, 20 km apart now at 200 m/s: a loss 27 s ahead (opens at once)."""
    now = time.time()
    dlon = np.degrees(20_000.0 / (EARTH_M * np.cos(np.radians(lat))))
    common = {"time": now, "alt_m": 9000.0, "gs_mps": 200.0}
    return {
        "blue": {**common, "track": f"B{round_no}", "lat": lat, "lon": 5.0, "course_deg": 90.0},
        "red": {
            **common,
            "track": f"R{round_no}",
            "lat": lat,
            "lon": 5.0 + float(dlon),
            "course_deg": 270.0,
        },
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.takeover", description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE")
    )
    args = parser.parse_args(argv)
    settings = [x for name, value in args.setting for x in ("--setting", name, value)]
    rng = random.Random(args.seed)
    takeovers: list[float] = []
    alerts: list[float] = []
    with postgres() as databases, tempfile.TemporaryDirectory() as folder:
        if databases is None:
            return 1
        db = databases.new()
        env = {**os.environ, "PYTHONPATH": SRC, "DECONFLICTION_KEY": str(Path(folder) / "k")}
        tokens = {p: cli("party", "add", p, "--db", db, env=env) for p in ("blue", "red")}
        admin = cli("admin-token", "--db", db, env=env)
        print(f"takeover: 2 serve processes on {describe(databases.server)}, {args.kills} kills")
        processes = [Process(env, db, settings), Process(env, db, settings)]
        try:
            for round_no in range(args.kills):
                deadline = time.monotonic() + 30
                while not any(p.leads(admin) for p in processes):
                    assert time.monotonic() < deadline, "no process leads"
                    time.sleep(0.05)
                leader = next(p for p in processes if p.leads(admin))
                survivor = next(p for p in processes if p is not leader)
                stream = Stream(survivor.url, tokens["blue"])
                stream.start()
                time.sleep(rng.uniform(0.5, 1.5))  # anywhere in the renewal cycle
                leader.popen.send_signal(signal.SIGKILL)
                killed = time.monotonic()
                leader.popen.wait(10)
                lat = 40.0 + round_no * 0.5
                took: float | None = None
                raised: float | None = None
                last_post = 0.0
                while took is None or raised is None:
                    now = time.monotonic()
                    assert now - killed < 30, "no takeover within 30 s"
                    if now - last_post >= 1.0:
                        reports = pair(round_no, lat)
                        for party in ("blue", "red"):
                            httpx.post(
                                survivor.url + "/v1/reports",
                                json=[reports[party]],
                                headers={"Authorization": f"Bearer {tokens[party]}"},
                                timeout=10,
                            ).raise_for_status()
                        last_post = now
                    if took is None and survivor.leads(admin):
                        took = time.monotonic() - killed
                    if raised is None and f"B{round_no}" in stream.opened:
                        raised = stream.opened[f"B{round_no}"] - killed
                    time.sleep(0.02)
                takeovers.append(took)
                alerts.append(raised)
                stream.ws.close()
                print(
                    f"  kill {round_no + 1:2d}: takeover {took:5.2f} s, next alert {raised:5.2f} s"
                )
                processes = [survivor, Process(env, db, settings)]
        finally:
            for process in processes:
                process.popen.send_signal(signal.SIGTERM)
            for process in processes:
                process.popen.wait(30)
        verified = cli("journal", "verify", "--db", db, env=env)
    for name, values in (("takeover", takeovers), ("next alert", alerts)):
        q = np.quantile(values, [0.5, 0.95, 0.99])
        print(
            f"{name:>10}: p50 {q[0]:.2f} s  p95 {q[1]:.2f} s  p99 {q[2]:.2f} s  "
            f"max {max(values):.2f} s  (n={len(values)})"
        )
    print(f"journal verify after the run: {verified.splitlines()[0] if verified else '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
