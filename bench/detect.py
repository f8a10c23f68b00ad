"""Benchmark of track–track detection (`detect_conflicts`) on seeded synthetic traffic.

Workloads (DESIGN/issue): 20 parties, altitudes 3–12.5 km, ground speeds 100–250 m/s, 30% of
tracks climbing or descending at 10 m/s, default minima (5 NM / 1,000 ft / 300 s).

- ``dense``: tracks uniform over 35–60°N × 10°W–30°E (target ≤ 100 ms per snapshot);
- ``global``: tracks uniform over the globe within 53° of the equator (target ≤ 15 ms).

For each workload it prints the median and p95 time per snapshot, the peak RSS, and the
same figures for a straightforward reference measured in the same run (scipy
``cKDTree.query_pairs`` on the largest closing distance, then the same vectorised exact
test), with their ratio. It checks that the detector finds exactly the pairs of the
reference, and exactly those of the all-pairs O(N²) exact test on 2,000-track subsets (the
2,000 tracks nearest a random one, so the subsets hold conflicts).

    python -m bench.detect                     # the full run (25,000 tracks)
    python -m bench.detect --tracks 5000 --snapshots 3 --reference-snapshots 1   # quick

Times are wall clock (CPU time in brackets, telling apart a busy machine). The detector is
timed twice: with glibc's default allocator, which hands large freed blocks back to the
system so that each call page-faults its temporaries in again, and with the allocator told
to keep them (``mallopt``), as a long-lived hub process would be set up.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from deconfliction.detect import (
    MinimaTable,
    Snapshot,
    all_pairs,
    candidates,
    curvature_margin_m,
    detect_conflicts,
    exact_conflicts,
    extrapolate,
)
from deconfliction.process import tune_malloc

PARTIES = [f"P{i:02d}" for i in range(20)]
TARGET_MS = {"dense": 100.0, "global": 15.0}


def workload(kind: str, n: int, seed: int) -> Snapshot:
    """A seeded synthetic snapshot of ``n`` tracks."""
    rng = np.random.default_rng(seed)
    if kind == "dense":
        sin_lat = rng.uniform(np.sin(np.radians(35.0)), np.sin(np.radians(60.0)), n)
        lon = rng.uniform(-10.0, 30.0, n)
    elif kind == "global":
        edge = np.sin(np.radians(53.0))
        sin_lat = rng.uniform(-edge, edge, n)
        lon = rng.uniform(-180.0, 180.0, n)
    else:
        raise ValueError(f"unknown workload {kind!r}")
    vertical = rng.random(n) < 0.3
    return Snapshot.from_columns(
        1_700_000_000.0,
        party=[PARTIES[i] for i in rng.integers(0, len(PARTIES), n)],
        track=[f"{kind[0]}{seed}-{i:06d}" for i in range(n)],
        lat=np.degrees(np.arcsin(sin_lat)),
        lon=lon,
        alt_m=rng.uniform(3_000.0, 12_500.0, n),
        gs_mps=rng.uniform(100.0, 250.0, n),
        course_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(vertical, rng.choice([-10.0, 10.0], n), 0.0),
    )


def reference_pairs(snapshot: Snapshot, minima: MinimaTable) -> set[tuple[int, int]]:
    """The straightforward detector: a k-d tree on the largest closing distance, then exact."""
    largest = minima.largest
    assert largest is not None
    motion = snapshot.motion()
    fastest = float(snapshot.gs_mps.max())
    margin = 2.0 * float(
        curvature_margin_m(
            np.array([fastest]), np.array([largest.horizontal_m]), np.array([largest.lookahead_s])
        )[0]
    )
    reach = largest.horizontal_m + 2.0 * fastest * largest.lookahead_s + margin + 1.0
    pairs = cKDTree(motion.position_m.T).query_pairs(reach, output_type="ndarray")
    a, b = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    return _exact_pairs(snapshot, minima, a, b, motion)


def _exact_pairs(
    snapshot: Snapshot, minima: MinimaTable, a: np.ndarray, b: np.ndarray, motion: object = None
) -> set[tuple[int, int]]:
    differ = snapshot.party[a] != snapshot.party[b]
    a, b = a[differ], b[differ]
    pm = minima.resolve(
        snapshot.parties,
        snapshot.party[a],
        snapshot.party[b],
        snapshot.domain[a],
        snapshot.domain[b],
    )
    a, b = a[pm.checked], b[pm.checked]
    found = exact_conflicts(
        snapshot.motion() if motion is None else motion,  # type: ignore[arg-type]
        snapshot.alt_m,
        snapshot.vs_mps,
        a,
        b,
        pm.horizontal_m[pm.checked],
        pm.vertical_m[pm.checked],
        pm.lookahead_s[pm.checked],
    )
    low, high = np.minimum(a, b)[found.pair], np.maximum(a, b)[found.pair]
    return set(zip(low.tolist(), high.tolist(), strict=True))


def detected_pairs(snapshot: Snapshot, minima: MinimaTable) -> set[tuple[int, int]]:
    found = detect_conflicts(snapshot, minima)
    low, high = np.minimum(found.index_a, found.index_b), np.maximum(found.index_a, found.index_b)
    return set(zip(low.tolist(), high.tolist(), strict=True))


def nearest_subset(snapshot: Snapshot, size: int, seed: int) -> Snapshot:
    """The ``size`` tracks nearest a random one (a compact patch of the traffic)."""
    position = snapshot.motion().position_m
    centre = position[:, np.random.default_rng(seed).integers(len(snapshot))]
    distance = np.linalg.norm(position - centre[:, None], axis=0)
    return snapshot.take(np.sort(np.argsort(distance)[:size]))


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1e3


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def time_detector(
    snapshots: list[Snapshot], minima: MinimaTable, repeats: int
) -> tuple[list[float], list[float], list[int]]:
    """Wall and CPU milliseconds of each call, and the conflicts found."""
    detect_conflicts(snapshots[0], minima)  # warm up
    wall: list[float] = []
    cpu: list[float] = []
    counts: list[int] = []
    for _ in range(repeats):
        for snap in snapshots:
            started, started_cpu = time.perf_counter(), time.process_time()
            found = detect_conflicts(snap, minima)
            wall.append((time.perf_counter() - started) * 1e3)
            cpu.append((time.process_time() - started_cpu) * 1e3)
            counts.append(len(found))
    return wall, cpu, counts


def report_times(label: str, wall: list[float], cpu: list[float], target: float) -> None:
    median = statistics.median(wall)
    print(
        f"  {label:<36} median {median:7.1f} ms  p95 {percentile(wall, 95):7.1f} ms  "
        f"(cpu median {statistics.median(cpu):6.1f} ms; target <= {target:g} ms: "
        f"{'met' if median <= target else 'MISSED'})"
    )


def run_workload(kind: str, args: argparse.Namespace, minima: MinimaTable) -> bool:
    snapshots = [workload(kind, args.tracks, args.seed + k) for k in range(args.snapshots)]
    target = TARGET_MS[kind]
    print(
        f"== {kind}: {args.tracks} tracks, {args.snapshots} snapshots x {args.repeats} "
        f"(seed {args.seed})"
    )
    wall, cpu, counts = time_detector(snapshots, minima, args.repeats)
    rss_detector = peak_rss_mib()
    report_times("detect_conflicts", wall, cpu, target)
    median = statistics.median(wall)
    broad = [len(candidates(snap, minima)[0]) for snap in snapshots[:3]]
    print(
        f"  conflicts/snapshot {statistics.mean(counts):8.0f}      "
        f"broad-phase candidates/snapshot {statistics.mean(broad):8.0f}"
    )
    extrapolate_ms = [timed(lambda s=snap: extrapolate(s, 1.0)) for snap in snapshots]
    print(
        f"  extrapolate(snapshot, 1 s)           median {statistics.median(extrapolate_ms):7.1f} ms"
    )

    ok = True
    ref_times: list[float] = []
    for snap in snapshots[: args.reference_snapshots]:
        started = time.perf_counter()
        expected = reference_pairs(snap, minima)
        ref_times.append((time.perf_counter() - started) * 1e3)
        ok &= detected_pairs(snap, minima) == expected
    if ref_times:
        ref_median = statistics.median(ref_times)
        print(
            f"  {'cKDTree reference':<36} median {ref_median:7.1f} ms  "
            f"p95 {percentile(ref_times, 95):7.1f} ms  ({len(ref_times)} snapshots)  "
            f"ratio {ref_median / median:.1f}x"
        )
        print(f"  same pairs as the reference: {'yes' if ok else 'NO'}")
    if args.subset:
        identical = True
        subset_conflicts = 0
        for k, snap in enumerate(snapshots[: max(1, args.reference_snapshots)]):
            part = nearest_subset(snap, min(args.subset, len(snap)), args.seed + k)
            a, b = all_pairs(len(part))
            expected = _exact_pairs(part, minima, a, b)
            identical &= detected_pairs(part, minima) == expected
            subset_conflicts += len(expected)
        print(
            f"  same pairs as all-pairs O(N^2) on {min(args.subset, args.tracks)}-track subsets: "
            f"{'yes' if identical else 'NO'} ({subset_conflicts} conflicts)"
        )
        ok &= identical
    print(
        f"  peak RSS: {rss_detector:.0f} MiB after the detector, "
        f"{peak_rss_mib():.0f} MiB after the references"
    )
    if args.tuned_malloc and tune_malloc():
        wall, cpu, _ = time_detector(snapshots, minima, args.repeats)
        report_times("detect_conflicts, malloc tuned", wall, cpu, target)
        if ref_times:
            ratio = statistics.median(ref_times) / statistics.median(wall)
            print(f"  {'':<36} ratio to the reference {ratio:.1f}x")
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.detect", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workload", choices=["dense", "global", "both"], default="both")
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--snapshots", type=int, default=20, help="timed snapshots per workload")
    parser.add_argument(
        "--reference-snapshots",
        type=int,
        default=3,
        help="snapshots also run through the cKDTree reference (slow in dense traffic)",
    )
    parser.add_argument("--subset", type=int, default=2_000, help="tracks in the O(N^2) check")
    parser.add_argument("--repeats", type=int, default=2, help="times each snapshot is timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tuned-malloc",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the detector with glibc keeping freed memory (no page faults)",
    )
    args = parser.parse_args(argv)
    if args.workload == "both":
        # One process per workload, so that each peak RSS is its own.
        root = Path(__file__).resolve().parents[1]
        codes = [
            subprocess.run(
                [sys.executable, "-m", "bench.detect", *argv, "--workload", kind], cwd=root
            ).returncode
            for kind in ("dense", "global")
        ]
        return max(codes)
    return 0 if run_workload(args.workload, args, MinimaTable()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
