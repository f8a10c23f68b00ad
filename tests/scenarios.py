"""Scenarios shared by tests: constants and small builders, each section headed by topic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Proj, Transformer
from shapely.geometry.base import BaseGeometry

from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.visibility import TrackSide
from deconfliction.model.alert_views import AlertView, PairFigures, PairGeometry, TrackState
from deconfliction.model.party import Domain
from deconfliction.units import format_time

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


# --- Operations: footprints, volumes, times ------------------------------------------------
# Footprints are built here because `deconfliction.geo` (GeoJSON → geometry) is separate
# work; these helpers give the same kind of shapes: lon/lat degrees, metres for radii.

WGS84 = Geod(ellps="WGS84")
NOW_S = 1_750_000_000.0  # 2025-06-15T15:06:40Z
HOUR_S = 3600.0
PARIS = (48.8566, 2.3522)  # lat, lon


def circle(lat: float, lon: float, radius_m: float, segments: int = 64) -> shapely.Polygon:
    """A geodesic circle; its first vertex is due east of the centre."""
    azimuths = 90.0 - np.arange(segments) * 360.0 / segments
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), azimuths, np.full(segments, radius_m)
    )
    return shapely.Polygon(np.column_stack([lons, lats]))


def corridor(points: list[tuple[float, float]], half_width_m: float) -> BaseGeometry:
    """A route (lat, lon points) buffered by ``half_width_m`` in a local equidistant projection."""
    lat0, lon0 = points[0]
    local = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    forward = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    back = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    xs, ys = forward.transform([p[1] for p in points], [p[0] for p in points])
    buffered = shapely.LineString(np.column_stack([xs, ys])).buffer(half_width_m)
    return shapely.transform(buffered, lambda xy: np.column_stack(back.transform(*xy.T)))


def split_box(lat_south: float, lat_north: float, west: float, east: float) -> BaseGeometry:
    """A box from ``west`` (e.g. 179.9) across the antimeridian to ``east`` (e.g. -179.9)."""
    eastern_part = shapely.box(west, lat_south, 180.0, lat_north)
    western_part = shapely.box(-180.0, lat_south, east, lat_north)
    return shapely.MultiPolygon([eastern_part, western_part])


# Hotline: a place, a crossing notice and a track-track conflict between blue and red.

TAL_HAMIS = {"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}


def crossing_notice(**changes: Any) -> dict[str, Any]:
    """Fields of a crossing notice by blue: FF-21 crosses zone z-1 from T0 + 10 min for 30 min
    between 150 and 600 m."""
    fields: dict[str, Any] = {
        "tracks": ["FF-21"],
        "zones": ["z-1"],
        "where": [TAL_HAMIS],
        "start": T0 + 600,
        "duration_s": "30min",
        "altitude_min_m": 150,
        "altitude_max_m": 600,
        "domain": "air",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def track_state(lat: float, lon: float, domain: str = "air") -> TrackState:
    """A track's state at alert time (T0), as alerts carry it."""
    at = format_time(T0)
    return TrackState(at, at, lat, lon, 3000.0, 120.0, 90.0, 0.0, Domain(domain))


def track_conflict_views(domain: str = "air") -> dict[str, AlertView]:
    """What blue and red each see of a conflict between blue's b1 and red's r1."""
    geometry = PairGeometry(
        45.0, 95.0, 70.0, 850.0, 0.0, format_time(T0 + 45), format_time(T0 + 70)
    )
    blue = TrackSide("blue", "b1", track_state(35.33, 40.14, domain))
    red = TrackSide("red", "r1", track_state(35.4, 40.2, domain))
    return visibility.track_pair(blue, red, geometry)


TRACK_CONFLICT_LIVE = PairFigures(45.0, 95.0, 70.0, 850.0, 0.0, format_time(T0))


# --- detect: track-track conflicts -------------------------------------------------------
# Columns of Snapshot.from_columns, one tuple per track:
# (party, track, lat, lon, alt_m, gs_mps, course_deg, vs_mps)
TrackRow = tuple[str, str, float, float, float, float, float, float]

# Two aircraft of different parties head-on at FL300, 40 km apart on the equator, closing
# at 400 m/s: conflict from (40,000 - 9,260) / 400 = 76.85 s to 123.15 s, closest at 100 s.
HEAD_ON: list[TrackRow] = [
    ("red", "r1", 0.0, 0.0, 9144.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 0.0, 0.359326, 9144.0, 200.0, 270.0, 0.0),
]

# The same encounter across the antimeridian.
HEAD_ON_ANTIMERIDIAN: list[TrackRow] = [
    ("red", "r1", 0.0, 179.820337, 9144.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 0.0, -179.820337, 9144.0, 200.0, 270.0, 0.0),
]

# Two aircraft near the North Pole (89°N), 20 km apart on opposite meridians, converging
# over the pole at 200 m/s each: closest approach 0 m after 50 s.
OVER_THE_POLE: list[TrackRow] = [
    ("red", "r1", 89.91046966, 30.0, 10_000.0, 200.0, 0.0, 0.0),
    ("blue", "b1", 89.91046966, -150.0, 10_000.0, 200.0, 0.0, 0.0),
]

