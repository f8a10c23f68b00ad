"""A track filter over columns: smoothed motion from the recent reports of every track.

Raw reports are noisy in ways that flip a 300 s prediction: altitudes come in 25 ft (or
100 ft) steps, a vertical rate moves by one ADS-B quantum (64 ft/min) from one report to the
next, a single report now and then has its altitude tens of kilometres off, and a climb
extrapolated for five minutes passes through every level above. :class:`FilterState` holds,
for every row of a live picture (numpy columns that grow with it, never a Python object per
track), the filtered state of the track, and :func:`update` folds a batch of reports into it;
:func:`predict` gives what detection needs at a cycle.

Per report (``dt`` since the track's previous accepted report):

* **Position and velocity**: an α-β filter in the local horizontal plane, with the reported
  velocity (ground speed and course) blended in (ADS-B velocities are measured, not derived).
* **Altitude and vertical rate**: an α-β filter whose residual has a dead band of half the
  track's altitude quantum (a level aircraft read alternately at two steps stays put), the
  reported vertical rate blended in (and taken as it is when the track leaves a steady
  altitude: the start of a climb is not smoothed away). The quantum is 100 ft for a track
  whose every altitude so far is a multiple of 100 ft (after a few reports), else 25 ft.
* **Outliers**: an altitude further from the prediction than ``glitch_gate_m`` plus what
  ``max_vertical_rate_mps`` allows in ``dt`` is rejected and counted (the rest of the report
  is used). ``reacquire_reports`` consecutive rejected reports that agree with each other
  are the truth after all: the vertical state restarts from them.
* **Steady altitude**: a track whose altitude has stayed within a band of ``max(quantum,
  level_band_m)`` for ``level_window_s`` and at least two reports is *level*: its predicted
  vertical rate is 0, whatever a single vertical-rate report says.
* **Level-off**: a report may carry ``selected_alt_m`` (ADS-B's selected altitude, a CoT or
  operator field); the prediction stops the vertical motion there (``level_alt_m`` of
  :class:`Prediction`, honoured by :func:`~deconfliction.detect.snapshot.extrapolate` and
  :func:`~deconfliction.detect.tracks.detect_conflicts`). A report without it means none.
* **Report interval**: each track's usual interval (an exponential average of the gaps
  between its reports), so that a caller can tell a track late for *it* from one that reports
  every 40 s anyway.

A report no newer than the track's filtered time is ignored (counted as late); after a gap
of ``restart_after_s`` the track starts afresh from its report.

Examples
--------
>>> import numpy as np
>>> state = FilterState()
>>> rows = np.array([0])
>>> for t, alt, vs in [(0, 3000.0, 0.0), (5, 3007.62, 1.3), (10, 3000.0, 0.0),
...                    (15, 3007.62, 1.3), (20, 3000.0, 0.0), (25, 3007.62, 1.3)]:
...     _ = update(state, rows, Reports.of(time_s=[t], lat=[48.0], lon=[2.0], alt_m=[alt],
...                                        gs_mps=[200.0], course_deg=[90.0], vs_mps=[vs]))
>>> p = predict(state, rows)
>>> bool(p.level[0]), float(p.vs_mps[0]), float(p.interval_s[0])
(True, 0.0, 5.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

FT_M = 0.3048
_EARTH_M = 6_371_000.0
_FINE_QUANTUM_M = 25 * FT_M
_COARSE_QUANTUM_M = 100 * FT_M
_COARSE_AFTER = 5  # reports, all on 100 ft steps, before a track is taken as 100 ft coded


@dataclass(frozen=True)
class FilterParams:
    """The filter's gains and thresholds (pure numbers; the hub maps settings onto them)."""

    position_alpha: float = 0.9
    velocity_beta: float = 0.1
    velocity_report_gain: float = 0.9
    altitude_alpha: float = 0.8
    vertical_beta: float = 0.2
    vertical_report_gain: float = 0.8
    level_window_s: float = 20.0
    level_band_m: float = 50 * FT_M
    glitch_gate_m: float = 300.0
    max_vertical_rate_mps: float = 60.0
    reacquire_reports: int = 3
    restart_after_s: float = 120.0
    interval_weight: float = 0.25


