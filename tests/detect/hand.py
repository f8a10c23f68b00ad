"""Hand computations for track–zone tests, independent of the code under test.

Everything here is geodesic (pyproj): a track moves along the geodesic that leaves its
position on its course, and a time to entry is found by bisection on the distance travelled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pyproj

GEOD = pyproj.Geod(ellps="WGS84")


def distance_to_line_m(lon: float, lat: float, line: Sequence[tuple[float, float]]) -> float:
    """Shortest geodesic distance from a point to a line whose edges are straight in lon/lat."""
    best = math.inf
    for a, b in itertools.pairwise(line):
        lo, hi = 0.0, 1.0
        for _ in range(4):
            f = np.linspace(lo, hi, 1001)
            xs, ys = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
            _, _, d = GEOD.inv(np.full(len(f), lon), np.full(len(f), lat), xs, ys)
            k = int(np.argmin(d))
            step = f[1] - f[0]
            lo, hi = max(0.0, f[k] - step), min(1.0, f[k] + step)
        best = min(best, float(d[k]))
    return best


def along(lon: float, lat: float, course_deg: float, distance_m: float) -> tuple[float, float]:
    """The point ``distance_m`` along the geodesic leaving (lon, lat) on ``course_deg``."""
    x, y, _ = GEOD.fwd(lon, lat, course_deg, distance_m)
    return float(x), float(y)


def first_distance_m(
    inside: Callable[[float, float], bool],
    lon: float,
    lat: float,
    course_deg: float,
    longest_m: float,
    step_m: float = 50.0,
) -> float | None:
    """How far along the geodesic the first point with ``inside(lon, lat)`` is (to 1 cm)."""
    previous = 0.0
    if inside(lon, lat):
        return 0.0
    s = step_m
    while s <= longest_m + step_m:
        if inside(*along(lon, lat, course_deg, min(s, longest_m))):
            lo, hi = previous, min(s, longest_m)
            while hi - lo > 0.01:
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if inside(*along(lon, lat, course_deg, mid)) else (mid, hi)
            return hi
        previous = s
        s += step_m
    return None


def azimuth(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Initial geodesic course (degrees) from a to b."""
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[0]) % 360.0


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def first_within_m(
    distance: Callable[[float, float], float],
    threshold_m: float,
    lon: float,
    lat: float,
    course_deg: float,
    longest_m: float,
) -> float | None:
    """How far along the geodesic a point first comes within ``threshold_m`` by ``distance``.

    Marches in steps of the remaining gap (a point cannot get nearer faster than it moves),
    so it never steps over the entry; exact to 1 cm.
    """
    s = 0.0
    while s <= longest_m:
        gap = distance(*along(lon, lat, course_deg, s)) - threshold_m
        if gap <= 0.01:
            return s
        s += gap
    return None
