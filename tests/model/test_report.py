import math
from typing import Any

import pytest

from deconfliction.model import Domain, ReportBatch, validate_reports
from tests.scenarios import T0, report


def one(item: Any) -> str:
    batch, rejected = validate_reports("blue", [item], now_s=T0, future_tolerance_s=60.0)
    assert len(batch) == 0
    return rejected[0].reason


def test_valid_reports_become_columns() -> None:
    items = [report("a1"), report("g1", domain="ground", alt_m=None, time="2026-11-23T10:00:00Z")]
    batch, rejected = validate_reports("blue", items, now_s=T0, future_tolerance_s=60.0)
    assert rejected == []
    assert batch.track == ["a1", "g1"]
    assert batch.time_s.tolist() == [T0, T0]
    assert batch.alt_m.tolist() == [3000.0, 0.0]
    assert batch.report(1).domain is Domain.GROUND


def test_course_is_taken_modulo_360() -> None:
    batch, _ = validate_reports("b", [report(course_deg=-90)], now_s=T0, future_tolerance_s=60)
    assert batch.course_deg[0] == 270.0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"lat": 91.0}, "lat 91.0 is out of range [-90, 90]"),
        ({"lon": -180.5}, "lon -180.5 is out of range [-180, 180]"),
        ({"alt_m": math.nan}, "alt_m must be a finite number, got nan"),
        ({"gs_mps": math.inf}, "gs_mps must be a finite number, got inf"),
        ({"gs_mps": -1.0}, "gs_mps must not be negative, got -1.0"),
        ({"domain": "space"}, "unknown domain 'space'; use one of air, ground, sea"),
        ({"time": T0 + 61}, "s in the future; at most 60 s ahead"),
        ({"lat": "48.8"}, "lat must be a number, got '48.8'"),
        ({"track": ""}, "track must be a non-empty string"),
        ({"alt_m": None}, "alt_m is missing"),
        ({"altitude": 3}, "unknown field 'altitude'"),
        ({"time": "noon"}, "'noon' is neither unix seconds nor an RFC 3339 time"),
    ],
)
def test_rejections_say_why(changes: dict[str, Any], reason: str) -> None:
    assert reason in one(report(**changes))


def test_a_report_must_be_an_object() -> None:
    assert one([1, 2]) == "a report must be a JSON object, got list"


def test_rejections_keep_their_index() -> None:
    items = [report("a"), report("b", lat=100), report("c"), {"nope": 1}]
    batch, rejected = validate_reports("blue", items, now_s=T0, future_tolerance_s=60.0)
    assert batch.track == ["a", "c"]
    assert [r.index for r in rejected] == [1, 3]


def test_selected_altitudes_go_through_the_journal_and_old_entries_have_none() -> None:
    items = [report("a1", selected_alt_m=3600.0), report("a2"), report("a3", selected_alt_m=0)]
    batch, _ = validate_reports("blue", items, now_s=T0, future_tolerance_s=60.0)
    assert [batch.selected(i) for i in range(3)] == [3600.0, None, 0.0]
    content = batch.to_journal()
    assert content["reports"]["selected_alt_m"] == [3600.0, None, 0.0]
    back = ReportBatch.from_journal("blue", content)
    assert [back.report(i).selected_alt_m for i in range(3)] == [3600.0, None, 0.0]
    assert back.take([2, 1]).selected(0) == 0.0
    # A batch without any, and an entry written before the column existed: none.
    plain, _ = validate_reports("blue", [report("a1")], now_s=T0, future_tolerance_s=60.0)
    assert plain.selected_alt_m is None
    assert "selected_alt_m" not in plain.to_journal()["reports"]
    old = {"reports": {k: v for k, v in content["reports"].items() if k != "selected_alt_m"}}
    decoded = ReportBatch.from_journal("blue", old)
    assert decoded.selected_alt_m is None and decoded.report(0).selected_alt_m is None
    assert decoded.report(0).to_json() == {
        **report("a1"),
        "time": "2026-11-23T10:00:00Z",
        "operation": None,
    }


def test_reports_round_trip_their_selected_altitude_through_from_reports() -> None:
    batch, _ = validate_reports(
        "blue",
        [report("a1", selected_alt_m=3600.0), report("a2")],
        now_s=T0,
        future_tolerance_s=60.0,
    )
    again = ReportBatch.from_reports("blue", [batch.report(0), batch.report(1)])
    assert again.selected(0) == 3600.0 and again.selected(1) is None
    assert batch.report(0).to_json()["selected_alt_m"] == 3600.0
    assert "selected_alt_m" not in batch.report(1).to_json()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (math.inf, "selected_alt_m must be a finite number, got inf"),
        (True, "selected_alt_m must be a number, got True"),
    ],
)
def test_a_bad_selected_altitude_is_rejected(value: Any, reason: str) -> None:
    assert one(report(selected_alt_m=value)) == reason


@pytest.mark.parametrize(
    ("domain", "changes", "setting"),
    [
        ("air", {"gs_mps": 1500.5}, "air_max_gs_mps"),
        ("air", {"vs_mps": -500.5}, "air_max_vs_mps"),
        ("sea", {"gs_mps": 60.5, "vs_mps": 0.0}, "sea_max_gs_mps"),
        ("ground", {"gs_mps": 150.5}, "ground_max_gs_mps"),
        ("sea", {"gs_mps": 10.0, "vs_mps": -50.5}, "sea_max_vs_mps"),
        ("ground", {"vs_mps": 1e308}, "ground_max_vs_mps"),
    ],
)
def test_speeds_are_bounded_per_domain(domain: str, changes: dict[str, Any], setting: str) -> None:
    assert setting in one(report(domain=domain, **changes))
    at_limit = {
        k: math.copysign(abs(v) - 0.5, v) if abs(v) > 50 else v
        for k, v in changes.items()
        if abs(v) < 1e6
    }
    if at_limit:
        batch, rejected = validate_reports(
            "blue", [report(domain=domain, **at_limit)], now_s=T0, future_tolerance_s=60.0
        )
        assert (len(batch), rejected) == (1, [])


def test_speed_limits_come_from_the_caller() -> None:
    from deconfliction.model.report import SpeedLimits
    from deconfliction.settings import Settings

    limits = Settings(air_max_gs_mps=100.0).speed_limits()
    assert limits == SpeedLimits(gs_mps=(100.0, 150.0, 60.0), vs_mps=(500.0, 50.0, 50.0))
    items = [report("slow", gs_mps=99.0), report("fast", gs_mps=120.0)]
    batch, rejected = validate_reports(
        "blue", items, now_s=T0, future_tolerance_s=60.0, speed_limits=limits
    )
    assert batch.track == ["slow"]
    assert "faster than the 100 m/s accepted for air tracks" in rejected[0].reason
