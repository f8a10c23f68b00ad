"""Seeded plans for the operations benchmark: drone flights, sorties and convoy corridors.

Shapes are built in local metres around each volume's centre and turned into lon/lat with an
equirectangular scale, in vectorised batches (the real hub gets its footprints from
``deconfliction.geo``; this only needs shapes of realistic sizes, fast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from deconfliction.model import Volume

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
HOUR_S = 3600.0
CIRCLE_SEGMENTS = 32
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Area:
    """Where plans are placed: a lat/lon box, or a disc of ``radius_m`` around a centre."""

    lat_min: float = 35.0
    lat_max: float = 60.0
    lon_min: float = -10.0
    lon_max: float = 30.0
    centre: tuple[float, float] | None = None
    radius_m: float = 0.0

    def draw(self, rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]:
        if self.centre is None:
            return rng.uniform(self.lat_min, self.lat_max, n), rng.uniform(
                self.lon_min, self.lon_max, n
            )
        distance = self.radius_m * np.sqrt(rng.uniform(0, 1, n))
        bearing = rng.uniform(0, 2 * math.pi, n)
        return _offset(
            self.centre[0], self.centre[1], distance * np.cos(bearing), distance * np.sin(bearing)
        )


CONTINENT = Area()
# (drone, sortie, convoy) shares; a busy area has only small shapes, all within 10 km.
CONTINENTAL_MIX = (0.7, 0.2, 0.1)


def busy_area(lat: float = 50.0, lon: float = 4.0) -> Area:
    return Area(centre=(lat, lon), radius_m=8_000.0)  # + at most 2 km of shape = 10 km


def _offset(
    lat: FloatArray | float, lon: FloatArray | float, north_m: FloatArray, east_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    lat_a = np.asarray(lat, dtype=np.float64) + north_m / M_PER_DEG_LAT
    lon_a = np.asarray(lon, dtype=np.float64) + east_m / (
        M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat_a))
    )
    return lat_a, lon_a


def _to_degrees(
    shapes: npt.NDArray[np.object_], lat: FloatArray, lon: FloatArray
) -> npt.NDArray[np.object_]:
    xy, owner = shapely.get_coordinates(shapes, return_index=True)
    lat_p, lon_p = _offset(lat[owner], lon[owner], xy[:, 1], xy[:, 0])
    return shapely.set_coordinates(shapes.copy(), np.column_stack([lon_p, lat_p]))


def _circles(
    rng: np.random.Generator, n: int, r_min: float, r_max: float
) -> npt.NDArray[np.object_]:
    angle = np.linspace(0, 2 * math.pi, CIRCLE_SEGMENTS, endpoint=False)
    radius = rng.uniform(r_min, r_max, (n, 1))
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=2)
    return shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))


def _rectangles(
    rng: np.random.Generator, n: int, s_min: float, s_max: float
) -> npt.NDArray[np.object_]:
    half_w, half_h = rng.uniform(s_min, s_max, (2, n, 1)) / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=np.float64)
    x, y = corners[None, :, 0] * half_w, corners[None, :, 1] * half_h
    theta = rng.uniform(0, math.pi, (n, 1))
    rotated = np.stack(
        [x * np.cos(theta) - y * np.sin(theta), x * np.sin(theta) + y * np.cos(theta)], axis=2
    )
    return shapely.polygons(rotated)


def _corridors(rng: np.random.Generator, n: int) -> npt.NDArray[np.object_]:
    length = rng.uniform(20_000, 200_000, (n, 1))
    heading = rng.uniform(0, 2 * math.pi, (n, 1)) + np.cumsum(
        rng.uniform(-0.5, 0.5, (n, 3)), axis=1
    )
    step = length / 3
    x = np.concatenate([np.zeros((n, 1)), np.cumsum(step * np.cos(heading), axis=1)], axis=1)
    y = np.concatenate([np.zeros((n, 1)), np.cumsum(step * np.sin(heading), axis=1)], axis=1)
    lines = shapely.linestrings(np.stack([x - x[:, -1:] / 2, y - y[:, -1:] / 2], axis=2))
    return shapely.buffer(lines, rng.uniform(100, 500, n), quad_segs=4)


def make_plans(
    rng: np.random.Generator, n: int, area: Area, now_s: float, mix: tuple[float, float, float]
) -> list[list[Volume]]:
    """``n`` plans of 1 to 5 volumes each, over the next 24 hours."""
    kind = rng.choice(3, n, p=mix)
    count = rng.integers(1, 6, n)
    total = int(count.sum())
    owner = np.repeat(np.arange(n), count)
    leg = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    vkind = kind[owner]
    base_lat, base_lon = area.draw(rng, n)
    # Later legs wander from the first: a few km for small shapes, the route for convoys.
    spread = np.array([1_500.0, 20_000.0, 60_000.0])[vkind] * np.minimum(leg, 1)
    if area.centre is not None:
        spread = np.minimum(spread, 1_000.0)
    lat, lon = _offset(
        base_lat[owner],
        base_lon[owner],
        rng.normal(0, 1, total) * spread,
        rng.normal(0, 1, total) * spread,
    )
    shapes = np.empty(total, dtype=object)
    sizes = {0: (200.0, 2_000.0), 1: (5_000.0, 50_000.0)}
    if area.centre is not None:
        sizes[1] = (1_000.0, 4_000.0)
    for code in (0, 1, 2):
        rows = np.flatnonzero(vkind == code)
        if not len(rows):
            continue
        if code == 0:
            shapes[rows] = _circles(rng, len(rows), *sizes[0])
        elif code == 1:
            shapes[rows] = _rectangles(rng, len(rows), *sizes[1])
        else:
            shapes[rows] = _corridors(rng, len(rows))
    footprints = _to_degrees(shapes, lat, lon)
    duration = rng.uniform(*np.array([(600, 3600), (1800, 7200), (3600, 4 * 3600)]).T[:, vkind])
    first_start = now_s + 60 + rng.uniform(0, 20 * HOUR_S, n)
    first_leg = np.cumsum(count) - count
    elapsed = np.cumsum(duration)
    before_plan = np.repeat((elapsed - duration)[first_leg], count)
    start = first_start[owner] + (elapsed - before_plan) - duration
    lower = np.where(vkind == 1, rng.uniform(300, 6_000, total), 0.0)
    upper = np.select(
        [vkind == 0, vkind == 1],
        [rng.choice([60.0, 120.0, 150.0, 400.0], total), lower + rng.uniform(500, 3_000, total)],
        30.0,
    )
    plans: list[list[Volume]] = [[] for _ in range(n)]
    columns = (owner, footprints, lower, upper, start, start + duration)
    for o, fp, lo, hi, t0, t1 in zip(*(c.tolist() for c in columns), strict=True):
        plans[o].append(Volume(fp, lo, hi, t0, t1))
    return plans
