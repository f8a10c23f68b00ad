"""bench.live_cycle runs on a small picture and compares like with like."""

from __future__ import annotations

import pytest
from bench.live_cycle import main


def test_a_small_run_prints_both_cycles_and_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tracks", "600", "--cycles", "1", "--warmup", "2"]) == 0
    out = capsys.readouterr().out
    assert "600 tracks (dense)" in out
    for part in ("live_tracks (filter)", "detect, filtered", "raw snapshot", "detect, raw"):
        assert part in out
    assert "ratio" in out
