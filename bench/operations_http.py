"""Operation writes over HTTP: a real hub (``deconfliction serve``) on a temporary SQLite file,
then on a local PostgreSQL server (its durable defaults) with 1, 2 and 4 hub processes
(``--processes``; N ``serve`` processes on one database, the clients spread over them).

    python -m bench.operations_http [--operations 12000] [--updates 6000] [--connections 4]
                                    [--sync full|normal] [--store sqlite|postgres|both]
                                    [--processes 1,2,4] [--seed 1]

Every operation lies within 10 km of one point (48.8566 N, 2.3522 E): drone flights (discs
of 100–500 m, 0–120 m), survey blocks (rectangles of 0.3–1.5 km, 0–150 m) and route
corridors (lines of 1–5 km buffered by 50–200 m, 0–90 m), each one volume of 10–60 minutes
starting within the next 24 hours. Each connection is one party; parties 0 and 1, 2 and 3
(...) share their operations by agreement, so each must carry the other's versions in its
keys.

Clients behave as a real one would: each remembers the versions it learned (from its own
write answers and from 409 bodies) with the bounding box and window of what it knows, puts
in ``key`` those whose box and window meet the new plan, and on 409 retries once with the
listed versions (counted). Phase 1 files ``--operations`` plans; phase 2 replaces
``--updates`` of them (moved by up to 300 m, naming their version).

Reference, measured in the same run with the same connections: ``GET /v1/version`` (the
HTTP stack alone) and ``POST /v1/reports`` of one report (the hub's simplest durable write).
Figures: writes/s, latency p50/p95/p99 per request, 409 retries, and the CPU time of the
server processes per request (from /proc), to tell the server's cost from the client's, and
the time each write transaction held the database's write lock with the share of the phase's
wall time it was held (``GET /v1/health``): the serialised part, which bounds the rate of
every process together at 1 / (lock time per write).
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)

from bench._postgres import describe, postgres  # noqa: E402
from bench._process import cli, free_port, wait_ready  # noqa: E402

CENTRE = (48.8566, 2.3522)  # lat, lon
SPREAD_M = 8_000.0  # centres within 8 km; shapes reach at most 2 km further
M_PER_DEG_LAT = 110_574.0
DAY_S = 86_400.0


# -- workload ------------------------------------------------------------------------------


def _offset(north_m: float, east_m: float, lat: float, lon: float) -> tuple[float, float]:
    lat2 = float(lat + north_m / M_PER_DEG_LAT)
    return lat2, float(lon + east_m / (111_320.0 * math.cos(math.radians(lat2))))


@dataclass
class Plan:
    """One operation's volume as a client builds it, with its box for keying."""

    geometry: dict[str, Any]
    radius_m: float | None
    buffer_m: float | None
    alt: tuple[float, float]
    start_s: float
    end_s: float
    box: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (with margin)

    def volume(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "geometry": self.geometry,
            "alt_lower_m": self.alt[0],
            "alt_upper_m": self.alt[1],
            "start": self.start_s,
            "end": self.end_s,
        }
        if self.radius_m is not None:
            item["radius_m"] = self.radius_m
        if self.buffer_m is not None:
            item["buffer_m"] = self.buffer_m
        return item


@dataclass(frozen=True)
class Sizes:
    """The shapes and windows of a workload (metres, minutes)."""

    disc_m: tuple[float, float]  # drone flights: disc radius
    block_m: tuple[float, float]  # survey blocks: side
    corridor_m: tuple[float, float]  # routes: length
    buffer_m: tuple[float, float]  # routes: half width
    minutes: tuple[float, float]  # window length


# A busy area where plans still mostly avoid each other (about one overlap in five writes
# with another party, at the end of the run), and a congested one (several per write).
BUSY = Sizes((50, 300), (200, 1000), (1000, 3000), (30, 100), (10, 30))
CONGESTED = Sizes((100, 500), (300, 1500), (1000, 5000), (50, 200), (10, 60))


