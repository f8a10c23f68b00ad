"""Reports: one observation of a track at a time, one at a time or as columns.

Everything downstream of validation (``model.validate``) works on :class:`ReportBatch`
columns: the journal that stores them, the live picture, detection.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.model.party import DOMAINS, Domain
from deconfliction.units import format_time

FloatArray = npt.NDArray[np.float64]
REPORT_FIELDS = (
    "track",
    "time",
    "lat",
    "lon",
    "alt_m",
    "gs_mps",
    "course_deg",
    "vs_mps",
    "domain",
    "operation",
    "selected_alt_m",
)
# The order of ReportBatch.rows() (the store's and the journal's columns).
REPORT_COLUMNS = (
    "track",
    "time_s",
    "lat",
    "lon",
    "alt_m",
    "gs_mps",
    "course_deg",
    "vs_mps",
    "domain",
    "operation",
)
MAX_ID_LENGTH = 64
_DOMAIN_BY_NAME = {d.value: d for d in DOMAINS}


@dataclass(frozen=True)
class SpeedLimits:
    """The fastest ground speed and the fastest vertical speed (up or down) a report may
    give, in m/s, per domain in :data:`~deconfliction.model.party.DOMAINS` order; from the
    settings ``<domain>_max_gs_mps`` and ``<domain>_max_vs_mps``.

    >>> DEFAULT_SPEED_LIMITS.of("sea")
    (60.0, 50.0)
    """

    gs_mps: tuple[float, ...]
    vs_mps: tuple[float, ...]

    def of(self, domain: Domain | str) -> tuple[float, float]:
        code = _DOMAIN_BY_NAME[str(domain)].code
        return self.gs_mps[code], self.vs_mps[code]


# Air: Mach 4 and 500 m/s climbs cover every aircraft; ground: 540 km/h; sea: 117 knots.
DEFAULT_SPEED_LIMITS = SpeedLimits(gs_mps=(1500.0, 150.0, 60.0), vs_mps=(500.0, 50.0, 50.0))


@dataclass(frozen=True)
class Report:
    """One position/velocity observation of a track."""

    party: str
    track: str
    time_s: float
    lat: float
    lon: float
    alt_m: float
    gs_mps: float
    course_deg: float
    vs_mps: float = 0.0
    domain: Domain = Domain.AIR
    operation: str | None = None
    # The level the track is cleared or set to (ADS-B's selected altitude, a CoT or operator
    # field): its predicted vertical motion stops there. None: not known.
    selected_alt_m: float | None = None

    def to_json(self) -> dict[str, Any]:
        extra = {} if self.selected_alt_m is None else {"selected_alt_m": self.selected_alt_m}
        return {
            "track": self.track,
            "time": format_time(self.time_s),
            "lat": self.lat,
            "lon": self.lon,
            "alt_m": self.alt_m,
            "gs_mps": self.gs_mps,
            "course_deg": self.course_deg,
            "vs_mps": self.vs_mps,
            "domain": self.domain.value,
            "operation": self.operation,
            **extra,
        }


@dataclass(frozen=True)
class Rejection:
    """An item of a batch the hub did not accept, and why."""

    index: int
    reason: str


@dataclass(frozen=True)
class ReportBatch:
    """Reports of one party as columns (all the same length).

    ``selected_alt_m`` is NaN for a report without one, and None when no report of the
    batch has one (the usual case, which costs nothing). :meth:`rows` (the store's latest
    tracks) leaves it out; the journal keeps it (:meth:`to_journal`).
    """

    party: str
    track: list[str]
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    gs_mps: FloatArray
    course_deg: FloatArray
    vs_mps: FloatArray
    domain: npt.NDArray[np.int8]  # Domain codes
    operation: list[str | None]
    selected_alt_m: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.track)

    @classmethod
    def from_reports(cls, party: str, reports: Sequence[Report]) -> ReportBatch:
        def col(name: str) -> FloatArray:
            return np.array([getattr(r, name) for r in reports], dtype=np.float64)

        return cls(
            party=party,
            track=[r.track for r in reports],
            time_s=col("time_s"),
            lat=col("lat"),
            lon=col("lon"),
            alt_m=col("alt_m"),
            gs_mps=col("gs_mps"),
            course_deg=col("course_deg"),
            vs_mps=col("vs_mps"),
            domain=np.array([r.domain.code for r in reports], dtype=np.int8),
            operation=[r.operation for r in reports],
            selected_alt_m=_selected([r.selected_alt_m for r in reports]),
        )

    def take(self, indices: Sequence[int] | npt.NDArray[np.intp]) -> ReportBatch:
        """The reports at ``indices``, in that order."""
        index = np.asarray(indices, dtype=np.intp)
        return ReportBatch(
            party=self.party,
            track=[self.track[i] for i in index],
            time_s=self.time_s[index],
            lat=self.lat[index],
            lon=self.lon[index],
            alt_m=self.alt_m[index],
            gs_mps=self.gs_mps[index],
            course_deg=self.course_deg[index],
            vs_mps=self.vs_mps[index],
            domain=self.domain[index],
            operation=[self.operation[i] for i in index],
            selected_alt_m=None if self.selected_alt_m is None else self.selected_alt_m[index],
        )

    def selected(self, i: int) -> float | None:
        """The selected altitude of report ``i``, if it has one."""
        if self.selected_alt_m is None or math.isnan(self.selected_alt_m[i]):
            return None
        return float(self.selected_alt_m[i])

    def rows(self) -> Iterable[tuple[Any, ...]]:
        """Plain tuples in :data:`REPORT_COLUMNS` order (domain as its name)."""
        domains = [DOMAINS[c].value for c in self.domain.tolist()]
        return zip(
            self.track,
            self.time_s.tolist(),
            self.lat.tolist(),
            self.lon.tolist(),
            self.alt_m.tolist(),
            self.gs_mps.tolist(),
            self.course_deg.tolist(),
            self.vs_mps.tolist(),
            domains,
            self.operation,
            strict=True,
        )

    @classmethod
    def from_rows(cls, party: str, rows: Sequence[Sequence[Any]]) -> ReportBatch:
        """A batch from rows in :data:`REPORT_COLUMNS` order (domain by name or code),
        optionally followed by each report's selected altitude (or None)."""
        return _batch_from_rows(party, rows)

    def to_journal(self) -> dict[str, Any]:
        """How a batch is recorded in the journal: one array per column of
        :data:`REPORT_COLUMNS` (domains by name), all the same length, and a column
        ``selected_alt_m`` (null where a report has none) only if a report has one."""
        columns: dict[str, Any] = {
            "track": self.track,
            "time_s": self.time_s,
            "lat": self.lat,
            "lon": self.lon,
            "alt_m": self.alt_m,
            "gs_mps": self.gs_mps,
            "course_deg": self.course_deg,
            "vs_mps": self.vs_mps,
            "domain": [DOMAINS[c].value for c in self.domain.tolist()],
            "operation": self.operation,
        }
        if self.selected_alt_m is not None:
            columns["selected_alt_m"] = [self.selected(i) for i in range(len(self))]
        return {"reports": columns}

    @classmethod
    def from_journal(cls, party: str, content: dict[str, Any]) -> ReportBatch:
        """The batch a journal entry recorded (see :meth:`to_journal`); entries written
        before selected altitudes existed have no such column: none."""
        columns = content["reports"]

        def floats(name: str) -> FloatArray:
            return np.array(columns[name], dtype=np.float64)

        return cls(
            party=party,
            track=list(columns["track"]),
            time_s=floats("time_s"),
            lat=floats("lat"),
            lon=floats("lon"),
            alt_m=floats("alt_m"),
            gs_mps=floats("gs_mps"),
            course_deg=floats("course_deg"),
            vs_mps=floats("vs_mps"),
            domain=np.array([_DOMAIN_BY_NAME[d].code for d in columns["domain"]], dtype=np.int8),
            operation=list(columns["operation"]),
            selected_alt_m=_selected(columns.get("selected_alt_m")),
        )

    def report(self, i: int) -> Report:
        return Report(
            party=self.party,
            track=self.track[i],
            time_s=float(self.time_s[i]),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            alt_m=float(self.alt_m[i]),
            gs_mps=float(self.gs_mps[i]),
            course_deg=float(self.course_deg[i]),
            vs_mps=float(self.vs_mps[i]),
            domain=DOMAINS[int(self.domain[i])],
            operation=self.operation[i],
            selected_alt_m=self.selected(i),
        )


