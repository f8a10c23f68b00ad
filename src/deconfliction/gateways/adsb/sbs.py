"""SBS-1 (BaseStation) text from dump1090 / readsb (port 30003), assembled into reports.

Each line is ``MSG,TYPE,session,aircraft,HEX,flight,date,time,date,time,callsign,altitude,
ground speed,track,lat,lon,vertical rate,squawk,alert,emergency,spi,on ground``. The types
used are ``1`` identification (callsign), ``3`` airborne position (altitude, lat, lon),
``4`` velocity (ground speed in knots, track, vertical rate in ft/min), ``5`` and ``7``
altitude; ``2`` (surface position) marks the aircraft as on the ground. Other types and
other records (``SEL``, ``ID``, ``AIR``, ``STA``, ``CLK``) carry nothing a report needs and
are skipped without counting as malformed.

Pure: :class:`SbsAssembler` keeps the latest of each field per ICAO address and makes a
report (JSON as ``POST /v1/reports`` takes it) each time a new airborne position arrives.
The report's time is the time the line was received (``now_s``): the date and time fields
of SBS are the receiver's local time, of no use without its zone. Altitudes are barometric
(pressure altitude, feet), taken as metres above mean sea level as air traffic control
separates by them; an aircraft on the ground is not reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.units import format_time

FT_M = 0.3048
KT_MPS = 1852.0 / 3600.0
FPM_MPS = FT_M / 60.0
_SKIPPED_RECORDS = frozenset({"SEL", "ID", "AIR", "STA", "CLK"})


@dataclass
class Aircraft:
    """What a feed knows of one aircraft; each field with the time it was last heard."""

    icao: str
    callsign: str | None = None
    lat: float | None = None
    lon: float | None = None
    position_s: float = -math.inf
    alt_m: float | None = None
    alt_s: float = -math.inf
    gs_mps: float | None = None
    course_deg: float | None = None
    vs_mps: float | None = None
    velocity_s: float = -math.inf
    on_ground: bool = False
    seen_s: float = -math.inf
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self, fresh_s: float, now_s: float) -> dict[str, Any] | None:
        """The aircraft as a report at its last position, or None without one (or without a
        recent altitude, or on the ground)."""
        if self.lat is None or self.lon is None or self.on_ground:
            return None
        if self.alt_m is None or now_s - self.alt_s > fresh_s:
            return None
        report: dict[str, Any] = {
            "track": self.icao,
            "time": format_time(self.position_s),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "alt_m": round(self.alt_m, 1),
            "domain": "air",
        }
        if now_s - self.velocity_s <= fresh_s:
            if self.gs_mps is not None:
                report["gs_mps"] = round(self.gs_mps, 2)
            if self.course_deg is not None:
                report["course_deg"] = round(self.course_deg % 360.0, 1)
            if self.vs_mps is not None:
                report["vs_mps"] = round(self.vs_mps, 2)
        return report


def _number(fields: list[str], index: int, what: str) -> float | None:
    if index >= len(fields) or not fields[index].strip():
        return None
    try:
        value = float(fields[index])
    except ValueError:
        raise InvalidInput(f"{what} {fields[index][:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{what} {fields[index][:20]!r} is not a finite number")
    return value


class SbsAssembler:
    """SBS lines in, reports out. ``fresh_s``: how long a field stays usable, and how long
    an aircraft that is not heard is kept."""

    def __init__(self, fresh_s: float = 60.0) -> None:
        self.fresh_s = fresh_s
        self.aircraft: dict[str, Aircraft] = {}
        self._ready: dict[str, dict[str, Any]] = {}

    def feed(self, line: str, now_s: float) -> None:
        """Take one line (raise ``InvalidInput`` if it is malformed)."""
        fields = line.strip().split(",")
        if not fields or not fields[0]:
            return
        record = fields[0]
        if record in _SKIPPED_RECORDS:
            return
        if record != "MSG" or len(fields) < 11:
            raise InvalidInput(f"not an SBS MSG line: {line[:60]!r}")
        kind = fields[1].strip()
        icao = fields[4].strip().upper()
        if len(icao) != 6 or any(c not in "0123456789ABCDEF" for c in icao):
            raise InvalidInput(f"ICAO address {fields[4][:10]!r} is not 6 hex digits")
        aircraft = self.aircraft.get(icao)
        if aircraft is None:
            aircraft = self.aircraft[icao] = Aircraft(icao)
        aircraft.seen_s = now_s
        if kind == "1":
            callsign = fields[10].strip()
            aircraft.callsign = callsign or aircraft.callsign
        elif kind in ("3", "2"):
            self._position(aircraft, fields, now_s, surface=kind == "2")
        elif kind == "4":
            gs = _number(fields, 12, "ground speed")
            track = _number(fields, 13, "track")
            rate = _number(fields, 16, "vertical rate")
            if gs is not None:
                aircraft.gs_mps = gs * KT_MPS
            if track is not None:
                aircraft.course_deg = track
            if rate is not None:
                aircraft.vs_mps = rate * FPM_MPS
            aircraft.velocity_s = now_s
        elif kind in ("5", "7"):
            self._altitude(aircraft, fields, now_s)
        if len(fields) > 21 and fields[21].strip() in ("1", "-1"):
            aircraft.on_ground = True
        elif len(fields) > 21 and fields[21].strip() == "0":
            aircraft.on_ground = False

    def _altitude(self, aircraft: Aircraft, fields: list[str], now_s: float) -> None:
        alt = _number(fields, 11, "altitude")
        if alt is not None:
            aircraft.alt_m = alt * FT_M
            aircraft.alt_s = now_s

    def _position(
        self, aircraft: Aircraft, fields: list[str], now_s: float, *, surface: bool
    ) -> None:
        self._altitude(aircraft, fields, now_s)
        lat = _number(fields, 14, "latitude")
        lon = _number(fields, 15, "longitude")
        if lat is None or lon is None:
            return
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise InvalidInput(f"position {lat}, {lon} is out of range")
        aircraft.lat, aircraft.lon, aircraft.position_s = lat, lon, now_s
        aircraft.on_ground = surface
        report = aircraft.report(self.fresh_s, now_s)
        if report is not None:
            self._ready[aircraft.icao] = report

    def take_reports(self) -> list[dict[str, Any]]:
        """The reports made since the last call (the latest of each aircraft)."""
        reports = list(self._ready.values())
        self._ready.clear()
        return reports

    def drop_stale(self, now_s: float) -> int:
        """Forget aircraft not heard for ``fresh_s``; how many."""
        gone = [icao for icao, a in self.aircraft.items() if now_s - a.seen_s > self.fresh_s]
        for icao in gone:
            del self.aircraft[icao]
            self._ready.pop(icao, None)
        return len(gone)
