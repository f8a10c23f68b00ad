"""``deconfliction demo`` on the command line: a kept database, --real, Ctrl-C, a busy port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from deconfliction.cli import main
from deconfliction.store import SQLiteStore


@pytest.mark.slow
def test_a_loop_at_high_speed_keeps_the_database_given(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(
        main, ["demo", "--port", "0", "--speed", "50", "--loops", "1", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"console   http://127\.0\.0\.1:\d+/ ", result.output)
    assert f"database  {db} (kept)" in result.output
    assert result.output.rstrip().endswith(f"database kept in {db}")
    assert db.exists() and db.with_suffix(".key").exists()
    store = SQLiteStore(db)
    try:
        assert {p.name for p in store.list_parties()} == {"coalition", "federation", "humanitarian"}
    finally:
        store.close()


def test_real_replays_a_snapshot_csv_with_airlines_as_parties(tmp_path: Path) -> None:
    """Two aircraft of two airlines, head-on at the same level: the alert reaches both."""
    csv = tmp_path / "two.csv"
    rows = ["time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps"]
    for i in range(4):
        t = 1_633_610_400 + 5 * i
        rows.append(f"{t},AFR,3944e7,49.0,{2.00 + 0.01 * i:.2f},3000,150,90,0")
        rows.append(f"{t},BAW,400804,49.0,{2.40 - 0.01 * i:.2f},3000,150,270,0")
    csv.write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(
        main, ["demo", "--real", "--data", str(csv), "--port", "0", "--speed", "20", "--loops", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "4 snapshots of recorded ADS-B traffic around Paris, 2 airlines as parties" in result.output
    )
    assert re.search(r"AFR +hears +ALERT .*loss of separation: 3944e7 and BAW's", result.output)
    assert re.search(r"BAW +hears +ALERT .*loss of separation: 400804 and AFR's", result.output)


def test_real_says_where_the_data_should_be(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--real", "--data", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert "run the demo from the repository's folder, or give --data" in result.output


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["demo", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "choose another --port" in result.output


def test_ctrl_c_stops_cleanly_and_leaves_no_file_behind() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "deconfliction", "demo", "--port", "0", "--speed", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "--- loop 1 ---" in line or not line:
            break
    database = next(
        re.search(r"database  (\S+) \(removed at exit\)", x) for x in lines if "database" in x
    )
    assert database is not None
    folder = Path(database.group(1)).parent
    assert folder.exists()
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, "".join(lines) + rest
    assert "demo stopped; hub closed, temporary database removed" in rest
    assert "Traceback" not in rest
    assert not folder.exists()