def _selected(values: Sequence[float | None] | None) -> FloatArray | None:
    """A selected-altitude column (NaN for None), or None if no value is there at all."""
    if values is None or all(v is None for v in values):
        return None
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _batch_from_rows(party: str, rows: Sequence[Sequence[Any]]) -> ReportBatch:
    if not rows:
        return empty_batch(party)
    selected = None
    if len(rows[0]) > len(REPORT_COLUMNS):
        selected = _selected([row[len(REPORT_COLUMNS)] for row in rows])
        rows = [row[: len(REPORT_COLUMNS)] for row in rows]
    track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain, operation = zip(
        *rows, strict=True
    )
    codes = [d if isinstance(d, int) else _DOMAIN_BY_NAME[d].code for d in domain]
    return ReportBatch(
        party=party,
        track=list(track),
        time_s=np.array(time_s, dtype=np.float64),
        lat=np.array(lat, dtype=np.float64),
        lon=np.array(lon, dtype=np.float64),
        alt_m=np.array(alt_m, dtype=np.float64),
        gs_mps=np.array(gs_mps, dtype=np.float64),
        course_deg=np.array(course_deg, dtype=np.float64),
        vs_mps=np.array(vs_mps, dtype=np.float64),
        domain=np.array(codes, dtype=np.int8),
        operation=list(operation),
        selected_alt_m=selected,
    )


def empty_batch(party: str) -> ReportBatch:
    empty = np.empty(0, dtype=np.float64)
    return ReportBatch(party, [], *(empty,) * 7, np.empty(0, np.int8), [])
