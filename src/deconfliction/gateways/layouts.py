"""Column layouts of recorded traffic: which column holds which field, in which unit.

Three layouts are read:

- ``snapshot``: the snapshot CSV of DESIGN.md, ``time,party,track,lat,lon,alt_m,gs_mps,
  course_deg,vs_mps`` (SI units), plus an optional ``domain``;
- ``traffic``: the columns of the ``traffic`` library and of most ADS-B archives derived
  from OpenSky: ``timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track,
  vertical_rate`` with altitude in feet, ground speed in knots and vertical rate in ft/min;
- ``opensky``: OpenSky's own state vectors, ``time,icao24,callsign,lat,lon,baroaltitude,
  velocity,heading,vertrate`` (SI units).

In the ADS-B layouts the party of a track is the airline designator of its callsign (three
letters then a digit: ``AFR1234`` → ``AFR``), else the callsign, else its ICAO address, so
that every airline stands in for one party and an aircraft without a callsign is checked
against everyone. A missing vertical rate is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from deconfliction.errors import InvalidInput

FT_M = 0.3048
KT_MPS = 1852.0 / 3600.0
FT_PER_MIN_MPS = FT_M / 60.0

# Our fields, in the order a row is checked (the order of the snapshot CSV's columns).
FIELDS = ("time", "party", "track", "lat", "lon", "alt_m", "gs_mps", "course_deg", "vs_mps")
NUMBER_FIELDS = FIELDS[3:]


@dataclass(frozen=True)
class Layout:
    """Where each of our fields is in a file: ``source[field]`` is its column's name.

    ``scale[field]`` converts the column's unit to SI; ``optional`` columns may be absent
    (``vs_mps`` is then 0, ``domain`` air). ``callsign`` names the column the party is
    derived from when the layout has no party column.
    """

    name: str
    source: dict[str, str]
    scale: dict[str, float] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    callsign: str | None = None

    def required(self) -> list[str]:
        """The source columns a file must have."""
        return [c for f, c in self.source.items() if f not in self.optional]

    def columns(self, header: Sequence[str]) -> list[str]:
        """The source columns to read from a file with ``header``."""
        wanted = [c for f, c in self.source.items() if f not in self.optional or c in header]
        if self.callsign is not None and self.callsign in header:
            wanted.append(self.callsign)
        return list(dict.fromkeys(wanted))


SNAPSHOT = Layout(
    "snapshot",
    {name: name for name in (*FIELDS, "domain")},
    optional=frozenset({"domain"}),
)
TRAFFIC = Layout(
    "traffic",
    {
        "time": "timestamp",
        "track": "icao24",
        "lat": "latitude",
        "lon": "longitude",
        "alt_m": "altitude",
        "gs_mps": "groundspeed",
        "course_deg": "track",
        "vs_mps": "vertical_rate",
    },
    scale={"alt_m": FT_M, "gs_mps": KT_MPS, "vs_mps": FT_PER_MIN_MPS},
    optional=frozenset({"vs_mps"}),
    callsign="callsign",
)
OPENSKY = Layout(
    "opensky",
    {
        "time": "time",
        "track": "icao24",
        "lat": "lat",
        "lon": "lon",
        "alt_m": "baroaltitude",
        "gs_mps": "velocity",
        "course_deg": "heading",
        "vs_mps": "vertrate",
    },
    optional=frozenset({"vs_mps"}),
    callsign="callsign",
)
LAYOUTS = {layout.name: layout for layout in (SNAPSHOT, TRAFFIC, OPENSKY)}
LAYOUT_NAMES = ("auto", *LAYOUTS)


def choose_layout(header: Sequence[str], name: str, where: str) -> Layout:
    """The layout of a file whose columns are ``header``: ``name``, or the first that fits
    when ``name`` is ``auto``. ``where`` prefixes the error (e.g. ``"in.csv: line 1"``)."""
    names = set(header)
    if name != "auto":
        layout = LAYOUTS[name]
    else:
        fitting = [lay for lay in LAYOUTS.values() if not set(lay.required()) - names]
        if fitting:
            return fitting[0]
        layout = SNAPSHOT
    missing = [column for column in layout.required() if column not in names]
    if missing:
        hint = ""
        if name == "auto":
            hint = "; or the traffic columns " + ",".join(TRAFFIC.required())
        raise InvalidInput(
            f"{where}: missing column {missing[0]!r}; the header needs "
            + ",".join(layout.required())
            + hint
        )
    return layout
