"""What the track filter costs a detection cycle at 25,000 tracks (issue 14's target: within
20 % of the cycle without it).

    python -m bench.live_cycle                       # 25,000 tracks, dense, 7 cycles
    python -m bench.live_cycle --tracks 5000 --cycles 3

The traffic is ``bench.detect``'s dense workload (25,000 tracks over Europe, 30 % climbing
or descending). Each track reports every second for ``--warmup`` seconds into a live
picture with its filter (``hub.live.picture.LivePicture``), and then for each cycle:

- **with the filter** (the hub now): ``hub.live.snapshot.live_tracks`` — the filter's
  prediction, the implied level-off, extrapolation — then ``detect_conflicts``;
- **without** (the hub before, the reference measured in the same run): the latest raw
  reports of the same rows as a snapshot, extrapolated, then ``detect_conflicts``.

It prints the median time of each part (wall clock, CPU in brackets) and the ratio of the
whole cycles, and the ingest cost of the filter per batch of 25,000 reports beside the
picture's own update. The machine is shared: compare the ratio, not the times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.detect import workload
from deconfliction.detect import MinimaTable, Snapshot, detect_conflicts, extrapolate
from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.live.snapshot import LiveRules, live_tracks
from deconfliction.model import ReportBatch
from deconfliction.settings import Settings

T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def batches_at(snapshot: Snapshot, t_s: float) -> list[ReportBatch]:
    """Every track's report at ``t_s`` (flown from the workload's time), one batch a party."""
    moved = extrapolate(snapshot, np.full(len(snapshot), t_s - snapshot.time_s), time_s=t_s)
    out = []
    for code, party in enumerate(snapshot.parties):
        rows = np.flatnonzero(moved.party == code)
        out.append(
            ReportBatch(
                party=party,
                track=[str(x) for x in moved.track[rows]],
                time_s=np.full(rows.size, t_s),
                lat=moved.lat[rows],
                lon=moved.lon[rows],
                alt_m=moved.alt_m[rows],
                gs_mps=moved.gs_mps[rows],
                course_deg=moved.course_deg[rows],
                vs_mps=moved.vs_mps[rows],
                domain=moved.domain[rows],
                operation=[None] * rows.size,
            )
        )
    return out


def update_all(picture: LivePicture, batches: list[ReportBatch]) -> None:
    for batch in batches:
        picture.update(batch)


def raw_snapshot(picture: LivePicture, rows: np.ndarray, now_s: float) -> Snapshot:
    """The cycle before the filter: the latest reports as they came, extrapolated."""
    snapshot = Snapshot(
        time_s=now_s,
        track=np.array([picture.track[r] for r in rows.tolist()], dtype=object),
        party=picture.party[rows].astype(np.int32),
        parties=tuple(picture.parties),
        lat=picture.lat[rows].copy(),
        lon=picture.lon[rows].copy(),
        alt_m=picture.alt_m[rows].copy(),
        gs_mps=picture.gs_mps[rows].copy(),
        course_deg=picture.course_deg[rows].copy(),
        vs_mps=picture.vs_mps[rows].copy(),
        domain=picture.domain[rows].copy(),
    )
    return extrapolate(snapshot, now_s - picture.time_s[rows], time_s=now_s)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live_cycle", description=__doc__)
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--cycles", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=5, help="seconds of reports first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    settings = Settings()
    rules = LiveRules.of(settings)
    minima = MinimaTable(settings.domain_minima())
    base = workload("dense", args.tracks, args.seed)
    picture = LivePicture(params=rules.params)
    t0 = base.time_s
    ingest_s: list[float] = []
    for k in range(args.warmup):
        batches = batches_at(base, t0 + k)
        _, wall, _ = timed(partial(update_all, picture, batches))
        ingest_s.append(wall)
    figures: dict[str, list[tuple[float, float]]] = {
        "live_tracks (filter)": [],
        "detect, filtered": [],
        "raw snapshot": [],
        "detect, raw": [],
    }
    found = []
    for k in range(args.cycles):
        now = t0 + args.warmup + k
        for batch in batches_at(base, now):
            picture.update(batch)
        live, wall, cpu = timed(partial(live_tracks, picture, now, rules))
        figures["live_tracks (filter)"].append((wall, cpu))
        filtered, wall, cpu = timed(partial(detect_conflicts, live.snapshot, minima))
        figures["detect, filtered"].append((wall, cpu))
        raw, wall, cpu = timed(partial(raw_snapshot, picture, live.rows, now))
        figures["raw snapshot"].append((wall, cpu))
        plain, wall, cpu = timed(partial(detect_conflicts, raw, minima))
        figures["detect, raw"].append((wall, cpu))
        found.append((len(filtered), len(plain)))
    print(
        f"{args.tracks} tracks (dense), {args.cycles} cycles after {args.warmup} s of reports; "
        f"conflicts found with / without the filter: {found[-1][0]} / {found[-1][1]}"
    )
    medians = {}
    for name, values in figures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        medians[name] = wall
        print(f"  {name:24s} {wall * 1000:8.1f} ms  ({cpu * 1000:.1f} ms CPU)")
    with_filter = medians["live_tracks (filter)"] + medians["detect, filtered"]
    without = medians["raw snapshot"] + medians["detect, raw"]
    print(
        f"  cycle with the filter {with_filter * 1000:.1f} ms, without {without * 1000:.1f} ms: "
        f"ratio {with_filter / without:.2f}"
    )
    print(
        f"  ingest of {args.tracks} reports into the picture and its filter: "
        f"median {statistics.median(ingest_s[1:] or ingest_s) * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
