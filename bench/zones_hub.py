"""Zones inside the hub: import, restart, and the track–zone part of the detection cycle.

Run from the worktree root: ``python -m bench.zones_hub`` (``--zones N``, ``--tracks N``,
``--cycles N``, ``--seed S``).

The workload is that of ``bench.zones`` (seeded zones over 35–60°N × 10°W–30°E, eight
parties; tracks of those parties, 40 % air, 60 % ground), run through a whole hub on an
SQLite file: the zones are imported per owner with ``Zones.put_many`` (validation, store,
journal, streams, zone–zone advice), the tracks are submitted as reports, and the cycle runs
with a manual clock, tracks reported again every second.

It prints the import and restart times, the first cycle (index build, every alert opened
with its hotline thread), then the median and p95 of ``Zones.check`` per steady cycle
(incursions found, alerts reconciled) beside the same check with the index rebuilt every
cycle (the straightforward way, measured in the same run), their ratio, and the cost of an
idle ``Zones.run_timers``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.zones import NOW_S, PARTIES, Tracks, make_tracks, make_zones
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.hub.cycle import DetectionCycle
from deconfliction.hub.live.snapshot import LiveRules, live_tracks
from deconfliction.journal.signing import generate_hub_key
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore

SETTINGS = Settings(sqlite_synchronous="normal", stale_after_s=3600.0)


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def _report(hub: Hub, tracks: Tracks, time_s: float) -> None:
    air = tracks.lookahead_s == 300.0
    by_party: dict[str, list[dict[str, object]]] = {}
    for i in range(len(tracks.lat)):
        by_party.setdefault(PARTIES[int(tracks.party[i])], []).append(
            {
                "track": f"t{i}",
                "time": time_s,
                "lat": float(tracks.lat[i]),
                "lon": float(tracks.lon[i]),
                "alt_m": float(tracks.alt_m[i]),
                "gs_mps": float(tracks.gs_mps[i]),
                "course_deg": float(tracks.course_deg[i]),
                "vs_mps": float(tracks.vs_mps[i]),
                "domain": "air" if air[i] else "ground",
            }
        )
    for party, items in by_party.items():
        hub.submit_reports(party, items)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.zones_hub", description=__doc__)
    parser.add_argument("--zones", type=int, default=10_000)
    parser.add_argument("--tracks", type=int, default=5_000)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    zones = [z for z in make_zones(rng, args.zones) if z.valid_to_s is None or z.valid_to_s > NOW_S]
    tracks = make_tracks(rng, args.tracks)
    by_owner: dict[str, list[dict[str, object]]] = {}
    for zone in zones:
        by_owner.setdefault(zone.owner, []).append(zone.to_feature())

    folder = Path(tempfile.mkdtemp(prefix="bench-zones-hub-"))
    key = generate_hub_key()
    clock = ManualClock(NOW_S)
    hub = Hub(SETTINGS, SQLiteStore(folder / "hub.db", synchronous="normal"), clock=clock, key=key)
    for party in PARTIES:
        hub.add_party(party)
    started = time.perf_counter()
    for owner, features in by_owner.items():
        hub.zones.put_many(owner, {"type": "FeatureCollection", "features": features})
    import_s = time.perf_counter() - started
    advisories = len(hub._alerts)
    print(f"zones: {len(zones):,} active, tracks: {args.tracks:,}, parties: {len(PARTIES)}")
    print(
        f"import (put_many per owner, validation included): {import_s:.1f} s, "
        f"{import_s / len(zones) * 1000:.2f} ms per zone; {advisories} zone-zone advisories"
    )
    hub.close()
    started = time.perf_counter()
    hub = Hub(SETTINGS, SQLiteStore(folder / "hub.db", synchronous="normal"), clock=clock, key=key)
    print(f"restart (zones parsed again): {time.perf_counter() - started:.1f} s")

    _report(hub, tracks, clock.now())
    # The detection cycle with the zones' check alone (what Zones.check was).
    zones_cycle = DetectionCycle(
        hub._alerts, hub.write, open_at_most=SETTINGS.alerts_opened_per_cycle
    )
    zones_cycle.register(hub.zones.check)
    live = live_tracks(hub._picture, clock.now(), LiveRules.of(SETTINGS))
    started = time.perf_counter()
    found = zones_cycle.run(live).conflicts
    first_s = time.perf_counter() - started
    print(
        f"first cycle (index build, {found:,} incursions, {len(hub._alerts) - advisories:,} "
        f"alerts opened with their threads): {first_s:.1f} s"
    )

    # A cycle opens at most alerts_opened_per_cycle new conflicts: let the first cycle's
    # backlog drain (the open conflicts stop growing) before timing steady cycles.
    moving = tracks
    drained = 0
    while drained < 200:
        before = len(hub._alerts)
        moving = moving.moved(1.0)
        clock.advance(1.0)
        _report(hub, moving, clock.now())
        zones_cycle.run(live_tracks(hub._picture, clock.now(), LiveRules.of(SETTINGS)))
        drained += 1
        if len(hub._alerts) <= before:
            break
    print(f"backlog drained in {drained} cycles ({len(hub._alerts):,} open conflicts)")

    ours: list[float] = []
    rebuilt: list[float] = []
    for _ in range(args.cycles):
        moving = moving.moved(1.0)
        clock.advance(1.0)
        _report(hub, moving, clock.now())
        live = live_tracks(hub._picture, clock.now(), LiveRules.of(SETTINGS))
        started = time.perf_counter()
        zones_cycle.run(live)
        ours.append(time.perf_counter() - started)
        hub.zones._registry._indexed = None  # the reference: index the zones again, every cycle
        started = time.perf_counter()
        zones_cycle.run(live)
        rebuilt.append(time.perf_counter() - started)
    median, p95 = _summary(ours)
    ref_median, ref_p95 = _summary(rebuilt)
    print(
        f"steady cycle, the zones' check: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
        f"({args.cycles} cycles, {len(hub._alerts):,} open conflicts)"
    )
    print(
        f"reference (index rebuilt every cycle): median {ref_median * 1000:.0f} ms, "
        f"p95 {ref_p95 * 1000:.0f} ms; ratio {ref_median / median:.1f}x"
    )
    idle: list[float] = []
    for _ in range(200):
        started = time.perf_counter()
        hub.zones.run_timers(clock.now())
        idle.append(time.perf_counter() - started)
    idle_median, _ = _summary(idle)
    print(f"idle Zones.run_timers: median {idle_median * 1e6:.1f} µs")
    hub.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
