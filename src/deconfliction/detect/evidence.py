"""Evidence for incidents from recorded paths: closest approach and path summaries.

Positions between reports are interpolated linearly in time (latitude, longitude unwrapped
across the antimeridian, altitude). Over each interval between consecutive report times of
either track both tracks move linearly, so the relative motion is nearly straight: the
moment of least separation inside each interval is found in closed form on a local flat
projection, and the separation at every candidate moment is then measured exactly —
horizontally along the WGS84 ellipsoid (pyproj ``Geod.inv``), vertically as the difference
of altitudes.

Interpolation across a gap in the reports is a guess; :attr:`ClosestApproach.report_gap_s`
says how long the gap around the closest moment was, and :class:`PathSummary` gives each
path's longest gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from deconfliction.errors import InvalidInput
from deconfliction.model.minima import AIR_MINIMA, Minima
from deconfliction.units import format_time

FloatArray = npt.NDArray[np.float64]
_EARTH_RADIUS_M = 6_371_008.8  # only to locate minima on the local flat projection
_GOLDEN_STEPS = 48


@dataclass(frozen=True)
class TrackPath:
    """The recorded reports of one track, sorted by time, one report per time (columns)."""

    party: str
    track: str
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray

    @classmethod
    def from_arrays(
        cls,
        party: str,
        track: str,
        time_s: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt_m: npt.ArrayLike,
    ) -> TrackPath:
        """Sort by time and keep the last report at each time; raise on bad values."""
        columns = [np.asarray(c, dtype=np.float64).ravel() for c in (time_s, lat, lon, alt_m)]
        if len({len(c) for c in columns}) != 1:
            raise InvalidInput(f"track {track}: time_s, lat, lon and alt_m differ in length")
        if not all(np.isfinite(c).all() for c in columns):
            raise InvalidInput(f"track {track}: a report has a missing or infinite value")
        if (np.abs(columns[1]) > 90).any() or (np.abs(columns[2]) > 180).any():
            raise InvalidInput(f"track {track}: a report has lat or lon out of range")
        order = np.argsort(columns[0], kind="stable")
        times = columns[0][order]
        last = np.append(times[1:] != times[:-1], True)  # the last report at each time wins
        keep = order[last]
        return cls(party, track, *(c[keep] for c in columns))

    def __len__(self) -> int:
        return len(self.time_s)

    def window(self, start_s: float, end_s: float) -> TrackPath:
        """The reports with ``start_s <= time_s <= end_s``."""
        inside = (self.time_s >= start_s) & (self.time_s <= end_s)
        return TrackPath(
            self.party,
            self.track,
            self.time_s[inside],
            self.lat[inside],
            self.lon[inside],
            self.alt_m[inside],
        )

    def at(self, times_s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Interpolated ``(lat, lon, alt_m)`` at ``times_s`` (held constant outside the path)."""
        lon = np.degrees(np.unwrap(np.radians(self.lon)))
        wrapped = (np.interp(times_s, self.time_s, lon) + 180.0) % 360.0 - 180.0
        return (
            np.interp(times_s, self.time_s, self.lat),
            wrapped,
            np.interp(times_s, self.time_s, self.alt_m),
        )


@dataclass(frozen=True)
class PathSummary:
    """What a path looks like inside a window: its span, number of reports, longest gap."""

    party: str
    track: str
    reports: int
    first_s: float | None
    last_s: float | None
    max_gap_s: float  # longest time between consecutive reports (0 with fewer than two)

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "track": self.track,
            "reports": self.reports,
            "first": None if self.first_s is None else format_time(self.first_s),
            "last": None if self.last_s is None else format_time(self.last_s),
            "max_gap_s": self.max_gap_s,
        }


def summarise_path(path: TrackPath, start_s: float, end_s: float) -> PathSummary:
    """Summarise the reports of ``path`` inside ``[start_s, end_s]``.

    Examples
    --------
    >>> path = TrackPath.from_arrays("blue", "b1", [0, 5, 30], [48, 48, 48], [2, 2, 2], [900] * 3)
    >>> summarise_path(path, 0, 60).max_gap_s
    25.0
    """
    inside = path.window(start_s, end_s).time_s
    if len(inside) == 0:
        return PathSummary(path.party, path.track, 0, None, None, 0.0)
    gap = float(np.diff(inside).max()) if len(inside) > 1 else 0.0
    return PathSummary(
        path.party, path.track, len(inside), float(inside[0]), float(inside[-1]), gap
    )


