"""Units on the wire and in human input.

The hub works in SI units (metres, seconds, metres per second) and unix seconds (UTC).
Humans may write units: ``5nm``, ``9260m``, ``1000ft``, ``300s``, ``5min``, ``8MiB``; these
functions turn them into numbers and raise :class:`~deconfliction.errors.InvalidInput` with
a message naming what was wrong.

>>> parse_distance_m("5nm")
9260.0
>>> parse_duration_s("2min")
120.0
>>> format_time(parse_time("2021-10-07T12:00:05Z"))
'2021-10-07T12:00:05Z'
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime

from deconfliction.errors import InvalidInput

NM_M = 1852.0
FT_M = 0.3048
KT_MPS = NM_M / 3600.0

MAX_UNIX_S = 253_402_300_800.0  # 10000-01-01T00:00:00Z
_DISTANCE_M = {"m": 1.0, "km": 1000.0, "nm": NM_M, "ft": FT_M, "mi": 1609.344}
_DURATION_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE_B = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*$")


def _parse(
    value: str | float | int, units: dict[str, float], what: str, default_unit: str
) -> float:
    if isinstance(value, bool):
        raise InvalidInput(f"{what}: expected a number with a unit, got {value!r}")
    if isinstance(value, int | float):
        number, unit = float(value), default_unit
    else:
        match = _NUMBER_UNIT.match(value)
        if not match:
            raise InvalidInput(
                f"{what}: cannot read {value!r}; write a number and a unit, "
                f"e.g. 5{default_unit} (units: {', '.join(units)})"
            )
        number, unit = float(match.group(1)), (match.group(2).lower() or default_unit)
    if unit not in units:
        raise InvalidInput(
            f"{what}: unknown unit {unit!r} in {value!r} (units: {', '.join(units)})"
        )
    if not math.isfinite(number):
        raise InvalidInput(f"{what}: {value!r} is not a finite number")
    return number * units[unit]


def parse_distance_m(value: str | float | int, what: str = "distance") -> float:
    """A distance in metres from ``5nm``, ``9.26km``, ``9260m``, ``1000ft`` or a bare number (m)."""
    return _parse(value, _DISTANCE_M, what, "m")


def parse_duration_s(value: str | float | int, what: str = "duration") -> float:
    """A duration in seconds from ``300s``, ``5min``, ``2h``, ``1d`` or a bare number (s)."""
    return _parse(value, _DURATION_S, what, "s")


def parse_size_bytes(value: str | float | int, what: str = "size") -> int:
    """A size in bytes from ``8MiB``, ``500kB`` or a bare number (bytes)."""
    return int(_parse(value, {k: float(v) for k, v in _SIZE_B.items()}, what, "b"))


def parse_time(value: object, what: str = "time") -> float:
    """Unix seconds (UTC) from unix seconds (number or digits) or an RFC 3339 string.

    RFC 3339 requires an offset (``Z`` or ``+02:00``); a time without one is refused rather
    than guessed.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{what}: expected RFC 3339 text or unix seconds, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value) if -MAX_UNIX_S < value < MAX_UNIX_S else math.inf
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            seconds = _parse_rfc3339(text, what)
    else:
        raise InvalidInput(f"{what}: expected RFC 3339 text or unix seconds, got {value!r}")
    if not math.isfinite(seconds) or not 0.0 <= seconds < MAX_UNIX_S:
        raise InvalidInput(f"{what}: {value!r} is not a time between 1970 and 9999")
    return seconds


def _parse_rfc3339(text: str, what: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"{what}: {text!r} is neither unix seconds nor an RFC 3339 time "
            "such as 2021-10-07T12:00:05Z"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{what}: {text!r} has no UTC offset; add Z (UTC) or an offset such as +02:00"
        )
    return moment.timestamp()


def format_time(unix_s: float) -> str:
    """RFC 3339 in UTC with a ``Z``; milliseconds only when the time has a fraction.

    The same text as ``datetime.fromtimestamp(unix_s, UTC).isoformat(...)`` (microseconds
    rounded half to even, then cut to milliseconds), made without a ``datetime``: alerts and
    messages format thousands of times a second.
    """
    fraction, whole = math.modf(unix_s)  # as datetime does it, so the rounding agrees
    fraction_us = round(fraction * 1e6)
    if fraction_us >= 1_000_000:
        whole, fraction_us = whole + 1, fraction_us - 1_000_000
    t = time.gmtime(int(whole))
    text = (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    )
    if fraction_us:
        return f"{text}.{fraction_us // 1000:03d}Z"
    return text + "Z"
