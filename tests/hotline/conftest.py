"""Hotline test helpers: MGRS worked out by hand, and a valid example of every template."""

from __future__ import annotations

import pytest

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
        "zones": ["line-1"],
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
