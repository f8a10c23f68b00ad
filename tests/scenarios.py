"""Scenarios shared by tests: constants only, each section headed by what it is for."""

from __future__ import annotations

from typing import Any

# The hub's clock in tests starts here (2026-11-23T10:00:00Z).
T0 = 1_795_428_000.0

# Reports: a valid air report of a track over the Paris region, at T0.


def report(track: str = "a1", **changes: Any) -> dict[str, Any]:
    """A valid report item as a client would post it, with ``changes`` applied."""
    item: dict[str, Any] = {
        "track": track,
        "time": T0,
        "lat": 48.85,
        "lon": 2.35,
        "alt_m": 3000.0,
        "gs_mps": 120.0,
        "course_deg": 90.0,
        "vs_mps": 0.0,
        "domain": "air",
    }
    item.update(changes)
    return item
