"""Latency benchmark: from a report's arrival to the alert on the other party's stream.

    python -m bench.latency [--workload dense|global] [--tracks 25000] [--seconds 60]
                            [--warmup 60] [--triggers 60] [--store sqlite|postgres]
                            [--processes 1]

A real hub runs in a subprocess (``serve`` on a temporary SQLite file, default settings;
with ``--store postgres`` on a local PostgreSQL server, and with ``--processes 2`` as two
``serve`` processes on it: the trigger reports go to the first, the alerts are read on the
second's stream, and the background load is spread over both).
25,000 tracks of 20 parties over 35–60°N × 10°W–30°E report at 1 Hz (altitudes 3–12.5 km,
100–250 m/s, 30 % climbing or descending at 10 m/s: the *dense* workload of
``bench/detect.py``), posted as batches of 1,000 spread over each second. Two more parties
fly trigger pairs: B follows A 20 km behind at the same speed and level (no conflict); at a
chosen second A turns back towards B, and that report makes a new predicted conflict, 27 s
ahead (nearer than ``alert_confirm_beyond_s``, so it opens at once; a conflict further
ahead waits, by the lifecycle's rule, for the next report of one of its tracks). The
latency of a trigger is from the start of the POST carrying A's turn to the moment B's
party receives ``alert.opened`` on its WebSocket. The reference measured in the same run is
the echo: from the start of the POST of B's own batch to its ``reports.accepted`` event on
the same stream — what delivery costs without detection.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx
import numpy as np
import orjson

from bench._process import cli, free_port, wait_ready

EARTH_M = 6_371_000.0
SRC = str(Path(__file__).resolve().parents[1] / "src")
PARTIES = 20
# B behind A: once A turns back, closing at 400 m/s, the loss (5 NM) is 27 s ahead.
TRIGGER_GAP_M = 20_000.0


class Fleet:
    """Tracks moving on straight courses (small-step spherical dead reckoning)."""

    def __init__(
        self,
        lat: np.ndarray,
        lon: np.ndarray,
        alt: np.ndarray,
        gs: np.ndarray,
        course: np.ndarray,
        vs: np.ndarray,
    ) -> None:
        self.lat, self.lon, self.alt, self.gs, self.course, self.vs = lat, lon, alt, gs, course, vs

    def step(self, dt_s: float) -> None:
        d = self.gs * dt_s / EARTH_M
        c = np.radians(self.course)
        self.lat = self.lat + np.degrees(d * np.cos(c))
        self.lon = (
            self.lon + np.degrees(d * np.sin(c) / np.cos(np.radians(self.lat))) + 180.0
        ) % 360.0 - 180.0
        self.alt = np.clip(self.alt + self.vs * dt_s, 0.0, 20_000.0)

    def items(self, ids: list[str], rows: np.ndarray, now: float) -> list[dict[str, Any]]:
        return [
            {
                "track": ids[i],
                "time": now,
                "lat": float(self.lat[i]),
                "lon": float(self.lon[i]),
                "alt_m": float(self.alt[i]),
                "gs_mps": float(self.gs[i]),
                "course_deg": float(self.course[i]),
                "vs_mps": float(self.vs[i]),
            }
            for i in rows.tolist()
        ]


def dense(tracks: int, seed: int = 1) -> Fleet:
    rng = np.random.default_rng(seed)
    vs = np.where(rng.random(tracks) < 0.3, rng.choice([-10.0, 10.0], tracks), 0.0)
    return Fleet(
        rng.uniform(35, 60, tracks),
        rng.uniform(-10, 30, tracks),
        rng.uniform(3000, 12500, tracks),
        rng.uniform(100, 250, tracks),
        rng.uniform(0, 360, tracks),
        vs,
    )


def world(tracks: int, seed: int = 1) -> Fleet:
    """Uniform over the globe within 53° of the equator (about 90 conflicts at any moment)."""
    rng = np.random.default_rng(seed)
    vs = np.where(rng.random(tracks) < 0.3, rng.choice([-10.0, 10.0], tracks), 0.0)
    band = np.sin(np.radians(53.0))
    lat = np.degrees(np.arcsin(rng.uniform(-band, band, tracks)))
    return Fleet(
        lat,
        rng.uniform(-180, 180, tracks),
        rng.uniform(3000, 12500, tracks),
        rng.uniform(100, 250, tracks),
        rng.uniform(0, 360, tracks),
        vs,
    )


def trigger_pairs(pairs: int, seed: int = 2) -> Fleet:
    """A (even rows) flies ahead, B (odd rows) ``TRIGGER_GAP_M`` behind on the same course."""
    rng = np.random.default_rng(seed)
    lat_a = rng.uniform(40, 55, pairs)
    lon_a = rng.uniform(-5, 25, pairs)
    course = rng.uniform(0, 360, pairs)
    back = np.radians(course + 180.0)
    d = TRIGGER_GAP_M / EARTH_M
    lat_b = lat_a + np.degrees(d * np.cos(back))
    lon_b = lon_a + np.degrees(d * np.sin(back) / np.cos(np.radians(lat_a)))
    alt = rng.uniform(4000, 11000, pairs)
    interleave = lambda a, b: np.column_stack([a, b]).ravel()  # noqa: E731
    return Fleet(
        interleave(lat_a, lat_b),
        interleave(lon_a, lon_b),
        np.repeat(alt, 2),
        np.full(2 * pairs, 200.0),
        np.repeat(course, 2),
        np.zeros(2 * pairs),
    )


class Listener(threading.Thread):
    """Follows one party's stream and notes when events arrive."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.opened: dict[str, float] = {}  # own track -> first alert.opened vs trigger-a
        self.echoes: dict[int, float] = {}  # journal seq of our batch -> arrival
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        ws_url = self.url.replace("http", "ws", 1) + "/v1/stream"
        with connect(
            ws_url, additional_headers={"Authorization": f"Bearer {self.token}"}, max_size=None
        ) as ws:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    frame = ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
                except ConnectionClosed:  # the hub stopped
                    return
                now = time.perf_counter()
                event = orjson.loads(frame)
                data = event["data"]
                if (
                    event["kind"] == "alert.opened"
                    and data.get("other", {}).get("party") == "trigger-a"
                ):
                    self.opened.setdefault(data["own"]["track"], now)
                elif event["kind"] == "reports.accepted":
                    self.echoes[data["journal_seq"]] = now


