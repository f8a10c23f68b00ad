"""Hotline test helpers: MGRS worked out by hand, and a valid example of every template."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from pyproj import Proj

BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8° latitude bands from 80°S; X runs to 84°N
COLUMN_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")  # 100 km eastings, by zone mod 3
ROWS = "ABCDEFGHJKLMNPQRSTUV"  # 100 km northings, repeating every 2,000 km


def mgrs_by_hand(lat: float, lon: float, zone: int | None = None) -> str:
    """MGRS at 1 m, spaced (``37S FV 03609 10235``), truncated, WGS84 "AA" lettering.

    ``zone`` overrides the 6° zone (for the Norway and Svalbard exceptions).
    """
    zone = zone or int((lon + 180.0) // 6.0) + 1
    easting, northing = Proj(proj="utm", zone=zone, ellps="WGS84", south=lat < 0)(lon, lat)
    # A point within a millimetre of a metre line could truncate either way; avoid those.
    for value in (easting, northing):
        assert min(value % 1.0, 1.0 - value % 1.0) > 1e-3, "pick a point off the metre lines"
    band = BANDS[min(int((lat + 80.0) // 8.0), len(BANDS) - 1)]
    column = COLUMN_SETS[(zone - 1) % 3][int(easting // 100_000) - 1]
    row = ROWS[(int(northing // 100_000) + (5 if zone % 2 == 0 else 0)) % 20]
    east, north = math.floor(easting) % 100_000, math.floor(northing) % 100_000
    return f"{zone:02d}{band} {column}{row} {east:05d} {north:05d}"


@pytest.fixture
def by_hand() -> Callable[..., str]:
    return mgrs_by_hand


TAL_HAMIS = {"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}
# A full, valid set of fields for every template, as a party or the hub would send them.
EXAMPLES: dict[str, dict[str, object]] = {
    "crossing_notice": {
        "who": "Two firefighting helicopters",
        "tracks": ["FF-21", "FF-22"],
        "domain": "air",
        "where": [TAL_HAMIS, {"lat": 35.5, "lon": 40.5}],
        "start": "2024-05-01T12:00:00Z",
        "duration_s": "45min",
        "altitude_min_m": "500ft",
        "altitude_max_m": 1500,
    },
    "unsafe_encounter": {
        "where": TAL_HAMIS,
        "time": 1_714_564_800,
        "description": "Drone passed 50 m from the convoy",
        "tracks": ["C-3"],
        "domain": "ground",
    },
    "hold_or_turn_away": {
        "request": "turn_away",
        "where": [TAL_HAMIS],
        "until": "2024-05-01T14:00:00+03:00",
        "reason": "humanitarian_movement",
        "tracks": ["U-7"],
    },
    "confirmation": {"message": "m-17", "answer": "unable", "reason": "no_contact"},
    "alert_track_conflict": {
        "other_party": "red",
        "time_to_los_s": 45,
        "closest_m": 850,
        "closest_time": "2024-05-01T12:01:10Z",
        "where": TAL_HAMIS,
        "own_track": "B-1",
        "other_track": "R-9",
        "vertical_m": "200ft",
        "alert": "a-5",
    },
    "alert_zone_incursion": {
        "zone": "hospital-3",
        "zone_owner": "ngo.health",
        "rule": "protected",
        "track": "R-9",
        "track_party": "red",
        "time_to_entry_s": "2min",
        "where": TAL_HAMIS,
        "alert": "a-6",
    },
    "alert_operation_conflict": {
        "other_party": "red",
        "own_operation": "op-blue-4",
        "other_operation": "op-red-2",
        "start": "2024-05-01T12:00:00Z",
        "end": "2024-05-01T13:30:00Z",
        "where": TAL_HAMIS,
        "alert": "a-7",
    },
    "zone_unacknowledged": {
        "zone": "line-1",
        "zone_owner": "blue",
        "rule": "no_entry",
        "party": "red",
        "declared": "2024-05-01T11:00:00Z",
        "waiting_s": "1h",
        "where": TAL_HAMIS,
    },
    "message_escalated": {
        "party": "red",
        "message": "m-17",
        "subject": "crossing_notice",
        "channel": "air",
        "sent": "2024-05-01T12:00:00Z",
        "waiting_s": 95,
        "escalations": 2,
    },
}


@pytest.fixture
def examples() -> dict[str, dict[str, object]]:
    """Fresh copies, so a test may change them."""
    return {name: dict(fields) for name, fields in EXAMPLES.items()}
