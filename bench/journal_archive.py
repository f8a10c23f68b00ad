"""Benchmark: archiving the journal (segments written, entries pruned) against ingesting it.

    python -m bench.journal_archive [--tracks 25000] [--seconds 40] [--batch 1000]

A real hub on SQLite takes ``--seconds`` of reports of ``--tracks`` tracks (20 parties,
batches of ``--batch``: the workload of ``bench.ingest``), signing a checkpoint every
simulated minute as it does by default; then :class:`~deconfliction.hub.archive.
JournalArchiver` archives all of it and prunes it from the database. Measured in the same
run, so that the ratios hold on a noisy machine:

- **ingest**: the hub taking the reports (``Hub.submit_reports``: validation, journal,
  SQLite with synchronous=FULL), the rate a hub must archive at to keep up;
- **archive**: segments written (gzip level 1, flushed to disk) and entries deleted, in
  reports per second of wall and of CPU, with the compressed size and the ratio to ingest;
- **floor**: the same entries read from the database and their content gzip-compressed into
  one file at the same level, with no export format, checks or pruning.

The database's size before and after is shown too: SQLite keeps the freed pages and reuses
them for new entries (the file stops growing; ``VACUUM`` would shrink it, offline).
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.ingest import PARTIES, T0, batches, workload
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.hub.archive import JournalArchiver
from deconfliction.journal.archive import COMPRESS_LEVEL
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore


def _times() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def build(folder: Path, tracks: int, seconds: int, size: int) -> tuple[Hub, int, float, float]:
    """A hub with ``seconds`` of reports; the reports, and the wall and CPU time taken."""
    clock = ManualClock(T0)
    hub = Hub(Settings(), SQLiteStore(folder / "hub.db"), clock=clock)
    for p in range(PARTIES):
        hub.add_party(f"party{p:02d}")
    base = workload(tracks)
    count, wall, cpu = 0, 0.0, 0.0
    for second in range(seconds):
        work = list(batches(base, size, second))
        clock.set(T0 + second)
        wall0, cpu0 = _times()
        for party, items in work:
            count += hub.submit_reports(party, items).accepted
        if second % 60 == 59 or second == seconds - 1:  # the default checkpoint cadence
            hub.journal.checkpoint(clock.now())
        wall1, cpu1 = _times()
        wall, cpu = wall + wall1 - wall0, cpu + cpu1 - cpu0
    hub.close()  # the picture's checkpoint: everything may be archived
    return hub, count, wall, cpu


def floor(db: Path, out: Path) -> tuple[float, float, int]:
    """Read every entry and gzip its content into one file: wall, CPU, bytes written."""
    store = SQLiteStore(db)
    wall0, cpu0 = _times()
    with gzip.open(out, "wb", compresslevel=COMPRESS_LEVEL) as handle:
        for entry in store.journal_entries():
            handle.write(entry.content)
            handle.write(b"\n")
    wall1, cpu1 = _times()
    store.close()
    return wall1 - wall0, cpu1 - cpu0, out.stat().st_size


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        hub, reports, ingest_wall, ingest_cpu = build(folder, args.tracks, args.seconds, args.batch)
        db = folder / "hub.db"
        size_before = db.stat().st_size
        head = SQLiteStore(db).journal_head()
        assert head is not None
        print(
            f"journal: {head[0]:,} entries, {reports:,} reports "
            f"({args.tracks:,} tracks x {args.seconds} s, batches of {args.batch}); "
            f"database {size_before / 1e6:,.0f} MB"
        )
        floor_wall, floor_cpu, floor_bytes = floor(db, folder / "floor.gz")

        store = SQLiteStore(db)
        archiver = JournalArchiver(
            store, folder / "archive", hub.journal.public_key_b64, online_s=1.0
        )
        wall0, cpu0 = _times()
        run = archiver.archive(T0 + args.seconds + 3600)
        wall1, cpu1 = _times()
        archive_wall, archive_cpu = wall1 - wall0, cpu1 - cpu0
        store.close()
        size_after = db.stat().st_size
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def line(name: str, wall: float, cpu: float, extra: str = "") -> None:
        print(
            f"  {name:<9} {wall:7.2f} s wall {cpu:7.2f} s CPU  "
            f"{reports / wall / 1e3:7.0f} k reports/s ({reports / cpu / 1e3:5.0f} k per CPU-s)"
            f"{extra}"
        )

    print(run.summary())
    line("ingest", ingest_wall, ingest_cpu)
    line(
        "archive",
        archive_wall,
        archive_cpu,
        f"  {run.bytes / 1e6:,.1f} MB of segments ({run.bytes / max(1, reports):.0f} B/report)",
    )
    line("floor", floor_wall, floor_cpu, f"  {floor_bytes / 1e6:,.1f} MB")
    print(
        f"ratios: archive / ingest time {archive_wall / ingest_wall:.2f} "
        f"(CPU {archive_cpu / ingest_cpu:.2f}); archive / floor time "
        f"{archive_wall / floor_wall:.2f} (CPU {archive_cpu / floor_cpu:.2f})"
    )
    print(
        f"database {size_before / 1e6:,.0f} MB before, {size_after / 1e6:,.0f} MB after "
        f"(freed pages kept for reuse); peak RSS {rss:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