@dataclass(frozen=True)
class ClosestApproach:
    """How close two tracks came within a window.

    ``time_s``, ``horizontal_m`` and ``vertical_m``: the moment of least horizontal distance
    (geodesic, WGS84) and the altitude difference then; ``a_*``/``b_*`` the interpolated
    positions at that moment. ``min_slant_m`` at ``min_slant_time_s``: least straight-line
    separation, ``sqrt(horizontal² + vertical²)``. ``min_ratio`` at ``min_ratio_time_s``:
    least ``max(horizontal / horizontal minimum, vertical / vertical minimum)`` — below 1 the
    tracks lost separation. ``loss_of_separation_s``: how long they were inside both minima
    (to within ``step_s``). ``report_gap_s``: the longer of the two tracks' gaps between
    reports around ``time_s`` (0 when both reported at that moment). ``start_s``/``end_s``:
    the part of the window both tracks cover.
    """

    time_s: float
    horizontal_m: float
    vertical_m: float
    a_lat: float
    a_lon: float
    a_alt_m: float
    b_lat: float
    b_lon: float
    b_alt_m: float
    min_slant_m: float
    min_slant_time_s: float
    min_ratio: float
    min_ratio_time_s: float
    loss_of_separation_s: float
    report_gap_s: float
    start_s: float
    end_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "time": format_time(self.time_s),
            "horizontal_m": self.horizontal_m,
            "vertical_m": self.vertical_m,
            "a": {"lat": self.a_lat, "lon": self.a_lon, "alt_m": self.a_alt_m},
            "b": {"lat": self.b_lat, "lon": self.b_lon, "alt_m": self.b_alt_m},
            "min_slant_m": self.min_slant_m,
            "min_slant_time": format_time(self.min_slant_time_s),
            "min_ratio": self.min_ratio,
            "min_ratio_time": format_time(self.min_ratio_time_s),
            "loss_of_separation_s": self.loss_of_separation_s,
            "report_gap_s": self.report_gap_s,
            "start": format_time(self.start_s),
            "end": format_time(self.end_s),
        }


def _local_xyz(
    a: tuple[FloatArray, FloatArray, FloatArray], b: tuple[FloatArray, FloatArray, FloatArray]
) -> FloatArray:
    """The position of b relative to a in metres (east, north, up) on a flat local frame."""
    lat_a, lon_a, alt_a = a
    lat_b, lon_b, alt_b = b
    dlon = (lon_b - lon_a + 180.0) % 360.0 - 180.0
    mid_lat = np.radians((lat_a + lat_b) / 2.0)
    east = np.radians(dlon) * np.cos(mid_lat) * _EARTH_RADIUS_M
    north = np.radians(lat_b - lat_a) * _EARTH_RADIUS_M
    return np.stack([east, north, alt_b - alt_a], axis=-1)


def _segment_minima(start: FloatArray, end: FloatArray) -> FloatArray:
    """For each segment ``start + s (end - start)``, the ``s`` in [0, 1] nearest the origin."""
    direction = end - start
    length2 = np.einsum("ij,ij->i", direction, direction)
    along = -np.einsum("ij,ij->i", start, direction)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(length2 > 0, along / length2, 0.0)
    return np.asarray(np.clip(s, 0.0, 1.0), dtype=np.float64)


def _ratio_minima(start: FloatArray, end: FloatArray, minima: Minima) -> FloatArray:
    """For each segment, the ``s`` minimising max(h/H, |v|/V) (convex: golden-section)."""
    vertical = minima.vertical_m if math.isfinite(minima.vertical_m) else math.inf

    def ratio(s: FloatArray) -> FloatArray:
        point = start + s[:, None] * (end - start)
        horizontal = np.hypot(point[:, 0], point[:, 1]) / minima.horizontal_m
        return np.asarray(np.maximum(horizontal, np.abs(point[:, 2]) / vertical))

    low, high = np.zeros(len(start)), np.ones(len(start))
    golden = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(_GOLDEN_STEPS):
        left, right = high - golden * (high - low), low + golden * (high - low)
        go_left = ratio(left) < ratio(right)
        high = np.where(go_left, right, high)
        low = np.where(go_left, low, left)
    return (low + high) / 2.0


def _gap_around(times: FloatArray, moment: float) -> float:
    index = int(np.searchsorted(times, moment))
    if index < len(times) and times[index] == moment:
        return 0.0
    if index == 0 or index == len(times):
        return 0.0
    return float(times[index] - times[index - 1])


