"""Alert quality on recorded traffic: what a duty desk sees on the alert stream, measured
against where the aircraft really were (issue 14).

    python -m bench.alert_quality ../shared/data/quickstart.csv.gz
    python -m bench.alert_quality --synthetic            # bench.traffic_synth's traffic
    python -m bench.alert_quality IN.csv --setting alert_hysteresis_s 30

The snapshot CSV is replayed through a real hub in process (SQLite in memory), its clock
following the data: each snapshot is submitted at its own time and the hub cycles every
``cycle_s`` of data time in between (``gateways.replay.replay_in_process``, the same as
``deconfliction replay --as-fast-as-possible``). The alert events of every party's stream
are collected, and the table is computed from them and from the recorded positions. The
hub's settings (defaults, or ``--setting``) give the minima (air: 5 NM / 1,000 ft).

Definitions (computed by ``bench._alert_figures`` and ``bench._encounters``):

- **conflicts opened**: track–track conflicts the hub opened (one alert per involved party;
  counted once per conflict).
- **flicker**: alerts of a pair opened at most 30 s after the pair's previous alert closed,
  over all alerts.
- **loss episodes**: runs of consecutive 1 s samples at which a pair of tracks of different
  parties is strictly inside both minima, positions interpolated linearly between a track's
  reports at most 60 s apart (never extrapolated). **Unalerted**: no alert of the pair open
  at the onset (opened <= onset <= closed).
- **warning time**: for each episode with an *observable* onset (both tracks' positions known
  at the sample before it: both aircraft reported before the onset) and an alert open at
  onset, the onset minus the opening of the first alert of the chain of reopenings that
  alert belongs to (alerts of the pair each opened at most 30 s after the previous closed).
  Median and p10.
- **nuisance**: alerts whose pair never came within twice both minima (at a 1 s sample with
  both positions known) between the opening and max(closing, opening + 300 s).

The recorded positions are the truth as recorded, glitches included (``quickstart`` has a
few altitude glitches of tens of kilometres); ``--prototype`` also runs the lifecycle rules
of ``bench._lifecycle`` on the same data (see docs/detection.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench._alert_figures import (
    AlertSpan,
    Figures,
    FloatArray,
    alert_spans,
    figures,
    loss_episodes,
)
from bench._encounters import Encounters, TrackHistory, encounters
from bench._hub_replay import replay_alerts
from bench._lifecycle import HUB, PROPOSED, escalations, simulate
from deconfliction.detect import MinimaTable
from deconfliction.detect.snapshot import Snapshot
from deconfliction.gateways.snapshots import SnapshotReader
from deconfliction.settings import Settings


def histories(snapshots: Iterable[Snapshot]) -> list[TrackHistory]:
    """Each track's reports, from snapshots in time order."""
    rows: dict[str, tuple[str, list[float], list[float], list[float], list[float]]] = {}
    for snap in snapshots:
        names = snap.party_names()
        for i, track in enumerate(snap.track.tolist()):
            key = f"{names[i]}/{track}"
            entry = rows.setdefault(key, (names[i], [], [], [], []))
            entry[1].append(snap.time_s)
            entry[2].append(float(snap.lat[i]))
            entry[3].append(float(snap.lon[i]))
            entry[4].append(float(snap.alt_m[i]))
    return [
        TrackHistory(key, party, np.array(t), np.array(lat), np.array(lon), np.array(alt))
        for key, (party, t, lat, lon, alt) in rows.items()
    ]


def truth(snapshots: Sequence[Snapshot], settings: Settings, step_s: float) -> Encounters:
    """Near and loss samples of the recorded positions, with the hub's air minima."""
    return encounters(
        histories(snapshots),
        horizontal_m=settings.air_horizontal_m,
        vertical_m=settings.air_vertical_m,
        step_s=step_s,
    )


def table(spans: Sequence[AlertSpan], found: Encounters) -> Figures:
    """The figures of ``spans`` against the truth ``found``."""
    episodes = loss_episodes(found.loss, found.coverage, found.step_s)
    return figures(spans, episodes, found.near)


def print_table(columns: dict[str, Figures]) -> None:
    names = list(columns)
    rows = [r for r, _ in next(iter(columns.values())).rows()]
    values = {name: dict(f.rows()) for name, f in columns.items()}
    print("| figure | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---" for _ in names) + " |")
    for row in rows:
        print(f"| {row} | " + " | ".join(values[n][row] for n in names) + " |")


