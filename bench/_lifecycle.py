"""A copy of the hub's track–track alert cycle, with the rules of issue 14 as options, to
estimate what they would give before the hub has them (``bench.alert_quality --prototype``).

:func:`simulate` replays snapshots cycle by cycle in data time (a cycle every ``cycle_s``,
reports ingested at their own time, as ``gateways.replay`` drives the hub) and returns the
alert spans it would have opened. With :data:`HUB` rules it is the hub of today (the same
picture, staleness, linear extrapolation of the last report and ``AlertBook.reconcile``);
``bench.alert_quality`` prints both, so that the copy can be checked against the real hub on
the same data. The other rules (docs/detection.md, "Alert lifecycle in data time"):

- ``filtered``: tracks are predicted from :mod:`deconfliction.detect.filter` (smoothed
  velocity, glitches rejected, steady altitude is level) instead of their last report, and
  a report's ``selected_alt_m`` stops the vertical motion (``level_offs``).
- ``stale_intervals``: a track stays in detection until it is this many of *its own* usual
  report intervals late (and at least ``stale_after_s``): a feed reporting every 40 s is
  not dropped at 30 s.
- ``resolve_reports``: a conflict absent from the cycles resolves only after the longer of
  ``hysteresis_s`` and this many fresh reports of *both* tracks since it was last found.
- ``confirm_beyond_s``: a new conflict whose loss is further ahead than this opens only when
  the cycles keep finding it until ``confirm_reports`` fresh reports (of either track) have
  come since it was first found; a nearer one (or a current loss) opens at once.
- ``vertical_lookahead_s``: a climb or descent with no selected altitude is extrapolated
  this far at most (an implied level-off), instead of through every level of the lookahead.
- ``release_factor``: an open conflict counts as still found while the pair is in conflict
  under minima this many times larger and a lookahead ``release_lookahead_s`` longer (a
  hysteresis in space: it opens at the minima and is released only clearly outside them).
- ``warning_horizon_s``: severity ``advisory`` while the loss is further ahead than this,
  ``predicted`` within it, ``loss`` once separation is lost; an alert escalates at once and
  never de-escalates (the stream says ``alert.updated``; it is never closed and reopened).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bench._alert_figures import AlertSpan, Pair, pair_of
from deconfliction.detect import (
    MinimaTable,
    Snapshot,
    detect_conflicts,
    exact_conflicts,
    extrapolate,
)
from deconfliction.detect.filter import FilterParams, FilterState, Reports, predict, update
from deconfliction.model import Domain

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Rules:
    """Which rules the simulated hub follows (defaults: the hub of today)."""

    name: str = "hub (simulated)"
    cycle_s: float = 1.0
    stale_after_s: float = 30.0
    hysteresis_s: float = 10.0
    filtered: bool = False
    level_offs: bool = False
    stale_intervals: float = 0.0
    resolve_reports: int = 0
    confirm_beyond_s: float | None = None
    confirm_reports: int = 1
    warning_horizon_s: float | None = None
    release_factor: float | None = None
    release_lookahead_s: float = 0.0
    vertical_lookahead_s: float | None = None
    params: FilterParams = field(default_factory=FilterParams)


HUB = Rules()
PROPOSED = Rules(
    name="proposed",
    filtered=True,
    level_offs=True,
    stale_intervals=3.0,
    resolve_reports=3,
    hysteresis_s=30.0,
    confirm_beyond_s=60.0,
    warning_horizon_s=120.0,
    release_factor=1.5,
    release_lookahead_s=60.0,
    vertical_lookahead_s=120.0,
)


@dataclass
class _Open:
    span: AlertSpan
    last_seen_s: float
    seen_reports: tuple[int, int]  # both tracks' report counts when last found
    severity: str


@dataclass
class _Pending:
    first_s: float
    reports: tuple[int, int]


class _Picture:
    """The latest report of every track, as columns (rows never move), and its filter."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], int] = {}
        self.keys: list[str] = []
        self.party_codes: dict[str, int] = {}
        self.party: list[int] = []
        self.track: list[str] = []
        self.columns = {
            name: np.zeros(0)
            for name in ("time_s", "lat", "lon", "alt_m", "gs_mps", "course_deg", "vs_mps")
        }
        self.reports = np.zeros(0, dtype=np.int64)
        self.filter = FilterState()

    def row_of(self, party: str, track: str) -> int:
        row = self.rows.get((party, track))
        if row is None:
            row = self.rows[(party, track)] = len(self.track)
            self.keys.append(f"{party}/{track}")
            self.party.append(self.party_codes.setdefault(party, len(self.party_codes)))
            self.track.append(track)
            if row >= self.reports.size:
                size = max(16, 2 * self.reports.size)
                for name, column in self.columns.items():
                    grown = np.full(size, -np.inf if name == "time_s" else 0.0)
                    grown[: column.size] = column
                    self.columns[name] = grown
                counts = np.zeros(size, dtype=np.int64)
                counts[: self.reports.size] = self.reports
                self.reports = counts
        return row

    def rows_of(self, key: Pair) -> tuple[int, int]:
        """The rows of a pair's two tracks."""
        return self._row(key[0]), self._row(key[1])

    def _row(self, text: str) -> int:
        party, _, track = text.partition("/")
        return self.rows[(party, track)]

    def ingest(self, snap: Snapshot, selected: FloatArray | None, rules: Rules) -> None:
        names = snap.party_names()
        rows = np.array(
            [self.row_of(p, t) for p, t in zip(names, snap.track.tolist(), strict=True)],
            dtype=np.intp,
        )
        newer = snap.time_s > self.columns["time_s"][rows]
        for name in self.columns:
            value = np.full(len(snap), snap.time_s) if name == "time_s" else getattr(snap, name)
            self.columns[name][rows[newer]] = value[newer]
        self.reports[rows[newer]] += 1
        if rules.filtered:
            level = selected if (rules.level_offs and selected is not None) else None
            update(
                self.filter,
                rows,
                Reports.of(
                    time_s=np.full(len(snap), snap.time_s),
                    lat=snap.lat,
                    lon=snap.lon,
                    alt_m=snap.alt_m,
                    gs_mps=snap.gs_mps,
                    course_deg=snap.course_deg,
                    vs_mps=snap.vs_mps,
                    selected_alt_m=level,
                ),
                rules.params,
            )

    def live(self, now_s: float, rules: Rules) -> npt.NDArray[np.intp]:
        n = len(self.track)
        age = now_s - self.columns["time_s"][:n]
        limit = np.full(n, rules.stale_after_s)
        if rules.stale_intervals > 0:
            usual = np.nan_to_num(self.filter.interval_s[:n], nan=0.0) if rules.filtered else 0.0
            limit = np.maximum(limit, rules.stale_intervals * usual)
        return np.flatnonzero(age <= limit)

    def snapshot(self, rows: npt.NDArray[np.intp], now_s: float, rules: Rules) -> Snapshot:
        party = np.array(self.party, dtype=np.int32)[rows]
        track = np.empty(rows.size, dtype=object)
        track[:] = [self.track[r] for r in rows.tolist()]
        parties = tuple(self.party_codes)
        domain = np.full(rows.size, Domain.AIR.code, dtype=np.int8)
        if rules.filtered:
            p = predict(self.filter, rows, rules.params)
            level = p.level_alt_m if rules.level_offs else np.full(rows.size, np.nan)
            if rules.vertical_lookahead_s is not None:
                reach = p.alt_m + p.vs_mps * (now_s - p.time_s + rules.vertical_lookahead_s)
                level = np.where(np.isnan(level), reach, level)
            at = Snapshot(
                now_s,
                track,
                party,
                parties,
                p.lat,
                p.lon,
                p.alt_m,
                p.gs_mps,
                p.course_deg,
                p.vs_mps,
                domain,
                level_alt_m=level,
            )
            return extrapolate(at, now_s - p.time_s, time_s=now_s)
        c = {name: column[rows] for name, column in self.columns.items()}
        at = Snapshot(
            now_s,
            track,
            party,
            parties,
            c["lat"],
            c["lon"],
            c["alt_m"],
            c["gs_mps"],
            c["course_deg"],
            c["vs_mps"],
            domain,
        )
        return extrapolate(at, now_s - c["time_s"], time_s=now_s)