def make_plan(
    rng: np.random.Generator,
    now_s: float,
    north_m: float,
    east_m: float,
    spread_s: float = DAY_S,
    sizes: Sizes = BUSY,
) -> Plan:
    lat, lon = _offset(north_m, east_m, *CENTRE)
    start = now_s + 120.0 + float(rng.uniform(0, spread_s))
    end = start + 60.0 * float(rng.uniform(*sizes.minutes))
    kind = rng.uniform()
    if kind < 0.8:
        radius = float(rng.uniform(*sizes.disc_m))
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        return Plan(geometry, radius, None, (0.0, 120.0), start, end, _box(lat, lon, radius))
    if kind < 0.95:
        half_w, half_h = rng.uniform(*sizes.block_m, 2) / 2
        (south, west), (north, east) = (
            _offset(-half_h, -half_w, lat, lon),
            _offset(half_h, half_w, lat, lon),
        )
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
        return Plan(geometry, None, None, (0.0, 150.0), start, end, (west, south, east, north))
    length, bearing = rng.uniform(*sizes.corridor_m), rng.uniform(0, 2 * math.pi)
    end_lat, end_lon = _offset(length * math.cos(bearing), length * math.sin(bearing), lat, lon)
    buffer = float(rng.uniform(*sizes.buffer_m))
    geometry = {"type": "LineString", "coordinates": [[lon, lat], [end_lon, end_lat]]}
    w, s, e, n = min(lon, end_lon), min(lat, end_lat), max(lon, end_lon), max(lat, end_lat)
    margin = buffer / M_PER_DEG_LAT * 2
    box = (w - margin, s - margin, e + margin, n + margin)
    return Plan(geometry, None, buffer, (0.0, 90.0), start, end, box)


def _box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / M_PER_DEG_LAT * 1.01
    dlon = dlat / math.cos(math.radians(lat))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def random_position(rng: np.random.Generator) -> tuple[float, float]:
    distance = SPREAD_M * math.sqrt(rng.uniform())
    bearing = rng.uniform(0, 2 * math.pi)
    return distance * math.cos(bearing), distance * math.sin(bearing)


# -- the client ----------------------------------------------------------------------------


@dataclass
class Known:
    """What a client knows of one object: its version, and where and when (roughly)."""

    version: str
    box: tuple[float, float, float, float]
    start_s: float
    end_s: float


@dataclass
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    writes: int = 0
    advisories: int = 0  # open advisories the write answers listed
    retries: int = 0
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    client_cpu_s: float = 0.0