@dataclass(frozen=True)
class Reports:
    """Reports as columns (one per row being updated); ``selected_alt_m`` NaN where absent."""

    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    gs_mps: FloatArray
    course_deg: FloatArray
    vs_mps: FloatArray
    selected_alt_m: FloatArray

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @classmethod
    def of(
        cls,
        *,
        time_s: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt_m: npt.ArrayLike,
        gs_mps: npt.ArrayLike,
        course_deg: npt.ArrayLike,
        vs_mps: npt.ArrayLike,
        selected_alt_m: npt.ArrayLike | None = None,
    ) -> Reports:
        """Reports from sequences (``selected_alt_m`` absent: none anywhere)."""
        columns = [
            np.asarray(c, dtype=np.float64).reshape(-1)
            for c in (time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps)
        ]
        n = columns[0].shape[0]
        selected = (
            np.full(n, np.nan)
            if selected_alt_m is None
            else np.asarray(selected_alt_m, dtype=np.float64).reshape(-1)
        )
        if any(c.shape != (n,) for c in [*columns, selected]):
            raise InvalidInput("filter reports: every column needs one value per report")
        time, lat, lon, alt, gs, course, vs = columns
        return cls(time, lat, lon, alt, gs, course, vs, selected)

    def take(self, index: IntArray) -> Reports:
        return Reports(
            self.time_s[index],
            self.lat[index],
            self.lon[index],
            self.alt_m[index],
            self.gs_mps[index],
            self.course_deg[index],
            self.vs_mps[index],
            self.selected_alt_m[index],
        )


_FLOATS = {
    "time_s": -np.inf,  # time of the filtered state (the latest accepted report)
    "lat": 0.0,
    "lon": 0.0,
    "east_mps": 0.0,
    "north_mps": 0.0,
    "alt_m": 0.0,
    "vs_mps": 0.0,
    "selected_alt_m": np.nan,
    "band_low_m": np.nan,  # altitudes seen since the track was last off its band
    "band_high_m": np.nan,
    "steady_since_s": np.inf,
    "interval_s": np.nan,
    "pending_alt_m": np.nan,  # the last rejected altitude (re-acquisition)
}
_INTS = ("reports", "band_reports", "fine_reports", "pending", "rejected", "late")


class FilterState:
    """The filtered state of every track, as columns aligned with a picture's rows.

    Rows that were never updated hold no state (``reports == 0``). :meth:`grow` makes room
    for more rows (doubling), as the picture's arrays do; :func:`update` grows it as needed.
    ``rejected_total`` and ``late_total`` count rejected altitudes and ignored late reports.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = 0
        for name, fill in _FLOATS.items():
            setattr(self, name, np.full(0, fill))
        for name in _INTS:
            setattr(self, name, np.zeros(0, dtype=np.int64))
        self.rejected_total = 0
        self.late_total = 0
        self.grow(capacity)

    # The columns, for type checkers (set in __init__ and grow).
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    east_mps: FloatArray
    north_mps: FloatArray
    alt_m: FloatArray
    vs_mps: FloatArray
    selected_alt_m: FloatArray
    band_low_m: FloatArray
    band_high_m: FloatArray
    steady_since_s: FloatArray
    interval_s: FloatArray
    pending_alt_m: FloatArray
    reports: npt.NDArray[np.int64]
    band_reports: npt.NDArray[np.int64]
    fine_reports: npt.NDArray[np.int64]
    pending: npt.NDArray[np.int64]
    rejected: npt.NDArray[np.int64]
    late: npt.NDArray[np.int64]

    def grow(self, rows: int) -> None:
        """Make room for at least ``rows`` rows."""
        if rows <= self.capacity:
            return
        size = max(rows, 2 * self.capacity, 16)
        for name, fill in _FLOATS.items():
            new = np.full(size, fill)
            new[: self.capacity] = getattr(self, name)
            setattr(self, name, new)
        for name in _INTS:
            new_int = np.zeros(size, dtype=np.int64)
            new_int[: self.capacity] = getattr(self, name)
            setattr(self, name, new_int)
        self.capacity = size

    def forget(self, rows: IntArray) -> None:
        """Drop the state of ``rows`` (their next report starts afresh)."""
        for name, fill in _FLOATS.items():
            getattr(self, name)[rows] = fill
        for name in _INTS:
            getattr(self, name)[rows] = 0

    def quantum_m(self, rows: IntArray) -> FloatArray:
        """Each track's altitude step: 100 ft when all its altitudes so far were on 100 ft
        steps (after a few reports), else 25 ft."""
        coarse = (self.fine_reports[rows] == 0) & (self.reports[rows] >= _COARSE_AFTER)
        return np.where(coarse, _COARSE_QUANTUM_M, _FINE_QUANTUM_M)


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: reports folded in, ignored as late, altitudes rejected."""

    accepted: int
    late: int
    rejected: int


