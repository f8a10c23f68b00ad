"""Synthetic air traffic with what real feeds do to alerts, for ``bench.alert_quality``.

    python -m bench.traffic_synth OUT.csv.gz [--seed 1] [--duration 3600] [--aircraft 400]

Seeded. Aircraft fly in a 160 km square around Paris (48.7°N 2.4°E) at flight levels
(multiples of 1,000 ft, 3,000–20,000 ft), 100–230 m/s, on straight legs with a turn now and
then (3°/s). What the issue says spoils alerts on real traffic is built in, with known values:

- **level-offs**: 45 % of aircraft climb or descend (5–15 m/s) from their level to another
  one and level off there, capturing the level as autopilots do (the rate decays over the
  last ~20 s). The level is each report's ``selected_alt_m`` (as ADS-B's selected altitude;
  before the change it is the current level), written as an extra CSV column that the
  snapshot CSV reader ignores.
- **report-rate jitter**: each aircraft has a nominal interval, 1 s (30 %), 5 s (35 %), 10 s
  (20 %) or 30–45 s (15 %, sparse feeds), each interval drawn within ±20 % of it, 2 % of
  reports lost; times are whole seconds.
- **quantisation and noise**: altitudes in 25 ft steps (100 ft for 20 % of aircraft), vertical
  rates in ADS-B's 64 ft/min steps, plus noise on position (15 m), speed (1 m/s), course
  (0.5°) and a vertical-rate quantum now and then.
- **glitches**: 1 report in 3,000 has its altitude 5–30 km off (as in ``quickstart``).

``synthesise`` returns the snapshots (one per distinct time, in order) and the true
trajectories' counts; ``bench.alert_quality --synthetic`` replays them.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from deconfliction.detect.snapshot import Snapshot
from deconfliction.gateways.conflict_files import open_output

FloatArray = npt.NDArray[np.float64]
FT_M = 0.3048
CENTRE = (48.7, 2.4)
M_PER_DEG_LAT = 111_200.0
HALF_SIDE_M = 80_000.0
FPM_QUANTUM_MPS = 64 * FT_M / 60.0
INTERVALS = ((1.0, 0.30), (5.0, 0.35), (10.0, 0.20), (-1.0, 0.15))  # -1: sparse, 30–45 s


@dataclass(frozen=True)
class SynthSpec:
    """What to generate."""

    seed: int = 1
    duration_s: float = 3600.0
    aircraft: int = 400
    parties: int = 12
    climbing: float = 0.45
    glitch_rate: float = 1 / 3000
    lost_rate: float = 0.02


@dataclass
class Synthetic:
    """The generated traffic: snapshots and, per snapshot row, the selected altitude."""

    snapshots: list[Snapshot]
    selected_alt_m: list[FloatArray]
    level_offs: int = 0
    glitches: int = 0
    intervals: dict[str, int] = field(default_factory=dict)


def _profile(
    rng: np.random.Generator, t: FloatArray, level_m: float, climbing: bool
) -> tuple[FloatArray, FloatArray, FloatArray, bool]:
    """True altitude, vertical rate and selected altitude at times ``t`` (from the start)."""
    alt = np.full(t.size, level_m)
    vs = np.zeros(t.size)
    selected = np.full(t.size, level_m)
    if not climbing:
        return alt, vs, selected, False
    levels = np.arange(3000, 20001, 1000) * FT_M
    others = levels[np.abs(levels - level_m) >= 2000 * FT_M - 1]
    target = float(rng.choice(others))
    rate = float(rng.uniform(5.0, 15.0))
    start = float(rng.uniform(0.0, max(t[-1] - 300.0, 1.0)))
    tau = 20.0  # capture: the rate decays as the level nears (|vs| <= remaining / tau)
    sign = 1.0 if target > level_m else -1.0
    # Closed form: linear at ``rate`` until ``rate * tau`` short of the level, then
    # exponential capture with time constant tau.
    linear_s = max(abs(target - level_m) - rate * tau, 0.0) / rate
    dt = t - start
    moving = dt > 0
    lin = np.minimum(dt, linear_s)
    alt = np.where(moving, level_m + sign * rate * lin, level_m)
    vs = np.where(moving & (dt <= linear_s), sign * rate, 0.0)
    capture = dt > linear_s
    remaining0 = abs(target - level_m) - rate * linear_s
    decay = np.exp(-(dt - linear_s) / tau)
    alt = np.where(capture, target - sign * remaining0 * decay, alt)
    vs = np.where(capture, sign * remaining0 / tau * decay, vs)
    # Within 3 ft the autopilot holds the level.
    held = capture & (np.abs(target - alt) < 1.0)
    alt = np.where(held, target, alt)
    vs = np.where(held, 0.0, vs)
    selected = np.where(dt > 0, target, level_m)
    return alt, vs, selected, True


def _horizontal(
    rng: np.random.Generator, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """East, north (m), ground speed and course at times ``t``: straight legs, one turn."""
    x0, y0 = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M, 2)
    gs = float(rng.uniform(100.0, 230.0))
    course0 = float(rng.uniform(0.0, 360.0))
    turn_at = float(rng.uniform(0.0, t[-1])) if rng.random() < 0.5 else math.inf
    turn_by = float(rng.uniform(-120.0, 120.0))
    turn_rate = 3.0 * math.copysign(1.0, turn_by)
    turn_s = abs(turn_by) / 3.0
    dt = np.clip(t - turn_at, 0.0, turn_s)
    course = course0 + turn_rate * dt
    # Integrate the course numerically (1 s steps are fine for a 3°/s turn).
    step = np.diff(t, prepend=t[0])
    heading = np.radians(course)
    x = x0 + np.cumsum(gs * np.sin(heading) * step)
    y = y0 + np.cumsum(gs * np.cos(heading) * step)
    return x, y, np.full(t.size, gs), np.mod(course, 360.0)


def _report_times(rng: np.random.Generator, start: float, end: float) -> tuple[FloatArray, str]:
    classes = [c for c, _ in INTERVALS]
    nominal = float(rng.choice(classes, p=[p for _, p in INTERVALS]))
    label = "30-45 s" if nominal < 0 else f"{nominal:g} s"
    if nominal < 0:
        nominal = float(rng.uniform(30.0, 45.0))
    count = int((end - start) / nominal * 1.3) + 2
    gaps = nominal * rng.uniform(0.8, 1.2, count)
    times = start + np.concatenate(([0.0], np.cumsum(gaps)))
    times = np.unique(np.round(times[times <= end]))
    return times, label


def synthesise(spec: SynthSpec) -> Synthetic:
    """The traffic of ``spec`` (see the module docstring)."""
    rng = np.random.default_rng(spec.seed)
    t0 = 1_800_000_000.0
    rows: list[tuple[float, str, str, float, float, float, float, float, float, float]] = []
    out = Synthetic([], [])
    lat0, lon0 = CENTRE
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(lat0))
    for n in range(spec.aircraft):
        life = float(rng.uniform(900.0, 2400.0))
        start = float(rng.uniform(-life / 2, spec.duration_s - life / 2))
        end = min(start + life, spec.duration_s)
        start = max(start, 0.0)
        if end - start < 120.0:
            continue
        fine = np.arange(start, end + 1.0)  # the true trajectory, every second
        x, y, gs, course = _horizontal(rng, fine - start)
        level = float(rng.integers(3, 21)) * 1000 * FT_M
        alt, vs, selected, climbs = _profile(rng, fine - start, level, rng.random() < spec.climbing)
        out.level_offs += climbs
        times, label = _report_times(rng, start, end)
        out.intervals[label] = out.intervals.get(label, 0) + 1
        keep = rng.random(times.size) >= spec.lost_rate
        times = times[keep]
        i = np.clip(np.searchsorted(fine, times), 0, fine.size - 1)
        quantum = (100.0 if rng.random() < 0.2 else 25.0) * FT_M
        noise = rng.normal(0.0, 15.0, (2, i.size))
        rep_alt = np.round(alt[i] / quantum) * quantum
        glitch = rng.random(i.size) < spec.glitch_rate
        rep_alt = np.where(glitch, rep_alt + rng.uniform(5000.0, 30000.0, i.size), rep_alt)
        out.glitches += int(glitch.sum())
        jitter = np.where(rng.random(i.size) < 0.1, rng.choice([-1.0, 1.0], i.size), 0.0)
        rep_vs = (np.round(vs[i] / FPM_QUANTUM_MPS) + jitter) * FPM_QUANTUM_MPS
        party = f"P{n % spec.parties:02d}"
        track = f"{n:05x}"
        lat = lat0 + (y[i] + noise[0]) / M_PER_DEG_LAT
        lon = lon0 + (x[i] + noise[1]) / m_per_deg_lon
        rep_gs = np.maximum(gs[i] + rng.normal(0.0, 1.0, i.size), 0.0)
        rep_course = np.mod(course[i] + rng.normal(0.0, 0.5, i.size), 360.0)
        for k in range(i.size):
            rows.append(
                (
                    t0 + float(times[k]),
                    party,
                    track,
                    float(lat[k]),
                    float(lon[k]),
                    float(rep_alt[k]),
                    float(rep_gs[k]),
                    float(rep_course[k]),
                    float(rep_vs[k]),
                    float(selected[i[k]]),
                )
            )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    start_row = 0
    while start_row < len(rows):
        end_row = start_row
        while end_row < len(rows) and rows[end_row][0] == rows[start_row][0]:
            end_row += 1
        group = rows[start_row:end_row]
        columns = list(zip(*group, strict=True))
        out.snapshots.append(
            Snapshot.from_columns(
                group[0][0],
                party=list(columns[1]),
                track=list(columns[2]),
                lat=columns[3],
                lon=columns[4],
                alt_m=columns[5],
                gs_mps=columns[6],
                course_deg=columns[7],
                vs_mps=columns[8],
            )
        )
        out.selected_alt_m.append(np.array(columns[9]))
        start_row = end_row
    return out


def write_csv(traffic: Synthetic, path: Path) -> int:
    """The traffic as a snapshot CSV (with a ``selected_alt_m`` column); returns the rows."""
    count = 0
    with open_output(path) as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "time",
                "party",
                "track",
                "lat",
                "lon",
                "alt_m",
                "gs_mps",
                "course_deg",
                "vs_mps",
                "selected_alt_m",
            ]
        )
        for snap, selected in zip(traffic.snapshots, traffic.selected_alt_m, strict=True):
            names = snap.party_names()
            for k in range(len(snap)):
                writer.writerow(
                    (
                        f"{snap.time_s:.0f}",
                        names[k],
                        snap.track[k],
                        f"{snap.lat[k]:.6f}",
                        f"{snap.lon[k]:.6f}",
                        f"{snap.alt_m[k]:.1f}",
                        f"{snap.gs_mps[k]:.2f}",
                        f"{snap.course_deg[k]:.2f}",
                        f"{snap.vs_mps[k]:.2f}",
                        f"{selected[k]:.1f}",
                    )
                )
                count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traffic_synth", description=__doc__)
    parser.add_argument("out", nargs="?", type=Path, help="write the snapshot CSV here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds of traffic")
    parser.add_argument("--aircraft", type=int, default=400)
    args = parser.parse_args(argv)
    traffic = synthesise(
        SynthSpec(seed=args.seed, duration_s=args.duration, aircraft=args.aircraft)
    )
    reports = sum(len(s) for s in traffic.snapshots)
    tracks = {t for s in traffic.snapshots for t in s.track.tolist()}
    most = max(len(s) for s in traffic.snapshots)
    print(
        f"{len(tracks)} aircraft, {reports} reports in {len(traffic.snapshots)} snapshots, "
        f"{traffic.level_offs} level-offs, {traffic.glitches} altitude glitches; "
        f"nominal report intervals: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(traffic.intervals.items()))
        + f"; at most {most} reports in one second"
    )
    if args.out is not None:
        rows = write_csv(traffic, args.out)
        print(f"wrote {rows} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