def load(args: argparse.Namespace) -> tuple[list[Snapshot], list[FloatArray] | None]:
    """The snapshots, and (synthetic traffic only) each row's selected altitude."""
    if args.synthetic:
        from bench.traffic_synth import SynthSpec, synthesise

        traffic = synthesise(SynthSpec(seed=args.seed, duration_s=args.duration))
        return traffic.snapshots, traffic.selected_alt_m
    return list(SnapshotReader(args.csv)), None


def same_spans(a: Sequence[AlertSpan], b: Sequence[AlertSpan]) -> int:
    """How many spans of ``a`` have a twin in ``b`` (pair, opening, closing)."""
    keys = {(s.pair, s.opened_s, s.closed_s) for s in b}
    return sum((s.pair, s.opened_s, s.closed_s) in keys for s in a)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.alert_quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("csv", nargs="?", type=Path, help="a snapshot CSV (.csv or .csv.gz)")
    parser.add_argument("--synthetic", action="store_true", help="bench.traffic_synth's traffic")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic traffic")
    parser.add_argument(
        "--duration", type=float, default=3600.0, help="synthetic traffic's duration, s"
    )
    parser.add_argument(
        "--step",
        type=float,
        action="append",
        help="sampling step of the truth, s (repeatable; default 1). "
        "5 on quickstart samples at the report times",
    )
    parser.add_argument(
        "--prototype",
        action="store_true",
        help="also the hub's cycle copied in the bench (bench._lifecycle), as it is and "
        "with the proposed rules",
    )
    parser.add_argument(
        "--no-hub", action="store_true", help="skip the replay through the real hub"
    )
    parser.add_argument(
        "--setting",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a hub setting for the replay (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.csv is None and not args.synthetic:
        default = Path(__file__).resolve().parents[2] / "shared" / "data" / "quickstart.csv.gz"
        args.csv = default if default.exists() else Path("/work/shared/data/quickstart.csv.gz")
    settings = Settings.from_sources(overrides=dict(args.setting), environ={})
    started = time.perf_counter()
    snapshots, selected = load(args)
    loaded = time.perf_counter() - started
    reports = sum(len(s) for s in snapshots)
    print(
        f"{len(snapshots)} snapshots, {reports} reports, "
        f"{(snapshots[-1].time_s - snapshots[0].time_s) / 3600:.2f} h of data "
        f"(made or read in {loaded:.1f} s)"
    )
    runs: dict[str, list[AlertSpan]] = {}
    timings: list[str] = []
    if not args.no_hub:
        started = time.perf_counter()
        events, _ = replay_alerts(snapshots, settings, snapshots[0].time_s)
        timings.append(f"hub replay {time.perf_counter() - started:.1f} s")
        runs["hub"] = alert_spans(events, snapshots[-1].time_s)
    if args.prototype:
        minima = MinimaTable(defaults=settings.domain_minima())
        today = replace(
            HUB,
            cycle_s=settings.cycle_s,
            stale_after_s=settings.stale_after_s,
            hysteresis_s=settings.alert_hysteresis_s,
        )
        proposed = replace(PROPOSED, cycle_s=settings.cycle_s, stale_after_s=settings.stale_after_s)
        for rules in (today, proposed):
            started = time.perf_counter()
            runs[rules.name] = simulate(snapshots, rules, minima, selected)
            timings.append(f"{rules.name} {time.perf_counter() - started:.1f} s")
        if "hub" in runs:
            twins = same_spans(runs["hub"], runs[today.name])
            print(
                f"the copy of the hub's cycle agrees with the hub on {twins} of "
                f"{len(runs['hub'])} alerts ({len(runs[today.name])} simulated)"
            )
        print(f"proposed rules: {proposed}")
        print(f"escalations announced (proposed): {escalations(runs[proposed.name])}")
    for step_s in args.step or [1.0]:
        started = time.perf_counter()
        found = truth(snapshots, settings, step_s)
        truth_s = time.perf_counter() - started
        print(f"\ntruth sampled every {step_s:g} s ({truth_s:.1f} s to compute)\n")
        print_table({name: table(spans, found) for name, spans in runs.items()})
    print("\n" + "; ".join(timings) + " (wall clock)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