# Two aircraft at the same point, same level, different headings: a current loss.
SAME_POSITION: list[TrackRow] = [
    ("red", "r1", 48.5, 2.5, 6000.0, 150.0, 10.0, 0.0),
    ("blue", "b1", 48.5, 2.5, 6000.0, 220.0, 250.0, 0.0),
]

# Exactly 1,000 ft apart vertically, level, one above the other: not a conflict ("closer
# than" is strict), even though 10304.8 - 10000.0 rounds to 304.7999999999993.
VERTICAL_BOUNDARY: list[TrackRow] = [
    ("red", "r1", 45.0, 10.0, 10_000.0, 200.0, 90.0, 0.0),
    ("blue", "b1", 45.0, 10.0, 10_304.8, 200.0, 270.0, 0.0),
]


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


# Zones in the hub -------------------------------------------------------------------------
# The Euphrates scenario through the hub: the clock starts at ZONES_NOW_S; "east" declares
# the line and the circle, "west" drives and flies, "aid" declares protected sites, and
# "other" is a party nothing is shared with. A clinic of "aid", 300 m round Deir ez-Zor, lies
# inside east's 5 km line buffer; a camp 40 km west of the line touches nothing of east's.
ZONE_PARTIES = ("east", "west", "aid", "other")
DEIR_EZ_ZOR: tuple[float, float] = EUPHRATES_LINE[1]  # (lon, lat)
PROTECTED_UNTIL = "2023-12-01T00:00:00Z"  # 16 days and 1 h 46 min 40 s after ZONES_NOW_S
PROTECTED_UNTIL_S = 1_701_388_800.0


def euphrates_convoy_start(offset_m: float = CONVOY_OFFSET_M) -> tuple[tuple[float, float], float]:
    """(lon, lat) ``offset_m`` south-west of the middle of the Raqqa–Deir ez-Zor leg, and the
    geodesic course from it straight back to that middle."""
    raqqa, deir = EUPHRATES_LINE[0], EUPHRATES_LINE[1]
    middle = (0.5 * (raqqa[0] + deir[0]), 0.5 * (raqqa[1] + deir[1]))
    leg = float(WGS84.inv(middle[0], middle[1], deir[0], deir[1])[0])
    lon, lat, _ = WGS84.fwd(middle[0], middle[1], leg + 90.0, offset_m)
    course = float(WGS84.inv(lon, lat, middle[0], middle[1])[0]) % 360.0
    return (float(lon), float(lat)), course


def protected_site(
    zone_id: str = "clinic",
    centre: tuple[float, float] = DEIR_EZ_ZOR,
    radius_m: float = 300.0,
    **properties: Any,
) -> dict[str, Any]:
    """A protected site of ``radius_m`` round ``centre`` (lon, lat) until PROTECTED_UNTIL,
    shared with east and west unless ``properties`` say otherwise."""
    props: dict[str, Any] = {
        "name": f"{zone_id} site",
        "rule": "protected",
        "radius_m": radius_m,
        "valid_to": PROTECTED_UNTIL,
        "shared_with": ["east", "west"],
    }
    props.update(properties)
    return {
        "type": "Feature",
        "id": zone_id,
        "geometry": {"type": "Point", "coordinates": list(centre)},
        "properties": {k: v for k, v in props.items() if v is not None},
    }


# --- Operations in the hub: volumes as a client files them ---------------------------------
# Two 2 km squares 1 km apart in longitude near Paris overlap in a 1 km x 2 km strip; the
# plans run from T0 + 10 min to T0 + 1 h, 0-120 m.

OP_START = T0 + 600.0
OP_END = T0 + 3600.0
PARIS_SQUARE = (2.30, 48.80, 2.32, 48.82)  # lon_min, lat_min, lon_max, lat_max


def box_geojson(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON Polygon: the lon/lat box (counter-clockwise, closed)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def op_volume(
    geometry: dict[str, Any] | None = None,
    *,
    start: float = OP_START,
    end: float = OP_END,
    alt: tuple[float, float] = (0.0, 120.0),
    **sizes: float,
) -> dict[str, Any]:
    """One volume of an operation request (``radius_m``/``buffer_m`` in ``sizes``)."""
    return {
        "geometry": geometry or box_geojson(*PARIS_SQUARE),
        "alt_lower_m": alt[0],
        "alt_upper_m": alt[1],
        "start": start,
        "end": end,
        **sizes,
    }


def shifted(dlon: float, dlat: float = 0.0, **changes: Any) -> dict[str, Any]:
    """The Paris square moved by ``dlon``/``dlat`` degrees, as a volume."""
    west, south, east, north = PARIS_SQUARE
    return op_volume(box_geojson(west + dlon, south + dlat, east + dlon, north + dlat), **changes)
