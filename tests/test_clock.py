"""Clocks: the scaled clock of demos and replays."""

from __future__ import annotations

import doctest
import time

import pytest

from deconfliction import clock as clock_module
from deconfliction.clock import ScaledClock


def test_the_doctests_hold() -> None:
    assert doctest.testmod(clock_module).failed == 0


def test_a_scaled_clock_runs_speed_times_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    clock = ScaledClock(speed=10, start_s=5000.0)
    assert clock.now() == 5000.0
    now[0] += 1.5
    assert clock.now() == 5015.0
    assert clock.real_s(60) == 6.0


def test_a_clock_needs_a_positive_speed() -> None:
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(speed=0)