def _hold(
    picture: _Picture,
    rows: npt.NDArray[np.intp],
    snap: Snapshot,
    open_: dict[Pair, _Open],
    found: dict[Pair, tuple[float, tuple[int, int]]],
    live_keys: set[str],
    minima: MinimaTable,
    rules: Rules,
    now: float,
) -> None:
    """Open conflicts not found at the minima but still in conflict under the release
    margins count as seen now."""
    absent = [k for k in open_ if k not in found and k[0] in live_keys and k[1] in live_keys]
    if not absent:
        return
    index = {int(r): i for i, r in enumerate(rows.tolist())}
    ends = [picture.rows_of(k) for k in absent]
    ia = np.array([index[a] for a, _ in ends], dtype=np.intp)
    ib = np.array([index[b] for _, b in ends], dtype=np.intp)
    pairs = minima.resolve(
        snap.parties, snap.party[ia], snap.party[ib], snap.domain[ia], snap.domain[ib]
    )
    factor = rules.release_factor or 1.0
    held = exact_conflicts(
        snap.motion(),
        snap.alt_m,
        snap.vs_mps,
        ia,
        ib,
        pairs.horizontal_m * factor,
        pairs.vertical_m * factor,
        pairs.lookahead_s + rules.release_lookahead_s,
        level_alt_m=snap.level_alt_m,
    )
    for k in held.pair.tolist():
        alert = open_[absent[k]]
        alert.last_seen_s = now
        a, b = ends[k]
        alert.seen_reports = (int(picture.reports[a]), int(picture.reports[b]))