def _meets(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


class Client:
    """One party's connection: keeps versions, keys its writes, retries once on 409."""

    def __init__(self, port: int, token: str, party: int, seed: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.party = party
        self.rng = np.random.default_rng([seed, party])
        self.known: dict[str, Known] = {}
        self.cells: dict[tuple[int, int], set[str]] = {}  # a 0.01° grid over what is known
        self.mine: dict[str, Plan] = {}
        self.advisories = 0

    def learn(self, object_id: str, known: Known) -> None:
        old = self.known.get(object_id)
        if old is not None:
            for cell in _cells(old.box):
                self.cells.get(cell, set()).discard(object_id)
        self.known[object_id] = known
        for cell in _cells(known.box):
            self.cells.setdefault(cell, set()).add(object_id)

    def request(self, method: str, path: str, body: bytes | None, tally: Tally) -> tuple[int, Any]:
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # uvicorn closes a connection idle for 5 s (a client waiting for the others
                # at a phase's barrier): connect again, once.
                self.conn.close()
                if attempt == 2:
                    raise
        tally.latencies_s.append(time.perf_counter() - started)
        tally.statuses[response.status] = tally.statuses.get(response.status, 0) + 1
        return response.status, orjson.loads(data) if data else None

    def key_for(self, plan: Plan, own_id: str) -> dict[str, str]:
        near = set().union(*(self.cells.get(cell, set()) for cell in _cells(plan.box)))
        key = {}
        for object_id in near:
            known = self.known[object_id]
            if (
                object_id != own_id
                and known.start_s < plan.end_s
                and plan.start_s < known.end_s
                and _meets(known.box, plan.box)
            ):
                key[object_id] = known.version
        return key

    def put(self, operation_id: str, plan: Plan, version: str | None, tally: Tally) -> None:
        for attempt in range(3):
            body: dict[str, Any] = {
                "volumes": [plan.volume()],
                "priority": int(self.rng.integers(0, 101)),
                "key": self.key_for(plan, operation_id),
            }
            if version is not None:
                body["version"] = version
            status, answer = self.request(
                "PUT", f"/v1/operations/{operation_id}", orjson.dumps(body), tally
            )
            if status in (200, 201):
                tally.writes += 1
                tally.advisories += len(answer["advisories"])
                self.learn(
                    operation_id, Known(answer["version"], plan.box, plan.start_s, plan.end_s)
                )
                return
            if status == 409 and answer["error"]["type"] == "stale_key" and attempt < 2:
                tally.retries += 1
                for entry in answer["error"]["details"]:
                    boxes = [_geojson_box(o["footprint"]) for o in entry["overlaps"]]
                    box = (
                        min(b[0] for b in boxes),
                        min(b[1] for b in boxes),
                        max(b[2] for b in boxes),
                        max(b[3] for b in boxes),
                    )
                    self.learn(entry["id"], Known(entry["version"], box, plan.start_s, plan.end_s))
                continue
            tally.failures += 1
            if tally.failures <= 3:
                print(f"  write {operation_id} failed: {status} {answer}", file=sys.stderr)
            return


def _cells(box: tuple[float, float, float, float]) -> list[tuple[int, int]]:
    x0, y0, x1, y1 = (math.floor(v / 0.01) for v in box)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _geojson_box(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    coords = np.asarray(_flatten(geometry["coordinates"]), dtype=np.float64).reshape(-1, 2)
    return (coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max())


def _flatten(value: Any) -> list[float]:
    if isinstance(value, (int, float)):
        return [float(value)]
    return [x for item in value for x in _flatten(item)]


@dataclass(frozen=True)
class Job:
    port: int
    token: str
    party: int
    seed: int
    creates: int
    updates: int
    reference: int
    now_s: float
    spread_s: float
    sizes: Sizes


PHASES = ("version", "reports", "creates", "updates")


def run_client(job: Job, barrier: Any, results: Any) -> None:
    """One client process: the references, then its creates, then its updates; every
    client starts each phase together (the barrier), so the server's CPU and the wall time
    of a phase are measured between two barriers by the main process."""
    client = Client(job.port, job.token, job.party, job.seed)
    phases: dict[str, Tally] = {}

    def version(tally: Tally) -> None:
        for _ in range(job.reference):
            client.request("GET", "/v1/version", None, tally)

    def reports(tally: Tally) -> None:
        for k in range(job.reference):
            item = {
                "track": f"t{job.party}",
                "time": job.now_s - 60 + k * 0.001,
                "lat": CENTRE[0],
                "lon": CENTRE[1],
                "alt_m": 100.0,
            }
            client.request("POST", "/v1/reports", orjson.dumps([item]), tally)

    def creates(tally: Tally) -> None:
        for i in range(job.creates):
            position = random_position(client.rng)
            plan = make_plan(client.rng, job.now_s, *position, job.spread_s, job.sizes)
            operation_id = f"p{job.party}-{i}"
            client.put(operation_id, plan, None, tally)
            if operation_id in client.known:
                client.mine[operation_id] = plan

    def updates(tally: Tally) -> None:
        names = sorted(client.mine)
        for _ in range(job.updates):
            operation_id = names[int(client.rng.integers(0, len(names)))]
            north, east = client.rng.uniform(-300, 300, 2)
            moved = _moved(client.mine[operation_id], float(north), float(east))
            client.put(operation_id, moved, client.known[operation_id].version, tally)
            client.mine[operation_id] = moved

    work: dict[str, Callable[[Tally], None]] = {
        "version": version,
        "reports": reports,
        "creates": creates,
        "updates": updates,
    }
    try:
        for name in PHASES:
            tally = Tally()
            barrier.wait()
            cpu = time.process_time()
            work[name](tally)
            tally.client_cpu_s = time.process_time() - cpu
            phases[name] = tally
        barrier.wait()
    except BaseException:
        barrier.abort()  # the main process and the other clients stop waiting
        raise
    results.put((job.party, phases))


def _moved(plan: Plan, north_m: float, east_m: float) -> Plan:
    """The same plan shifted by ``north_m``, ``east_m`` (same shape, same window)."""
    lat = (plan.box[1] + plan.box[3]) / 2
    dlat = north_m / M_PER_DEG_LAT
    dlon = east_m / (111_320.0 * math.cos(math.radians(lat)))
    geometry = {
        "type": plan.geometry["type"],
        "coordinates": _shift(plan.geometry["coordinates"], dlon, dlat),
    }
    w, s, e, n = plan.box
    box = (w + dlon, s + dlat, e + dlon, n + dlat)
    return Plan(geometry, plan.radius_m, plan.buffer_m, plan.alt, plan.start_s, plan.end_s, box)


def _shift(coordinates: Any, dlon: float, dlat: float) -> Any:
    if isinstance(coordinates[0], (int, float)):
        return [coordinates[0] + dlon, coordinates[1] + dlat]
    return [_shift(c, dlon, dlat) for c in coordinates]


# -- the server ----------------------------------------------------------------------------


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _write_lock(ports: list[int], admin: str) -> tuple[int, float]:
    """Write transactions and their time under the database's write lock, summed over the
    hub's processes (``GET /v1/health`` with the admin token)."""
    writes, held_s = 0, 0.0
    for port in ports:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/v1/health", headers={"Authorization": f"Bearer {admin}"})
        health = orjson.loads(conn.getresponse().read())
        writes += int(health["store_writes"])
        held_s += float(health["store_write_lock_s"])
    return writes, held_s


def _py_spy(pid: int, path: str) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(py_spy),
        "record",
        "-p",
        str(pid),
        "-f",
        "raw",
        "-o",
        path,
        "-r",
        "250",
        "--nonblocking",
        "--gil",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (math.nan, math.nan, math.nan)
    a = np.asarray(values) * 1e3
    return (float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(np.percentile(a, 99)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.operations_http", description=__doc__)
    parser.add_argument("--operations", type=int, default=12_000, help="plans filed (phase 1)")
    parser.add_argument("--updates", type=int, default=6_000, help="plans replaced (phase 2)")
    parser.add_argument("--connections", type=int, default=4, help="client processes (parties)")
    parser.add_argument("--reference", type=int, default=1_000, help="reference requests each")
    parser.add_argument("--sync", choices=("full", "normal"), default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--hours", type=float, default=24.0, help="plans start within this many hours"
    )
    parser.add_argument(
        "--congested",
        action="store_true",
        help="larger shapes and longer windows: several overlaps per write",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the server with py-spy during the PUT phases (raw collapsed stacks)",
    )
    parser.add_argument(
        "--processes",
        default="1,2,4",
        help="hub processes on PostgreSQL, one run each (comma-separated counts)",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgres", "both"),
        default="both",
        help="the hub's database: an SQLite file, a local PostgreSQL server, or one then the other",
    )
    args = parser.parse_args(argv)
    rates: dict[str, dict[str, float]] = {}
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            label = f"SQLite synchronous={args.sync}"
            rates["sqlite"] = report(args, label, *run(args, str(Path(folder) / "hub.db")))
    if args.store in ("postgres", "both"):
        with postgres() as databases:
            if databases is not None:
                for count in (int(n) for n in args.processes.split(",")):
                    label = f"{describe(databases.server)}, {count} hub process(es)"
                    rates[f"postgres x{count}"] = report(
                        args, label, *run(args, databases.new(), count)
                    )
    if "sqlite" in rates:
        for name, found in rates.items():
            if name != "sqlite":
                for phase in ("creates", "updates"):
                    print(
                        f"ratio {phase}: {name} {found[phase] / rates['sqlite'][phase]:.2f}"
                        " x SQLite (one process)"
                    )
    return 0


Mark = tuple[float, float, int, float]  # wall, server CPU, writes, write lock held (s)


def run(
    args: argparse.Namespace, db: str, processes: int = 1
) -> tuple[list[tuple[int, dict[str, Tally]]], list[Mark]]:
    """One hub on ``db`` (a file or a PostgreSQL URL) of ``processes`` serve processes,
    driven by the client processes (client ``p`` talks to process ``p % processes``)."""
    n = args.connections
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": SRC, "DECONFLICTION_KEY": str(Path(folder) / "hub.key")}
        tokens = [cli("party", "add", f"party{p}", "--db", db, env=env) for p in range(n)]
        admin = cli("admin-token", "--db", db, env=env)
        for p in range(0, n - 1, 2):
            cli(
                *("agreement", "set", f"party{p}", f"party{p + 1}", "--share-operations"),
                *("--db", db),
                env=env,
            )
        ports = [free_port() for _ in range(processes)]
        servers = []
        for port in ports:
            command = [sys.executable, "-m", "deconfliction", "serve", "--db", db]
            command += ["--port", str(port), "--setting", "sqlite_synchronous", args.sync]
            command += ["--no-access-log"]
            servers.append(
                subprocess.Popen(
                    command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_ready(f"http://127.0.0.1:{port}", server)
            now_s = time.time()
            barrier: Any = mp.Barrier(n + 1)
            results: Any = mp.Queue()
            jobs = [
                Job(
                    ports[p % processes],
                    tokens[p],
                    p,
                    args.seed,
                    args.operations // n,
                    args.updates // n,
                    args.reference,
                    now_s,
                    args.hours * 3600.0,
                    CONGESTED if args.congested else BUSY,
                )
                for p in range(n)
            ]
            workers = [mp.Process(target=run_client, args=(job, barrier, results)) for job in jobs]
            for worker in workers:
                worker.start()
            marks = []
            spy: subprocess.Popen[bytes] | None = None
            for phase in (*PHASES, None):
                barrier.wait()
                marks.append(
                    (
                        time.perf_counter(),
                        sum(_cpu_s(s.pid) for s in servers),
                        *_write_lock(ports, admin),
                    )
                )
                if phase == "creates" and args.profile:
                    spy = _py_spy(servers[0].pid, args.profile)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
            collected = [results.get() for _ in workers]
            for worker in workers:
                worker.join()
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(30)
    return collected, marks


def report(
    args: argparse.Namespace,
    store: str,
    collected: list[tuple[int, dict[str, Tally]]],
    marks: list[Mark],
) -> dict[str, float]:
    """Print the figures of one run; its requests/s per phase."""
    workload = "congested" if args.congested else "busy"
    print(
        f"operations over HTTP: {args.connections} client processes (one party each), "
        f"{store}, {args.operations:,} plans filed then "
        f"{args.updates:,} replaced, all within 10 km of {CENTRE[0]} N {CENTRE[1]} E "
        f"({workload} workload, windows within {args.hours:g} h)"
    )
    print(
        f"{'phase':<28}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'409s':>6}{'fail':>5}{'server CPU':>12}{'client CPU':>12}{'write lock':>12}"
        f"{'lock busy':>10}"
    )
    print(
        f"{'':<28}{'':>9}{'':>8}{'':>8}{'':>8}{'':>8}{'':>6}{'':>5}{'ms/req':>12}{'ms/req':>12}"
        f"{'ms/write':>12}{'':>10}"
    )
    rates: dict[str, float] = {}
    for i, phase in enumerate(PHASES):
        tallies = [phases[phase] for _, phases in collected]
        latencies = [x for t in tallies for x in t.latencies_s]
        requests = len(latencies)
        wall = marks[i + 1][0] - marks[i][0]
        server_cpu = marks[i + 1][1] - marks[i][1]
        transactions = marks[i + 1][2] - marks[i][2]
        held_s = marks[i + 1][3] - marks[i][3]
        rates[phase] = requests / wall
        writes = sum(t.writes for t in tallies)
        p50, p95, p99 = percentiles(latencies)
        client_cpu = sum(t.client_cpu_s for t in tallies) / max(requests, 1) * 1e3
        name = {
            "version": "reference: GET /v1/version",
            "reports": "reference: POST /v1/reports",
            "creates": f"PUT new ({writes:,} filed)",
            "updates": f"PUT replace ({writes:,})",
        }[phase]
        print(
            f"{name:<28}{requests:>9,}{rates[phase]:>8,.0f}{p50:>8.2f}{p95:>8.2f}{p99:>8.2f}"
            f"{sum(t.retries for t in tallies):>6,}{sum(t.failures for t in tallies):>5,}"
            f"{server_cpu / requests * 1e3:>12.3f}{client_cpu:>12.3f}"
            f"{held_s / max(transactions, 1) * 1e3:>12.3f}{held_s / wall:>10.0%}"
        )
    for phase in ("creates", "updates"):
        tallies = [phases[phase] for _, phases in collected]
        writes = sum(t.writes for t in tallies)
        advisories = sum(t.advisories for t in tallies)
        print(
            f"{phase}: {advisories / max(writes, 1):.2f} open advisories with other parties "
            "listed per write answer"
        )
        print(
            f"ratio {phase}: {rates[phase] / rates['version']:.2f} x GET /v1/version, "
            f"{rates[phase] / rates['reports']:.2f} x POST /v1/reports"
        )
    return rates


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
