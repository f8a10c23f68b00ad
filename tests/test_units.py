import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deconfliction.errors import InvalidInput
from deconfliction.units import (
    format_time,
    parse_distance_m,
    parse_duration_s,
    parse_size_bytes,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("5nm", 9260.0),
        ("9260m", 9260.0),
        ("9.26km", 9260.0),
        ("1000ft", 304.8),
        ("5 NM", 9260.0),
        (1500, 1500.0),
        ("1e3m", 1000.0),
    ],
)
def test_distances(text: str, metres: float) -> None:
    assert parse_distance_m(text) == pytest.approx(metres)


@pytest.mark.parametrize(
    ("text", "seconds"), [("300s", 300.0), ("5min", 300.0), ("2h", 7200.0), (30, 30.0)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration_s(text) == seconds


def test_sizes() -> None:
    assert parse_size_bytes("8MiB") == 8 * 1024 * 1024
    assert parse_size_bytes("500kB") == 500_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 parsecs", "unknown unit 'parsecs'"),
        ("far", "cannot read 'far'"),
        ("infm", "cannot read"),
    ],
)
def test_bad_units_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_distance_m(text, "--horizontal")


def test_times_in_both_forms() -> None:
    assert parse_time("2021-10-07T12:00:05Z") == 1633608005.0
    assert parse_time("2021-10-07T14:00:05+02:00") == 1633608005.0
    assert parse_time(1633608005) == 1633608005.0
    assert parse_time("1633608005.5") == 1633608005.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2021-10-07T12:00:05", "has no UTC offset"),
        ("yesterday", "neither unix seconds"),
        (True, "expected RFC 3339"),
        (1e13, "between 1970 and 9999"),
        (math.nan, "between"),
    ],
)
def test_bad_times(value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_time(value)


def test_format_time_round_trips() -> None:
    assert format_time(1633608005.0) == "2021-10-07T12:00:05Z"
    assert format_time(1633608005.25) == "2021-10-07T12:00:05.250Z"
    assert parse_time(format_time(1633608005.25)) == 1633608005.25


@given(st.floats(min_value=0, max_value=253_402_300_799.0))
def test_format_time_matches_datetime(unix_s: float) -> None:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(unix_s, tz=UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    assert format_time(unix_s) == moment.isoformat(timespec=spec).replace("+00:00", "Z")
