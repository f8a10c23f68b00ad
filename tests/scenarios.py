"""Scenario constants shared by tests. Each section belongs to one area; keep them apart."""

from __future__ import annotations

from typing import Any

# Zones: Euphrates deconfliction line ------------------------------------------------------
# A deconfliction line along the Euphrates, (lon, lat): Raqqa 35.95N 39.01E, Deir ez-Zor
# 35.33N 40.14E, Mayadin 35.02N 40.45E, Abu Kamal 34.45N 40.92E, with a 5 km buffer up to
# 3,000 m, and a 55 km circle around 33.50N 38.66E; both declared by "east" and shared with
# "west". Times are RFC 3339 with Z, so the collection round-trips byte for byte.
EUPHRATES_LINE: list[tuple[float, float]] = [
    (39.01, 35.95),
    (40.14, 35.33),
    (40.45, 35.02),
    (40.92, 34.45),
]
EUPHRATES_BUFFER_M = 5_000.0
EUPHRATES_BAND_TOP_M = 3_000.0
CIRCLE_CENTRE: tuple[float, float] = (38.66, 33.50)
CIRCLE_RADIUS_M = 55_000.0
ZONES_OWNER = "east"
OTHER_PARTY = "west"
ZONES_NOW_S = 1_700_000_000.0  # 2023-11-14T22:13:20Z, inside both zones' validity
ZONE_PARTY_CODES = {ZONES_OWNER: 0, OTHER_PARTY: 1, "aid": 2}

EUPHRATES_ZONES: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "euphrates-line",
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in EUPHRATES_LINE]},
            "properties": {
                "name": "Euphrates deconfliction line",
                "rule": "no_entry",
                "buffer_m": EUPHRATES_BUFFER_M,
                "alt_upper_m": EUPHRATES_BAND_TOP_M,
                "valid_from": "2023-11-01T00:00:00Z",
                "shared_with": ["west"],
            },
        },
        {
            "type": "Feature",
            "id": "southern-circle",
            "geometry": {"type": "Point", "coordinates": list(CIRCLE_CENTRE)},
            "properties": {
                "name": "55 km circle",
                "rule": "no_entry",
                "radius_m": CIRCLE_RADIUS_M,
                "valid_from": "2023-11-01T00:00:00Z",
                "valid_to": "2024-11-01T00:00:00Z",
                "shared_with": "all",
                "stroke": "#d00000",
            },
        },
    ],
}
# A ground convoy of "west" 10 km south-west of the middle of the Raqqa–Deir ez-Zor leg,
# heading straight for the line at 12 m/s (600 s lookahead): it reaches the 5 km buffer
# after about 5 km, some 417 s. Tests compute the exact time by hand (geodesic).
CONVOY_SPEED_MPS = 12.0
CONVOY_OFFSET_M = 10_000.0
GROUND_LOOKAHEAD_S = 600.0
AIR_LOOKAHEAD_S = 300.0
