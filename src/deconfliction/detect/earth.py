"""The Earth and the motion model every detector shares.

Positions are 3-D Earth-centred, Earth-fixed (ECEF) coordinates on the WGS84 ellipsoid, in
metres; arrays of points or vectors have shape ``(3, n)``, one row per axis (gather columns
with ``np.take(xyz, index, axis=1)``, several times faster than ``xyz[:, index]``).

The motion model
----------------
A track reported at geodetic ``lat``/``lon`` with ground speed ``gs_mps``, course
``course_deg`` (degrees clockwise from true north), altitude ``alt_m`` and vertical rate
``vs_mps`` moves as follows, for ``t`` seconds after its report:

* **Horizontally**, its point on the ellipsoid surface (height 0) moves in a straight line
  at constant velocity: ``p(t) = p0 + v t`` with ``v = gs (sin(course) east + cos(course)
  north)``, ``east``/``north`` the unit vectors of its local horizontal plane. Over a few
  minutes this follows the great circle (the normal section) through ``p0`` to within
  metres; the line rises above the surface by ``(gs t)^2 / 2R`` (441 m after 75 km), which
  the horizontal distance below projects away.
* **Vertically**, ``alt(t) = alt_m + vs t``, independently; a track with a *level*
  (``level_alt_m``: a selected or cleared altitude) ahead of its vertical motion stops
  there: ``alt(t) = alt_m + vs min(t, t_level)`` with ``t_level`` from :func:`level_off_s`.

The **horizontal separation** of two tracks at time ``t`` is the length of ``p_b(t) -
p_a(t)`` projected on the plane normal to ``u``, the unit vector halfway between the two
tracks' local verticals at the report (``up_a + up_b``, normalised). ``u`` does not depend
on ``t``, so the squared separation is a quadratic in ``t`` and conflict intervals have a
closed form. The **vertical separation** is ``|alt_b(t) - alt_a(t)|``. Both hold anywhere:
ECEF has no seam at the antimeridian and no singularity at the poles.

Course at a pole is meaningless; the local frame there is the limit reached along the
meridian ``lon`` of the report (at the North Pole, north points down the meridian ``lon +
180``, east along ``lon + 90``), so a track at a pole heading 0 moves along meridian
``lon + 180``, exactly as if it had arrived from meridian ``lon`` and kept going.

>>> import numpy as np
>>> motion = Motion.from_arrays(np.array([0.0]), np.array([0.0]), np.array([100.0]),
...                             np.array([90.0]))
>>> motion.position_m[:, 0].round(3).tolist(), motion.velocity_mps[:, 0].round(9).tolist()
([6378137.0, 0.0, 0.0], [-0.0, 100.0, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# Arrays of a coarse Motion are single precision.
RealArray = npt.NDArray[np.floating[Any]]

WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
# The smallest radius of curvature of the ellipsoid (meridional, at the equator): no normal
# turns faster than 1/MIN_CURVATURE_RADIUS_M radians per metre along the surface.
MIN_CURVATURE_RADIUS_M = WGS84_A_M * (1.0 - WGS84_E2)
# Bounds on the errors of a coarse (single-precision) Motion: sines, cosines and products
# off by a few 1e-7 move a point on a 6,400 km radius by a few metres (measured: under 4 m),
# and turn its velocity by as little (measured: 8e-7 of the distance travelled).
COARSE_ERROR_M = 8.0
COARSE_TURN = 2e-6
# The fastest ground or vertical speed the motion model takes at face value (Mach 30): a
# faster one is taken as this fast. Validation refuses far lower speeds (settings
# ``*_max_gs_mps``, ``*_max_vs_mps``); this bound is what keeps every product and square
# of the detectors finite whatever a caller passes, so that an absurd speed can at worst
# misplace a track's future, never its present (a current loss is always found).
MAX_SPEED_MPS = 10_000.0


def bounded_speeds(gs_mps: npt.ArrayLike, vs_mps: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Ground speeds in ``[0, MAX_SPEED_MPS]`` and vertical speeds in ``±MAX_SPEED_MPS``
    (NaN as 0); the arrays themselves when they already are.

    >>> gs, vs = bounded_speeds(np.array([1e308, 5.0]), np.array([-np.inf, 1.0]))
    >>> gs.tolist(), vs.tolist()
    ([10000.0, 5.0], [-10000.0, 1.0])
    """
    gs = np.asarray(gs_mps, dtype=np.float64)
    vs = np.asarray(vs_mps, dtype=np.float64)
    if not ((gs >= 0.0) & (gs <= MAX_SPEED_MPS)).all():
        gs = np.clip(np.nan_to_num(gs, nan=0.0, posinf=MAX_SPEED_MPS), 0.0, MAX_SPEED_MPS)
    if not (np.abs(vs) <= MAX_SPEED_MPS).all():
        vs = np.nan_to_num(vs, nan=0.0, posinf=MAX_SPEED_MPS, neginf=-MAX_SPEED_MPS)
        vs = np.clip(vs, -MAX_SPEED_MPS, MAX_SPEED_MPS)
    return gs, vs


