"""Aircraft from the shared quickstart data, as SBS-1 lines and an aircraft.json document."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FT = 0.3048
KT = 1852.0 / 3600.0


@dataclass(frozen=True)
class Plane:
    icao: str
    callsign: str
    lat: float
    lon: float
    alt_m: float
    gs_mps: float
    course_deg: float
    vs_mps: float


def planes(shared_data: Path, count: int = 40) -> list[Plane]:
    """The first report of the first ``count`` aircraft of the quickstart data."""
    found: dict[str, Plane] = {}
    with gzip.open(shared_data / "quickstart.csv.gz", "rt") as file:
        for row in csv.DictReader(file):
            icao = row["track"].upper()
            if icao in found or len(icao) != 6:
                continue
            found[icao] = Plane(
                icao,
                f"{row['party']}{len(found):03d}",
                float(row["lat"]),
                float(row["lon"]),
                float(row["alt_m"]),
                float(row["gs_mps"]),
                float(row["course_deg"]),
                float(row["vs_mps"]),
            )
            if len(found) == count:
                break
    return list(found.values())


def sbs_lines(plane: Plane) -> list[str]:
    """Identification, velocity and airborne position, as dump1090 writes them."""
    stamp = "2021/10/07,12:00:05.000,2021/10/07,12:00:05.000"
    alt_ft = round(plane.alt_m / FT)
    return [
        f"MSG,1,1,1,{plane.icao},1,{stamp},{plane.callsign},,,,,,,,,,,",
        f"MSG,4,1,1,{plane.icao},1,{stamp},,,{round(plane.gs_mps / KT)},"
        f"{round(plane.course_deg)},,,{round(plane.vs_mps / FT * 60)},,,,,0",
        f"MSG,3,1,1,{plane.icao},1,{stamp},,{alt_ft},,,{plane.lat:.5f},{plane.lon:.5f},,,0,0,0,0",
    ]


def aircraft_json(all_planes: list[Plane], now_s: float) -> dict[str, Any]:
    """An aircraft.json document with these planes, one on the ground and one without a
    position."""
    aircraft: list[dict[str, Any]] = [
        {
            "hex": p.icao.lower(),
            "flight": p.callsign,
            "lat": p.lat,
            "lon": p.lon,
            "alt_baro": round(p.alt_m / FT),
            "gs": round(p.gs_mps / KT, 1),
            "track": round(p.course_deg, 1),
            "baro_rate": round(p.vs_mps / FT * 60),
            "nav_altitude_mcp": 10000,
            "seen_pos": 0.4,
            "seen": 0.1,
        }
        for p in all_planes
    ]
    aircraft.append({"hex": "abcdef", "lat": 48.0, "lon": 2.0, "alt_baro": "ground", "seen_pos": 1})
    aircraft.append({"hex": "fedcba", "alt_baro": 30000, "seen": 1.0})
    return {"now": now_s, "messages": 1234, "aircraft": aircraft}
