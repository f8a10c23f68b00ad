"""Benchmark of recorded traffic read at the engine's speed, and of the command line's start.

    python -m bench.read                     # everything (a 10-million-row file: minutes)
    python -m bench.read --rows 2000000      # a smaller file for the parsing figures
    python -m bench.read --only help,detect  # some parts

- ``help``: ``deconfliction --help``, median wall time of fresh processes (target
  <= 0.25 s), beside ``python -c pass`` (the interpreter's own start).
- ``detect``: the whole process ``deconfliction detect IN.csv -o OUT.csv`` on 5 snapshots of
  25,000 tracks (the dense and global layouts of ``bench.detect``), against the reference
  script ``bench._detect_reference`` (``pandas.read_csv`` + scipy ``cKDTree``) on the same
  file in the same run, runs interleaved (target <= 0.5x the reference). Both must find the
  same conflicts.
- ``parse``: ``SnapshotReader`` over a generated file (``--rows``, 25,000 moving tracks per
  snapshot; CSV and Parquet) in a fresh process: rows/s to snapshots, rows/s to checked
  columns only (the parse and every row check, without assembling snapshots), CPU time and
  peak RSS; and the peak RSS on a file a tenth as long, to show memory flat with size
  (target >= 3 million rows/s for CSV, more for Parquet).

Files are generated in a temporary folder and deleted (``--keep DIR`` keeps them there).
Times are wall clock; CPU time (user + system of the process, every thread) is shown beside
them because a shared machine slows wall time down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TRACKS = 25_000
STEP_S = 5.0
T0 = 1_700_000_000.0


def deconfliction_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("deconfliction")
    return [str(script)] if script.exists() else [sys.executable, "-m", "deconfliction"]


def run_timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


# --- Files ------------------------------------------------------------------------------


def write_detect_workload(kind: str, path: Path, snapshots: int = 5) -> None:
    """Snapshots of ``bench.detect.workload`` (a new seed each), 5 s apart, as snapshot CSV."""
    import pyarrow.csv as pacsv

    from bench.detect import workload

    with pacsv.CSVWriter(str(path), _schema()) as writer:
        for k in range(snapshots):
            writer.write_table(_table(workload(kind, TRACKS, 1 + k), T0 + STEP_S * k))


def write_long_file(path: Path, rows: int) -> None:
    """``rows`` rows: 25,000 tracks of the global layout moving 5 s per snapshot."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from bench.detect import workload
    from deconfliction.detect.snapshot import extrapolate

    base = workload("global", TRACKS, 1)
    parquet = path.suffix == ".parquet"
    writer: Any = (
        pq.ParquetWriter(str(path), _schema()) if parquet else pacsv.CSVWriter(str(path), _schema())
    )
    tables = []
    with writer:
        for k in range((rows + TRACKS - 1) // TRACKS):
            snap = extrapolate(base, STEP_S * k)
            table = _table(snap, T0 + STEP_S * k)
            if k * TRACKS + TRACKS > rows:
                table = table.slice(0, rows - k * TRACKS)
            tables.append(table)
            if not parquet or len(tables) * TRACKS >= 1_000_000:  # row groups of 1 M rows
                import pyarrow as pa

                writer.write_table(pa.concat_tables(tables))
                tables = []
        if tables:
            import pyarrow as pa

            writer.write_table(pa.concat_tables(tables))


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("time", pa.int64()),
            ("party", pa.string()),
            ("track", pa.string()),
            *((name, pa.float64()) for name in ("lat", "lon", "alt_m")),
            *((name, pa.float64()) for name in ("gs_mps", "course_deg", "vs_mps")),
        ]
    )


def _table(snap: Any, time_s: float) -> Any:
    import numpy as np
    import pyarrow as pa

    n = len(snap)
    return pa.table(
        {
            "time": np.full(n, int(time_s), dtype=np.int64),
            "party": pa.array(snap.party_names(), pa.string()),
            "track": pa.array(snap.track.tolist(), pa.string()),
            "lat": np.round(snap.lat, 6),
            "lon": np.round(snap.lon, 6),
            "alt_m": np.round(snap.alt_m, 1),
            "gs_mps": np.round(snap.gs_mps, 2),
            "course_deg": np.round(snap.course_deg, 2),
            "vs_mps": np.round(snap.vs_mps, 2),
        },
        schema=_schema(),
    )


# --- Parts -----------------------------------------------------------------------------


def bench_help(repeats: int) -> None:
    print(f"== deconfliction --help ({repeats} fresh processes, interleaved)")
    help_runs: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    for _ in range(repeats):
        help_runs.append(run_timed([*deconfliction_command(), "--help"]))
        bare.append(run_timed([sys.executable, "-c", "pass"]))
    for name, runs in (("deconfliction --help", help_runs), ("python -c pass", bare)):
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        target = f"  (target <= 0.25 s: {'met' if wall <= 0.25 else 'MISSED'})"
        print(
            f"  {name:<22} median {wall:6.3f} s  min {min(w for w, _ in runs):6.3f} s  "
            f"cpu {cpu:6.3f} s{target if name.startswith('dec') else ''}"
        )


