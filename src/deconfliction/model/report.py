"""Reports: one observation of a track at a time, and their validation.

Validation is per item: a batch is split into the reports the hub accepts and, for each
rejected item, its index and a plain-language reason. Accepted reports come back columnar
(:class:`ReportBatch`) because everything downstream (store, live picture, detection) works
on columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.errors import InvalidInput
from deconfliction.model.party import DOMAINS, Domain
from deconfliction.units import format_time, parse_time

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
_FIELD_SET = frozenset(REPORT_FIELDS)
_DOMAIN_BY_NAME = {d.value: d for d in DOMAINS}


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

    def to_json(self) -> dict[str, Any]:
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
        }


@dataclass(frozen=True)
class Rejection:
    """An item of a batch the hub did not accept, and why."""

    index: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "reason": self.reason}


@dataclass(frozen=True)
class ReportBatch:
    """Reports of one party as columns (all the same length)."""

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
        )

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
        )


class _Reject(Exception):
    pass


def _number(item: dict[str, Any], name: str, default: float | None = None) -> float:
    value = item.get(name)
    if value is None:
        if default is None:
            raise _Reject(f"{name} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise _Reject(f"{name} must be a finite number, got {value!r}")
    return number


def _identifier(item: dict[str, Any], name: str, required: bool) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise _Reject(f"{name} is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Reject(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise _Reject(f"{name} is longer than {MAX_ID_LENGTH} characters")
    return value


def _validate_one(item: Any, now_s: float, future_tolerance_s: float) -> tuple[Any, ...]:
    if not isinstance(item, dict):
        raise _Reject(f"a report must be a JSON object, got {type(item).__name__}")
    unknown = item.keys() - _FIELD_SET
    if unknown:
        raise _Reject(
            f"unknown field {sorted(unknown)[0]!r}; a report has the fields "
            + ", ".join(REPORT_FIELDS)
        )
    track = _identifier(item, "track", required=True)
    if "time" not in item or item["time"] is None:
        raise _Reject("time is missing")
    try:
        time_s = parse_time(item["time"])
    except InvalidInput as error:
        raise _Reject(error.message) from None
    lat = _number(item, "lat")
    lon = _number(item, "lon")
    if not -90.0 <= lat <= 90.0:
        raise _Reject(f"lat {item['lat']!r} is out of range [-90, 90]")
    if not -180.0 <= lon <= 180.0:
        raise _Reject(f"lon {item['lon']!r} is out of range [-180, 180]")
    domain_name = item.get("domain", "air")
    domain = _DOMAIN_BY_NAME.get(domain_name) if isinstance(domain_name, str) else None
    if domain is None:
        raise _Reject(
            f"unknown domain {domain_name!r}; use one of " + ", ".join(d.value for d in DOMAINS)
        )
    alt_m = _number(item, "alt_m", None if domain is Domain.AIR else 0.0)
    gs_mps = _number(item, "gs_mps", 0.0)
    if gs_mps < 0:
        raise _Reject(f"gs_mps must not be negative, got {item['gs_mps']!r}")
    course_deg = _number(item, "course_deg", 0.0) % 360.0
    vs_mps = _number(item, "vs_mps", 0.0)
    if time_s > now_s + future_tolerance_s:
        raise _Reject(
            f"time {format_time(time_s)} is {time_s - now_s:.0f} s in the future; "
            f"at most {future_tolerance_s:g} s ahead of the hub's clock is accepted"
        )
    operation = _identifier(item, "operation", required=False)
    return (track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain.code, operation)


def validate_reports(
    party: str, items: Sequence[Any], *, now_s: float, future_tolerance_s: float
) -> tuple[ReportBatch, list[Rejection]]:
    """Split raw report items (parsed JSON) into accepted columns and rejections.

    >>> batch, rejected = validate_reports(
    ...     "blue",
    ...     [{"track": "a1", "time": 0, "lat": 48.0, "lon": 2.0, "alt_m": 3000.0},
    ...      {"track": "a2", "time": 0, "lat": 95.0, "lon": 2.0, "alt_m": 3000.0}],
    ...     now_s=10.0, future_tolerance_s=60.0)
    >>> len(batch), rejected[0].index, rejected[0].reason
    (1, 1, 'lat 95.0 is out of range [-90, 90]')
    """
    rows: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    for index, item in enumerate(items):
        try:
            rows.append(_validate_one(item, now_s, future_tolerance_s))
        except _Reject as reason:
            rejections.append(Rejection(index, str(reason)))
    return _columns(party, rows), rejections


def _columns(party: str, rows: list[tuple[Any, ...]]) -> ReportBatch:
    if not rows:
        empty = np.empty(0, dtype=np.float64)
        return ReportBatch(party, [], *(empty,) * 7, np.empty(0, np.int8), [])
    track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, domain, operation = zip(
        *rows, strict=True
    )
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
        domain=np.array(domain, dtype=np.int8),
        operation=list(operation),
    )