def _first_occurrences(rows: IntArray) -> tuple[IntArray, IntArray]:
    """Indices of the first report of each row, and of the rest."""
    _, first = np.unique(rows, return_index=True)
    mask = np.zeros(rows.shape[0], dtype=bool)
    mask[first] = True
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def update(
    state: FilterState, rows: npt.ArrayLike, reports: Reports, params: FilterParams | None = None
) -> UpdateResult:
    """Fold ``reports`` (``reports[k]`` of the track at row ``rows[k]``) into ``state``.

    A row may appear several times; its reports are taken in time order.
    """
    params = params or FilterParams()
    index = np.asarray(rows, dtype=np.intp).reshape(-1)
    if index.shape[0] != len(reports):
        raise InvalidInput("filter update: one row per report")
    if index.size == 0:
        return UpdateResult(0, 0, 0)
    state.grow(int(index.max()) + 1)
    order = np.argsort(reports.time_s, kind="stable")
    index, reports = index[order], reports.take(order)
    totals = np.zeros(3, dtype=np.int64)
    while index.size:
        first, rest = _first_occurrences(index)
        totals += _update_once(state, index[first], reports.take(first), params)
        index, reports = index[rest], reports.take(rest)
    accepted, late, rejected = (int(x) for x in totals)
    state.late_total += late
    state.rejected_total += rejected
    return UpdateResult(accepted, late, rejected)


def _clamped(alt: FloatArray, vs: FloatArray, level: FloatArray, dt: FloatArray) -> FloatArray:
    """Altitude after ``dt`` at rate ``vs``, stopped at ``level`` when it lies ahead."""
    moved = alt + vs * dt
    ahead = np.isfinite(level) & ((level - alt) * vs >= 0.0) & (vs != 0.0)
    past = ahead & ((moved - level) * vs > 0.0)
    return np.where(past, level, moved)


