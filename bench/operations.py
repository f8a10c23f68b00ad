"""Operation writes with their full conflict check, in process.

Loads N active operations (continental: 35–60°N × 10°W–30°E, drone flights, sorties and
convoy corridors; busy: all within 10 km of one point) into a ``VolumeIndex``, then times a
seeded stream of writes (half new operations, half replacements of existing ones). Each
write is: filing checks (``check_volumes``, geodesic areas included), the index query
(broad phase + exact 4-D phase), the version-key check (10% of writers carry one stale
version and get the 409 body, overlap shapes of the stale objects included), and on success
the index update. "+ shapes" also computes every overlap footprint (what notifying both
sides needs). The reference is a linear scan over every active volume with shapely's
vectorised predicates (no spatial index), on a sample of the same writes; its answers are
compared with the index's.

    python -m bench.operations                 # continental 100,000 + busy 10,000
    python -m bench.operations --quick         # small sizes, to check it runs
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench._plans import CONTINENT, CONTINENTAL_MIX, Area, busy_area, make_plans
from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.detect.version_keys import check_key, version_token
from deconfliction.detect.volumes import Indexed, VolumeIndex
from deconfliction.model import OperationLimits, Volume, check_volumes

NOW_S = 1_750_000_000.0
SECRET = b"bench"
LIMITS = OperationLimits()
STAGES = ("checks", "query", "key", "put", "write", "write, CPU", "+ shapes")


@dataclass
class Picture:
    """The bench's own record of what is active (for the reference scan and versions)."""

    plans: dict[str, list[Volume]]
    revision: dict[str, int] = field(default_factory=dict)

    def version(self, name: str) -> str:
        return version_token(SECRET, "operation", name, self.revision.get(name, 0))


def load(
    rng: np.random.Generator, n: int, area: Area, mix: tuple[float, float, float]
) -> tuple[VolumeIndex, Picture, dict[str, float]]:
    started = time.perf_counter()
    plans = make_plans(rng, n, area, NOW_S, mix)
    picture = Picture({f"op-{i}": volumes for i, volumes in enumerate(plans)})
    generated = time.perf_counter()
    index = VolumeIndex()
    index.put_many(
        Indexed(Ref(ObjectKind.OPERATION, name), f"party-{i % 50}", picture.version(name), volumes)
        for i, (name, volumes) in enumerate(picture.plans.items())
    )
    loaded = time.perf_counter()
    compact_started = time.perf_counter()
    index.compact()
    return (
        index,
        picture,
        {
            "generate_s": generated - started,
            "load_s": loaded - generated,
            "tree_s": time.perf_counter() - compact_started,
        },
    )


def run_writes(
    index: VolumeIndex, picture: Picture, writes: list[tuple[str, list[Volume], bool]]
) -> tuple[dict[str, list[float]], list[int], int]:
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    overlap_counts: list[int] = []
    rejected = 0
    clock = time.perf_counter
    for name, volumes, stale in writes:
        ref = Ref(ObjectKind.OPERATION, name)
        cpu0 = time.process_time()
        t0 = clock()
        check_volumes(volumes, now_s=NOW_S, limits=LIMITS)
        t1 = clock()
        found = index.query(volumes, exclude=ref)
        t2 = clock()
        key = dict(zip(found.ids, found.versions, strict=True))
        if stale and key:
            key[next(iter(key))] = "not-current"
        t_key0 = clock()
        problems = check_key(found, key)
        for entry in problems:  # the 409 body needs their overlap shapes
            entry.to_json()
        t3 = clock()
        if problems:
            rejected += 1
        else:
            picture.revision[name] = picture.revision.get(name, 0) + 1
            picture.plans[name] = volumes
            index.put(ref, owner="writer", version=picture.version(name), volumes=volumes)
        t4 = clock()
        cpu4 = time.process_time()
        found.footprints()
        t5 = clock()
        times["checks"].append(t1 - t0)
        times["query"].append(t2 - t1)
        times["key"].append(t3 - t_key0)
        times["put"].append(t4 - t3)
        times["write"].append((t1 - t0) + (t2 - t1) + (t3 - t_key0) + (t4 - t3))
        times["write, CPU"].append(cpu4 - cpu0)
        times["+ shapes"].append(times["write"][-1] + (t5 - t4))
        overlap_counts.append(len(found))
    return times, overlap_counts, rejected


def reference_scan(
    picture: Picture, name: str, volumes: list[Volume]
) -> tuple[float, set[tuple[str, int, int]]]:
    """Every active volume tested against the write with vectorised shapely, no index."""
    others = [
        (other, j, v)
        for other, plan in picture.plans.items()
        if other != name
        for j, v in enumerate(plan)
    ]
    started = time.perf_counter()
    geoms = np.array([v.footprint for _, _, v in others], dtype=object)
    lo = np.array([v.alt_lower_m for _, _, v in others])
    hi = np.array([v.alt_upper_m for _, _, v in others])
    t0 = np.array([v.start_s for _, _, v in others])
    t1 = np.array([v.end_s for _, _, v in others])
    found: set[tuple[str, int, int]] = set()
    for i, mine in enumerate(volumes):
        shapely.prepare(mine.footprint)
        meets = shapely.intersects(mine.footprint, geoms)
        meets &= (
            (lo < mine.alt_upper_m)
            & (hi > mine.alt_lower_m)
            & (t0 < mine.end_s)
            & (t1 > mine.start_s)
        )
        rows = np.flatnonzero(meets)
        rows = rows[~shapely.touches(mine.footprint, geoms[rows])]
        shapely.destroy_prepared(mine.footprint)
        found.update((others[r][0], i, others[r][1]) for r in rows.tolist())
    return time.perf_counter() - started, found


