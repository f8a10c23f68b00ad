"""The Euphrates scenario as data: parties, zones, sites, movers and what they say.

Three parties share the valley of the Euphrates between Raqqa and Abu Kamal: a coalition, a
federation and a humanitarian organisation. The coalition keeps a deconfliction line along
the river (5 km each side, notify before entry) and a 55 km zone around at-Tanf; the
humanitarian organisation declares a hospital, a camp and a convoy route as protected. Times
are seconds from the start of a loop of the scenario (``t``). Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

COALITION = "coalition"
FEDERATION = "federation"
HUMANITARIAN = "humanitarian"

# name, language, time zone: each desk reads the hotline in its own language.
PARTIES: tuple[tuple[str, str, str], ...] = (
    (COALITION, "en", "UTC"),
    (FEDERATION, "ru", "Europe/Moscow"),
    (HUMANITARIAN, "fr", "Asia/Damascus"),
)
# Every pair has a hotline agreement; nobody shares its picture or its plans.
AGREEMENTS: tuple[tuple[str, str], ...] = (
    (COALITION, FEDERATION),
    (COALITION, HUMANITARIAN),
    (FEDERATION, HUMANITARIAN),
)

LOOP_S = 140.0  # one loop of the timeline
PAUSE_S = 45.0  # between loops: tracks go stale and their alerts expire
REPORT_EVERY_S = 2.0

# The Euphrates from Raqqa down to Abu Kamal, [lon, lat].
RIVER: list[list[float]] = [
    [39.01, 35.95],  # Raqqa
    [39.35, 35.88],
    [39.66, 35.74],  # Ma'dan
    [39.90, 35.55],
    [40.14, 35.33],  # Deir ez-Zor
    [40.35, 35.13],
    [40.45, 35.02],  # Mayadin
    [40.57, 34.92],  # al-Asharah
    [40.83, 34.69],  # Hajin
    [40.92, 34.45],  # Abu Kamal
]
AT_TANF = (33.50, 38.66)  # lat, lon
ENCOUNTER = (35.22, 40.62)  # where the two transports pass, east of Mayadin
ENCOUNTER_AT_S = 75.0

LINE_ID = "euphrates-line"
TANF_ID = "at-tanf"
SITE_IDS = ("deir-hospital", "rukban-camp", "deir-convoy-route")
CONVOY_ROUTE: list[list[float]] = [
    [40.02, 35.27],  # Deir ez-Zor, west
    [40.15, 35.34],  # the bridge
    [40.27, 35.40],
    [40.42, 35.47],  # towards the camps of the east bank
]


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def coalition_zones() -> dict[str, dict[str, Any]]:
    """The deconfliction line and the zone around at-Tanf."""
    return {
        LINE_ID: _feature(
            {"type": "LineString", "coordinates": RIVER},
            name="Euphrates deconfliction line",
            rule="notify_before_entry",
            buffer_m=5000,
            alt_upper_m=3000,
            shared_with=[FEDERATION, HUMANITARIAN],
        ),
        TANF_ID: _feature(
            {"type": "Point", "coordinates": [AT_TANF[1], AT_TANF[0]]},
            name="at-Tanf deconfliction zone",
            rule="no_entry",
            radius_m=55_000,
            shared_with=[FEDERATION, HUMANITARIAN],
        ),
    }


def protected_sites(valid_to: str) -> dict[str, dict[str, Any]]:
    """The humanitarian organisation's protected sites, shared with both armed parties."""
    shared = [COALITION, FEDERATION]
    return {
        "deir-hospital": _feature(
            {"type": "Point", "coordinates": [40.135, 35.345]},
            name="Deir ez-Zor field hospital",
            rule="protected",
            radius_m=800,
            valid_to=valid_to,
            shared_with=shared,
        ),
        "rukban-camp": _feature(
            {"type": "Point", "coordinates": [38.70, 33.30]},
            name="Rukban camp",
            rule="protected",
            radius_m=2500,
            valid_to=valid_to,
            shared_with=shared,
        ),
        "deir-convoy-route": _feature(
            {"type": "LineString", "coordinates": CONVOY_ROUTE},
            name="Relief convoy route, Deir ez-Zor bridge",
            rule="protected",
            buffer_m=500,
            valid_to=valid_to,
            shared_with=shared,
        ),
    }


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """The point ``distance_m`` from (lat, lon) along ``bearing_deg`` (a sphere is enough)."""
    r = 6_371_008.8
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = distance_m / r
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540.0) % 360.0 - 180.0


