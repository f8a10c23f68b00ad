"""Several processes of one hub on one database (two Hubs on one store location, each with
its own connections): the lease, the shared picture, alerts, operations and streams."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import LeaseLost, VersionMismatch
from deconfliction.hub import Hub
from deconfliction.hub.hub import _LEADER_WORK
from deconfliction.hub.operations.idempotency import IdempotencyKey
from deconfliction.model.states import AlertState
from deconfliction.settings import Settings
from deconfliction.store import Event, Store
from tests.hub.test_detection import head_on
from tests.scenarios import op_volume

NEAR_M = 20_000.0  # head on, loss 27 s ahead: opens at the first cycle that finds it


@pytest.fixture
def pair(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> tuple[Hub, Hub]:
    """Two processes of one hub: ``a`` takes the clients' writes, ``b`` leads."""
    a = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    b = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    a.add_party("blue")
    a.add_party("red")
    assert b.lead() and not a.lead()
    return a, b


def conflict_seen_by_both(a: Hub, b: Hub, clock: ManualClock) -> None:
    """A conflict reported through ``a``, raised by the leader ``b``, followed by ``a``."""
    head_on(a, clock, NEAR_M)
    b.follow()
    b.tick()
    a.follow()


def opened_alerts(hub: Hub, party: str) -> list[Event]:
    return [e for e in hub.events_after(party, 0, 1000) if e.kind == "alert.opened"]


def test_only_the_process_holding_the_lease_runs_detection(
    pair: tuple[Hub, Hub], clock: ManualClock
) -> None:
    a, b = pair
    head_on(a, clock, NEAR_M)
    a.tick()  # a does not lead: no cycle
    assert a.last_cycle is None and opened_alerts(a, "blue") == []
    assert b.follow() == 2  # a's two report batches, into b's live picture
    b.tick()
    assert b.last_cycle is not None and b.last_cycle.tracks == 2
    [alert] = b.alerts_for("blue")
    assert a.alerts_for("blue") == []  # a has not looked yet
    a.follow()
    assert [x.id for x in a.alerts_for("blue")] == [alert.id]
    assert [x.id for x in a.alerts_for("red")] == [x.id for x in b.alerts_for("red")]


def test_clients_of_every_process_hear_the_alerts(
    pair: tuple[Hub, Hub], clock: ManualClock
) -> None:
    a, b = pair
    heard_a: list[Event] = []
    heard_b: list[Event] = []
    a.subscribe("blue", heard_a.append)
    b.subscribe("red", heard_b.append)
    head_on(a, clock, NEAR_M)
    b.follow()
    b.tick()
    a.follow()
    # its own report, then the leader's alert and the hub's hotline message about it
    assert [e.kind for e in heard_a] == ["reports.accepted", "alert.opened", "message.received"]
    assert [e.seq for e in heard_a] == [1, 2, 3]
    assert [e.kind for e in heard_b] == ["reports.accepted", "alert.opened", "message.received"]
    a.follow()  # nothing new: nothing told twice
    assert len(heard_a) == 3


def test_an_acknowledgement_through_one_process_reaches_the_leader(
    pair: tuple[Hub, Hub], clock: ManualClock
) -> None:
    a, b = pair
    conflict_seen_by_both(a, b, clock)
    [alert] = a.alerts_for("blue")
    a.acknowledge_alert("blue", alert.id)
    b.follow()
    [seen] = b.alerts_for("blue")
    assert seen.state is AlertState.ACKNOWLEDGED
    clock.advance(1)
    head_on(a, clock, NEAR_M)
    b.follow()
    b.tick()  # the conflict goes on: the same alert, acknowledged
    assert [x.id for x in b.alerts_for("blue")] == [alert.id]
    assert len(opened_alerts(b, "blue")) == 1


