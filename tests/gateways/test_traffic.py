"""Recorded ADS-B in the `traffic` library's columns (feet, knots, ft/min), from Parquet or
CSV; reports at each aircraft's own times resampled onto a grid."""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from deconfliction.cli import main
from deconfliction.detect import MinimaTable, Snapshot, detect_conflicts, extrapolate
from deconfliction.errors import InvalidInput
from deconfliction.gateways.layouts import FT_M, FT_PER_MIN_MPS, KT_MPS
from deconfliction.gateways.snapshots import SnapshotReader
from deconfliction.units import format_time

AIRLINE = re.compile("^[A-Z]{3}[0-9]")


def callsign_of(party: str) -> str:
    """A callsign whose derived party is ``party`` (AFR → AFR12, FHMAC → FHMAC)."""
    if re.fullmatch("[A-Z]{3}", party):
        return party + "12"
    assert not AIRLINE.match(party), party
    return party


def traffic_table(snapshot_csv: Path, *, first_rows: int | None = None) -> pa.Table:
    """A snapshot CSV in the traffic library's columns and units."""
    source = pacsv.read_csv(
        snapshot_csv,
        convert_options=pacsv.ConvertOptions(
            column_types={"time": pa.int64(), "party": pa.string(), "track": pa.string()}
        ),
    )
    if first_rows is not None:
        source = source.slice(0, first_rows)
    parties = source.column("party").to_pylist()
    return pa.table(
        {
            "timestamp": pc.cast(
                pc.multiply(source.column("time"), 1000), pa.timestamp("ms", tz="UTC")
            ),
            "icao24": source.column("track"),
            "callsign": [callsign_of(p) for p in parties],
            "latitude": source.column("lat"),
            "longitude": source.column("lon"),
            "altitude": pc.divide(source.column("alt_m"), FT_M),
            "groundspeed": pc.divide(source.column("gs_mps"), KT_MPS),
            "track": source.column("course_deg"),
            "vertical_rate": pc.divide(source.column("vs_mps"), FT_PER_MIN_MPS),
        }
    )


@pytest.fixture(scope="module")
def quickstart(shared_data: Path) -> Path:
    return shared_data / "quickstart.csv.gz"


@pytest.fixture(scope="module")
def quickstart_parquet(quickstart: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("traffic") / "quickstart.parquet"
    pq.write_table(traffic_table(quickstart), path)
    return path


def test_quickstart_in_traffic_columns_reads_as_the_snapshot_csv(
    quickstart: Path, quickstart_parquet: Path
) -> None:
    reader, csv_reader = SnapshotReader(quickstart_parquet), SnapshotReader(quickstart)
    ours = list(csv_reader)
    theirs = list(reader)
    assert reader.layout == "traffic"
    assert reader.rfc3339
    assert len(theirs) == len(ours) == 2160
    # 210 aircraft, one of which changed callsign: 211 (party, track).
    assert (reader.rows, reader.tracks, reader.skipped) == (45401, 211, 0)
    assert csv_reader.tracks == 211
    for a, b in zip(ours, theirs, strict=True):
        assert a.time_s == b.time_s
        assert a.track.tolist() == b.track.tolist()
        assert a.party_names() == b.party_names()
        for name in ("lat", "lon", "alt_m", "gs_mps", "course_deg", "vs_mps"):
            np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=1e-12, atol=1e-9)


def test_detect_finds_the_same_conflicts_in_both(
    quickstart: Path, quickstart_parquet: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, ["detect", str(quickstart_parquet), "-o", str(out)])
    assert result.exit_code == 0, result.output
    found = pq.read_table(out).to_pylist()
    expected = CliRunner().invoke(main, ["detect", str(quickstart)])
    rows = list(csv.DictReader(io.StringIO(expected.stdout)))
    assert len(rows) > 1000
    assert [(int(r["time"].timestamp()), r["track_a"], r["track_b"]) for r in found] == [
        (int(r["time"]), r["track_a"], r["track_b"]) for r in rows
    ]


def test_traffic_csv_with_text_times_and_explicit_columns(tmp_path: Path) -> None:
    path = tmp_path / "flights.csv"
    path.write_text(
        "timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track,vertical_rate\n"
        "2021-10-07 12:00:05+00:00,398564,AFR12AB,48.37,1.41,20000,384,16.31,-2560\n"
        "2021-10-07 12:00:05+00:00,39a415,,48.95,2.38,2175,156,248.5,\n"
        "2021-10-07 12:00:05+00:00,3c6444,DUKE58,48.95,2.38,2175,156,248.5,0\n"
    )
    reader = SnapshotReader(path, columns="traffic")
    (snap,) = list(reader)
    assert snap.time_s == 1633608005.0
    assert snap.party_names() == ["AFR", "39a415", "DUKE58"]
    assert snap.alt_m[0] == pytest.approx(6096.0)
    assert snap.gs_mps[0] == pytest.approx(197.55, abs=0.01)
    assert snap.vs_mps.tolist() == pytest.approx([-13.004, 0.0, 0.0], abs=1e-3)
    assert reader.rfc3339


def test_traffic_rows_are_named_by_their_own_columns(tmp_path: Path) -> None:
    path = tmp_path / "flights.csv"
    path.write_text(
        "timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track\n"
        "1633608005,398564,AFR12AB,48.37,1.41,20000,-3,16.31\n"
    )
    with pytest.raises(InvalidInput, match="line 2: groundspeed: -3 is outside"):
        list(SnapshotReader(path))
    with pytest.raises(InvalidInput, match="line 1: missing column 'time'"):
        list(SnapshotReader(path, columns="snapshot"))
    with pytest.raises(
        InvalidInput,
        match="line 1: missing column 'time'; the header needs time,icao24,lat,lon,baroalt",
    ):
        list(SnapshotReader(path, columns="opensky"))


