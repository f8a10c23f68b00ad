"""`deconfliction detect` through click's runner, and the quickstart acceptance check."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from deconfliction.cli import main
from deconfliction.detect import MinimaTable
from deconfliction.gateways.conflict_files import CONFLICT_COLUMNS
from deconfliction.gateways.snapshots import SnapshotReader
from tests.detect.reference import Pair, all_pairs_conflicts, reference_classes

HEADER = "time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps\n"
# Head-on at 40 km (conflict at 76.85 s), plus a pair 12 km apart, level, side by side.
SCENE = HEADER + (
    "100,red,r1,0,0,9144,200,90,0\n"
    "100,blue,b1,0,0.359326,9144,200,270,0\n"
    "100,red,r2,20,20,5000,0,0,0\n"
    "100,green,g1,20,20.1148,5000,0,0,0\n"
    "105,red,r1,0,0.008983,9144,200,90,0\n"
    "105,blue,b1,0,0.350343,9144,200,270,0\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["detect", *args])


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    path = tmp_path / "scene.csv"
    path.write_text(SCENE)
    return path


def test_writes_conflicts_to_stdout_and_a_summary_to_stderr(scene: Path) -> None:
    result = run(str(scene))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ",".join(CONFLICT_COLUMNS)
    found = rows(result.stdout)
    assert [(r["time"], r["track_a"], r["track_b"]) for r in found] == [
        ("100", "b1", "r1"),
        ("105", "b1", "r1"),
    ]
    assert found[0]["t_in_s"] == "76.850"
    assert float(found[1]["t_in_s"]) == pytest.approx(76.85 - 5, abs=0.01)
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith("2 snapshots, 4 tracks, 2 conflicts, ")
    assert summary.endswith(" s")


def test_units_in_options(scene: Path) -> None:
    wide = rows(run(str(scene), "--horizontal", "13km").stdout)
    assert ("100", "g1", "r2") in [(r["time"], r["track_a"], r["track_b"]) for r in wide]
    short = rows(run(str(scene), "--lookahead", "1min").stdout)
    assert short == []
    same = rows(
        run(
            str(scene), "--horizontal", "9260m", "--vertical", "304.8m", "--lookahead", "5min"
        ).stdout
    )
    assert same == rows(run(str(scene)).stdout)
    deep = rows(run(str(scene), "--horizontal", "5nm", "--vertical", "1ft").stdout)
    assert len(deep) == 2  # same level: any vertical minimum above 0 is broken


@pytest.mark.parametrize(
    ("option", "value"),
    [("--horizontal", "5 parsecs"), ("--lookahead", "-3s"), ("--vertical", "0ft")],
)
def test_bad_option_values(scene: Path, option: str, value: str) -> None:
    result = run(str(scene), option, value)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    assert option in result.stderr


def test_same_party(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SCENE.replace("blue", "red"))
    assert rows(run(str(path)).stdout) == []
    assert len(rows(run(str(path), "--same-party").stdout)) == 2


def test_output_file_plain_and_gzip(scene: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run(str(scene), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(rows(out.read_text())) == 2
    zipped = tmp_path / "out.csv.gz"
    run(str(scene), "--output", str(zipped))
    assert gzip.decompress(zipped.read_bytes()).decode() == out.read_text()


def test_gzip_input_and_rfc3339_times(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    text = SCENE.replace("\n100,", "\n2021-10-07T12:00:00Z,").replace(
        "\n105,", "\n2021-10-07T12:00:05Z,"
    )
    path.write_bytes(gzip.compress(text.encode()))
    found = rows(run(str(path)).stdout)
    assert [r["time"] for r in found] == ["2021-10-07T12:00:00Z", "2021-10-07T12:00:05Z"]


def test_a_malformed_row_stops_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SCENE + "110,red,r1,0,east,9144,200,90,0\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}: line 8: lon: 'east' is not a number"
    assert "Traceback" not in result.output


def test_skip_bad_skips_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SCENE + "110,red,r1,0,east,9144,200,90,0\n110,red,r1,0,0,9144,200,90\n")
    result = run(str(path), "--skip-bad")
    assert result.exit_code == 0
    assert len(rows(result.stdout)) == 2
    assert result.stderr.strip().endswith(", 2 bad rows skipped")


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(main, ["detect", "--help"])
    assert result.exit_code == 0
    for option in (
        "-o, --output",
        "--horizontal",
        "--vertical",
        "--lookahead",
        "--same-party",
        "--skip-bad",
    ):
        assert option in result.stdout


# --- The quickstart acceptance check --------------------------------------------------------


def detected_by_time(output: str) -> dict[float, set[Pair]]:
    found: dict[float, set[Pair]] = defaultdict(set)
    for r in rows(output):
        found[float(r["time"])].add((r["party_a"], r["track_a"], r["party_b"], r["track_b"]))
    return found


@pytest.fixture(scope="module")
def quickstart_run(shared_data: Path) -> tuple[Path, dict[float, set[Pair]]]:
    path = shared_data / "quickstart.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    result = run(str(path))
    assert result.exit_code == 0, result.output
    return path, detected_by_time(result.stdout)


def test_quickstart_matches_the_all_pairs_exact_reference(
    quickstart_run: tuple[Path, dict[float, set[Pair]]],
) -> None:
    path, found = quickstart_run
    total = 0
    for snap in SnapshotReader(path):
        reference = set(all_pairs_conflicts(snap, MinimaTable()))
        assert found.get(snap.time_s, set()) == reference, snap.time_s
        total += len(reference)
    assert total > 1000


def check_against_geodesic_sampling(path: Path, found: dict[float, set[Pair]], every: int) -> None:
    """Same pairs as pyproj geodesics sampled every 0.5 s, except pairs within 1% of a
    minimum or of the lookahead (which sampling and two motion models may see differently)."""
    conflicts = ambiguous = 0
    for k, snap in enumerate(SnapshotReader(path)):
        if k % every:
            continue
        classes = reference_classes(snap, MinimaTable(), band=0.01)
        got = found.get(snap.time_s, set())
        for pair, kind in classes.items():
            if kind == "ambiguous":
                ambiguous += 1
                continue
            assert (pair in got) == (kind == "conflict"), (snap.time_s, pair, kind)
            conflicts += kind == "conflict"
        assert got <= set(classes), snap.time_s
    # Not vacuous: most conflicts are clear of every limit.
    assert conflicts > 3 * max(1, ambiguous)


def test_quickstart_matches_geodesic_sampling_on_a_sample_of_snapshots(
    quickstart_run: tuple[Path, dict[float, set[Pair]]],
) -> None:
    check_against_geodesic_sampling(*quickstart_run, every=30)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_quickstart_matches_geodesic_sampling_on_every_snapshot(
    quickstart_run: tuple[Path, dict[float, set[Pair]]],
) -> None:
    check_against_geodesic_sampling(*quickstart_run, every=1)