def _severity(t_in_s: float, rules: Rules) -> str:
    if t_in_s <= 0.0:
        return "loss"
    if rules.warning_horizon_s is not None and t_in_s > rules.warning_horizon_s:
        return "advisory"
    return "predicted"


_RANK = {"advisory": 0, "predicted": 1, "loss": 2}


def simulate(
    snapshots: Sequence[Snapshot],
    rules: Rules,
    minima: MinimaTable,
    selected: Sequence[FloatArray] | None = None,
) -> list[AlertSpan]:
    """The alert spans the hub would open under ``rules`` on ``snapshots``."""
    picture = _Picture()
    spans: list[AlertSpan] = []
    open_: dict[Pair, _Open] = {}
    pending: dict[Pair, _Pending] = {}
    count = 0
    start, end = snapshots[0].time_s, snapshots[-1].time_s
    next_snapshot = 0
    now = start
    while now <= end + 1e-9:
        while next_snapshot < len(snapshots) and snapshots[next_snapshot].time_s <= now + 1e-9:
            levels = None if selected is None else selected[next_snapshot]
            picture.ingest(snapshots[next_snapshot], levels, rules)
            next_snapshot += 1
        rows = picture.live(now, rules)
        found: dict[Pair, tuple[float, tuple[int, int]]] = {}
        vertical: dict[Pair, tuple[float, float]] = {}
        if rows.size >= 2:
            snap = picture.snapshot(rows, now, rules)
            conflicts = detect_conflicts(snap, minima)
            ra = rows[conflicts.index_a]
            rb = rows[conflicts.index_b]
            vs = snap.vs_mps
            for c, (a, b, t_in) in enumerate(
                zip(ra.tolist(), rb.tolist(), conflicts.t_in_s.tolist(), strict=True)
            ):
                key = pair_of(picture.keys[a], picture.keys[b])
                ends = (a, b) if picture.keys[a] == key[0] else (b, a)
                found[key] = (t_in, (int(picture.reports[ends[0]]), int(picture.reports[ends[1]])))
                vertical[key] = (
                    float(vs[conflicts.index_a[c]]),
                    float(vs[conflicts.index_b[c]]),
                )
        live_keys = {picture.keys[r] for r in rows.tolist()}
        if rules.release_factor is not None and rows.size >= 2:
            _hold(picture, rows, snap, open_, found, live_keys, minima, rules, now)
        for key, (t_in, reports) in found.items():
            severity = _severity(t_in, rules)
            alert = open_.get(key)
            if alert is not None:
                alert.last_seen_s = now
                alert.seen_reports = reports
                if rules.warning_horizon_s is None:
                    if severity != alert.severity:
                        alert.severity = severity
                        alert.span.severities.append((now, severity))
                elif _RANK[severity] > _RANK[alert.severity]:
                    alert.severity = severity
                    alert.span.severities.append((now, severity))
                continue
            if rules.confirm_beyond_s is not None and t_in > rules.confirm_beyond_s:
                waiting = pending.get(key)
                if waiting is None:
                    pending[key] = _Pending(now, reports)
                    continue
                fresh = reports[0] - waiting.reports[0] + reports[1] - waiting.reports[1]
                if fresh < rules.confirm_reports:
                    continue  # not confirmed yet: too few fresh reports since first found
            pending.pop(key, None)
            count += 1
            span = AlertSpan(f"sim{count}", key, now, math.inf, severities=[(now, severity)])
            span.notes.update(t_in_s=t_in, vs_max_mps=max(abs(v) for v in vertical[key]))
            spans.append(span)
            open_[key] = _Open(span, now, reports, severity)
        for key in [p for p in pending if p not in found]:
            del pending[key]
        for key in [p for p in open_ if p not in found]:
            alert = open_[key]
            if key[0] not in live_keys or key[1] not in live_keys:
                alert.span.closed_s = now  # expired
                del open_[key]
                continue
            if now - alert.last_seen_s < rules.hysteresis_s:
                continue
            if rules.resolve_reports:
                a, b = picture.rows_of(key)
                fresh_a = picture.reports[a] - alert.seen_reports[0]
                fresh_b = picture.reports[b] - alert.seen_reports[1]
                if min(fresh_a, fresh_b) < rules.resolve_reports:
                    continue
            alert.span.closed_s = now
            del open_[key]
        now += rules.cycle_s
    for alert in open_.values():
        alert.span.closed_s = end
        alert.span.still_open = True
    return spans


def escalations(spans: Iterable[AlertSpan]) -> int:
    """Severity changes announced on open alerts."""
    return sum(max(len(s.severities) - 1, 0) for s in spans)