def make_writes(
    rng: np.random.Generator,
    picture: Picture,
    count: int,
    area: Area,
    mix: tuple[float, float, float],
) -> list[tuple[str, list[Volume], bool]]:
    plans = make_plans(rng, count, area, NOW_S, mix)
    existing = list(picture.plans)
    writes = []
    for i, volumes in enumerate(plans):
        name = f"new-{i}" if i % 2 == 0 else existing[int(rng.integers(len(existing)))]
        writes.append((name, volumes, bool(rng.uniform() < 0.1)))
    return writes


def percentiles_ms(values: list[float]) -> list[float]:
    return [float(np.percentile(values, q)) * 1e3 for q in (50, 95, 99)] + [max(values) * 1e3]


def scenario(
    title: str,
    rng: np.random.Generator,
    n: int,
    n_writes: int,
    n_reference: int,
    area: Area,
    mix: tuple[float, float, float],
) -> None:
    print(f"\n## {title}: {n:,} operations")
    index, picture, load_times = load(rng, n, area, mix)
    volume_count = sum(len(p) for p in picture.plans.values())
    print(
        f"{volume_count:,} volumes; generated in {load_times['generate_s']:.1f} s, "
        f"indexed in {load_times['load_s']:.1f} s, tree rebuild {load_times['tree_s'] * 1e3:.0f} ms"
    )
    gc.collect()
    gc.freeze()  # what the hub does after loading its picture: long-lived objects out of GC scans
    writes = make_writes(rng, picture, n_writes, area, mix)
    # The reference runs on the first writes against the picture as it is before them.
    sample = writes[:n_reference]
    reference = [reference_scan(picture, name, volumes) for name, volumes, _ in sample]
    index_answers = []
    for name, volumes, _ in sample:
        found: Overlaps = index.query(volumes, exclude=Ref(ObjectKind.OPERATION, name))
        index_answers.append(
            set(
                zip(
                    found.ids,
                    found.volume_index.tolist(),
                    found.other_volume_index.tolist(),
                    strict=True,
                )
            )
        )
    agree = all(
        ref_rows == rows for (_, ref_rows), rows in zip(reference, index_answers, strict=True)
    )
    before = index.stats
    times, overlaps, rejected = run_writes(index, picture, writes)
    after = index.stats
    compact_started = time.perf_counter()
    index.compact()
    compact_ms = (time.perf_counter() - compact_started) * 1e3
    print(
        f"{len(writes):,} writes ({rejected:,} answered 409 for a stale key); overlaps per "
        f"write: median {np.median(overlaps):.0f}, p99 {np.percentile(overlaps, 99):.0f}, "
        f"max {max(overlaps)}"
    )
    print(f"{'per write (ms)':<16}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for stage in STAGES:
        p50, p95, p99, top = percentiles_ms(times[stage])
        print(f"{stage:<16}{p50:>9.3f}{p95:>9.3f}{p99:>9.3f}{top:>9.1f}")
    print(
        f"during the writes: {after.recent_rebuilds - before.recent_rebuilds} rebuilds of the "
        f"recent tree, {after.compactions - before.compactions} full compactions "
        f"(one takes {compact_ms:.0f} ms at this size)"
    )
    ref_times = [t for t, _ in reference]
    index_query = times["query"][: len(sample)]
    ref_med, ref_p95 = (float(np.percentile(ref_times, q)) * 1e3 for q in (50, 95))
    print(
        f"reference linear scan ({len(sample)} writes): median {ref_med:.1f} ms, "
        f"p95 {ref_p95:.1f} ms; "
        f"median ratio to the index query {np.median(ref_times) / np.median(index_query):,.0f}×, "
        f"to the whole write {np.median(ref_times) / np.median(times['write']):,.0f}×; "
        f"same answers: {'yes' if agree else 'NO'}"
    )
    gc.unfreeze()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.operations", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=15_000)
    parser.add_argument("--busy-operations", type=int, default=10_000)
    parser.add_argument("--busy-writes", type=int, default=3_000)
    parser.add_argument("--reference-writes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.operations, args.writes, args.busy_operations, args.busy_writes = (
            3_000,
            200,
            1_000,
            200,
        )
        args.reference_writes = 5
    rng = np.random.default_rng(args.seed)
    print(
        f"# bench.operations (seed {args.seed}, shapely {shapely.__version__}, "
        f"GEOS {shapely.geos_version_string})"
    )
    scenario(
        "continental",
        rng,
        args.operations,
        args.writes,
        args.reference_writes,
        CONTINENT,
        CONTINENTAL_MIX,
    )
    scenario(
        "busy area, all within 10 km",
        rng,
        args.busy_operations,
        args.busy_writes,
        args.reference_writes,
        busy_area(),
        (0.8, 0.2, 0.0),
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak_mib:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