# --- Resampling ------------------------------------------------------------------------


def offset_s(track: str) -> float:
    """Each aircraft reports 0–4 s before the grid times, by its own clock."""
    return float(zlib.crc32(track.encode()) % 5)


def staggered(snapshots: list[Snapshot]) -> Iterator[tuple[float, int, Snapshot]]:
    """Each snapshot's tracks as reported ``offset_s`` earlier (moved back that far)."""
    for snap in snapshots:
        offsets = np.array([offset_s(t) for t in snap.track])
        earlier = extrapolate(snap, -offsets, time_s=snap.time_s)
        for i in range(len(snap)):
            yield snap.time_s - offsets[i], i, earlier


def write_staggered(path: Path, snapshots: list[Snapshot]) -> None:
    rows = sorted(staggered(snapshots), key=lambda item: item[0])
    lines = ["timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track"]
    for time_s, i, snap in rows:
        lines.append(
            f"{format_time(time_s)},{snap.track[i]},{callsign_of(snap.party_names()[i])},"
            f"{float(snap.lat[i])!r},{float(snap.lon[i])!r},{float(snap.alt_m[i]) / FT_M!r},"
            f"{float(snap.gs_mps[i]) / KT_MPS!r},{float(snap.course_deg[i])!r}"
        )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def first_snapshots(quickstart: Path) -> list[Snapshot]:
    """Ten minutes of quickstart with level flight (the resampling test moves tracks
    horizontally only: the traffic columns written here have no vertical rate)."""
    snapshots = []
    for snap in SnapshotReader(quickstart):
        snapshots.append(
            Snapshot(**{**snap.__dict__, "vs_mps": np.zeros(len(snap))})  # type: ignore[arg-type]
        )
        if len(snapshots) == 120:
            break
    return snapshots


def test_resampling_moves_each_report_to_the_grid(
    first_snapshots: list[Snapshot], tmp_path: Path
) -> None:
    path = tmp_path / "staggered.csv"
    write_staggered(path, first_snapshots)
    reader = SnapshotReader(path, every_s=5.0, max_age_s=4.5)
    resampled = {s.time_s: s for s in reader}
    assert sorted(resampled) == [s.time_s for s in first_snapshots]
    for original in first_snapshots:
        grid = resampled[original.time_s]
        # Reports at most 4 s old: exactly the tracks of the original snapshot.
        assert sorted(grid.track.tolist()) == sorted(original.track.tolist())
        order = {t: i for i, t in enumerate(grid.track.tolist())}
        at = np.array([order[t] for t in original.track.tolist()])
        np.testing.assert_allclose(grid.lat[at], original.lat, atol=1e-7)
        np.testing.assert_allclose(grid.lon[at], original.lon, atol=1e-7)
        np.testing.assert_allclose(grid.course_deg[at], original.course_deg, atol=1e-6)
        assert grid.party_names() == [grid.parties[c] for c in grid.party.tolist()]
        found = detect_conflicts(grid, MinimaTable()).pairs()
        assert found == detect_conflicts(original, MinimaTable()).pairs()


def test_resampling_keeps_a_track_until_its_report_is_too_old(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track\n"
        "101,aaaaaa,AFR1,48,2,10000,300,90\n"
        "103,bbbbbb,BAW2,49,2,10000,300,90\n"
        "118,bbbbbb,BAW2,49,2.1,10000,300,90\n"
        "1000,aaaaaa,AFR1,48,3,10000,300,90\n"
    )
    snapshots = list(SnapshotReader(path, every_s=5.0, max_age_s=12.0))
    seen = [(s.time_s, sorted(s.track.tolist())) for s in snapshots]
    assert seen == [
        (105.0, ["aaaaaa", "bbbbbb"]),
        (110.0, ["aaaaaa", "bbbbbb"]),
        (115.0, ["bbbbbb"]),  # aaaaaa's report of 101 is 14 s old
        (120.0, ["bbbbbb"]),
        (125.0, ["bbbbbb"]),
        (130.0, ["bbbbbb"]),
        (1000.0, ["aaaaaa"]),  # nothing live in between: the grid jumps the gap
    ]
    moved = snapshots[0]
    assert moved.lon[0] > 2.0  # aaaaaa flew east 4 s from its report


def test_detect_and_replay_resample_with_every(
    first_snapshots: list[Snapshot], tmp_path: Path
) -> None:
    path = tmp_path / "staggered.csv"
    write_staggered(path, first_snapshots[:24])
    # The grid ends at or before the last report (24 if one was made on the last grid time).
    grid = len(list(SnapshotReader(path, every_s=5.0)))
    assert grid in (23, 24)
    result = CliRunner().invoke(main, ["detect", str(path), "--every", "5s"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"{grid} snapshots, ")
    result = CliRunner().invoke(
        main, ["replay", str(path), "--every", "5s", "--as-fast-as-possible"]
    )
    assert result.exit_code == 0, result.output
    assert f"replayed {grid} snapshots" in result.stderr
    bad = CliRunner().invoke(main, ["detect", str(path), "--every", "0s"])
    assert bad.exit_code == 2
    assert "--every" in bad.stderr
