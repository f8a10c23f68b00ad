"""Ingest benchmark: reports into the Hub in process, and over POST /v1/reports.

    python -m bench.ingest [--tracks 25000] [--seconds 4] [--batch 1000] [--repeat 3]

In process, batches of raw report dicts (as parsed from JSON) go through ``Hub.submit_reports``
(validation, duplicate check, SQLite with synchronous=FULL, journal, live picture, stream
event). The reference measured in the same run is the floor: the same rows written with one
``executemany`` per batch into a bare SQLite table in the same mode. Reports are stored once,
in the journal; the journal's share is measured by running the same workload with entries
stored but neither hashed nor chained.

Over HTTP, the hub runs in a uvicorn subprocess and two client connections (threads) post
JSON batches; ratio against the in-process rate. The same over PostgreSQL (a local server with
its durable defaults; ``--no-postgres`` leaves it out) with 1, 2 and 4 hub processes on the
database (``--processes``; one client connection per process, at least two), with the
ratio to the same run on SQLite.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import orjson

from bench._postgres import describe, postgres
from bench._process import free_port, wait_ready
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry, canonical_json
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore

T0 = 1_795_428_000.0
PARTIES = 20


def workload(tracks: int, seed: int = 1) -> list[dict[str, Any]]:
    """One report per track: 20 parties, Europe, 3–12.5 km, 100–250 m/s."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(35, 60, tracks)
    lon = rng.uniform(-10, 30, tracks)
    alt = rng.uniform(3000, 12500, tracks)
    gs = rng.uniform(100, 250, tracks)
    course = rng.uniform(0, 360, tracks)
    return [
        {
            "track": f"t{i:06d}",
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "alt_m": float(alt[i]),
            "gs_mps": float(gs[i]),
            "course_deg": float(course[i]),
            "vs_mps": 0.0,
            "domain": "air",
            "time": 0.0,
        }
        for i in range(tracks)
    ]


def batches(base: list[dict[str, Any]], size: int, second: int) -> Iterator[tuple[str, list]]:
    """Every track's report for one second, split per party into batches of ``size``."""
    per_party = len(base) // PARTIES
    for p in range(PARTIES):
        chunk = base[p * per_party : (p + 1) * per_party]
        for start in range(0, len(chunk), size):
            items = [{**r, "time": T0 + second} for r in chunk[start : start + size]]
            yield f"party{p:02d}", items


def in_process(tracks: int, seconds: int, size: int, journal: bool) -> float:
    base = workload(tracks)
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(T0)
        hub = Hub(Settings(), SQLiteStore(Path(folder) / "hub.db"), clock=clock)
        for p in range(PARTIES):
            hub.add_party(f"party{p:02d}")
        original = WriteUnit.journal
        quiet = logging.getLogger("deconfliction.hub.journal")
        if not journal:
            # An unchained journal is refused a checkpoint when the hub closes: expected here.
            quiet.disabled = True
            WriteUnit.journal = _no_journal  # type: ignore[method-assign]
        try:
            work = [list(batches(base, size, s)) for s in range(seconds)]
            count = 0
            start = time.perf_counter()
            for s, second in enumerate(work):
                clock.set(T0 + s)
                for party, items in second:
                    count += hub.submit_reports(party, items).accepted
            elapsed = time.perf_counter() - start
        finally:
            WriteUnit.journal = original  # type: ignore[method-assign]
        hub.close()
        quiet.disabled = False
    return count / elapsed


def _no_journal(self: WriteUnit, party: str, kind: str, content: Any) -> JournalEntry:
    """Journal entries stored as usual but neither hashed nor chained: what storing the
    content costs without the tamper-evident record (reports are stored in the journal)."""
    if self._head is None:
        self._head = self.tx.journal_head() or (0, "")
    seq = self._head[0] + 1
    entry = JournalEntry(seq, "", party, kind, canonical_json(content), "", "")
    self.entries.append(entry)
    self._head = (seq, "")
    return entry


def raw_sqlite(tracks: int, seconds: int, size: int) -> float:
    base = workload(tracks)
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE reports (party TEXT, track TEXT, time_s REAL, lat REAL, lon REAL, "
            "alt_m REAL, gs_mps REAL, course_deg REAL, vs_mps REAL, domain TEXT, operation TEXT,"
            " PRIMARY KEY (party, track, time_s)) WITHOUT ROWID"
        )
        work = [list(batches(base, size, s)) for s in range(seconds)]
        count = 0
        start = time.perf_counter()
        for second in work:
            for party, items in second:
                conn.execute("BEGIN")
                conn.executemany(
                    "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            party,
                            r["track"],
                            r["time"],
                            r["lat"],
                            r["lon"],
                            r["alt_m"],
                            r["gs_mps"],
                            r["course_deg"],
                            r["vs_mps"],
                            r["domain"],
                            None,
                        )
                        for r in items
                    ],
                )
                conn.execute("COMMIT")
                count += len(items)
        elapsed = time.perf_counter() - start
        conn.close()
    return count / elapsed


