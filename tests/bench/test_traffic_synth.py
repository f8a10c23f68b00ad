"""The synthetic traffic has the properties it claims (bench.traffic_synth)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from bench.traffic_synth import FT_M, SynthSpec, _profile, synthesise, write_csv

from deconfliction.gateways.snapshots import SnapshotReader


def test_a_climb_captures_its_selected_level_and_holds_it() -> None:
    t = np.arange(0.0, 1800.0)
    held = 0
    for seed in range(10):
        alt, vs, selected, climbs = _profile(
            np.random.default_rng(seed), t, 5000 * FT_M, climbing=True
        )
        assert climbs
        target = selected[-1]
        assert abs(target - 5000 * FT_M) >= 2000 * FT_M - 1
        # Never overshoots, and moves one way only.
        steps = np.diff(alt)
        assert (steps >= 0).all() or (steps <= 0).all()
        assert np.abs(alt - 5000 * FT_M).max() <= abs(target - 5000 * FT_M) + 1e-9
        level = np.flatnonzero(alt == target)
        if level.size:  # once at the level, it stays there, level
            held += 1
            assert (alt[level[0] :] == target).all() and (vs[level[0] :] == 0.0).all()
    assert held >= 5


def test_traffic_is_seeded_quantised_and_reads_back_as_a_snapshot_csv(tmp_path: Path) -> None:
    spec = SynthSpec(seed=5, duration_s=600.0, aircraft=30)
    first, again = synthesise(spec), synthesise(spec)
    assert [len(s) for s in first.snapshots] == [len(s) for s in again.snapshots]
    times = [s.time_s for s in first.snapshots]
    assert times == sorted(set(times)) and all(t == round(t) for t in times)
    alt_ft = np.concatenate([s.alt_m for s in first.snapshots]) / FT_M
    quantised = np.abs(alt_ft / 25.0 - np.round(alt_ft / 25.0)) < 1e-6
    assert quantised.mean() > 0.99  # all but the glitches are in 25 ft steps
    path = tmp_path / "synth.csv"
    rows = write_csv(first, path)
    read = list(SnapshotReader(path))
    assert sum(len(s) for s in read) == rows == sum(len(s) for s in first.snapshots)
