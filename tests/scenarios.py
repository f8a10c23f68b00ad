"""Scenario constants shared by tests. Each section belongs to one area; keep them apart."""

from __future__ import annotations

# --- detect: track-track conflicts -------------------------------------------------------
# Columns of Snapshot.from_columns, one tuple per track:
# (party, track, lat, lon, alt_m, gs_mps, course_deg, vs_mps)
TrackRow = tuple[str, str, float, float, float, float, float, float]

# Two aircraft of different parties head-on at FL300, 40 km apart on the equator, closing
# at 400 m/s: conflict from (40,000 - 9,260) / 400 = 76.85 s to 123.15 s, closest at 100 s.
HEAD_ON: list[TrackRow] = [
    ("red", "r1", 0.0, 0.0, 9144.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 0.0, 0.359326, 9144.0, 200.0, 270.0, 0.0),
]

# The same encounter across the antimeridian.
HEAD_ON_ANTIMERIDIAN: list[TrackRow] = [
    ("red", "r1", 0.0, 179.820337, 9144.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 0.0, -179.820337, 9144.0, 200.0, 270.0, 0.0),
]

# Two aircraft near the North Pole (89°N), 20 km apart on opposite meridians, converging
# over the pole at 200 m/s each: closest approach 0 m after 50 s.
OVER_THE_POLE: list[TrackRow] = [
    ("red", "r1", 89.91046966, 30.0, 10_000.0, 200.0, 0.0, 0.0),
    ("blue", "b1", 89.91046966, -150.0, 10_000.0, 200.0, 0.0, 0.0),
]

# Two aircraft at the same point, same level, different headings: a current loss.
SAME_POSITION: list[TrackRow] = [
    ("red", "r1", 48.5, 2.5, 6000.0, 150.0, 10.0, 0.0),
    ("blue", "b1", 48.5, 2.5, 6000.0, 220.0, 250.0, 0.0),
]

# Exactly 1,000 ft apart vertically, level, one above the other: not a conflict ("closer
# than" is strict), even though 10304.8 - 10000.0 rounds to 304.7999999999993.
VERTICAL_BOUNDARY: list[TrackRow] = [
    ("red", "r1", 45.0, 10.0, 10_000.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 45.0, 10.0, 10_304.8, 200.0, 270.0, 0.0),
]
