"""Reading snapshot CSV files (plain and gzip) and writing conflicts."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from deconfliction.detect import MinimaTable, detect_conflicts
from deconfliction.errors import InvalidInput
from deconfliction.gateways.conflict_files import CONFLICT_COLUMNS, ConflictWriter, format_seconds
from deconfliction.gateways.snapshots import SnapshotReader
from deconfliction.model.party import Domain

HEADER = "time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps\n"
ROWS = (
    "1633608005,AFR,398564,48.37207,1.417236,6126.5,197.55,16.31,-13.0\n"
    "1633608005,VLJ,39a415,48.953064,2.383681,662.9,80.25,248.54,13.33\n"
    "1633608010,AFR,398564,48.380127,1.420758,6065.5,197.03,16.21,-12.68\n"
)


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz"])
def test_reads_one_snapshot_per_time(tmp_path: Path, name: str) -> None:
    reader = SnapshotReader(write(tmp_path, HEADER + ROWS, name))
    snapshots = list(reader)
    assert [s.time_s for s in snapshots] == [1633608005.0, 1633608010.0]
    assert [len(s) for s in snapshots] == [2, 1]
    first = snapshots[0]
    assert first.track.tolist() == ["398564", "39a415"]
    assert first.parties == ("AFR", "VLJ")
    assert first.vs_mps.tolist() == [-13.0, 13.33]
    assert first.domain.tolist() == [Domain.AIR.code] * 2
    assert (reader.rows, reader.skipped, reader.tracks, reader.rfc3339) == (3, 0, 2, False)
    assert reader.done == reader.total


def test_rfc3339_times_columns_in_any_order_and_a_domain_column(tmp_path: Path) -> None:
    text = (
        "track,party,domain,time,lat,lon,alt_m,gs_mps,course_deg,vs_mps,callsign\n"
        "g1,red,ground,2021-10-07T12:00:05Z,48,2,,10,90,,ignored\n"
        "a1,red,,2021-10-07T14:00:05+02:00,48,2,3000,100,90,0,ignored\n"
    )
    reader = SnapshotReader(write(tmp_path, text))
    (snap,) = list(reader)
    assert snap.time_s == 1633608005.0
    assert snap.domain.tolist() == [Domain.GROUND.code, Domain.AIR.code]
    assert snap.alt_m.tolist() == [0.0, 3000.0]
    assert reader.rfc3339


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1633608015,AFR,1,91,2,0,0,0,0", "line 5: lat: 91 is outside \\[-90, 90\\]"),
        ("1633608015,AFR,1,48,2,abc,0,0,0", "line 5: alt_m: 'abc' is not a number"),
        ("1633608015,AFR,1,48,2,0,-3,0,0", "line 5: gs_mps: -3 is outside"),
        ("1633608015,AFR,1,48,2,0,0,nan,0", "line 5: course_deg: 'nan' is not a finite number"),
        ("1633608015,AFR,1,48,2,0,0,0", "line 5: row: expected 9 fields, got 8"),
        ("yesterday,AFR,1,48,2,0,0,0,0", "line 5: time: 'yesterday' is neither"),
        ("2021-10-07T12:00:05,AFR,1,48,2,0,0,0,0", "line 5: time: .* has no UTC offset"),
        ("1633608015,,1,48,2,0,0,0,0", "line 5: party: is empty"),
        ("1633608015,AFR,,48,2,0,0,0,0", "line 5: track: is empty"),
        (
            "1633608000,AFR,1,48,2,0,0,0,0",
            "line 5: time: '1633608000' is earlier than the time of line 4",
        ),
        (
            "1633608010,AFR,398564,48,2,0,0,0,0",
            "line 5: track: '398564' of party 'AFR' appears twice",
        ),
    ],
)
def test_malformed_rows_name_the_line_and_the_field(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, HEADER + ROWS + row + "\n")
    with pytest.raises(InvalidInput, match=message):
        list(SnapshotReader(path))
    reader = SnapshotReader(path, skip_bad=True)
    assert [len(s) for s in reader] == [2, 1]
    assert reader.skipped == 1


def test_a_bad_domain_and_a_missing_column(tmp_path: Path) -> None:
    text = (
        "time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps,domain\n0,a,1,0,0,0,0,0,0,space\n"
    )
    with pytest.raises(
        InvalidInput, match="line 2: domain: 'space' is not one of air, ground, sea"
    ):
        list(SnapshotReader(write(tmp_path, text)))
    with pytest.raises(InvalidInput, match="line 1: missing column 'vs_mps'"):
        list(SnapshotReader(write(tmp_path, "time,party,track,lat,lon,alt_m,gs_mps,course_deg\n")))


def test_empty_files_and_blank_lines(tmp_path: Path) -> None:
    assert list(SnapshotReader(write(tmp_path, ""))) == []
    assert list(SnapshotReader(write(tmp_path, HEADER))) == []
    assert len(list(SnapshotReader(write(tmp_path, HEADER + "\n" + ROWS + "\n")))) == 2


def test_a_file_that_is_not_gzip(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    path.write_text(HEADER + ROWS)
    with pytest.raises(InvalidInput, match="cannot be read as CSV"):
        list(SnapshotReader(path))


def test_writes_conflict_rows(tmp_path: Path) -> None:
    text = HEADER + (
        "100,red,r1,0,0,9144,200,90,0\n"
        "100,blue,b1,0,0.359326,9144,200,270,0\n"
        "100,green,g1,10,10,9144,200,270,0\n"
    )
    (snap,) = list(SnapshotReader(write(tmp_path, text)))
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
