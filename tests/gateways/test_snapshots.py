"""Reading snapshots from recorded traffic: snapshot CSV (plain and gzip) and Parquet,
every malformed row named, in batches of any size."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from deconfliction.errors import InvalidInput
from deconfliction.gateways import batches
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


# --- Parquet ---------------------------------------------------------------------------


def parquet_of(tmp_path: Path, text: str, name: str = "in.parquet") -> Path:
    """The CSV ``text`` as a Parquet file (numbers as float64, ids and times as text)."""
    table = pacsv.read_csv(
        io.BytesIO(text.encode()),
        convert_options=pacsv.ConvertOptions(
            column_types={"time": pa.string(), "party": pa.string(), "track": pa.string()}
        ),
    )
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_parquet_with_the_snapshot_columns(tmp_path: Path) -> None:
    reader = SnapshotReader(parquet_of(tmp_path, HEADER + ROWS))
    snapshots = list(reader)
    assert [s.time_s for s in snapshots] == [1633608005.0, 1633608010.0]
    assert snapshots[0].track.tolist() == ["398564", "39a415"]
    assert snapshots[0].vs_mps.tolist() == [-13.0, 13.33]
    assert (reader.rows, reader.skipped, reader.tracks, reader.done) == (3, 0, 2, 3)
    assert reader.progress_unit == "row"


def test_parquet_typed_times_and_a_malformed_row_names_its_row(tmp_path: Path) -> None:
    table = pa.table(
        {
            "time": pa.array([1633608005_000, 1633608005_000], pa.timestamp("ms", tz="UTC")),
            "party": ["AFR", "VLJ"],
            "track": ["398564", "39a415"],
            "lat": [48.0, 91.0],
            "lon": [2.0, 2.0],
            "alt_m": [6000.0, 6000.0],
            "gs_mps": [200.0, 200.0],
            "course_deg": [0.0, 0.0],
            "vs_mps": [None, 1.0],
        }
    )
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    with pytest.raises(InvalidInput, match=r"in.parquet: row 2: lat: 91 is outside \[-90, 90\]"):
        list(SnapshotReader(path))
    reader = SnapshotReader(path, skip_bad=True)
    (snap,) = list(reader)
    assert (snap.time_s, snap.vs_mps.tolist(), reader.skipped, reader.rfc3339) == (
        1633608005.0,
        [0.0],
        1,
        True,
    )
    naive = table.set_column(0, "time", table.column("time").cast(pa.timestamp("ms")))
    pq.write_table(naive, path)
    with pytest.raises(InvalidInput, match="without a time zone"):
        list(SnapshotReader(path))


# --- Batches: a file read in pieces of any size ----------------------------------------


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """CSV read in pieces of a few rows, so that snapshots and errors span batches."""
    monkeypatch.setattr(batches, "PIECE_BYTES", 200)


def many_rows(snapshots: int = 6, tracks: int = 5) -> str:
    return "".join(
        f"{1000 + 5 * k},p{i % 2},t{i},{10 + i},{20 + k / 100},3000,150,90,0\n"
        for k in range(snapshots)
        for i in range(tracks)
    )


@pytest.mark.usefixtures("small_blocks")
def test_snapshots_spanning_batches(tmp_path: Path) -> None:
    reader = SnapshotReader(write(tmp_path, HEADER + many_rows()))
    snapshots = list(reader)
    assert [len(s) for s in snapshots] == [5] * 6
    assert [s.time_s for s in snapshots] == [1000.0 + 5 * k for k in range(6)]
    assert snapshots[-1].lon.tolist() == [20.05] * 5
    assert (reader.rows, reader.tracks) == (30, 5)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(
    ("line", "row", "message"),
    [
        (29, "1025,p0,t9,48,2,abc,0,0,0", "line 29: alt_m: 'abc' is not a number"),
        (29, "1025,p0,t9,48,2,0,0", "line 29: row: expected 9 fields, got 7"),
        (
            29,
            "1020,p0,t9,48,2,0,0,0,0",
            "line 29: time: '1020' is earlier than the time of line 27",
        ),
        (29, "1025,p0,t0,48,2,0,0,0,0", "line 29: track: 't0' of party 'p0' appears twice"),
        (4, "1000,p0,t0,48,2,0,0,0,0", "line 4: track: 't0' of party 'p0' appears twice"),
    ],
)
def test_malformed_rows_in_later_batches(tmp_path: Path, line: int, row: str, message: str) -> None:
    lines = (HEADER + many_rows()).splitlines(keepends=True)
    lines.insert(line - 1, row + "\n")
    path = write(tmp_path, "".join(lines))
    with pytest.raises(InvalidInput, match=message):
        list(SnapshotReader(path))
    reader = SnapshotReader(path, skip_bad=True)
    assert sum(len(s) for s in reader) == 30
    assert (reader.skipped, reader.rows) == (1, 31)


@pytest.mark.usefixtures("small_blocks")
def test_the_first_bad_row_in_file_order_is_named(tmp_path: Path) -> None:
    """A track twice before a bad number in a later batch: the repeat is named first."""
    rows = many_rows(2).splitlines(keepends=True)
    rows.insert(7, "1005,p0,t0,48,2,0,0,0,0\n")  # line 9, a repeat of line 7
    rows.insert(9, "1005,p0,t9,48,2,0,east,0,0\n")  # line 11, after it
    path = write(tmp_path, HEADER + "".join(rows))
    with pytest.raises(InvalidInput, match="line 9: track: 't0' of party 'p0' appears twice"):
        list(SnapshotReader(path))
    reader = SnapshotReader(path, skip_bad=True)
    assert [len(s) for s in reader] == [5, 5]
    assert reader.skipped == 2


def test_a_byte_order_mark_and_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROWS).replace("\n", "\r\n").encode())
    assert [len(s) for s in SnapshotReader(path)] == [2, 1]


def test_ids_alike_once_trimmed_are_one_track(tmp_path: Path) -> None:
    rows = ["1000, AFR ,t1", "1000,AFR, t1", "1000,AFR,t2"]
    text = HEADER + "".join(f"{row},48,2,0,0,0,0\n" for row in rows)
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput, match="line 3: track: 't1' of party 'AFR' appears twice"):
        list(SnapshotReader(path))
    reader = SnapshotReader(path, skip_bad=True)
    (snap,) = list(reader)
    assert (snap.track.tolist(), snap.parties, reader.skipped, reader.tracks) == (
        ["t1", "t2"],
        ("AFR",),
        1,
        2,
    )


def test_a_track_id_in_two_parties_is_two_tracks(tmp_path: Path) -> None:
    rows = ["1000,a\x1fb,c", "1000,a,b\x1fc", "1000,b,c"]  # alike once joined by the separator
    text = HEADER + "".join(f"{row},48,2,0,0,0,0\n" for row in rows)
    (snap,) = list(SnapshotReader(write(tmp_path, text)))
    assert snap.party_names() == ["a\x1fb", "a", "b"]


@pytest.mark.usefixtures("small_blocks")
def test_a_line_longer_than_a_piece(tmp_path: Path) -> None:
    long_id = "x" * 500
    rows = many_rows(2).splitlines(keepends=True)
    rows.insert(3, f"1000,p1,{long_id},48,2,0,0,0,0\n")
    path = write(tmp_path, HEADER + "".join(rows), "in.csv.gz")
    snapshots = list(SnapshotReader(path))
    assert [len(s) for s in snapshots] == [6, 5]
    assert long_id in snapshots[0].track.tolist()
    with_bad = HEADER + "".join(rows) + "1010,p0,t0,91,2,0,0,0,0\n"
    with pytest.raises(InvalidInput, match="line 13: lat: 91 is outside"):
        list(SnapshotReader(write(tmp_path, with_bad)))
