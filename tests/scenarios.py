"""Scenarios shared by tests: constants only, each section headed by what it is for."""

from __future__ import annotations

import math
from typing import Any

from pyproj import Proj

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


# Places: MGRS worked out by hand (pyproj's UTM and the letter tables, not the mgrs package).

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


# Incidents: quickstart near miss
# In ../shared/data/quickstart.csv.gz, Air France 3944e7, climbing out of Paris-CDG, crossed
# British Airways 400804 in level flight at 3,353 m: about 640 m apart horizontally and
# 311 m vertically at 12:45:44Z, inside 5 NM / 1,000 ft for about 40 s. Found by scanning
# every snapshot for pairs of different parties above 1,500 m within those minima.
NEAR_MISS_FILE = "quickstart.csv.gz"
NEAR_MISS_A = ("AFR", "3944e7")  # (party, ICAO address)
NEAR_MISS_B = ("BAW", "400804")
NEAR_MISS_START_S = 1_633_610_600.0  # 2021-10-07T12:43:20Z
NEAR_MISS_END_S = 1_633_610_900.0  # 2021-10-07T12:48:20Z


# Incidents in the hub: a crossing
# Blue "b1" flies east along 48°N and red "r1" flies north along 2°E, both at 120 m/s or so,
# reporting every 10 s from T0 to T0 + 200 s; they pass over (48°N, 2°E) at T0 + 100 s,
# 300 m apart vertically (blue at 3,000 m, red at 3,300 m).
CROSSING_TIMES = tuple(T0 + 10.0 * i for i in range(21))
CROSSING_MEET_S = T0 + 100.0


def crossing_report(party: str, time_s: float) -> dict[str, Any]:
    """The report of blue's b1 or red's r1 at ``time_s`` of the crossing."""
    progress = (time_s - T0) / 200.0
    if party == "blue":
        return report("b1", time=time_s, lat=48.0, lon=1.98 + 0.04 * progress, alt_m=3000.0)
    return report("r1", time=time_s, lat=47.98 + 0.04 * progress, lon=2.0, alt_m=3300.0)
