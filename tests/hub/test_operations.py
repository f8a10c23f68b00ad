"""The operations service: filing, version keys, own versions, ids, lifecycle, expiry,
idempotency, restart, and the zones' hook."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.detect.overlaps import ObjectKind, Ref
from deconfliction.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleKey,
    VersionMismatch,
)
from deconfliction.hub import Answer, Hub
from deconfliction.hub.operations.idempotency import IdempotencyKey
from deconfliction.model import Agreement, Zone
from deconfliction.model.alert import AlertKind
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import OP_END, OP_START, T0, box_geojson, op_volume, shifted


@pytest.fixture
def parties(hub: Hub) -> Hub:
    for name in ("blue", "red", "green"):
        hub.add_party(name)
    return hub


def put(
    hub: Hub, owner: str, op_id: str, *volumes: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"volumes": list(volumes) or [op_volume()], **fields}
    return hub.operations.put(owner, op_id, body).body


def stored_revision(hub: Hub, op_id: str) -> int:
    stored = hub._store.get_object("operation", op_id)
    assert stored is not None
    return stored.version


# -- filing and versions ------------------------------------------------------------------


def test_filing_answers_the_operation_with_an_opaque_version_and_a_receipt(parties: Hub) -> None:
    body = put(parties, "blue", "survey-1", priority=40, domain="ground")
    assert body["id"] == "survey-1" and body["owner"] == "blue"
    assert body["state"] == "accepted" and body["priority"] == 40 and body["domain"] == "ground"
    assert len(body["version"]) == 22 and not body["version"].isdigit()
    assert body["volumes"][0]["start"] == "2026-11-23T10:10:00Z"
    assert body["receipt"]["seq"] > 0 and body["advisories"] == []
    entry = next(e for e in parties._store.journal_entries() if e.seq == body["receipt"]["seq"])
    assert entry.party == "blue" and entry.kind == "operation.created"
    assert parties.operations.get("blue", "survey-1")["version"] == body["version"]


def test_a_filing_is_prepared_without_the_hub_lock_and_committed_under_it(parties: Hub) -> None:
    held, release = threading.Event(), threading.Event()

    def cycle() -> None:  # a long detection cycle holds the lock
        with parties._lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=cycle)
    holder.start()
    answers: list[Answer] = []
    try:
        assert held.wait(30)
        prepared = parties.operations.prepare("blue", "survey-1", {"volumes": [op_volume()]})
        assert holder.is_alive() and not release.is_set()  # prepared while the lock was held
        committer = threading.Thread(
            target=lambda: answers.append(parties.operations.commit(prepared))
        )
        committer.start()
        committer.join(0.1)
        assert not answers  # the commit waits for the lock (however long the wait above)
    finally:
        release.set()
        holder.join(30)
    committer.join(30)
    assert answers[0].created and answers[0].body["id"] == "survey-1"
    assert parties.operations.get("blue", "survey-1")["version"] == answers[0].body["version"]


def test_every_change_mints_a_new_version(parties: Hub) -> None:
    first = put(parties, "blue", "survey-1")["version"]
    second = put(parties, "blue", "survey-1", shifted(0.001), version=first)["version"]
    third = parties.operations.activate("blue", "survey-1").body["version"]
    assert len({first, second, third}) == 3


def test_an_update_must_name_the_current_version(parties: Hub) -> None:
    first = put(parties, "blue", "survey-1")["version"]
    with pytest.raises(VersionMismatch, match="already exists at version"):
        put(parties, "blue", "survey-1", shifted(0.001))
    with pytest.raises(VersionMismatch, match="changed since you read it"):
        put(parties, "blue", "survey-1", shifted(0.001), version="not-the-version")
    with pytest.raises(VersionMismatch, match="does not exist"):
        put(parties, "blue", "survey-2", version=first)
    assert stored_revision(parties, "survey-1") == 1


def test_another_partys_id_is_taken_and_nothing_of_it_is_told(parties: Hub) -> None:
    put(parties, "blue", "survey-1", priority=77)
    with pytest.raises(AlreadyExists) as refused:
        put(parties, "red", "survey-1")
    text = str(refused.value.message) + str(refused.value.details)
    assert "blue" not in text and "77" not in text and "2.3" not in text
    with pytest.raises(NotFound):
        parties.operations.get("red", "survey-1")
    with pytest.raises(NotFound):
        parties.operations.cancel("red", "survey-1")


# -- version keys ---------------------------------------------------------------------------


def test_a_write_that_omits_an_overlapping_version_is_refused_naming_exactly_it(
    parties: Hub,
) -> None:
    one = put(parties, "blue", "one")["version"]
    put(parties, "blue", "far", shifted(1.0))  # does not overlap
    with pytest.raises(StaleKey) as refused:
        put(parties, "blue", "two", shifted(0.01))
    (entry,) = refused.value.details
    assert entry["id"] == "one" and entry["version"] == one and entry["problem"] == "missing"
    (overlap,) = entry["overlaps"]
    # Only the overlap: a 1 km strip (0.01°) of the square, the band and window shared.
    lons = [p[0] for p in overlap["footprint"]["coordinates"][0]]
    assert min(lons) == pytest.approx(2.31) and max(lons) == pytest.approx(2.32)
    assert (overlap["alt_lower_m"], overlap["alt_upper_m"]) == (0.0, 120.0)
    assert (
        stored_revision(parties, "one") == 1
        and parties._store.get_object("operation", "two") is None
    )
    retried = put(parties, "blue", "two", shifted(0.01), key={"one": one})
    assert retried["state"] == "accepted"


def test_a_stale_version_in_the_key_is_refused(parties: Hub) -> None:
    old = put(parties, "blue", "one")["version"]
    new = put(parties, "blue", "one", op_volume(alt=(0, 100)), version=old)["version"]
    with pytest.raises(StaleKey) as refused:
        put(parties, "blue", "two", key={"one": old})
    (entry,) = refused.value.details
    assert (entry["problem"], entry["carried"], entry["version"]) == ("stale", old, new)


def test_other_partys_plans_are_not_keyed_unless_shared(parties: Hub) -> None:
    put(parties, "blue", "blue-1")
    assert put(parties, "red", "red-1")["state"] == "accepted"  # overlaps, red may not see it
    parties.set_agreement(Agreement("blue", "green", share_operations=True))
    with pytest.raises(StaleKey) as refused:
        put(parties, "green", "green-1")
    assert [e["id"] for e in refused.value.details] == ["blue-1"]  # not red-1
    assert parties.operations.get("green", "blue-1")["owner"] == "blue"
    assert [o["id"] for o in parties.operations.list_for("green")] == ["blue-1"]


# -- lifecycle and expiry -------------------------------------------------------------------


def test_lifecycle_and_illegal_transitions(parties: Hub) -> None:
    put(parties, "blue", "op")
    assert parties.operations.activate("blue", "op").body["state"] == "activated"
    with pytest.raises(IllegalTransition):
        parties.operations.activate("blue", "op")
    assert parties.operations.end("blue", "op").body["state"] == "ended"
    with pytest.raises(IllegalTransition):
        parties.operations.cancel("blue", "op")
    with pytest.raises(IllegalTransition, match="ended and cannot be changed"):
        put(parties, "blue", "op", version=parties.operations.get("blue", "op")["version"])
    assert parties.operations.live("op") is None
    assert not parties.operations.indexed(Ref(ObjectKind.OPERATION, "op"))
    assert [o["id"] for o in parties.operations.list_for("blue")] == []
    assert [o["state"] for o in parties.operations.list_for("blue", include_ended=True)] == [
        "ended"
    ]


def test_a_named_version_must_match_for_a_state_change(parties: Hub) -> None:
    put(parties, "blue", "op")
    with pytest.raises(VersionMismatch):
        parties.operations.cancel("blue", "op", version="old")
    version = parties.operations.get("blue", "op")["version"]
    assert parties.operations.cancel("blue", "op", version=version).body["state"] == "cancelled"


def test_a_shared_operation_is_seen_but_not_changed_by_the_partner(parties: Hub) -> None:
    parties.set_agreement(Agreement("blue", "green", share_operations=True))
    put(parties, "blue", "op")
    with pytest.raises(PermissionDenied, match="only its owner"):
        parties.operations.cancel("green", "op")
    shared = [e for e in parties.events_after("green", 0) if e.kind == "operation.created"]
    assert [e.data["id"] for e in shared] == ["op"]


def test_operations_end_by_themselves_when_their_last_volume_is_over(
    parties: Hub, clock: ManualClock
) -> None:
    put(parties, "blue", "short", op_volume(end=OP_START + 60))
    put(parties, "blue", "long", shifted(1.0))
    parties.tick()
    assert parties.operations.live("short") is not None
    clock.set(OP_START + 60)
    parties.tick()
    assert parties.operations.live("short") is None
    assert parties.operations.get("blue", "short")["state"] == "ended"
    assert parties.operations.live("long") is not None
    ended = [e for e in parties.events_after("blue", 0) if e.kind == "operation.ended"]
    assert [e.data["id"] for e in ended] == ["short"]
    journal = [e for e in parties._store.journal_entries() if e.kind == "operation.ended"]
    assert len(journal) == 1 and journal[0].party == "blue"


def test_an_idle_tick_writes_nothing(parties: Hub, clock: ManualClock) -> None:
    put(parties, "blue", "op")
    head = parties._store.journal_head()
    clock.set(T0 + 30)
    parties.tick()
    assert parties._store.journal_head() == head


# -- idempotency ----------------------------------------------------------------------------


def test_a_repeated_write_with_the_same_key_is_not_applied_twice(parties: Hub) -> None:
    body = {"volumes": [op_volume()], "priority": 10}
    key = IdempotencyKey.of("k-1", "PUT", "/v1/operations/op", b"same body")
    first = parties.operations.put("blue", "op", body, key)
    head = parties._store.journal_head()
    again = parties.operations.put("blue", "op", body, key)
    assert again.replayed and again.body == first.body and again.created
    assert parties._store.journal_head() == head and stored_revision(parties, "op") == 1
    other = IdempotencyKey.of("k-1", "PUT", "/v1/operations/op", b"another body")
    with pytest.raises(InvalidInput, match=r"already used .* for a different request"):
        parties.operations.put("blue", "op", body, other)
    # Keys are per party.
    red = parties.operations.put("red", "red-op", {"volumes": [shifted(1.0)]}, key)
    assert not red.replayed and red.body["id"] == "red-op"


def test_kept_answers_are_forgotten_after_the_retention(parties: Hub, clock: ManualClock) -> None:
    key = IdempotencyKey.of("k-1", "DELETE", "/v1/operations/op", b"")
    put(parties, "blue", "op", op_volume(end=T0 + 30 * 3600))
    parties.operations.cancel("blue", "op", idempotency=key)
    clock.set(T0 + 25 * 3600)
    parties.tick()
    assert parties._store.get_idempotent("blue", "k-1") is None


# -- restart --------------------------------------------------------------------------------


def test_operations_versions_and_the_index_survive_a_restart(
    parties: Hub, make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    version = put(parties, "blue", "one")["version"]
    put(parties, "red", "red-1", shifted(0.005))
    parties.close()
    hub = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    try:
        assert hub.operations.get("blue", "one")["version"] == version
        with pytest.raises(StaleKey) as refused:
            put(hub, "blue", "two", shifted(0.01))
        assert [e["id"] for e in refused.value.details] == ["one"]
        two = put(hub, "blue", "two", shifted(0.01), key={"one": version})["version"]
        # The advisory between blue and red is still open after the restart.
        kinds = [a.kind for a in hub.alerts_for("red")]
        assert kinds.count(AlertKind.OPERATION_OPERATION) == 2  # with one, then with two
        moved = put(hub, "blue", "one", op_volume(alt=(0, 90)), version=version, key={"two": two})
        assert moved["version"] != version
    finally:
        hub.close()


# -- zones ----------------------------------------------------------------------------------


def zone(zone_id: str, owner: str, rule: str = "no_entry", **properties: Any) -> Zone:
    feature = {
        "type": "Feature",
        "id": zone_id,
        "geometry": box_geojson(2.305, 48.805, 2.315, 48.815),
        "properties": {"rule": rule, "alt_upper_m": 300, **properties},
    }
    if rule == "protected":
        feature["properties"].setdefault("valid_to", OP_END + 3600)
    return Zone.from_feature(feature, owner=owner)


def test_zones_shared_with_the_writer_must_be_keyed(parties: Hub) -> None:
    parties.operations.zone_volumes.index(zone("z-shared", "red", shared_with=["blue"]), "zv1")
    parties.operations.zone_volumes.index(zone("z-private", "green"), "zv2")
    with pytest.raises(StaleKey) as refused:
        put(parties, "blue", "op")
    assert [(e["kind"], e["id"], e["version"]) for e in refused.value.details] == [
        ("zone", "z-shared", "zv1")
    ]
    put(parties, "blue", "op", key={"z-shared": "zv1"})
    with pytest.raises(AlreadyExists, match="id of a zone"):
        put(parties, "blue", "z-private", shifted(1.0))


def test_a_failed_write_leaves_memory_as_the_store_has_it(
    parties: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(parties, "red", "red-1", shifted(0.01))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(parties._alerts, "open", broken)
    with pytest.raises(RuntimeError):
        put(parties, "blue", "blue-1")  # overlaps red-1: its advisory fails the write
    assert parties.operations.live("blue-1") is None
    assert not parties.operations.indexed(Ref(ObjectKind.OPERATION, "blue-1"))
    assert parties._store.get_object("operation", "blue-1") is None
    monkeypatch.undo()
    assert put(parties, "blue", "blue-1")["advisories"]
