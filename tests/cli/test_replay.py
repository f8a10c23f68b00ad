"""`deconfliction replay`: recorded traffic through a hub in process, alerts printed."""

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from deconfliction.cli import main
from deconfliction.cli.replay import parse_speed
from deconfliction.errors import InvalidInput
from tests.scenarios import NEAR_MISS_A, NEAR_MISS_B, NEAR_MISS_END_S, NEAR_MISS_START_S

HEADER = "time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps\n"


def test_head_on_pair_is_alerted_to_both_and_resolved(tmp_path: Path) -> None:
    rows = [HEADER]
    for second in range(0, 300, 5):  # 80 km apart at 400 m/s closing; they pass at 200 s
        rows.append(
            f"{1000 + second},blue,BLUE-JET-1,45.0,{5.0 + 0.002541 * second},9000,200,90,0\n"
        )
        rows.append(
            f"{1000 + second},red,RED-JET-1,45.0,{6.0163 - 0.002541 * second},9000,200,270,0\n"
        )
    path = tmp_path / "headon.csv"
    path.write_text("".join(rows))
    result = CliRunner().invoke(main, ["replay", str(path), "--as-fast-as-possible"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[1:3] for line in lines] == [
        ["blue", "opened"],  # an advisory, once found for a minute (117 s ahead)
        ["red", "opened"],
        ["blue", "updated"],  # advisory → predicted (100 s ahead)
        ["red", "updated"],
        ["blue", "updated"],  # predicted → loss
        ["red", "updated"],
        ["blue", "resolved"],
        ["red", "resolved"],
    ]
    assert "vs red" in lines[0] and "BLUE-JET-1" in lines[0] and "RED-JET-1" not in lines[0]
    assert "replayed 60 snapshots, 120 reports (0 rejected) of 2 tracks" in result.stderr


def test_quickstart_raises_the_known_near_miss(shared_data: Path, tmp_path: Path) -> None:
    """The recorded AFR/BAW near miss (tests/scenarios.py) is alerted as a loss."""
    window = tmp_path / "window.csv"
    with gzip.open(shared_data / "quickstart.csv.gz", "rt") as source:
        header = source.readline()
        rows = [
            r
            for r in source
            if NEAR_MISS_START_S - 600 <= float(r.split(",", 1)[0]) <= NEAR_MISS_END_S
        ]
    window.write_text(header + "".join(rows))
    result = CliRunner().invoke(
        main, ["replay", str(window), "--as-fast-as-possible", "--setting", "cycle_s", "5s"]
    )
    assert result.exit_code == 0, result.output
    party_a, track_a = NEAR_MISS_A
    near = [
        line
        for line in result.stdout.splitlines()
        if line.split()[1] == party_a and track_a in line and NEAR_MISS_B[0] in line
    ]
    assert any(" loss" in line for line in near), near


def test_bad_speed_and_options() -> None:
    assert parse_speed("10x") == 10.0
    with pytest.raises(InvalidInput, match=r"write e\.g\. 1x"):
        parse_speed("fast")
    result = CliRunner().invoke(main, ["replay", __file__, "--token", "a=b"])
    assert result.exit_code == 1 and "--token goes with --url" in result.output