@dataclass(frozen=True)
class Sample:
    """The hub process and its database at one second of a run."""

    second: int
    rss_bytes: int  # resident memory of the hub process
    db_bytes: int  # the SQLite file with its write-ahead log
    accepted: int  # reports accepted so far


@dataclass
class Run:
    """What :func:`drive` measured."""

    latencies: list[float]  # report -> alert on the other party's stream, per trigger
    missed: int  # triggers without an alert
    echoes: list[float]  # reference: report -> own stream echo
    lag: list[float]  # how late the load generator ended each second
    health: dict[str, Any]
    accepted: int = 0
    samples: list[Sample] = field(default_factory=list)
    leader: int = 0  # which hub process ran detection (the last)


def drive(
    *,
    tracks: int,
    seconds: int,
    warmup: int,
    triggers: int,
    workload: str = "dense",
    sample_every_s: int = 0,
    database: str | None = None,
    processes: int = 1,
) -> Run:
    """Run a hub under ``tracks`` at 1 Hz for ``warmup`` + ``seconds`` seconds over HTTP,
    with ``triggers`` trigger pairs turning during the measured seconds; sample the hub's
    memory and database every ``sample_every_s`` seconds (0: never). ``database``: a
    PostgreSQL URL (default: a temporary SQLite file); ``processes``: how many ``serve``
    processes share it."""
    fleet = (dense if workload == "dense" else world)(tracks)
    pairs = trigger_pairs(triggers)
    ids = [f"t{i:06d}" for i in range(tracks)]
    pair_ids = [f"{'A' if i % 2 == 0 else 'B'}{i // 2:03d}" for i in range(2 * triggers)]
    batches = np.array_split(np.arange(tracks), max(1, tracks // 1000))
    party_of_batch = [f"party{k % PARTIES:02d}" for k in range(len(batches))]
    a_rows, b_rows = np.arange(0, 2 * triggers, 2), np.arange(1, 2 * triggers, 2)
    flip_at = {warmup + int(k * seconds / max(1, triggers)): k for k in range(triggers)}

    with tempfile.TemporaryDirectory() as folder:
        db = database or str(Path(folder) / "hub.db")
        env = {**os.environ, "PYTHONPATH": SRC, "DECONFLICTION_KEY": str(Path(folder) / "hub.key")}
        tokens = {
            f"party{p:02d}": cli("party", "add", f"party{p:02d}", "--db", db, env=env)
            for p in range(PARTIES)
        }
        for name in ("trigger-a", "trigger-b"):
            tokens[name] = cli("party", "add", name, "--db", db, env=env)
        admin = cli("admin-token", "--db", db, env=env)  # health's figures need it
        ports = [str(free_port()) for _ in range(processes)]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "deconfliction", "serve", "--db", db, "--port", port],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        server = servers[0]
        listener = Listener(urls[-1], tokens["trigger-b"])
        sent_trigger: dict[str, float] = {}
        sent_echo: dict[int, float] = {}
        run = Run([], 0, [], [], {})
        try:
            for url, process in zip(urls, servers, strict=True):
                wait_ready(url, process)
            listener.start()
            listener.ready.wait(10)
            clients = [httpx.Client(base_url=url, timeout=30) for url in urls]

            def post(party: str, items: list[dict[str, Any]], to: int = 0) -> dict[str, Any]:
                answer = clients[to].post(
                    "/v1/reports",
                    content=orjson.dumps(items),
                    headers={
                        "Authorization": f"Bearer {tokens[party]}",
                        "Content-Type": "application/json",
                    },
                )
                found = dict(answer.json())
                run.accepted += int(found.get("accepted", 0))
                return found

            total = warmup + seconds
            slot = 1.0 / (len(batches) + 2)
            start = time.perf_counter()
            for second in range(total):
                tick = start + second
                now = time.time()
                k = flip_at.get(second)
                if k is not None:  # A of pair k turns back towards B
                    pairs.course[a_rows[k]] = (pairs.course[a_rows[k]] + 180.0) % 360.0
                t = time.perf_counter()
                post("trigger-a", pairs.items(pair_ids, a_rows, now))
                if k is not None:
                    sent_trigger[pair_ids[b_rows[k]]] = t
                t = time.perf_counter()
                answer = post("trigger-b", pairs.items(pair_ids, b_rows, now), processes - 1)
                if "receipt" in answer:
                    sent_echo[answer["receipt"]["seq"]] = t
                for j, rows in enumerate(batches):
                    delay = tick + (j + 2) * slot - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    post(party_of_batch[j], fleet.items(ids, rows, now), j % processes)
                run.lag.append(time.perf_counter() - (tick + 1.0))
                if sample_every_s and second % sample_every_s == sample_every_s - 1:
                    run.samples.append(
                        Sample(second + 1, _rss_bytes(server.pid), _db_bytes(db), run.accepted)
                    )
                fleet.step(1.0)
                pairs.step(1.0)
                wait = tick + 1.0 - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            time.sleep(3.0)
            healths = [
                c.get("/v1/health", headers={"Authorization": f"Bearer {admin}"}).json()
                for c in clients
            ]
            # The figures of the process that runs detection (the others run no cycle).
            run.leader = next((k for k, h in enumerate(healths) if h.get("leads")), 0)
            run.health = healths[run.leader]
        finally:
            listener.stop.set()
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(30)

    run.latencies = [
        listener.opened[b] - t for b, t in sent_trigger.items() if b in listener.opened
    ]
    run.missed = len(sent_trigger) - len(run.latencies)
    run.echoes = [listener.echoes[s] - t for s, t in sent_echo.items() if s in listener.echoes]
    return run


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _db_bytes(db: str) -> int:
    return sum(
        os.path.getsize(db + suffix)
        for suffix in ("", "-wal", "-shm")
        if os.path.exists(db + suffix)
    )


def describe(values: list[float]) -> str:
    if not values:
        return "none"
    q = np.quantile(values, [0.5, 0.95, 0.99])
    return (
        f"p50 {q[0] * 1000:6.0f} ms  p95 {q[1] * 1000:6.0f} ms  p99 {q[2] * 1000:6.0f} ms"
        f"  max {max(values) * 1000:6.0f} ms  (n={len(values)})"
    )


def report_latency(run: Run) -> None:
    """Print report-to-alert against the echo, and how the load generator kept time."""
    print(f"  report -> alert on the other party's stream  {describe(run.latencies)}")
    print(f"  reference: report -> own stream echo          {describe(run.echoes)}")
    if run.latencies and run.echoes:
        print(
            f"  ratio p99 alert / p99 echo: "
            f"{np.quantile(run.latencies, 0.99) / np.quantile(run.echoes, 0.99):.1f}"
        )
    print(
        f"  triggers without an alert: {run.missed}; the load generator ended its seconds "
        f"{statistics.median(run.lag) * 1000:+.0f} ms (median) and "
        f"{max(run.lag) * 1000:+.0f} ms (worst) from schedule (+: late)"
    )
    print(
        f"  hub at the end: {run.health.get('tracks_live')} live tracks; last cycle "
        f"{run.health.get('cycle')}"
    )


def load_arguments(parser: argparse.ArgumentParser, *, seconds: int, triggers: int) -> None:
    """The options of the load :func:`drive` makes (``bench.latency``, ``bench.soak``)."""
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--seconds", type=int, default=seconds, help="measured seconds")
    parser.add_argument(
        "--warmup",
        type=int,
        default=60,
        help="seconds before triggers (a hub starting on a dense sky opens its 4,500 conflicts "
        "over the first 20-30 s, alerts_opened_per_cycle at a time)",
    )
    parser.add_argument("--triggers", type=int, default=triggers)
    parser.add_argument(
        "--workload",
        choices=("dense", "global"),
        default="dense",
        help="where the 25,000 fly (see bench/detect.py)",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the hub's database: a temporary SQLite file or a local PostgreSQL server",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="serve processes on the database (with 2: reports to one, alerts read on the other)",
    )


def drive_with(args: argparse.Namespace, sample_every_s: int = 0) -> Run:
    """:func:`drive` with the options of :func:`load_arguments`."""

    def run(database: str | None) -> Run:
        return drive(
            tracks=args.tracks,
            seconds=args.seconds,
            warmup=args.warmup,
            triggers=args.triggers,
            workload=args.workload,
            sample_every_s=sample_every_s,
            database=database,
            processes=args.processes,
        )

    if args.store == "sqlite":
        return run(None)
    from bench._postgres import describe as describe_server
    from bench._postgres import postgres

    with postgres() as databases:
        if databases is None:
            raise SystemExit("PostgreSQL is not installed here (apt-get install postgresql)")
        print(f"  on {describe_server(databases.server)}, {args.processes} hub process(es)")
        return run(databases.new())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    load_arguments(parser, seconds=60, triggers=60)
    args = parser.parse_args(argv)
    run = drive_with(args)
    print(
        f"latency: {args.tracks} tracks at 1 Hz + {args.triggers} trigger pairs, "
        f"{args.warmup} s warm-up + {args.seconds} s, {args.store}, "
        f"{args.processes} hub process(es)"
    )
    if args.processes > 1:
        print(
            f"  trigger reports to process 1, alerts read on process {args.processes}; "
            f"detection ran in process {run.leader + 1}"
        )
    report_latency(run)
    return 0 if not run.missed and run.latencies and not math.isnan(run.latencies[0]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
