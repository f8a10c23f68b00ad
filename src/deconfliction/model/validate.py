"""Validation of report batches: per item, with a plain-language reason for each rejection.

Two paths give the same answer. :func:`check_report` is the rule book, item by item, and
writes the reasons. :func:`validate_reports` is what the hub runs: it reads the batch as
columns and checks them with numpy, and hands only the items it flags to
:func:`check_report` for their reason. A test holds the two to the same verdict on random
batches, so the fast path can never accept what the rule book refuses.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from deconfliction.errors import InvalidInput
from deconfliction.model.ids import ID_RULE, is_id
from deconfliction.model.party import DOMAINS, Domain
from deconfliction.model.report import (
    DEFAULT_SPEED_LIMITS,
    REPORT_FIELDS,
    Rejection,
    ReportBatch,
    SpeedLimits,
    empty_batch,
)
from deconfliction.units import MAX_UNIX_S, format_time, parse_time

_FIELD_SET = frozenset(REPORT_FIELDS)
_DOMAIN_CODE = {d.value: d.code for d in DOMAINS}
_AIR = Domain.AIR.code
_EMPTY: dict[str, Any] = {}
# REPORT_COLUMNS, then the selected altitude (None: none).
Row = tuple[str, float, float, float, float, float, float, float, int, str | None, float | None]


class _Reject(Exception):
    pass


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()  # keyword arguments only from Python 3.12
    short.maxstring = short.maxother = 60
    short.maxlevel, short.maxlist, short.maxdict = 2, 4, 4
    return short


_SHORT = _short_repr()


def _show(value: Any) -> str:
    """``repr(value)``, cut short: a rejection quotes what was sent, not all of it."""
    return _SHORT.repr(value)


# -- the rule book, item by item ------------------------------------------------------------


def _number(item: dict[str, Any], name: str, default: float | None = None) -> float:
    value = item.get(name)
    if value is None:
        if default is None:
            raise _Reject(f"{name} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(f"{name} must be a number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _Reject(f"{name} must be a finite number, got {_show(value)}")
    return number


def _identifier(item: dict[str, Any], name: str, required: bool) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise _Reject(f"{name} is missing")
        return None
    if not isinstance(value, str) or not value:
        raise _Reject(f"{name} must be a non-empty string, got {_show(value)}")
    if not is_id(value):
        raise _Reject(f"{name} {_show(value)} is not allowed: use {ID_RULE}")
    return value


def check_report(
    item: Any,
    now_s: float,
    future_tolerance_s: float,
    speed_limits: SpeedLimits = DEFAULT_SPEED_LIMITS,
) -> Row:
    """One item as a row of :data:`~deconfliction.model.report.REPORT_COLUMNS` followed by
    its selected altitude (None if absent), or raise ``InvalidInput`` with the reason it is
    rejected."""
    try:
        return _check(item, now_s, future_tolerance_s, speed_limits)
    except _Reject as reason:
        raise InvalidInput(str(reason)) from None


def _check_speeds(gs_mps: float, vs_mps: float, code: int, limits: SpeedLimits) -> None:
    domain = DOMAINS[code].value
    if gs_mps > limits.gs_mps[code]:
        raise _Reject(
            f"gs_mps {gs_mps:g} is faster than the {limits.gs_mps[code]:g} m/s accepted for "
            f"{domain} tracks (setting {domain}_max_gs_mps)"
        )
    if abs(vs_mps) > limits.vs_mps[code]:
        raise _Reject(
            f"vs_mps {vs_mps:g} is faster than the ±{limits.vs_mps[code]:g} m/s accepted for "
            f"{domain} tracks (setting {domain}_max_vs_mps)"
        )


def _check(item: Any, now_s: float, future_tolerance_s: float, limits: SpeedLimits) -> Row:
    if not isinstance(item, dict):
        raise _Reject(f"a report must be a JSON object, got {type(item).__name__}")
    unknown = item.keys() - _FIELD_SET
    if unknown:
        raise _Reject(
            f"unknown field {sorted(map(str, unknown))[0]!r}; a report has the fields "
            + ", ".join(REPORT_FIELDS)
        )
    track = _identifier(item, "track", required=True)
    assert track is not None
    if item.get("time") is None:
        raise _Reject("time is missing")
    try:
        time_s = parse_time(item["time"])
    except InvalidInput as error:
        raise _Reject(error.message) from None
    lat = _number(item, "lat")
    lon = _number(item, "lon")
    if not -90.0 <= lat <= 90.0:
        raise _Reject(f"lat {_show(item['lat'])} is out of range [-90, 90]")
    if not -180.0 <= lon <= 180.0:
        raise _Reject(f"lon {_show(item['lon'])} is out of range [-180, 180]")
    domain_name = item.get("domain", "air")
    code = _DOMAIN_CODE.get(domain_name) if isinstance(domain_name, str) else None
    if code is None:
        raise _Reject(
            f"unknown domain {_show(domain_name)}; use one of "
            + ", ".join(d.value for d in DOMAINS)
        )
    alt_m = _number(item, "alt_m", None if code == _AIR else 0.0)
    gs_mps = _number(item, "gs_mps", 0.0)
    if gs_mps < 0:
        raise _Reject(f"gs_mps must not be negative, got {_show(item['gs_mps'])}")
    course_deg = _number(item, "course_deg", 0.0) % 360.0
    vs_mps = _number(item, "vs_mps", 0.0)
    _check_speeds(gs_mps, vs_mps, code, limits)
    if time_s > now_s + future_tolerance_s:
        raise _Reject(
            f"time {format_time(time_s)} is {time_s - now_s:.0f} s in the future; "
            f"at most {future_tolerance_s:g} s ahead of the hub's clock is accepted"
        )
    operation = _identifier(item, "operation", required=False)
    selected = None if item.get("selected_alt_m") is None else _number(item, "selected_alt_m")
    return (track, time_s, lat, lon, alt_m, gs_mps, course_deg, vs_mps, code, operation, selected)


# -- the fast path, by columns ----------------------------------------------------------------


def _numbers(
    values: list[Any], default: float | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """A column as floats, and a mask of entries that are not plain finite numbers (a
    missing entry takes ``default``, or is flagged when there is none)."""
    nan = math.nan
    fill = nan if default is None else default
    clean = [
        v if (type(v) is float or type(v) is int) else (fill if v is None else nan) for v in values
    ]
    column = np.array(clean, dtype=np.float64)
    return column, ~np.isfinite(column)


def _domain_code(value: Any) -> int:
    return _DOMAIN_CODE.get(value, -1) if type(value) is str else -1


def _plain_id(value: Any) -> bool:
    return is_id(value)


def _times(values: list[Any]) -> npt.NDArray[np.float64]:
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if type(v) is float or type(v) is int:
            out[i] = v
        elif isinstance(v, str):
            try:
                out[i] = parse_time(v)
            except InvalidInput:
                out[i] = math.nan
        else:
            out[i] = math.nan
    return out


def validate_reports(
    party: str,
    items: Sequence[Any],
    *,
    now_s: float,
    future_tolerance_s: float,
    speed_limits: SpeedLimits = DEFAULT_SPEED_LIMITS,
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
    if not items:
        return empty_batch(party), []
    rules = _Rules(now_s, future_tolerance_s, speed_limits)
    try:
        return _validate_columns(party, items, rules)
    except OverflowError:  # an integer too large for a float somewhere: item by item
        return _validate_items(party, items, range(len(items)), rules)


@dataclass(frozen=True)
class _Rules:
    now_s: float
    future_tolerance_s: float
    speed_limits: SpeedLimits


def _validate_columns(
    party: str, items: Sequence[Any], rules: _Rules
) -> tuple[ReportBatch, list[Rejection]]:
    now_s, future_tolerance_s = rules.now_s, rules.future_tolerance_s
    plain = [type(it) is dict and it.keys() <= _FIELD_SET for it in items]
    rows: list[dict[str, Any]] = [it if ok else _EMPTY for it, ok in zip(items, plain, strict=True)]
    flagged = ~np.array(plain, dtype=bool)

    track: list[Any] = [r.get("track") for r in rows]
    flagged |= np.array([not _plain_id(t) for t in track], dtype=bool)
    operation: list[Any] = [r.get("operation") for r in rows]
    flagged |= np.array([o is not None and not _plain_id(o) for o in operation], dtype=bool)
    domain = np.array([_domain_code(r.get("domain", "air")) for r in rows], dtype=np.int8)
    flagged |= domain < 0

    time_s = _times([r.get("time") for r in rows])
    flagged |= ~np.isfinite(time_s) | (time_s < 0) | (time_s >= MAX_UNIX_S)
    flagged |= time_s > now_s + future_tolerance_s
    lat, bad = _numbers([r.get("lat") for r in rows], None)
    flagged |= bad | (lat < -90.0) | (lat > 90.0)
    lon, bad = _numbers([r.get("lon") for r in rows], None)
    flagged |= bad | (lon < -180.0) | (lon > 180.0)
    altitudes = [r.get("alt_m") for r in rows]
    alt_m, bad = _numbers(altitudes, 0.0)
    missing = np.array([a is None for a in altitudes], dtype=bool)
    flagged |= bad | (missing & (domain == _AIR))
    gs_mps, bad = _numbers([r.get("gs_mps") for r in rows], 0.0)
    flagged |= bad | (gs_mps < 0)
    course_deg, bad = _numbers([r.get("course_deg") for r in rows], 0.0)
    flagged |= bad
    vs_mps, bad = _numbers([r.get("vs_mps") for r in rows], 0.0)
    flagged |= bad
    selected: npt.NDArray[np.float64] | None = None
    levels = [r.get("selected_alt_m") for r in rows]
    if any(v is not None for v in levels):
        selected, bad = _numbers(levels, math.nan)
        flagged |= bad & np.array([v is not None for v in levels], dtype=bool)
    known = np.maximum(domain, 0)
    flagged |= gs_mps > np.asarray(rules.speed_limits.gs_mps)[known]
    flagged |= np.abs(vs_mps) > np.asarray(rules.speed_limits.vs_mps)[known]

    good = np.flatnonzero(~flagged)
    batch = ReportBatch(
        party=party,
        track=[track[i] for i in good.tolist()],
        time_s=time_s[good],
        lat=lat[good],
        lon=lon[good],
        alt_m=alt_m[good],
        gs_mps=gs_mps[good],
        course_deg=np.mod(course_deg[good], 360.0),
        vs_mps=vs_mps[good],
        domain=domain[good],
        operation=[operation[i] for i in good.tolist()],
        selected_alt_m=None
        if selected is None or np.isnan(selected[good]).all()
        else selected[good],
    )
    if not flagged.any():
        return batch, []
    checked, rejections = _validate_items(party, items, np.flatnonzero(flagged).tolist(), rules)
    if len(checked):
        # The rule book accepted an item the fast path flagged; its word is final, so it
        # decides the whole batch (never seen: a test holds the two paths together).
        return _validate_items(party, items, range(len(items)), rules)
    return batch, rejections


def _validate_items(
    party: str,
    items: Sequence[Any],
    indices: Sequence[int],
    rules: _Rules,
) -> tuple[ReportBatch, list[Rejection]]:
    """The rule book applied item by item to ``items[indices]``."""
    rows: list[Row] = []
    rejections: list[Rejection] = []
    for index in indices:
        try:
            rows.append(
                _check(items[index], rules.now_s, rules.future_tolerance_s, rules.speed_limits)
            )
        except _Reject as reason:
            rejections.append(Rejection(index, str(reason)))
    return ReportBatch.from_rows(party, rows), rejections