def bench_detect(folder: Path, repeats: int, kinds: list[str]) -> None:
    for kind in kinds:
        source = folder / f"{kind}.csv"
        write_detect_workload(kind, source)
        ours_out, ref_out = folder / f"{kind}-ours.csv", folder / f"{kind}-reference.csv"
        ours: list[tuple[float, float]] = []
        reference: list[tuple[float, float]] = []
        for _ in range(repeats):
            ours.append(
                run_timed([*deconfliction_command(), "detect", str(source), "-o", str(ours_out)])
            )
            reference.append(
                run_timed(
                    [sys.executable, "-m", "bench._detect_reference", str(source), str(ref_out)]
                )
            )
        same = _conflicts(ours_out) == _conflicts(ref_out)
        size = source.stat().st_size / 1e6
        wall_o, wall_r = (statistics.median(w for w, _ in runs) for runs in (ours, reference))
        cpu_o, cpu_r = (statistics.median(c for _, c in runs) for runs in (ours, reference))
        ratio = wall_o / wall_r
        print(
            f"== detect, {kind}: 5 snapshots x {TRACKS:,} tracks ({size:.1f} MB CSV), "
            f"median of {repeats}"
        )
        print(f"  deconfliction detect   {wall_o:6.2f} s  (cpu {cpu_o:5.2f} s)")
        print(f"  pandas + cKDTree       {wall_r:6.2f} s  (cpu {cpu_r:5.2f} s)")
        print(
            f"  ratio {ratio:.2f} (cpu {cpu_o / cpu_r:.2f}; target <= 0.5: "
            f"{'met' if ratio <= 0.5 else 'MISSED'}); same conflicts: "
            f"{'yes' if same else 'NO'} ({len(_conflicts(ours_out)):,})"
        )


def _conflicts(path: Path) -> set[tuple[float, str, str]]:
    import csv

    with path.open() as handle:
        return {(float(r["time"]), r["track_a"], r["track_b"]) for r in csv.DictReader(handle)}


def bench_parse(folder: Path, rows: int) -> None:
    for suffix in (".csv", ".parquet"):
        long_path, short_path = folder / f"long{suffix}", folder / f"short{suffix}"
        started = time.perf_counter()
        write_long_file(long_path, rows)
        write_long_file(short_path, rows // 10)
        made = time.perf_counter() - started
        size = long_path.stat().st_size / 1e6
        print(
            f"== parse {suffix[1:]}: {rows:,} rows, {size:,.0f} MB "
            f"(and {rows // 10:,} rows; generated in {made:.0f} s)"
        )
        for stage in ("snapshots", "checked"):
            figures = _read_in_child(long_path, stage)
            rate = figures["rows"] / figures["wall_s"]
            target = (
                ""
                if stage == "checked" or suffix != ".csv"
                else (f"  (target >= 3 M rows/s: {'met' if rate >= 3e6 else 'MISSED'})")
            )
            print(
                f"  to {stage:<10} {figures['wall_s']:6.2f} s  {rate / 1e6:5.2f} M rows/s  "
                f"cpu {figures['cpu_s']:6.2f} s  peak RSS {figures['rss_mib']:5.0f} MiB{target}"
            )
        short = _read_in_child(short_path, "snapshots")
        print(
            f"  peak RSS to snapshots: {short['rss_mib']:.0f} MiB for {rows // 10:,} rows, "
            f"{_read_in_child(long_path, 'snapshots')['rss_mib']:.0f} MiB for {rows:,}"
        )


def _read_in_child(path: Path, stage: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.read", "--child", stage, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def child(stage: str, path: Path) -> None:
    """Read ``path`` once in this process and print the figures as JSON."""
    from deconfliction.gateways.layouts import choose_layout
    from deconfliction.gateways.rows import check
    from deconfliction.gateways.snapshots import SnapshotReader

    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    if stage == "snapshots":
        for snapshot in SnapshotReader(path):
            rows += len(snapshot)
    else:
        from deconfliction.gateways.batches import open_source

        source = open_source(path)
        layout = choose_layout(source.header, "auto", str(path))
        text = {"time", "party", "track"}
        for batch in source.batches(layout.columns(source.header), text, False):
            checked = check(batch, layout)
            assert not checked.bad.any()
            rows += len(checked)
    figures = {
        "rows": rows,
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    print(json.dumps(figures))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.read", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", default="help,detect,parse", help="parts, comma-separated")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the parse file")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each timed command")
    parser.add_argument("--layouts", default="dense,global", help="detect: bench.detect layouts")
    parser.add_argument("--keep", type=Path, help="generate the files here and keep them")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    parts = set(args.only.split(","))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-read-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    try:
        if "help" in parts:
            bench_help(max(args.repeats, 11))
        if "detect" in parts:
            bench_detect(folder, args.repeats, args.layouts.split(","))
        if "parse" in parts:
            bench_parse(folder, args.rows)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
