"""Writing conflicts: CSV (times as they were read) and Parquet."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq

from deconfliction.detect import MinimaTable, detect_conflicts
from deconfliction.gateways.conflict_files import (
    CONFLICT_COLUMNS,
    ConflictWriter,
    ParquetConflictWriter,
    format_seconds,
)
from deconfliction.gateways.snapshots import SnapshotReader
from tests.gateways.test_snapshots import HEADER, write

SCENE = HEADER + (
    "100,red,r1,0,0,9144,200,90,0\n"
    "100,blue,b1,0,0.359326,9144,200,270,0\n"
    "100,green,g1,10,10,9144,200,270,0\n"
)


def test_writes_conflict_rows(tmp_path: Path) -> None:
    (snap,) = list(SnapshotReader(write(tmp_path, SCENE)))
    out = io.StringIO()
    writer = ConflictWriter(out)
    writer.write(snap.time_s, detect_conflicts(snap, MinimaTable()))
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(CONFLICT_COLUMNS)
    assert lines[1] == "100,b1,r1,blue,red,76.850,123.150,100.000,0.0"
    assert writer.rows == 1


def test_format_seconds() -> None:
    assert format_seconds(1633608005.0, False) == "1633608005"
    assert format_seconds(1633608005.25, False) == "1633608005.25"
    assert format_seconds(1633608005.0, True) == "2021-10-07T12:00:05Z"


def test_rfc3339_times_when_the_input_had_them(tmp_path: Path) -> None:
    (snap,) = list(SnapshotReader(write(tmp_path, SCENE)))
    out = io.StringIO()
    writer = ConflictWriter(out, lambda: True)
    writer.write(snap.time_s, detect_conflicts(snap, MinimaTable()))
    assert out.getvalue().splitlines()[1].startswith("1970-01-01T00:01:40Z,b1,r1,")


def test_writes_parquet(tmp_path: Path) -> None:
    (snap,) = list(SnapshotReader(write(tmp_path, SCENE)))
    path = tmp_path / "out.parquet"
    writer = ParquetConflictWriter(path)
    writer.write(snap.time_s, detect_conflicts(snap, MinimaTable()))
    writer.close()
    table = pq.read_table(path)
    assert table.column_names == list(CONFLICT_COLUMNS)
    row = table.to_pylist()[0]
    assert row["time"].isoformat() == "1970-01-01T00:01:40+00:00"
    assert (row["track_a"], row["track_b"], row["party_a"], row["party_b"]) == (
        "b1",
        "r1",
        "blue",
        "red",
    )
    assert round(row["t_in_s"], 3) == 76.85
    assert writer.rows == 1