@dataclass(frozen=True)
class Mover:
    """A simulated aircraft or vehicle: at ``anchor`` at ``anchor_s``, on a straight course,
    or, with ``orbit_m``, on a clockwise circle of that radius around ``anchor``."""

    party: str
    track: str
    label: str
    anchor: tuple[float, float]
    course_deg: float
    gs_mps: float
    alt_m: float
    domain: str = "air"
    anchor_s: float = 0.0
    orbit_m: float | None = None

    def report(self, t_s: float, time: float) -> dict[str, Any]:
        """The report item of this mover at loop time ``t_s``, stamped ``time``."""
        if self.orbit_m is None:
            lat, lon = destination(
                *self.anchor, self.course_deg, self.gs_mps * (t_s - self.anchor_s)
            )
            course = self.course_deg
        else:
            angle = self.course_deg + math.degrees(self.gs_mps * t_s / self.orbit_m)
            lat, lon = destination(*self.anchor, angle, self.orbit_m)
            course = (angle + 90.0) % 360.0
        return {
            "track": self.track,
            "time": round(time, 3),
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "alt_m": self.alt_m,
            "gs_mps": self.gs_mps,
            "course_deg": round(course, 1),
            "vs_mps": 0.0,
            "domain": self.domain,
        }


# The pair on a predicted loss of separation: both pass the encounter point at
# ENCOUNTER_AT_S, 2 km and 150 m apart.
COAL21 = Mover(COALITION, "COAL21", "transport", ENCOUNTER, 200.0, 210.0, 7000.0, anchor_s=75.0)
FED14 = Mover(
    FEDERATION,
    "FED14",
    "transport",
    destination(*ENCOUNTER, 180.0, 2000.0),
    80.0,
    190.0,
    7150.0,
    anchor_s=ENCOUNTER_AT_S,
)
CONVOY = Mover(
    HUMANITARIAN, "convoy-1", "relief convoy", (35.283, 40.049), 55.0, 12.0, 250.0, "ground"
)
MOVERS: tuple[Mover, ...] = (
    COAL21,
    FED14,
    Mover(COALITION, "COAL07", "tanker", (35.70, 41.15), 0.0, 180.0, 8500.0, orbit_m=15_000),
    Mover(COALITION, "COAL33", "medical helicopter", (35.05, 40.75), 20.0, 60.0, 400.0),
    Mover(FEDERATION, "FED31", "helicopter", (35.05, 40.00), 250.0, 55.0, 500.0),
    Mover(FEDERATION, "FED22", "transport", (34.70, 39.60), 330.0, 200.0, 9000.0),
    CONVOY,
)

# Drone operations: the federation's survey first, then the coalition's inspection over the
# same crossing; later the federation moves its survey downstream.
SURVEY_AREA = [[40.50, 34.88], [40.62, 34.88], [40.62, 34.97], [40.50, 34.97], [40.50, 34.88]]
INSPECTION_AREA = [[40.55, 34.90], [40.66, 34.90], [40.66, 34.99], [40.55, 34.99], [40.55, 34.90]]
SURVEY_MOVED = [[40.74, 34.72], [40.86, 34.72], [40.86, 34.80], [40.74, 34.80], [40.74, 34.72]]


def drone_operation(
    area: list[list[float]], priority: int, start: float, end: float
) -> dict[str, Any]:
    """A drone operation over ``area`` from the ground to 400 m, from ``start`` to ``end``."""
    return {
        "priority": priority,
        "domain": "air",
        "key": {},
        "volumes": [
            {
                "geometry": {"type": "Polygon", "coordinates": [area]},
                "alt_lower_m": 0,
                "alt_upper_m": 400,
                "start": start,
                "end": end,
            }
        ],
    }


# The flash call escalates at FLASH_AT_S + FLASH_ACK_WITHIN_S (26 s); the convoy's crossing
# alert lasts until ten seconds after the coalition acknowledges its notice (75 s): in
# between, a console shows the loss of separation (predicted until about 53 s), the convoy's
# alert, the escalated call and the protected sites together.
FLASH_AT_S = 6.0
FLASH_ACK_WITHIN_S = 20.0
CROSSING_ACK_AT_S = 65.0  # in the timeline after the survey moves (60 s), before 80 s
FLASH_TEXT = (
    "Traffic east of Mayadin: our COAL21, transport, southbound at 7,000 m, and your eastbound "
    "traffic at 7,150 m are converging. Request you confirm you have it and keep clear."
)
CROSSING_PLACES = [
    {"lat": 35.27, "lon": 40.02, "name": "Deir ez-Zor west"},
    {"lat": 35.34, "lon": 40.15, "name": "Deir ez-Zor bridge"},
    {"lat": 35.47, "lon": 40.42, "name": "East bank camps"},
]
INCIDENT_NARRATIVE = (
    "COAL21 and an eastbound federation transport passed about 2 km apart and 150 m "
    "vertically east of Mayadin. Our flash call on the air channel was not acknowledged "
    "before the encounter."
)
ACCOUNT_NARRATIVE = (
    "FED14 held its cleared altitude. The air desk was not staffed when the flash call came; "
    "it was acknowledged on the command channel after the escalation."
)
