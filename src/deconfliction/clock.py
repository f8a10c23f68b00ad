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


class ScaledClock:
    """The wall clock's pace times ``speed``, from ``start_s`` (default: now). A demo or a
    replay at ``speed`` 10 lives ten hub seconds in each real one: deadlines, hysteresis and
    staleness all follow.

    >>> clock = ScaledClock(speed=10, start_s=1000.0)
    >>> 1000.0 <= clock.now() < 1010.0
    True
    >>> clock.real_s(30)
    3.0
    """

    def __init__(self, speed: float = 1.0, start_s: float | None = None) -> None:
        if not speed > 0:
            raise ValueError("the speed of a clock is a positive number")
        self.speed = float(speed)
        self._start_s = time.time() if start_s is None else float(start_s)
        self._started = time.monotonic()

    def now(self) -> float:
        return self._start_s + (time.monotonic() - self._started) * self.speed

    def real_s(self, clock_s: float) -> float:
        """How many real seconds ``clock_s`` of this clock take."""
        return clock_s / self.speed