def test_another_process_takes_over_when_the_lease_runs_out_and_raises_nothing_twice(
    pair: tuple[Hub, Hub], clock: ManualClock
) -> None:
    a, b = pair
    conflict_seen_by_both(a, b, clock)
    # b dies: it renews no more. a takes over once the lease ran out, not before.
    clock.advance(a.settings.leader_lease_s / 2)
    head_on(a, clock, NEAR_M)
    assert not a.lead()
    clock.advance(a.settings.leader_lease_s)
    head_on(a, clock, NEAR_M)
    a.tick()
    assert a.lease.leading and a.last_cycle is not None
    assert len(opened_alerts(a, "blue")) == 1  # found again, known already: not raised twice
    # b wakes up: it no longer leads, and a write of its leader work is refused.
    b.tick()
    assert not b.lease.leading and b.lease.leader == a.lease.holder
    token = _LEADER_WORK.set(True)  # as if b had passed the lease check just before a took it
    try:
        with pytest.raises(LeaseLost):
            b.run_timers(clock.now() + 3600)  # (the picture's checkpoint is due: a write)
    finally:
        _LEADER_WORK.reset(token)
    assert len(opened_alerts(a, "blue")) == 1


def test_a_process_that_stops_hands_the_lease_over_at_once(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    a = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    b = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    assert a.lead() and not b.lead()
    a.close()
    assert b.lead()


def test_operation_writes_decide_on_what_every_process_wrote(pair: tuple[Hub, Hub]) -> None:
    a, b = pair
    body = {"volumes": [op_volume()]}
    filed = a.operations.put("blue", "survey-1", body).body
    # b has not followed: its write catches up under the store's lock first.
    replaced = b.operations.put("blue", "survey-1", {**body, "version": filed["version"]}).body
    assert replaced["version"] != filed["version"]
    with pytest.raises(VersionMismatch):  # the version a answered is no longer current
        a.operations.put("blue", "survey-1", {**body, "version": filed["version"]})
    assert b.operations.get("blue", "survey-1")["version"] == replaced["version"]
    a.follow()
    assert a.operations.get("blue", "survey-1")["version"] == replaced["version"]


def test_a_retry_that_lands_on_another_process_gets_the_first_answer(
    pair: tuple[Hub, Hub],
) -> None:
    a, b = pair
    body = {"volumes": [op_volume()]}
    key = IdempotencyKey.of("k-1", "PUT", "/v1/operations/survey-2", b"same body")
    first = a.operations.put("blue", "survey-2", body, key)
    again = b.operations.put("blue", "survey-2", body, key)
    assert again.replayed and again.body == first.body


def test_zones_declared_through_one_process_are_seen_by_the_other(
    pair: tuple[Hub, Hub],
) -> None:
    a, b = pair
    feature = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[5.0, 45.0], [5.1, 45.0], [5.1, 45.1], [5.0, 45.1], [5.0, 45.0]]],
        },
        "properties": {"rule": "no_entry"},
    }
    a.zones.put("blue", "z-1", feature)
    b.follow()
    assert [z.id for z in b.zones.active()] == ["z-1"]


def test_a_lone_process_keeps_no_record_of_its_own_writes(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    for _ in range(20):
        clock.advance(1)
        head_on(hub, clock, NEAR_M)
        hub.tick()
    assert hub.follow() == 0
    assert hub._peers._own == set()


def test_a_write_that_caught_up_leaves_the_others_reports_and_events_to_follow(
    pair: tuple[Hub, Hub], clock: ManualClock
) -> None:
    a, b = pair
    heard: list[Event] = []
    a.subscribe("red", heard.append)
    head_on(b, clock, NEAR_M)  # reports through the leader
    b.tick()
    # a writes before it follows: its write applies b's changes (the alert), not the reports
    a.operations.put("blue", "survey-9", {"volumes": [op_volume()]})
    assert a.follow() == 2  # b's two report batches still reach a's picture
    assert [r.track for r in a.tracks_for("blue")] == ["BLUE-JET-1"]
    assert "alert.opened" in [e.kind for e in heard]  # and b's events a's clients
    for _ in range(3):
        clock.advance(1)
        head_on(b, clock, NEAR_M)
        a.operations.put(
            "blue",
            "survey-9",
            {"volumes": [op_volume()], "version": a.operations.get("blue", "survey-9")["version"]},
        )
        a.follow()
    assert a._peers._own == set()  # nothing of its own kept once both cursors passed it
