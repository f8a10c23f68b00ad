"""What the verbs that read recorded traffic share: a progress bar on a terminal only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from deconfliction.cli import reading
from deconfliction.gateways.snapshots import SnapshotReader

HEADER = "time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER + "".join(f"{100 + k},red,r1,0,{k / 100},9144,200,90,0\n" for k in range(50))
    )
    return path


def test_a_progress_bar_on_a_terminal(recording: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(reading, "PROGRESS_MIN_BYTES", 0)
    snapshots = list(reading.with_progress(SnapshotReader(recording), "detect"))
    assert len(snapshots) == 50
    assert "detect:" in terminal.getvalue()


@pytest.mark.parametrize("small", [False, True])
def test_no_progress_bar_when_piped_or_for_a_small_file(
    recording: Path, monkeypatch: pytest.MonkeyPatch, small: bool
) -> None:
    stream = Terminal() if small else io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    if not small:
        monkeypatch.setattr(reading, "PROGRESS_MIN_BYTES", 0)
    assert len(list(reading.with_progress(SnapshotReader(recording), "detect"))) == 50
    assert stream.getvalue() == ""
