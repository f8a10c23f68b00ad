"""Advisories: overlapping plans of two parties give one conflict, two alerts carrying only
the overlap, and one hotline thread; they follow the plans until they no longer overlap."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from deconfliction.hub import Hub
from deconfliction.model import Zone
from deconfliction.model.alert import Alert, AlertKind, Severity
from deconfliction.model.codec import dump
from deconfliction.model.states import AlertState
from tests.scenarios import OP_END, OP_START, PARIS_SQUARE, box_geojson, op_volume, shifted


@pytest.fixture
def parties(hub: Hub) -> Hub:
    for name in ("blue", "red"):
        hub.add_party(name)
    return hub


def put(
    hub: Hub, owner: str, op_id: str, *volumes: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"volumes": list(volumes) or [op_volume()], **fields}
    return hub.operations.put(owner, op_id, body).body


def advisories(
    hub: Hub, party: str, kind: AlertKind = AlertKind.OPERATION_OPERATION
) -> list[Alert]:
    return [a for a in hub.alerts_for(party) if a.kind is kind]


def thread_messages(hub: Hub, party: str) -> list[dict[str, Any]]:
    return [e.data["message"] for e in hub.events_after(party, 0) if e.kind == "message.received"]


def test_two_parties_overlapping_plans_make_one_thread_and_two_alerts(parties: Hub) -> None:
    put(parties, "blue", "blue-survey", priority=30)
    answer = put(parties, "red", "red-medevac", shifted(0.01, alt=(60, 400)), priority=90)
    (blue,), (red,) = advisories(parties, "blue"), advisories(parties, "red")
    assert answer["advisories"] == [red.id]
    assert blue.conflict_id == red.conflict_id and blue.severity is Severity.ADVISORY
    assert blue.counterparts == ("red",) and red.counterparts == ("blue",)
    # Each learns its own operation, the other's name and relative priority, and the overlap.
    assert dump(blue.view)["own"]["operation"] == "blue-survey"
    assert dump(blue.view)["other"] == {"party": "red", "priority": "higher"}
    assert dump(red.view)["other"] == {"party": "blue", "priority": "lower"}
    assert dump(blue.view)["resolve_by"] == dump(red.view)["resolve_by"] == "blue"
    (overlap,) = dump(blue.view)["geometry"]["overlaps"]
    strip = shapely.box(2.31, 48.80, 2.32, 48.82)
    assert shape(overlap["footprint"]).symmetric_difference(strip).area == pytest.approx(
        0, abs=1e-12
    )
    assert (overlap["alt_lower_m"], overlap["alt_upper_m"]) == (60.0, 120.0)
    assert (overlap["start"], overlap["end"]) == ("2026-11-23T10:10:00Z", "2026-11-23T11:00:00Z")
    assert dump(red.view)["geometry"]["overlaps"][0]["footprint"] == overlap["footprint"]
    assert "red-medevac" not in str(blue.view) and "blue-survey" not in str(red.view)
    # One thread: a hub message to each, asking the lower-priority owner to resolve.
    (to_blue,), (to_red,) = thread_messages(parties, "blue"), thread_messages(parties, "red")
    assert to_blue["thread"] == to_red["thread"] == blue.conflict_id
    assert to_blue["template"] == "alert_operation_conflict"
    assert to_blue["fields"]["resolve_by"] == "blue"
    assert to_blue["fields"]["own_operation"] == "blue-survey"
    assert to_blue["fields"]["alert"] == blue.id
    assert "Asked to resolve: blue" in to_blue["rendered"]["lines"]
    assert "other_operation" not in to_blue["fields"]
    assert "blue-survey" not in str(to_red) and "red-medevac" not in str(to_blue)


def test_at_equal_priority_the_later_writer_is_asked_to_resolve(parties: Hub) -> None:
    put(parties, "blue", "blue-1", priority=50)
    put(parties, "red", "red-1", shifted(0.01), priority=50)
    (alert,) = advisories(parties, "blue")
    assert (
        dump(alert.view)["other"]["priority"] == "equal" and dump(alert.view)["resolve_by"] == "red"
    )


def test_a_party_is_not_advised_about_its_own_plans(parties: Hub) -> None:
    one = put(parties, "blue", "one")["version"]
    put(parties, "blue", "two", shifted(0.01), key={"one": one})
    assert advisories(parties, "blue") == []


def test_a_moved_plan_that_still_overlaps_revises_both_alerts(parties: Hub) -> None:
    version = put(parties, "blue", "blue-1")["version"]
    put(parties, "red", "red-1", shifted(0.01))
    (before,) = advisories(parties, "red")
    put(parties, "blue", "blue-1", shifted(0.005), version=version)
    (after,) = advisories(parties, "red")
    assert after.id == before.id and after.state is AlertState.OPEN
    lons = [
        p[0] for p in dump(after.view)["geometry"]["overlaps"][0]["footprint"]["coordinates"][0]
    ]
    assert min(lons) == pytest.approx(2.31) and max(lons) == pytest.approx(2.325)
    updated = [e for e in parties.events_after("red", 0) if e.kind == "alert.updated"]
    assert [e.data["id"] for e in updated] == [before.id]


def test_plans_that_no_longer_overlap_resolve_the_advisory(parties: Hub) -> None:
    version = put(parties, "blue", "blue-1")["version"]
    put(parties, "red", "red-1", shifted(0.01))
    put(parties, "blue", "blue-1", shifted(-1.0), version=version)
    assert advisories(parties, "blue") == advisories(parties, "red") == []
    (closed,) = parties.closed_alerts_for("red")
    assert closed.state is AlertState.RESOLVED
    cleared = [e for e in parties.events_after("red", 0) if e.kind == "message.cleared"]
    assert len(cleared) == 1


def test_a_cancelled_plan_expires_its_advisories(parties: Hub) -> None:
    put(parties, "blue", "blue-1")
    put(parties, "red", "red-1", shifted(0.01))
    parties.operations.cancel("red", "red-1")
    assert advisories(parties, "blue") == []
    (closed,) = parties.closed_alerts_for("blue")
    assert closed.state is AlertState.EXPIRED


def test_a_window_that_only_touches_is_not_an_overlap(parties: Hub) -> None:
    put(parties, "blue", "blue-1")
    put(parties, "red", "red-1", op_volume(start=OP_END, end=OP_END + 600))
    put(parties, "red", "red-2", op_volume(alt=(120, 300)))
    assert advisories(parties, "blue") == []


# -- zones ----------------------------------------------------------------------------------


def no_entry(owner: str, zone_id: str = "closed-area", **properties: Any) -> Zone:
    west, south, east, north = PARIS_SQUARE
    feature = {
        "type": "Feature",
        "id": zone_id,
        "geometry": box_geojson(west + 0.015, south, east + 0.015, north),
        "properties": {"rule": "no_entry", **properties},
    }
    return Zone.from_feature(feature, owner=owner)


def test_a_plan_entering_another_partys_no_entry_zone_is_advised(parties: Hub) -> None:
    parties.operations.zone_volumes.index(no_entry("red"), "zv1")
    put(parties, "blue", "blue-1")
    (blue,) = advisories(parties, "blue", AlertKind.OPERATION_ZONE)
    (red,) = advisories(parties, "red", AlertKind.OPERATION_ZONE)
    assert dump(blue.view)["other"] == {"party": "red", "rule": "no_entry"}  # not shared: no id
    assert dump(red.view)["own"] == {"zone": "closed-area", "rule": "no_entry"}
    assert dump(red.view)["other"] == {"party": "blue", "domain": "air"}
    lons = [p[0] for p in dump(blue.view)["geometry"]["overlaps"][0]["footprint"]["coordinates"][0]]
    assert min(lons) == pytest.approx(2.315) and max(lons) == pytest.approx(2.32)
    assert dump(blue.view)["resolve_by"] == "blue"
    parties.operations.zone_volumes.remove("closed-area")
    assert advisories(parties, "blue", AlertKind.OPERATION_ZONE) == []
    assert parties.closed_alerts_for("blue")[0].state is AlertState.EXPIRED


def test_a_zone_declared_over_a_plan_advises_its_owner(parties: Hub) -> None:
    put(parties, "blue", "blue-1")
    parties.operations.zone_volumes.index(no_entry("red", shared_with=["blue"]), "zv1")
    (blue,) = advisories(parties, "blue", AlertKind.OPERATION_ZONE)
    assert dump(blue.view)["other"]["zone"] == "closed-area"
    # Notify-before-entry zones are not advised (a crossing notice is how they are met).
    parties.operations.zone_volumes.index(no_entry("red", rule="notify_before_entry"), "zv2")
    assert advisories(parties, "blue", AlertKind.OPERATION_ZONE) == []


def test_the_zone_owners_own_plans_are_not_advised(parties: Hub) -> None:
    parties.operations.zone_volumes.index(no_entry("blue"), "zv1")
    put(parties, "blue", "blue-1", key={"closed-area": "zv1"})
    assert advisories(parties, "blue", AlertKind.OPERATION_ZONE) == []


def test_protected_sites_inside_a_plan_are_advised(parties: Hub) -> None:
    site = {
        "type": "Feature",
        "id": "hospital",
        "geometry": {"type": "Point", "coordinates": [2.31, 48.81]},
        "properties": {"rule": "protected", "radius_m": 200, "valid_to": OP_END + 3600},
    }
    parties.operations.zone_volumes.index(Zone.from_feature(site, owner="red"), "zv1")
    put(parties, "blue", "blue-1", op_volume(start=OP_START))
    (alert,) = advisories(parties, "blue", AlertKind.OPERATION_ZONE)
    assert dump(alert.view)["other"]["rule"] == "protected"
