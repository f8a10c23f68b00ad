"""readsb / dump1090 ``aircraft.json`` as reports.

The document is ``{"now": unix seconds, "aircraft": [...]}``; each aircraft has ``hex``
(ICAO address; a leading ``~`` marks a non-ICAO address), ``lat``, ``lon``, ``seen_pos``
(seconds since its position was received), ``alt_baro`` (feet, or the string ``"ground"``),
``alt_geom`` (feet above the WGS84 ellipsoid), ``gs`` (knots), ``track`` (degrees),
``baro_rate`` / ``geom_rate`` (ft/min) and ``nav_altitude_mcp`` (the altitude selected on
the autopilot's control panel, feet).

Pure. A report's time is ``now - seen_pos``. Its altitude is ``alt_baro`` (pressure
altitude, taken as above mean sea level as air traffic control separates by it), else
``alt_geom`` less the EGM96 undulation. Aircraft on the ground, without a position, or
whose position is older than ``max_age_s`` are skipped. ``nav_altitude_mcp`` is read (see
:class:`Parsed`) but reports have no field for a selected altitude yet, so it is not sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.gateways.adsb.sbs import FPM_MPS, FT_M, KT_MPS
from deconfliction.gateways.geoid import msl_from_hae
from deconfliction.units import format_time


@dataclass(frozen=True)
class Parsed:
    """The reports of one document, and what was skipped (by reason)."""

    reports: list[dict[str, Any]]
    skipped: dict[str, int] = field(default_factory=dict)
    selected_alt_m: dict[str, float] = field(default_factory=dict)  # by track


def _number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse(document: Any, max_age_s: float = 60.0) -> Parsed:
    """The reports in an ``aircraft.json`` document (raise ``InvalidInput`` if it is not
    one)."""
    if not isinstance(document, dict) or not isinstance(document.get("aircraft"), list):
        raise InvalidInput('not an aircraft.json document: no "aircraft" list')
    now = _number(document, "now")
    if now is None:
        raise InvalidInput('not an aircraft.json document: no "now" time')
    reports: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    selected: dict[str, float] = {}

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for item in document["aircraft"]:
        if not isinstance(item, dict) or not isinstance(item.get("hex"), str):
            skip("malformed")
            continue
        track = item["hex"].strip().upper()
        lat, lon, seen = _number(item, "lat"), _number(item, "lon"), _number(item, "seen_pos")
        if lat is None or lon is None:
            skip("no position")
            continue
        if seen is None or seen > max_age_s:
            skip("old position")
            continue
        if item.get("alt_baro") == "ground":
            skip("on the ground")
            continue
        alt_baro, alt_geom = _number(item, "alt_baro"), _number(item, "alt_geom")
        if alt_baro is not None:
            alt_m = alt_baro * FT_M
        elif alt_geom is not None:
            alt_m = msl_from_hae(alt_geom * FT_M, lat, lon)
        else:
            skip("no altitude")
            continue
        report: dict[str, Any] = {
            "track": track,
            "time": format_time(round(now - seen, 1)),
            "lat": lat,
            "lon": lon,
            "alt_m": round(alt_m, 1),
            "domain": "air",
        }
        gs, course = _number(item, "gs"), _number(item, "track")
        rate = _number(item, "baro_rate")
        rate = _number(item, "geom_rate") if rate is None else rate
        if gs is not None and gs >= 0:
            report["gs_mps"] = round(gs * KT_MPS, 2)
        if course is not None:
            report["course_deg"] = round(course % 360.0, 1)
        if rate is not None:
            report["vs_mps"] = round(rate * FPM_MPS, 2)
        mcp = _number(item, "nav_altitude_mcp")
        if mcp is not None:
            selected[track] = mcp * FT_M
        reports.append(report)
    return Parsed(reports, skipped, selected)
