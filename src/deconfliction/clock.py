"""Clocks: the hub asks one for the time, so tests can move time by hand instead of sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds, UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to (for tests and replays).

    >>> clock = ManualClock(100.0)
    >>> clock.advance(5)
    105.0
    """

    def __init__(self, start_s: float = 1_700_000_000.0) -> None:
        self._now = float(start_s)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
        return self._now

    def set(self, unix_s: float) -> None:
        if unix_s < self._now:
            raise ValueError("a clock does not go backwards")
        self._now = float(unix_s)