def over_http(
    tracks: int,
    seconds: int,
    size: int,
    connections: int = 2,
    synchronous: str = "full",
    database: str | None = None,
    processes: int = 1,
) -> float:
    """Reports/s over POST /v1/reports; on ``database`` (a PostgreSQL URL) if given, else on
    a new SQLite file; through ``processes`` serve processes (connection i posts to process
    i mod ``processes``)."""
    import httpx

    base = workload(tracks)
    src = str(Path(__file__).resolve().parents[1] / "src")
    with tempfile.TemporaryDirectory() as folder:
        db = database or str(Path(folder) / "hub.db")
        env = {**os.environ, "PYTHONPATH": src, "DECONFLICTION_KEY": str(Path(folder) / "hub.key")}
        tokens = {}
        for p in range(PARTIES):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "deconfliction",
                    "party",
                    "add",
                    f"party{p:02d}",
                    "--db",
                    str(db),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            tokens[f"party{p:02d}"] = out.stdout.strip()
        urls = [f"http://127.0.0.1:{free_port()}" for _ in range(processes)]
        command = [sys.executable, "-m", "deconfliction", "serve", "--db", str(db)]
        command += ["--no-access-log", "--setting", "sqlite_synchronous", synchronous]
        servers = [
            subprocess.Popen(
                [*command, "--port", url.rsplit(":", 1)[1]],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for url in urls
        ]
        try:
            for url, server in zip(urls, servers, strict=True):
                wait_ready(url, server)
            now = time.time()
            bodies = [
                (party, orjson.dumps([{**r, "time": now - seconds + s} for r in items]))
                for s in range(seconds)
                for party, items in batches(base, size, s)
            ]
            chunks = [bodies[i::connections] for i in range(connections)]
            counts = [0] * connections

            def post(i: int) -> None:
                with httpx.Client(base_url=urls[i % processes], timeout=60) as client:
                    for party, body in chunks[i]:
                        r = client.post(
                            "/v1/reports",
                            content=body,
                            headers={
                                "Authorization": f"Bearer {tokens[party]}",
                                "Content-Type": "application/json",
                            },
                        )
                        counts[i] += r.json()["accepted"]

            threads = [threading.Thread(target=post, args=(i,)) for i in range(connections)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(30)
    return sum(counts) / elapsed


def _repeat(fn: Callable[[], float], times: int) -> list[float]:
    return [fn() for _ in range(times)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--seconds", type=int, default=4, help="reports per track")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also over HTTP on PostgreSQL",
    )
    parser.add_argument(
        "--processes",
        default="1,2,4",
        help="hub processes on PostgreSQL, one run each (comma-separated counts)",
    )
    args = parser.parse_args(argv)
    on_pg: dict[int, float] = {}
    n, s, b = args.tracks, args.seconds, args.batch
    print(
        f"ingest: {n} tracks x {s} reports, batches of {b}, {args.repeat} runs each "
        "(median; reports/s)"
    )
    raw = statistics.median(_repeat(lambda: raw_sqlite(n, s, b), args.repeat))
    if args.postgres:
        with postgres() as databases:
            if databases is not None:
                print(f"  on {describe(databases.server)}")
                for count in (int(c) for c in args.processes.split(",")):
                    on_pg[count] = statistics.median(
                        _repeat(
                            lambda count=count: over_http(  # type: ignore[misc]
                                n,
                                s,
                                b,
                                connections=max(2, count),
                                database=databases.new(),
                                processes=count,
                            ),
                            args.repeat,
                        )
                    )
    hub = statistics.median(_repeat(lambda: in_process(n, s, b, journal=True), args.repeat))
    bare = statistics.median(_repeat(lambda: in_process(n, s, b, journal=False), args.repeat))
    http = statistics.median(_repeat(lambda: over_http(n, s, b), args.repeat))
    big = 5 * b
    http_big = statistics.median(_repeat(lambda: over_http(n, s, big), args.repeat))
    http_normal = statistics.median(
        _repeat(lambda: over_http(n, s, b, synchronous="normal"), args.repeat)
    )
    print(f"  reference: raw SQLite executemany   {raw:>10,.0f} /s")
    print(f"  Hub.submit_reports (in process)     {hub:>10,.0f} /s   {hub / raw:5.2f} x raw")
    print(
        f"  ... entries not hashed nor chained  {bare:>10,.0f} /s   the chain adds "
        f"{(bare / hub - 1) * 100:4.1f}% to the time"
    )
    print(
        f"  POST /v1/reports, 2 connections     {http:>10,.0f} /s   {http / hub:5.2f} x in process"
    )
    print(
        f"  ... batches of {big:,}                {http_big:>10,.0f} /s   "
        f"{http_big / hub:5.2f} x in process"
    )
    print(
        f"  ... synchronous=normal (batches of {b:,}) {http_normal:>8,.0f} /s   "
        f"{http_normal / hub:5.2f} x in process"
    )
    for count, rate in on_pg.items():
        print(
            f"  ... on PostgreSQL, {count} hub process(es), {max(2, count)} connections "
            f"{rate:>10,.0f} /s   {rate / http:5.2f} x on SQLite"
        )
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process {rss_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
