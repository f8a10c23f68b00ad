"""Conformance in the cycle: tracks flying an activated operation outside its volumes."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.model.alert import Alert, AlertKind
from deconfliction.model.codec import dump
from deconfliction.model.states import AlertState
from tests.scenarios import OP_START, op_volume, report, shifted

NOW = OP_START + 60.0
INSIDE = {"lat": 48.81, "lon": 2.31, "alt_m": 100.0}
OUTSIDE = {"lat": 48.81, "lon": 2.41, "alt_m": 100.0}  # inside red's square, 0.1° east


@pytest.fixture
def flying(hub: Hub, clock: ManualClock) -> Hub:
    for name in ("blue", "red"):
        hub.add_party(name)
    hub.operations.put("blue", "blue-1", {"volumes": [op_volume()]})
    hub.operations.put("red", "red-1", {"volumes": [shifted(0.1)]})
    hub.operations.activate("blue", "blue-1")
    clock.set(NOW)
    return hub


def fly(hub: Hub, clock: ManualClock, at_s: float, position: dict[str, Any], **extra: Any) -> None:
    clock.set(at_s)
    item = report("b1", time=at_s, gs_mps=0.0, operation="blue-1", **position, **extra)
    assert hub.submit_reports("blue", [item]).accepted == 1
    hub.tick()


def nonconformance(hub: Hub, party: str) -> list[Alert]:
    return [a for a in hub.alerts_for(party) if a.kind is AlertKind.NONCONFORMANCE]


def state(hub: Hub, op_id: str) -> str:
    return str(hub.operations.get(hub.operations.live(op_id).owner, op_id)["state"])  # type: ignore[union-attr]


def test_a_track_inside_its_operation_conforms(flying: Hub, clock: ManualClock) -> None:
    fly(flying, clock, NOW, INSIDE)
    assert nonconformance(flying, "blue") == [] and state(flying, "blue-1") == "activated"


def test_a_track_outside_makes_its_operation_nonconforming_and_back(
    flying: Hub, clock: ManualClock
) -> None:
    fly(flying, clock, NOW, {"lat": 48.9, "lon": 2.2, "alt_m": 100.0})
    (alert,) = nonconformance(flying, "blue")
    assert (
        dump(alert.view)["own"]["operation"] == "blue-1"
        and dump(alert.view)["own"]["track"] == "b1"
    )
    assert state(flying, "blue-1") == "nonconforming"
    assert [e.kind for e in flying.events_after("blue", 0)].count("operation.nonconforming") == 1
    # Back inside: the alert resolves once the hysteresis has passed, the plan is active again.
    fly(flying, clock, NOW + 2, INSIDE)
    assert state(flying, "blue-1") == "nonconforming"
    fly(flying, clock, NOW + 2 + flying.settings.alert_hysteresis_s, INSIDE)
    assert nonconformance(flying, "blue") == [] and state(flying, "blue-1") == "activated"
    assert flying.closed_alerts_for("blue")[0].state is AlertState.RESOLVED


def test_too_high_is_outside(flying: Hub, clock: ManualClock) -> None:
    fly(flying, clock, NOW, {**INSIDE, "alt_m": 121.0})
    assert len(nonconformance(flying, "blue")) == 1


def test_a_track_that_strays_into_another_partys_operation_alerts_that_party(
    flying: Hub, clock: ManualClock
) -> None:
    fly(flying, clock, NOW, OUTSIDE)
    blue = nonconformance(flying, "blue")
    (red,) = nonconformance(flying, "red")
    assert len(blue) == 2  # its own nonconformance, and the intrusion with red
    assert red.counterparts == ("blue",)
    assert dump(red.view)["own"]["operation"] == "red-1"
    assert dump(red.view)["other"]["party"] == "blue"
    assert dump(red.view)["other"]["state"]["lat"] == pytest.approx(48.81)
    assert set(dump(red.view)["other"]) == {"party", "state"}  # no track id, no plan of blue's
    assert "b1" not in dump(red.view)["other"]["state"].values()
    assert "blue-1" not in str(dump(red.view))
    intrusion = next(a for a in blue if "other" in dump(a.view))
    assert dump(intrusion.view)["other"] == {"party": "red"} and "red-1" not in str(
        dump(intrusion.view)
    )
    # The intrusion opens a hotline thread between them.
    assert any(e.kind == "message.received" for e in flying.events_after("red", 0))


def test_reports_naming_a_plan_that_is_not_flying_or_not_theirs_are_not_checked(
    flying: Hub, clock: ManualClock
) -> None:
    clock.set(NOW)
    items = [
        report("b2", time=NOW, operation="red-1", **OUTSIDE),  # another party's
        report("b3", time=NOW, operation="unknown", **OUTSIDE),
    ]
    flying.submit_reports("blue", items)
    red_track = report("r1", time=NOW, operation="red-1", lat=48.9, lon=2.2, alt_m=100.0)
    flying.submit_reports("red", [red_track])  # red-1 is accepted, not activated
    flying.tick()
    assert nonconformance(flying, "blue") == nonconformance(flying, "red") == []


def test_ending_the_operation_expires_its_conformance_alerts(
    flying: Hub, clock: ManualClock
) -> None:
    fly(flying, clock, NOW, {"lat": 48.9, "lon": 2.2, "alt_m": 100.0})
    flying.operations.end("blue", "blue-1")
    assert nonconformance(flying, "blue") == []
    assert flying.closed_alerts_for("blue")[0].state is AlertState.EXPIRED
