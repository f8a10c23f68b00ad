"""readsb / dump1090 aircraft.json as reports."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.gateways.adsb.aircraft_json import parse
from deconfliction.gateways.geoid import undulation_m

NOW = 1_633_608_005.0


def test_parse() -> None:
    document = {
        "now": NOW,
        "aircraft": [
            {
                "hex": "4ca2d6",
                "lat": 48.1,
                "lon": 2.5,
                "alt_baro": 35000,
                "alt_geom": 35500,
                "gs": 450.0,
                "track": 271.0,
                "baro_rate": -1024,
                "seen_pos": 1.5,
                "nav_altitude_mcp": 36000,
            },
            {"hex": "~2a0001", "lat": 48.2, "lon": 2.6, "alt_geom": 1000, "seen_pos": 0.2},
            {"hex": "abcdef", "lat": 48.0, "lon": 2.0, "alt_baro": "ground", "seen_pos": 1},
            {"hex": "aaaaaa", "alt_baro": 30000},
            {"hex": "bbbbbb", "lat": 48.0, "lon": 2.0, "alt_baro": 3000, "seen_pos": 120},
            {"hex": "cccccc", "lat": 48.0, "lon": 2.0, "seen_pos": 1},
            "junk",
        ],
    }
    parsed = parse(document, max_age_s=60)
    first, second = parsed.reports
    assert first == {
        "track": "4CA2D6",
        "time": "2021-10-07T12:00:03.500Z",
        "lat": 48.1,
        "lon": 2.5,
        "alt_m": 10668.0,
        "domain": "air",
        "gs_mps": 231.5,
        "course_deg": 271.0,
        "vs_mps": -5.2,
    }
    assert second["track"] == "~2A0001"
    assert second["alt_m"] == pytest.approx(304.8 - undulation_m(48.2, 2.6), abs=0.06)
    assert parsed.selected_alt_m == {"4CA2D6": pytest.approx(10972.8)}
    assert parsed.skipped == {
        "on the ground": 1,
        "no position": 1,
        "old position": 1,
        "no altitude": 1,
        "malformed": 1,
    }
    with pytest.raises(InvalidInput, match='no "aircraft" list'):
        parse({"now": NOW})
