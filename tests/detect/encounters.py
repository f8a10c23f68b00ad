"""Snapshots for the tests: from scenario rows, and hypothesis strategies for encounters
anywhere on Earth; and the minima tables they are checked under."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from pyproj import Geod

from deconfliction.detect import MinimaTable, Snapshot
from deconfliction.model.minima import Minima
from tests.scenarios import TrackRow

GEOD = Geod(ellps="WGS84")

TABLES = {
    "default": MinimaTable(),
    "agreement": MinimaTable(agreements={("red", "blue"): {"air": Minima(25_000.0, 900.0, 900.0)}}),
    "tight": MinimaTable(defaults={"air": Minima(500.0, 30.0, 60.0)}),
}


def snapshot_of(rows: list[TrackRow], time_s: float = 0.0) -> Snapshot:
    party, track, lat, lon, alt, gs, course, vs = zip(*rows, strict=True)
    return Snapshot.from_columns(
        time_s,
        party=party,
        track=track,
        lat=lat,
        lon=lon,
        alt_m=alt,
        gs_mps=gs,
        course_deg=course,
        vs_mps=vs,
    )


# Where on Earth: anywhere, near the poles, or straddling the antimeridian.
latitudes = st.one_of(
    st.floats(-89.9, 89.9),
    st.floats(85.0, 90.0),
    st.floats(-90.0, -85.0),
)
longitudes = st.one_of(
    st.floats(-180.0, 180.0), st.sampled_from([180.0, -180.0, 179.999, -179.999])
)
speeds = st.one_of(st.floats(0.0, 320.0), st.just(0.0))
vertical_rates = st.one_of(st.just(0.0), st.floats(-25.0, 25.0))


@st.composite
def cluster(draw: st.DrawFn, *, max_tracks: int = 30, radius_m: float = 120_000.0) -> Snapshot:
    """A snapshot of tracks scattered within ``radius_m`` of a point, many of them close."""
    n = draw(st.integers(2, max_tracks))
    lat0, lon0 = draw(latitudes), draw(longitudes)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = draw(st.sampled_from([radius_m, radius_m / 10, 15_000.0]))
    distance = spread * np.sqrt(rng.random(n))
    azimuth = rng.uniform(0.0, 360.0, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), azimuth, distance)
    lat = np.clip(np.asarray(lat), -90.0, 90.0)
    lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0
    alt_base = draw(st.floats(0.0, 12_000.0))
    alt = alt_base + rng.choice([0.0, 150.0, 304.8, 600.0, 1500.0], n) * rng.choice([-1, 1], n)
    if draw(st.booleans()):  # some exact duplicates of another track's state
        alt[n // 2 :] = alt[: n - n // 2]
    gs = rng.uniform(0.0, draw(st.sampled_from([0.0, 50.0, 250.0, 320.0])), n)
    course = rng.uniform(0.0, 360.0, n)
    vs = np.where(
        rng.random(n) < draw(st.sampled_from([0.0, 0.3, 1.0])), rng.uniform(-20, 20, n), 0.0
    )
    parties = draw(st.sampled_from([["red", "blue"], ["red", "blue", "green", "grey"]]))
    return Snapshot.from_columns(
        0.0,
        party=[parties[i % len(parties)] for i in rng.permutation(n)],
        track=[f"t{i:03d}" for i in range(n)],
        lat=lat,
        lon=lon,
        alt_m=alt,
        gs_mps=gs,
        course_deg=course,
        vs_mps=vs,
    )


@st.composite
def encounter(draw: st.DrawFn) -> Snapshot:
    """Two tracks of different parties within 40 km of each other."""
    lat0, lon0 = draw(latitudes), draw(longitudes)
    distance = draw(st.floats(0.0, 40_000.0))
    azimuth = draw(st.floats(0.0, 360.0))
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, azimuth, distance)
    lon1 = (lon1 + 180.0) % 360.0 - 180.0
    alt0 = draw(st.floats(0.0, 12_000.0))
    dz = draw(st.one_of(st.floats(-800.0, 800.0), st.sampled_from([0.0, 304.8, -304.8])))
    return Snapshot.from_columns(
        0.0,
        party=["red", "blue"],
        track=["a", "b"],
        lat=[lat0, min(max(lat1, -90.0), 90.0)],
        lon=[lon0, lon1],
        alt_m=[alt0, alt0 + dz],
        gs_mps=[draw(speeds), draw(speeds)],
        course_deg=[draw(st.floats(0.0, 360.0)), draw(st.floats(0.0, 360.0))],
        vs_mps=[draw(vertical_rates), draw(vertical_rates)],
    )
