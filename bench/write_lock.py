"""How long one write holds the database's write lock, without contention: a hub in this
process, one thread, on SQLite (synchronous FULL) and on a local PostgreSQL server.

    python -m bench.write_lock [--writes 600]

Writes of several hub processes are serialised by that lock, so 1 / (lock time per write)
bounds their rate together (docs/scaling.md). ``bench.operations_http`` reports the same
figure under HTTP load (``GET /v1/health``, ``store_write_lock_s``); the difference
between the two is what contention costs the lock holder (the GIL and the CPU it waits
for). Figures: wall and CPU time per write, and lock time per write, for planned
operations (busy area, no overlaps) and for one-report batches.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.scenarios import T0, shifted

from bench._postgres import describe, postgres
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore, Store


def measure(store: Store, label: str, writes: int) -> None:
    hub = Hub(Settings(), store, clock=ManualClock(T0))
    hub.add_party("blue")
    stats = store.write_stats

    def timed(write: object) -> tuple[float, float, float]:
        count, held = stats.writes, stats.lock_held_s
        wall, cpu = time.perf_counter(), time.process_time()
        for k in range(writes):
            write(k)  # type: ignore[operator]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lock = (stats.lock_held_s - held) / max(stats.writes - count, 1)
        return wall / writes * 1e3, cpu / writes * 1e3, lock * 1e3

    def operation(k: int) -> None:
        volume = shifted(0.05 * (k % 40), 0.05 * (k // 40))
        hub.operations.put("blue", f"op{k}", {"volumes": [volume]})

    def report(k: int) -> None:
        item = {"track": "t", "time": T0 - 100 + k * 0.01, "lat": 48.0, "lon": 2.0, "alt_m": 100.0}
        hub.submit_reports("blue", [item])

    for name, write in (("operation write", operation), ("one-report write", report)):
        wall, cpu, lock = timed(write)
        print(
            f"  {label:<12} {name:<17} {wall:6.2f} ms wall  {cpu:6.2f} ms CPU  "
            f"lock {lock:5.2f} ms/write  (bound {1000 / lock:6,.0f} writes/s)"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.write_lock", description=__doc__)
    parser.add_argument("--writes", type=int, default=600)
    args = parser.parse_args(argv)
    print(f"write lock per write, one thread in process, {args.writes} writes of each kind")
    with tempfile.TemporaryDirectory() as folder:
        measure(SQLiteStore(Path(folder) / "hub.db"), "SQLite", args.writes)
    with postgres() as databases:
        if databases is not None:
            print(f"  ({describe(databases.server)})")
            from deconfliction.store.postgres import PostgresStore

            measure(PostgresStore(databases.new()), "PostgreSQL", args.writes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