def _update_once(
    state: FilterState, rows: IntArray, z: Reports, p: FilterParams
) -> npt.NDArray[np.int64]:
    """``rows`` are distinct here."""
    dt = z.time_s - state.time_s[rows]
    late = state.reports[rows] > 0
    late &= dt <= 0.0
    if late.any():
        state.late[rows[late]] += 1
        keep = np.flatnonzero(~late)
        rows, z, dt = rows[keep], z.take(keep), dt[keep]
    fresh = (state.reports[rows] == 0) | (dt > p.restart_after_s)
    fine = np.abs(z.alt_m / _COARSE_QUANTUM_M - np.round(z.alt_m / _COARSE_QUANTUM_M)) > 1e-3
    course = np.radians(z.course_deg)
    z_east, z_north = z.gs_mps * np.sin(course), z.gs_mps * np.cos(course)

    # Start afresh: the report is the state.
    new = rows[fresh]
    if new.size:
        f = np.flatnonzero(fresh)
        state.forget(new)
        state.time_s[new] = z.time_s[f]
        state.lat[new], state.lon[new] = z.lat[f], z.lon[f]
        state.east_mps[new], state.north_mps[new] = z_east[f], z_north[f]
        state.alt_m[new], state.vs_mps[new] = z.alt_m[f], z.vs_mps[f]
        state.selected_alt_m[new] = z.selected_alt_m[f]
        state.band_low_m[new] = state.band_high_m[new] = z.alt_m[f]
        state.steady_since_s[new] = z.time_s[f]
        state.reports[new] = state.band_reports[new] = 1
        state.fine_reports[new] = fine[f]

    k = np.flatnonzero(~fresh)
    r = rows[k]
    if r.size == 0:
        return np.array([rows.size, int(late.sum()), 0], dtype=np.int64)
    z = z.take(k)
    dt, z_east, z_north, fine = dt[k], z_east[k], z_north[k], fine[k]

    # Horizontal: predict in the local plane, correct with the position, blend the velocity.
    cos_lat = np.maximum(np.cos(np.radians(state.lat[r])), 1e-6)
    pred_n = state.north_mps[r] * dt
    pred_e = state.east_mps[r] * dt
    meas_n = np.radians(z.lat - state.lat[r]) * _EARTH_M
    meas_e = np.radians((z.lon - state.lon[r] + 180.0) % 360.0 - 180.0) * _EARTH_M * cos_lat
    res_n, res_e = meas_n - pred_n, meas_e - pred_e
    north = pred_n + p.position_alpha * res_n
    east = pred_e + p.position_alpha * res_e
    state.lat[r] = np.clip(state.lat[r] + np.degrees(north / _EARTH_M), -90.0, 90.0)
    state.lon[r] = (state.lon[r] + np.degrees(east / (_EARTH_M * cos_lat)) + 180.0) % 360.0 - 180.0
    v_n = state.north_mps[r] + p.velocity_beta * res_n / dt
    v_e = state.east_mps[r] + p.velocity_beta * res_e / dt
    g = p.velocity_report_gain
    state.north_mps[r] = (1.0 - g) * v_n + g * z_north
    state.east_mps[r] = (1.0 - g) * v_e + g * z_east

    # Vertical: gate the altitude, then an alpha-beta with a dead band of half a quantum.
    quantum = state.quantum_m(r)
    predicted = _clamped(state.alt_m[r], state.vs_mps[r], state.selected_alt_m[r], dt)
    residual = z.alt_m - predicted
    gate = p.glitch_gate_m + p.max_vertical_rate_mps * dt
    outlier = np.abs(residual) > gate
    # Consecutive rejected altitudes that agree with each other are believed in the end.
    agrees = np.abs(z.alt_m - state.pending_alt_m[r]) <= gate
    pending = np.where(outlier, np.where(agrees, state.pending[r] + 1, 1), 0)
    reacquired = outlier & (pending >= p.reacquire_reports)
    rejected = outlier & ~reacquired
    state.pending[r] = np.where(reacquired, 0, pending)
    state.pending_alt_m[r] = np.where(outlier, z.alt_m, np.nan)
    state.rejected[r[rejected]] += 1

    half = quantum / 2.0
    dead = np.sign(residual) * np.maximum(np.abs(residual) - half, 0.0)
    alt = predicted + p.altitude_alpha * dead
    vs = state.vs_mps[r] + p.vertical_beta * dead / dt
    vs = (1.0 - p.vertical_report_gain) * vs + p.vertical_report_gain * z.vs_mps
    ok = ~outlier
    state.alt_m[r] = np.where(ok, alt, np.where(reacquired, z.alt_m, predicted))
    state.vs_mps[r] = np.where(ok, vs, np.where(reacquired, z.vs_mps, state.vs_mps[r]))

    # The band of steady altitude (accepted altitudes only).
    low = np.where(ok, np.fmin(state.band_low_m[r], z.alt_m), state.band_low_m[r])
    high = np.where(ok, np.fmax(state.band_high_m[r], z.alt_m), state.band_high_m[r])
    off = (high - low > np.maximum(quantum, p.level_band_m) + 1e-6) | reacquired
    state.band_low_m[r] = np.where(off, z.alt_m, low)
    state.band_high_m[r] = np.where(off, z.alt_m, high)
    state.steady_since_s[r] = np.where(off, z.time_s, state.steady_since_s[r])
    state.band_reports[r] = np.where(off, 1, state.band_reports[r] + ok)
    # A track leaving a steady altitude starts climbing or descending now: its reported
    # rate is believed at once (the smoothing would report half of it a report late).
    started = off & ok
    state.vs_mps[r] = np.where(started, z.vs_mps, state.vs_mps[r])

    # The usual interval between reports.
    w = p.interval_weight
    old = state.interval_s[r]
    state.interval_s[r] = np.where(np.isnan(old), dt, (1.0 - w) * old + w * dt)
    state.time_s[r] = z.time_s
    state.selected_alt_m[r] = z.selected_alt_m
    state.reports[r] += 1
    state.fine_reports[r] += fine & ok
    return np.array([rows.size, int(late.sum()), int(rejected.sum())], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Prediction:
    """What detection needs of ``rows``: the filtered state at each track's ``time_s``.

    ``vs_mps`` is 0 for a *level* track; ``level_alt_m`` is where the vertical motion stops
    (the selected altitude; NaN: nowhere). ``interval_s`` is the track's usual report
    interval (NaN after a single report); ``rejected`` its rejected altitudes so far.
    """

    rows: IntArray
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    gs_mps: FloatArray
    course_deg: FloatArray
    vs_mps: FloatArray
    level_alt_m: FloatArray
    level: BoolArray
    interval_s: FloatArray
    rejected: npt.NDArray[np.int64]


def predict(
    state: FilterState, rows: npt.ArrayLike, params: FilterParams | None = None
) -> Prediction:
    """The filtered state of ``rows`` (rows never updated come out with ``time_s`` -inf)."""
    params = params or FilterParams()
    r = np.asarray(rows, dtype=np.intp).reshape(-1)
    steady_s = state.time_s[r] - state.steady_since_s[r]
    level = (steady_s >= params.level_window_s) & (state.band_reports[r] >= 2)
    east, north = state.east_mps[r], state.north_mps[r]
    alt = state.alt_m[r]
    # A level track sits within its band (the dead band can leave it a little outside).
    alt = np.where(level, np.clip(alt, state.band_low_m[r], state.band_high_m[r]), alt)
    return Prediction(
        rows=r,
        time_s=state.time_s[r].copy(),
        lat=state.lat[r].copy(),
        lon=state.lon[r].copy(),
        alt_m=alt,
        gs_mps=np.hypot(east, north),
        course_deg=np.mod(np.degrees(np.arctan2(east, north)), 360.0),
        vs_mps=np.where(level, 0.0, state.vs_mps[r]),
        level_alt_m=state.selected_alt_m[r].copy(),
        level=level,
        interval_s=state.interval_s[r].copy(),
        rejected=state.rejected[r].copy(),
    )


def overdue(
    state: FilterState, rows: npt.ArrayLike, now_s: float, *, intervals: float, floor_s: float
) -> BoolArray:
    """Whether each track is late for *itself*: no report for more than ``intervals`` of its
    usual interval, and more than ``floor_s`` (a track with one report: ``floor_s``)."""
    r = np.asarray(rows, dtype=np.intp).reshape(-1)
    usual = np.nan_to_num(state.interval_s[r], nan=0.0)
    return now_s - state.time_s[r] > np.maximum(intervals * usual, floor_s)
