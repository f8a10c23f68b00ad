"""The archive benchmark runs end to end on a small journal and archives all of it."""

from __future__ import annotations

import pytest

from bench import journal_archive


def test_a_small_run_archives_the_whole_journal(capsys: pytest.CaptureFixture[str]) -> None:
    assert journal_archive.main(["--tracks", "2000", "--seconds", "3", "--batch", "500"]) == 0
    out = capsys.readouterr().out
    assert "journal: 81 entries, 6,000 reports" in out
    assert "archived entries 1–81 (81 entries, 1 checkpoints) in 1 segment(s)" in out
    assert "80 entries pruned from the database" in out
    assert "ratios: archive / ingest time" in out
