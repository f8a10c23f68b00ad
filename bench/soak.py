"""Soak benchmark: a hub under 25,000 tracks at 1 Hz over HTTP for ten minutes.

    python -m bench.soak [--tracks 25000] [--seconds 600] [--warmup 60] [--triggers 120]

The load of ``bench.latency`` (a real ``serve`` on SQLite, batches of 1,000 spread over each
second, trigger pairs whose turn makes a new conflict), held for ``--seconds`` after a
warm-up. Measured: the reports accepted per second against the offered rate; report to
alert on the other party's stream (p50/p99), against the echo of a party's own batch in the
same run; the hub's resident memory every ``--sample-every`` seconds, and whether it stays
within 10 % of its level at the end of the warm-up; the database's growth, per hour.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.latency import drive_with, load_arguments, report_latency

FLAT_WITHIN = 0.10


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    load_arguments(parser, seconds=600, triggers=120)
    parser.add_argument("--sample-every", type=int, default=30, help="seconds between samples")
    args = parser.parse_args(argv)
    run = drive_with(args, args.sample_every)
    offered = (args.tracks + 2 * args.triggers) * (args.warmup + args.seconds)
    print(
        f"soak: {args.tracks:,} tracks at 1 Hz ({args.workload}) + {args.triggers} trigger "
        f"pairs, {args.warmup} s warm-up + {args.seconds} s"
    )
    print(
        f"  reports accepted: {run.accepted:,} of {offered:,} offered "
        f"({run.accepted / (args.warmup + args.seconds):,.0f}/s)"
    )
    report_latency(run)
    print("  second   RSS MiB   database MB   reports accepted")
    for sample in run.samples:
        print(
            f"  {sample.second:6d}  {sample.rss_bytes / 2**20:8.0f}  "
            f"{sample.db_bytes / 1e6:12.0f}  {sample.accepted:17,}"
        )
    measured = [s for s in run.samples if s.second > args.warmup]
    base = [s for s in run.samples if s.second <= args.warmup]
    if measured and base:
        start, end = base[-1], measured[-1]
        highest = max(s.rss_bytes for s in measured)
        growth = (highest - start.rss_bytes) / start.rss_bytes
        verdict = "flat" if growth <= FLAT_WITHIN else "NOT flat"
        print(
            f"  memory: {start.rss_bytes / 2**20:.0f} MiB after the warm-up, at most "
            f"{highest / 2**20:.0f} MiB after ({growth * 100:+.1f} %): {verdict} within "
            f"{FLAT_WITHIN * 100:.0f} %"
        )
        hours = (end.second - start.second) / 3600
        per_hour = (end.db_bytes - start.db_bytes) / hours
        per_report = (end.db_bytes - start.db_bytes) / max(1, end.accepted - start.accepted)
        print(
            f"  database growth: {per_hour / 1e9:.1f} GB per hour "
            f"({per_report:.0f} bytes per report; journal_online_s bounds it, see "
            "docs/journal.md)"
        )
    return 0 if not run.missed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