def _trig(lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[FloatArray, ...]:
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    return np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)


def _trig_single(*angles_deg: FloatArray) -> list[npt.NDArray[np.float32]]:
    """Sine and cosine of each angle, in single precision."""
    out: list[npt.NDArray[np.float32]] = []
    for angle in angles_deg:
        radians = angle.astype(np.float32)
        radians *= np.float32(np.pi / 180.0)
        out += [np.sin(radians), np.cos(radians)]
    return out


def to_ecef(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, alt_m: npt.ArrayLike = 0.0
) -> FloatArray:
    """ECEF coordinates ``(3, n)`` in metres of geodetic points (WGS84, height ``alt_m``).

    >>> to_ecef([90.0], [0.0]).round(3)[:, 0]
    array([      0.   ,       0.   , 6356752.314])
    """
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
    height = np.asarray(alt_m, dtype=np.float64)
    sin_lat, cos_lat, sin_lon, cos_lon = _trig(lat, lon)
    radius = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    out = np.empty((3, lat.size), dtype=np.float64)
    out[0] = (radius + height) * cos_lat * cos_lon
    out[1] = (radius + height) * cos_lat * sin_lon
    out[2] = (radius * (1.0 - WGS84_E2) + height) * sin_lat
    return out


def from_ecef(
    xyz: npt.ArrayLike, *, refinements: int = 2
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Geodetic ``(lat_deg, lon_deg, height_m)`` of ECEF points ``(3, n)``.

    Bowring's method; with two refinements sub-millimetre for heights below 100 km, with
    one for heights below 10 km.

    >>> lat, lon, h = from_ecef(to_ecef([48.5], [-179.9], [1000.0]))
    >>> round(float(lat[0]), 9), round(float(lon[0]), 9), round(float(h[0]), 6)
    (48.5, -179.9, 1000.0)
    """
    x, y, z = np.asarray(xyz, dtype=np.float64).reshape(3, -1)
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    beta = np.arctan2(z * WGS84_A_M, p * WGS84_B_M)
    lat = beta
    for _ in range(refinements):
        lat = np.arctan2(
            z + ep2 * WGS84_B_M * np.sin(beta) * np.sin(beta) * np.sin(beta),
            p - WGS84_E2 * WGS84_A_M * np.cos(beta) * np.cos(beta) * np.cos(beta),
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    radius = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    # Near the poles cos(lat) vanishes; measure the height along z there instead.
    polar = np.abs(cos_lat) < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        height = np.where(
            polar,
            z / np.where(polar, sin_lat, 1.0) - radius * (1.0 - WGS84_E2),
            p / np.where(polar, 1.0, cos_lat) - radius,
        )
    return np.degrees(lat), np.degrees(lon), height


def surface_point_and_course(
    xyz: RealArray, vector: RealArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(lat_deg, lon_deg, course_deg)`` of points near the surface and vectors there.

    The geodetic position of each ECEF point (one Bowring refinement: micrometres for
    heights below 10 km) and the course of each vector in the local frame at that position,
    derived without evaluating a sine or cosine: three ``arctan2`` per point in all.

    >>> point, east = to_ecef([30.0], [-170.0]), local_frame([30.0], [-170.0])[0]
    >>> [round(float(x[0]), 9) for x in surface_point_and_course(point, east)]
    [30.0, -170.0, 90.0]
    """
    x, y, z = xyz
    # sqrt(a² + b²) rather than hypot: several times faster, and nothing here overflows.
    rho = np.sqrt(x * x + y * y)
    # tan(beta) = z a / (rho b): its sine and cosine straight from the triangle.
    za, rb = z * WGS84_A_M, rho * WGS84_B_M
    hyp = np.sqrt(za * za + rb * rb)
    safe = np.where(hyp > 0.0, hyp, 1.0)
    sin_beta, cos_beta = za / safe, rb / safe
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    numerator = z + ep2 * WGS84_B_M * sin_beta * sin_beta * sin_beta
    denominator = rho - WGS84_E2 * WGS84_A_M * cos_beta * cos_beta * cos_beta
    norm = np.sqrt(numerator * numerator + denominator * denominator)
    sin_lat, cos_lat = numerator / norm, denominator / norm
    on_axis = rho == 0.0  # at a pole the meridian is arbitrary: take lon 0
    rho_safe = np.where(on_axis, 1.0, rho)
    cos_lon, sin_lon = np.where(on_axis, 1.0, x / rho_safe), y / rho_safe
    v_east = -vector[0] * sin_lon + vector[1] * cos_lon
    v_north = -sin_lat * (vector[0] * cos_lon + vector[1] * sin_lon) + vector[2] * cos_lat
    lat = np.degrees(np.arctan2(numerator, denominator))
    lon = np.degrees(np.arctan2(y, x))
    course = np.degrees(np.arctan2(v_east, v_north))
    course = np.where(course < 0.0, course + 360.0, course)
    return lat, lon, course


def local_frame(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Unit vectors ``(east, north, up)``, each ``(3, n)``, of the local horizontal frames.

    ``up`` is the ellipsoid normal. At a pole the frame is the limit along meridian ``lon``.

    >>> east, north, up = local_frame([90.0], [0.0])
    >>> east[:, 0], north[:, 0].round(12), up[:, 0].round(12)
    (array([-0.,  1.,  0.]), array([-1., -0.,  0.]), array([0., 0., 1.]))
    """
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
    sin_lat, cos_lat, sin_lon, cos_lon = _trig(lat, lon)
    east = np.stack([-sin_lon, cos_lon, np.zeros_like(lon)])
    north = np.stack([-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat])
    up = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat])
    return east, north, up


def course_from_vector(
    vector: FloatArray, lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike
) -> FloatArray:
    """Course in degrees [0, 360) of ECEF vectors ``(3, n)`` in the local frames at the points.

    >>> east, north, _ = local_frame([10.0], [20.0])
    >>> course_from_vector(east, [10.0], [20.0])
    array([90.])
    """
    east, north, _ = local_frame(lat_deg, lon_deg)
    v = np.asarray(vector, dtype=np.float64).reshape(3, -1)
    course = np.degrees(np.arctan2((v * east).sum(axis=0), (v * north).sum(axis=0)))
    return np.asarray(np.mod(course, 360.0), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Motion:
    """The horizontal motion of tracks: surface point, velocity and local vertical, ``(3, n)``.

    ``position_m`` is the track's point on the ellipsoid (height 0) at its report,
    ``velocity_mps`` its constant velocity along the local horizontal plane, ``up`` the
    ellipsoid normal at the report. Altitude and vertical rate are kept apart by callers.
    ``coarse`` motions were computed in single precision (see :meth:`from_arrays`).
    """

    position_m: RealArray
    velocity_mps: RealArray
    up: RealArray
    coarse: bool = False

    def __len__(self) -> int:
        return int(self.position_m.shape[1])

    @classmethod
    def from_arrays(
        cls,
        lat_deg: FloatArray,
        lon_deg: FloatArray,
        gs_mps: FloatArray,
        course_deg: FloatArray,
        *,
        coarse: bool = False,
    ) -> Motion:
        """The motion of tracks given as columns (degrees, m/s).

        ``coarse`` computes in single precision, several times faster and in half the memory:
        positions are then off by up to :data:`COARSE_ERROR_M` (for a broad phase that
        allows for it), and the arrays are float32.

        >>> import numpy as np
        >>> m = Motion.from_arrays(np.array([45.0]), np.array([179.99]), np.array([200.0]),
        ...                        np.array([90.0]))
        >>> float(np.linalg.norm(m.velocity_mps[:, 0]))
        200.0
        """
        dtype = np.float32 if coarse else np.float64
        trig: list[RealArray]
        if coarse:
            trig = list(_trig_single(lat_deg, lon_deg, course_deg))
        else:
            course = np.radians(course_deg)
            trig = [*_trig(lat_deg, lon_deg), np.sin(course), np.cos(course)]
        sin_lat, cos_lat, sin_lon, cos_lon, sin_course, cos_course = trig
        gs: RealArray = np.asarray(gs_mps, dtype=dtype)
        speed_east = gs * sin_course
        speed_north = gs * cos_course
        radius = sin_lat * sin_lat
        radius *= -WGS84_E2
        radius += 1.0
        np.sqrt(radius, out=radius)
        np.divide(WGS84_A_M, radius, out=radius)
        n = sin_lat.shape[0]
        position = np.empty((3, n), dtype=dtype)
        velocity = np.empty((3, n), dtype=dtype)
        up = np.empty((3, n), dtype=dtype)
        np.multiply(cos_lat, cos_lon, out=up[0])
        np.multiply(cos_lat, sin_lon, out=up[1])
        up[2] = sin_lat
        np.multiply(radius, up[0], out=position[0])
        np.multiply(radius, up[1], out=position[1])
        np.multiply(radius, sin_lat, out=position[2])
        position[2] *= 1.0 - WGS84_E2
        # velocity = speed_east * east + speed_north * north
        north_sin_lat = speed_north * sin_lat
        np.multiply(speed_east, sin_lon, out=velocity[0])
        velocity[0] += north_sin_lat * cos_lon
        np.negative(velocity[0], out=velocity[0])
        np.multiply(speed_east, cos_lon, out=velocity[1])
        velocity[1] -= north_sin_lat * sin_lon
        np.multiply(speed_north, cos_lat, out=velocity[2])
        return cls(position, velocity, up, coarse)

    def at(self, dt_s: float | FloatArray) -> RealArray:
        """Surface-line positions ``(3, n)`` after ``dt_s`` seconds (scalar or per track)."""
        return self.position_m + self.velocity_mps * dt_s


def midpoint_up(up_a: FloatArray, up_b: FloatArray) -> FloatArray:
    """The unit vertical halfway between two sets of unit verticals ``(3, n)``.

    Antipodal pairs (no halfway direction) get ``up_a``.

    >>> midpoint_up(np.array([[1.0], [0.0], [0.0]]), np.array([[0.0], [1.0], [0.0]])).round(6)
    array([[0.707107],
           [0.707107],
           [0.      ]])
    """
    total = up_a + up_b
    norm = np.sqrt((total * total).sum(axis=0))
    degenerate = norm < 1e-12
    if degenerate.any():
        total = np.where(degenerate, up_a, total)
        norm = np.where(degenerate, 1.0, norm)
    return np.asarray(total / norm, dtype=np.float64)


def horizontal_separation_m(
    position_a: FloatArray, position_b: FloatArray, up_a: FloatArray, up_b: FloatArray
) -> FloatArray:
    """Horizontal separation (m) of ECEF points ``(3, n)`` with the verticals ``up_a``/``up_b``.

    The distance between the points projected on the plane normal to the halfway vertical,
    as the motion model defines it.

    >>> a, b = to_ecef([0.0], [179.99]), to_ecef([0.0], [-179.99])
    >>> _, _, up_a = local_frame([0.0], [179.99])
    >>> _, _, up_b = local_frame([0.0], [-179.99])
    >>> horizontal_separation_m(a, b, up_a, up_b).round(1)
    array([2226.4])
    """
    delta = position_b - position_a
    u = midpoint_up(up_a, up_b)
    # Project the vector itself (not |d|² - along²): exact even when most of it is vertical.
    flat = delta - (delta * u).sum(axis=0) * u
    return np.asarray(np.sqrt((flat * flat).sum(axis=0)), dtype=np.float64)


def level_off_s(alt_m: FloatArray, vs_mps: FloatArray, level_alt_m: FloatArray) -> FloatArray:
    """When each track's vertical motion stops at its level (0 if it is there already);
    ``inf`` for a track with no level (NaN), no vertical rate, or a level behind it.

    >>> level_off_s(np.array([1000.0, 1000.0, 1000.0]), np.array([5.0, -5.0, 5.0]),
    ...             np.array([1030.0, 1030.0, np.nan])).tolist()
    [6.0, inf, inf]
    """
    ahead = level_alt_m - alt_m
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ahead / vs_mps
    return np.where((vs_mps != 0.0) & (t >= 0.0), t, np.inf)
