"""SBS-1 lines assembled per aircraft into reports."""

from __future__ import annotations

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.gateways.adsb.sbs import SbsAssembler

T = 1_633_608_005.0
STAMP = "2021/10/07,12:00:05.000,2021/10/07,12:00:05.000"


def msg(kind: int, *fields: str) -> str:
    """MSG,kind with fields 10 onwards (callsign, altitude, gs, track, lat, lon, vr, …)."""
    return f"MSG,{kind},1,1,4CA2D6,1,{STAMP}," + ",".join(fields)


def test_assembled_from_identification_velocity_and_position() -> None:
    sbs = SbsAssembler(fresh_s=60)
    sbs.feed(msg(1, "RYR12AB", "", "", "", "", "", "", "", "", "", "", ""), T)
    sbs.feed(msg(4, "", "", "450", "271", "", "", "-1024", "", "", "", "", "0"), T)
    assert sbs.take_reports() == []  # no position yet
    sbs.feed(msg(3, "", "35000", "", "", "48.12345", "2.54321", "", "", "0", "0", "0", "0"), T + 1)
    (report,) = sbs.take_reports()
    assert report == {
        "track": "4CA2D6",
        "time": "2021-10-07T12:00:06Z",
        "lat": 48.12345,
        "lon": 2.54321,
        "alt_m": 10668.0,
        "domain": "air",
        "gs_mps": 231.5,
        "course_deg": 271.0,
        "vs_mps": -5.2,
    }
    assert sbs.aircraft["4CA2D6"].callsign == "RYR12AB"
    assert sbs.take_reports() == []  # taken once
    sbs.feed(msg(5, "", "34000", "", "", "", "", "", "", "", "", "", ""), T + 2)
    sbs.feed(msg(3, "", "", "", "", "48.2", "2.6", "", "", "", "", "", ""), T + 3)
    assert sbs.take_reports()[0]["alt_m"] == pytest.approx(10363.2)


def test_stale_ground_and_malformed() -> None:
    sbs = SbsAssembler(fresh_s=10)
    sbs.feed(msg(5, "", "3000", *[""] * 10), T)
    sbs.feed(msg(3, "", "", "", "", "48.0", "2.0", *[""] * 6), T + 20)
    assert sbs.take_reports() == []  # its altitude is too old to use
    sbs.feed(msg(2, "", "0", "12", "90", "48.0", "2.0", "", "", "", "", "", "-1"), T + 21)
    assert sbs.take_reports() == []  # on the ground
    assert sbs.drop_stale(T + 40) == 1 and not sbs.aircraft
    for line in ("SEL,,1,1,4CA2D6", "AIR,,1,1,4CA2D6", ""):
        sbs.feed(line, T)  # records a report needs nothing from
    for bad, words in (
        ("hello", "not an SBS MSG"),
        (msg(3, "", "x", *[""] * 10).replace("4CA2D6", "4CA2"), "6 hex digits"),
        (msg(3, "", "abc", *[""] * 10), "altitude 'abc' is not a number"),
        (msg(3, "", "100", "", "", "91", "2", *[""] * 6), "out of range"),
    ):
        with pytest.raises(InvalidInput, match=words):
            sbs.feed(bad, T)