def closest_approach(
    a: TrackPath,
    b: TrackPath,
    start_s: float,
    end_s: float,
    *,
    minima: Minima = AIR_MINIMA,
    step_s: float = 1.0,
) -> ClosestApproach | None:
    """The closest approach of two recorded paths within ``[start_s, end_s]``.

    Returns ``None`` when the paths share no moment inside the window.

    Parameters
    ----------
    a, b : TrackPath
        The recorded paths (reports outside the window help interpolate at its edges).
    start_s, end_s : float
        The window, unix seconds.
    minima : Minima
        The separation minima the ratio and the loss-of-separation time refer to.
    step_s : float
        Spacing of extra sample moments between reports; the loss-of-separation time is
        measured to this resolution (the closest approach itself is exact between reports).

    Examples
    --------
    Two aircraft on crossing tracks, 300 m apart vertically, meeting over the same point:

    >>> t = np.array([0.0, 100.0])
    >>> east = TrackPath.from_arrays("blue", "b1", t, [48.0, 48.0], [1.99, 2.01], [3000, 3000])
    >>> north = TrackPath.from_arrays("red", "r1", t, [47.99, 48.01], [2.0, 2.0], [3300, 3300])
    >>> approach = closest_approach(east, north, 0.0, 100.0)
    >>> round(approach.time_s), round(approach.horizontal_m), round(approach.vertical_m)
    (50, 0, 300)
    >>> approach.min_ratio < 1.0
    True
    """
    if not step_s > 0:
        raise InvalidInput(f"step_s must be positive, got {step_s!r}")
    if len(a) == 0 or len(b) == 0:
        return None
    low = float(max(start_s, a.time_s[0], b.time_s[0]))
    high = float(min(end_s, a.time_s[-1], b.time_s[-1]))
    if low > high:
        return None
    reported = np.concatenate([a.time_s, b.time_s])
    grid = np.arange(low, high, step_s)
    knots = np.unique(np.concatenate([reported[(reported > low) & (reported < high)], grid]))
    knots = np.unique(np.append(knots, [low, high]))
    relative = _local_xyz(a.at(knots), b.at(knots))
    starts, ends = relative[:-1], relative[1:]
    flat = np.column_stack([starts[:, :2], np.zeros(len(starts))])
    flat_end = np.column_stack([ends[:, :2], np.zeros(len(ends))])
    span = np.diff(knots)
    candidates = np.concatenate(
        [
            knots,
            knots[:-1] + span * _segment_minima(flat, flat_end),
            knots[:-1] + span * _segment_minima(starts, ends),
            knots[:-1] + span * _ratio_minima(starts, ends, minima),
        ]
    )
    times = np.unique(candidates)
    a_pos, b_pos = a.at(times), b.at(times)
    _, _, horizontal = Geod(ellps="WGS84").inv(a_pos[1], a_pos[0], b_pos[1], b_pos[0])
    horizontal = np.asarray(horizontal, dtype=np.float64)
    vertical = np.abs(b_pos[2] - a_pos[2])
    slant = np.hypot(horizontal, vertical)
    ratio = np.maximum(horizontal / minima.horizontal_m, vertical / minima.vertical_m)
    nearest, tightest, lowest = (
        int(np.argmin(horizontal)),
        int(np.argmin(slant)),
        int(np.argmin(ratio)),
    )
    moment = float(times[nearest])
    return ClosestApproach(
        time_s=moment,
        horizontal_m=float(horizontal[nearest]),
        vertical_m=float(vertical[nearest]),
        a_lat=float(a_pos[0][nearest]),
        a_lon=float(a_pos[1][nearest]),
        a_alt_m=float(a_pos[2][nearest]),
        b_lat=float(b_pos[0][nearest]),
        b_lon=float(b_pos[1][nearest]),
        b_alt_m=float(b_pos[2][nearest]),
        min_slant_m=float(slant[tightest]),
        min_slant_time_s=float(times[tightest]),
        min_ratio=float(ratio[lowest]),
        min_ratio_time_s=float(times[lowest]),
        loss_of_separation_s=_time_inside(times, ratio < 1.0),
        report_gap_s=max(_gap_around(a.time_s, moment), _gap_around(b.time_s, moment)),
        start_s=low,
        end_s=high,
    )


def _time_inside(times: FloatArray, inside: npt.NDArray[np.bool_]) -> float:
    """Trapezoidal measure of the time ``inside`` holds over the sample moments."""
    if len(times) < 2:
        return 0.0
    weight = (inside[:-1].astype(np.float64) + inside[1:].astype(np.float64)) / 2.0
    return float(np.sum(np.diff(times) * weight))


@dataclass(frozen=True)
class EncounterEvidence:
    """The evidence of an encounter of two tracks: each path's summary, the closest approach."""

    a: PathSummary
    b: PathSummary
    approach: ClosestApproach | None  # None: the paths share no moment in the window

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "closest_approach": None if self.approach is None else self.approach.to_json(),
        }


def encounter_evidence(
    a: TrackPath,
    b: TrackPath,
    start_s: float,
    end_s: float,
    *,
    minima: Minima = AIR_MINIMA,
    step_s: float = 1.0,
) -> EncounterEvidence:
    """Summaries of both paths in the window and their closest approach."""
    return EncounterEvidence(
        a=summarise_path(a, start_s, end_s),
        b=summarise_path(b, start_s, end_s),
        approach=closest_approach(a, b, start_s, end_s, minima=minima, step_s=step_s),
    )
