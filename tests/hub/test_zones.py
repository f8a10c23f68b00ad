"""Zones inside the hub: declarations and who hears of them, ids, versions, withdrawal,
track–zone alerts every cycle, crossings, zone–zone advice, acknowledgements, deadlines,
reminders and expiry, restarts, listeners, incident evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import (
    AlreadyExists,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    VersionMismatch,
)
from deconfliction.hub import Hub
from deconfliction.hub.hotline.drafts import MessageRequest
from deconfliction.hub.zones.declarations import ZoneChange
from deconfliction.journal.chain import HUB_PARTY
from deconfliction.model import Agreement
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.codec import dump
from deconfliction.model.states import AlertState, ZoneState
from deconfliction.settings import Settings
from deconfliction.store import Store
from deconfliction.units import format_time
from tests.detect.hand import distance_to_line_m, first_within_m
from tests.scenarios import (
    CONVOY_OFFSET_M,
    CONVOY_SPEED_MPS,
    DEIR_EZ_ZOR,
    EUPHRATES_BUFFER_M,
    EUPHRATES_LINE,
    EUPHRATES_ZONES,
    GROUND_LOOKAHEAD_S,
    PROTECTED_UNTIL_S,
    ZONE_PARTIES,
    ZONES_NOW_S,
    euphrates_convoy_start,
    protected_site,
)

LINE = EUPHRATES_ZONES["features"][0]
CIRCLE = EUPHRATES_ZONES["features"][1]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ZONES_NOW_S)


@pytest.fixture
def zhub(hub: Hub) -> Hub:
    for name in ZONE_PARTIES:
        hub.add_party(name)
    return hub


def kinds(hub: Hub, party: str, prefix: str = "") -> list[str]:
    return [e.kind for e in hub.events_after(party, 0) if e.kind.startswith(prefix)]


def convoy(
    hub: Hub, track: str = "convoy-7", offset_m: float = CONVOY_OFFSET_M, **changes: Any
) -> tuple[tuple[float, float], float]:
    """West's ground convoy heading straight for the line at 12 m/s, reported now."""
    start, course = euphrates_convoy_start(offset_m)
    item = {
        "track": track,
        "time": hub.clock.now(),
        "lat": start[1],
        "lon": start[0],
        "gs_mps": CONVOY_SPEED_MPS,
        "course_deg": course,
        "domain": "ground",
        **changes,
    }
    hub.submit_reports("west", [item])
    return start, course


def entry_by_hand(
    start: tuple[float, float], course: float, speed: float, horizon_s: float
) -> float:
    """Seconds until a track on the geodesic from ``start`` is within 5 km of the line."""
    reach = first_within_m(
        lambda lon, lat: distance_to_line_m(lon, lat, EUPHRATES_LINE),
        EUPHRATES_BUFFER_M,
        *start,
        course,
        speed * horizon_s,
    )
    assert reach is not None
    return reach / speed


def zone_alerts(hub: Hub, party: str) -> list[Any]:
    return [a for a in hub.alerts_for(party) if a.kind is AlertKind.TRACK_ZONE]


# -- declaring ---------------------------------------------------------------------------


def test_a_declaration_is_stored_journalled_and_told_only_to_who_may_see_it(zhub: Hub) -> None:
    write = zhub.zones.put("east", "euphrates-line", LINE)
    assert write.created and write.changed and write.record.version == 1
    stored = zhub._store.get_object("zone", "euphrates-line")
    assert stored is not None and (stored.owner, stored.version, stored.state) == (
        "east",
        1,
        "active",
    )
    assert kinds(zhub, "east") == ["zone.declared"]
    assert kinds(zhub, "west") == ["zone.declared"]
    assert kinds(zhub, "aid") == kinds(zhub, "other") == []
    [told] = zhub.events_after("west", 0)
    assert "shared_with" not in told.data["zone"]["properties"]  # the owner's business
    [owner_told] = zhub.events_after("east", 0)
    assert owner_told.data["zone"]["properties"]["shared_with"] == ["west"]
    journalled = [(e.party, e.kind) for e in zhub._store.journal_entries()][-2:]
    assert journalled == [("east", "zone.declared"), ("west", "zone.declared")]
    assert zhub.zones.version_of("euphrates-line") == 1


def test_the_same_feature_again_changes_nothing_and_a_change_bumps_the_version(
    zhub: Hub,
) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    again = zhub.zones.put("east", "euphrates-line", LINE)
    assert not again.changed and again.record.version == 1
    renamed = json.loads(json.dumps(LINE))
    renamed["properties"]["name"] = "Line 2"
    assert zhub.zones.put("east", "euphrates-line", renamed).record.version == 2
    assert kinds(zhub, "west") == ["zone.declared", "zone.updated"]
    with pytest.raises(VersionMismatch, match="is at version 2, not 1"):
        zhub.zones.put("east", "euphrates-line", LINE, if_version=1)
    assert zhub.zones.put("east", "euphrates-line", LINE, if_version=2).record.version == 3


def test_an_update_that_stops_sharing_tells_the_party_only_the_id(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    private = json.loads(json.dumps(LINE))
    del private["properties"]["shared_with"]
    zhub.zones.put("east", "euphrates-line", private)
    last = zhub.events_after("west", 0)[-1]
    assert last.kind == "zone.withdrawn"
    assert last.data == {"zone": {"id": "euphrates-line"}, "reason": "no longer shared with you"}
    with pytest.raises(NotFound):
        zhub.zones.get("west", "euphrates-line")


def test_another_partys_id_is_refused_without_a_word_about_its_zone(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    with pytest.raises(AlreadyExists) as refused:
        zhub.zones.put("west", "euphrates-line", LINE)
    assert refused.value.message == (
        "zone id 'euphrates-line' is taken; choose another (a UUID avoids clashes)"
    )
    zhub.zones.withdraw("east", "euphrates-line")
    with pytest.raises(AlreadyExists):  # an id stays its owner's after the zone ended
        zhub.zones.put("west", "euphrates-line", LINE)


def test_validation_errors_name_the_zone_and_limits_come_from_the_settings(
    store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = Hub(Settings(zone_max_vertices=3), store, clock=clock, key=hub_key)
    hub.add_party("east")
    with pytest.raises(InvalidInput) as refused:
        hub.zones.put("east", "euphrates-line", LINE)
    assert refused.value.message == (
        "zone 'euphrates-line': the geometry has 4 positions, more than the limit of 3; "
        "simplify it or split it into several objects"
    )
    assert refused.value.details == [{"id": "euphrates-line", "reason": refused.value.message}]
    with pytest.raises(InvalidInput, match="shared_with names 'west', which is not a party"):
        hub.zones.put(
            "east",
            "southern-circle",
            {**CIRCLE, "properties": {**CIRCLE["properties"], "shared_with": ["west"]}},
        )


def test_withdrawal_ends_the_zone_and_a_new_declaration_brings_it_back(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    with pytest.raises(PermissionDenied):
        zhub.zones.withdraw("west", "euphrates-line")
    with pytest.raises(NotFound):
        zhub.zones.withdraw("other", "euphrates-line")
    ended = zhub.zones.withdraw("east", "euphrates-line").record
    assert (ended.state, ended.version) == (ZoneState.WITHDRAWN, 2)
    assert kinds(zhub, "west") == ["zone.declared", "zone.withdrawn"]
    assert zhub.zones.active() == []
    with pytest.raises(IllegalTransition, match="already withdrawn"):
        zhub.zones.withdraw("east", "euphrates-line")
    again = zhub.zones.put("east", "euphrates-line", LINE)
    assert again.created and again.record.version == 3
    assert kinds(zhub, "west")[-1] == "zone.declared"


# -- track–zone alerts -------------------------------------------------------------------


def test_a_convoy_heading_for_the_line_raises_a_predicted_entry_for_both(zhub: Hub) -> None:
    zhub.zones.put_many("east", EUPHRATES_ZONES)
    start, course = convoy(zhub)
    zhub.tick()
    expected_s = entry_by_hand(start, course, CONVOY_SPEED_MPS, GROUND_LOOKAHEAD_S)
    [owner] = zone_alerts(zhub, "east")
    [driver] = zone_alerts(zhub, "west")
    assert owner.conflict_id == driver.conflict_id
    assert owner.severity is Severity.PREDICTED
    for alert in (owner, driver):
        assert dump(alert.view)["geometry"]["time_to_entry_s"] == pytest.approx(expected_s, abs=1.0)
        assert alert.to_json()["now"]["t_in_s"] == pytest.approx(expected_s, abs=1.0)
    # The owner: its zone, and of the other side only the party and its track's state.
    assert dump(owner.view)["own"]["zone"]["id"] == "euphrates-line"
    assert dump(owner.view)["other"]["party"] == "west"
    assert "convoy-7" not in json.dumps(owner.to_json())
    # The driver: its own track, and the volume to keep out of.
    assert dump(driver.view)["own"]["track"] == "convoy-7"
    zone = dump(driver.view)["other"]["zone"]
    assert (zone["rule"], zone["alt_upper_m"], zone["alt_lower_m"]) == ("no_entry", 3000.0, None)
    assert zone["outline"]["type"] == "Polygon"
    assert zhub.alerts_for("aid") == zhub.alerts_for("other") == []


def test_an_aircraft_above_the_band_raises_none_and_one_below_it_does(zhub: Hub) -> None:
    zhub.zones.put_many("east", EUPHRATES_ZONES)
    start, course = euphrates_convoy_start(20_000.0)
    base = {
        "time": ZONES_NOW_S,
        "lat": start[1],
        "lon": start[0],
        "gs_mps": 200.0,
        "course_deg": course,
        "domain": "air",
    }
    zhub.submit_reports(
        "west",
        [{**base, "track": "high", "alt_m": 6000.0}, {**base, "track": "low", "alt_m": 2000.0}],
    )
    zhub.tick()
    [alert] = zone_alerts(zhub, "west")
    assert dump(alert.view)["own"]["track"] == "low"
    assert dump(alert.view)["geometry"]["time_to_entry_s"] == pytest.approx(
        entry_by_hand(start, course, 200.0, 300.0), abs=1.0
    )


def test_the_validity_window_is_respected(zhub: Hub, clock: ManualClock) -> None:
    later = json.loads(json.dumps(LINE))
    later["properties"]["valid_from"] = format_time(ZONES_NOW_S + 3600)
    zhub.zones.put("east", "euphrates-line", later)
    convoy(zhub)
    zhub.tick()
    assert zone_alerts(zhub, "west") == []  # it starts after the convoy's lookahead
    clock.advance(3600 - 500)  # now it starts 500 s ahead: after the entry (417 s)...
    convoy(zhub, offset_m=CONVOY_OFFSET_M)
    zhub.tick()
    [alert] = zone_alerts(zhub, "west")  # ...so the entry counts from valid_from
    assert dump(alert.view)["geometry"]["time_to_entry_s"] == pytest.approx(500.0, abs=0.5)


def test_inside_now_is_a_loss_and_the_alert_resolves_after_hysteresis(
    zhub: Hub, clock: ManualClock
) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    convoy(zhub, offset_m=2_000.0)  # inside the 5 km buffer
    zhub.tick()
    [alert] = zone_alerts(zhub, "west")
    assert alert.severity is Severity.LOSS
    assert dump(alert.view)["geometry"]["inside_now"] is True
    hysteresis_s = zhub.settings.alert_hysteresis_s
    for _ in range(int(hysteresis_s) // 5 - 1):  # it turns back, out of reach: absent,
        clock.advance(5)  # but not for long enough
        convoy(zhub, offset_m=40_000.0, course_deg=225.0)
        zhub.tick()
        assert len(zone_alerts(zhub, "west")) == 1
    clock.advance(5)  # absent for the hysteresis period
    convoy(zhub, offset_m=40_000.0, course_deg=225.0)
    zhub.tick()
    assert zone_alerts(zhub, "west") == []
    assert zhub.closed_alerts_for("east")[0].state is AlertState.RESOLVED


def test_withdrawing_the_zone_expires_its_alerts(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    convoy(zhub)
    zhub.tick()
    assert len(zone_alerts(zhub, "east")) == 1
    zhub.zones.withdraw("east", "euphrates-line")
    zhub.tick()
    assert zone_alerts(zhub, "east") == []
    assert zhub.closed_alerts_for("west")[0].state is AlertState.EXPIRED


def test_a_changed_zone_is_detected_at_the_next_cycle(zhub: Hub) -> None:
    convoy(zhub)
    zhub.tick()
    assert zhub.alerts_for("west") == []
    zhub.zones.put("east", "euphrates-line", LINE)
    zhub.tick()
    assert len(zone_alerts(zhub, "west")) == 1
    wider = json.loads(json.dumps(LINE))
    wider["properties"]["buffer_m"] = 6_000.0
    zhub.zones.put("east", "euphrates-line", wider)
    zhub.tick()  # the old version's alert expires, the new version's opens
    [alert] = zone_alerts(zhub, "west")
    assert dump(alert.view)["geometry"]["time_to_entry_s"] < 417.0 - 60.0


def test_the_alert_opens_a_hotline_thread_with_each_party(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    convoy(zhub)
    zhub.tick()
    to_east = [e for e in zhub.events_after("east", 0) if e.kind == "message.received"]
    to_west = [e for e in zhub.events_after("west", 0) if e.kind == "message.received"]
    assert to_east[0].data["channel"] == to_west[0].data["channel"] == "ground"
    assert to_west[0].data["message"]["fields"]["track"] == "convoy-7"
    assert to_east[0].data["message"]["fields"]["track"] == "withheld"
    assert "convoy-7" not in json.dumps(to_east[0].data)


def test_an_acknowledged_crossing_notice_spares_the_notified_track_and_window_only(
    zhub: Hub, clock: ManualClock
) -> None:
    notify = json.loads(json.dumps(LINE))
    notify["properties"]["rule"] = "notify_before_entry"
    zhub.zones.put("east", "euphrates-line", notify)
    zhub.set_agreement(Agreement("east", "west"))
    notice = zhub.hotline.send(
        "west",
        MessageRequest(
            to="east",
            channel="ground",
            template="crossing_notice",
            fields={
                "tracks": ["convoy-7"],
                "zones": ["euphrates-line"],
                "where": [{"lat": DEIR_EZ_ZOR[1], "lon": DEIR_EZ_ZOR[0]}],
                "start": ZONES_NOW_S,
                "duration_s": "15min",
            },
        ),
    )
    zhub.acknowledge_message("east", notice.id)
    convoy(zhub, "convoy-7")
    convoy(zhub, "convoy-8")  # the same path, not notified
    zhub.tick()
    assert [dump(a.view)["own"]["track"] for a in zone_alerts(zhub, "west")] == ["convoy-8"]
    clock.advance(900 + 10)  # the window has ended with convoy-7 inside the buffer
    convoy(zhub, "convoy-7", offset_m=2_000.0)
    convoy(zhub, "convoy-8", offset_m=2_000.0)
    zhub.tick()
    assert sorted(dump(a.view)["own"]["track"] for a in zone_alerts(zhub, "west")) == [
        "convoy-7",
        "convoy-8",
    ]


# -- zone–zone advice --------------------------------------------------------------------


def test_a_protected_site_on_a_no_entry_line_advises_both_owners_at_once(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)  # shared with west only
    zhub.zones.put("aid", "clinic", protected_site())  # shared with east and west
    [aid] = zhub.alerts_for("aid")
    [east] = zhub.alerts_for("east")
    assert aid.kind is east.kind is AlertKind.ZONE_ZONE
    assert aid.severity is Severity.ADVISORY
    assert dump(aid.view)["own"]["zone"]["id"] == "clinic"
    assert dump(aid.view)["other"] == {"party": "east", "rule": "no_entry", "zone": None}
    assert "euphrates-line" not in json.dumps(aid.to_json())  # not shared with aid
    assert dump(east.view)["other"]["zone"] == {"id": "clinic", "name": "clinic site"}
    geometry = dump(aid.view)["geometry"]
    assert geometry["protected_zone_inside"] is True
    assert geometry["alt_upper_m"] == 3000.0
    assert geometry["valid_to"] == "2023-12-01T00:00:00Z"
    assert geometry["overlap"]["type"] == "Polygon"
    assert zhub.alerts_for("west") == zhub.alerts_for("other") == []
    # Each owner's duty desk hears of it on the command channel.
    assert [
        e.data["channel"] for e in zhub.events_after("aid", 0) if e.kind == "message.received"
    ] == ["command"]


def test_advice_closes_when_the_overlap_ends_or_a_zone_is_withdrawn(zhub: Hub) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    zhub.zones.put("aid", "clinic", protected_site())
    zhub.zones.put("aid", "clinic", protected_site(centre=(39.0, 35.0)))  # moved away
    assert zhub.alerts_for("aid") == []
    assert zhub.closed_alerts_for("aid")[0].state is AlertState.RESOLVED
    zhub.zones.put("aid", "clinic", protected_site())
    assert len(zhub.alerts_for("east")) == 1
    zhub.zones.put("aid", "clinic", protected_site(stroke="#0000ff"))  # same advice: kept
    assert len(zhub.closed_alerts_for("east")) == 1
    zhub.zones.withdraw("east", "euphrates-line")
    assert zhub.alerts_for("aid") == []
    assert sorted(a.state.value for a in zhub.closed_alerts_for("aid")) == ["expired", "resolved"]


# -- acknowledgements, deadlines, reminders, expiry -------------------------------------


def test_acknowledgements_of_a_protected_zone(zhub: Hub, clock: ManualClock) -> None:
    zhub.zones.put("aid", "clinic", protected_site())
    record = zhub.zones.get("aid", "clinic")
    owner_view = zhub.zones.view(record, "aid")["deconfliction"]
    assert owner_view["pending"] == ["east", "west"] and owner_view["acknowledgements"] == []
    clock.advance(60)
    zhub.zones.acknowledge("west", "clinic")
    again = zhub.zones.acknowledge("west", "clinic")
    assert not again.changed
    owner_view = zhub.zones.view(zhub.zones.get("aid", "clinic"), "aid")["deconfliction"]
    assert owner_view["acknowledgements"] == [
        {"party": "west", "time": format_time(ZONES_NOW_S + 60)}
    ]
    assert owner_view["pending"] == ["east"]
    west_view = zhub.zones.view(zhub.zones.get("west", "clinic"), "west")["deconfliction"]
    assert west_view["acknowledged"] == format_time(ZONES_NOW_S + 60)
    assert "pending" not in west_view and "acknowledgements" not in west_view
    told = zhub.events_after("aid", 0)[-1]
    assert (told.kind, told.data["acknowledged_by"]) == ("zone.acknowledged", "west")
    with pytest.raises(PermissionDenied):
        zhub.zones.acknowledge("aid", "clinic")
    with pytest.raises(NotFound):
        zhub.zones.acknowledge("other", "clinic")
    zhub.zones.put("east", "euphrates-line", LINE)
    with pytest.raises(Conflict, match="only protected zones are acknowledged"):
        zhub.zones.acknowledge("west", "euphrates-line")


def test_a_zone_not_acknowledged_in_time_is_chased_on_the_hotline(
    zhub: Hub, clock: ManualClock
) -> None:
    zhub.zones.put("aid", "clinic", protected_site())
    zhub.zones.acknowledge("east", "clinic")
    clock.advance(3599)
    zhub.tick()
    assert kinds(zhub, "west", "message.") == []
    clock.advance(1)
    zhub.tick()
    assert kinds(zhub, "west", "message.") == ["message.received"]
    assert kinds(zhub, "east", "message.") == []  # it acknowledged
    chase = next(e for e in zhub.events_after("west", 0) if e.kind == "message.received").data
    assert chase["channel"] == "command"
    assert chase["message"]["template"] == "zone_unacknowledged"
    assert chase["message"]["fields"]["party"] == "west"
    assert chase["message"]["fields"]["waiting_s"] == 3600.0
    clock.advance(300)  # the urgent deadline of the hub's message: it escalates
    zhub.tick()
    assert kinds(zhub, "west", "message.")[-1] == "message.escalated"
    zhub.zones.acknowledge("west", "clinic")  # acknowledging the zone settles the message
    assert kinds(zhub, "west", "message.")[-1] == "message.acknowledged"
    clock.advance(3600)
    zhub.tick()
    assert kinds(zhub, "west", "message.")[-1] == "message.acknowledged"


def test_the_owner_is_reminded_then_the_zone_expires(zhub: Hub, clock: ManualClock) -> None:
    zhub.zones.put("aid", "clinic", protected_site())
    zhub.zones.acknowledge("east", "clinic")
    zhub.zones.acknowledge("west", "clinic")
    clock.set(PROTECTED_UNTIL_S - 86_400 - 1)
    zhub.tick()
    assert kinds(zhub, "aid", "zone.") == [
        "zone.declared",
        "zone.acknowledged",
        "zone.acknowledged",
    ]
    clock.advance(1)
    zhub.tick()
    reminder = zhub.events_after("aid", 0)[-1]
    assert (reminder.kind, reminder.data["expires_in_s"]) == ("zone.expiring", 86_400.0)
    assert kinds(zhub, "west", "zone.")[-1] == "zone.expiring"
    assert kinds(zhub, "other", "zone.") == []
    clock.set(PROTECTED_UNTIL_S)
    zhub.tick()
    record = zhub.zones.get("aid", "clinic")
    assert (record.state, record.ended_s) == (ZoneState.EXPIRED, PROTECTED_UNTIL_S)
    assert kinds(zhub, "aid", "zone.")[-1] == kinds(zhub, "east", "zone.")[-1] == "zone.expired"
    assert zhub.zones.active() == []
    assert [e.kind for e in zhub._store.journal_entries() if e.party == HUB_PARTY][-1] == (
        "zone.expired"
    )


def test_idle_ticks_write_nothing(zhub: Hub, clock: ManualClock) -> None:
    zhub.zones.put_many("east", EUPHRATES_ZONES)
    zhub.zones.put("aid", "clinic", protected_site(shared_with=None))
    head = zhub._store.journal_head()
    for _ in range(5):
        clock.advance(60)
        zhub.tick()
    assert zhub._store.journal_head() == head


def test_expired_zones_raise_no_alerts(zhub: Hub, clock: ManualClock) -> None:
    short = json.loads(json.dumps(LINE))
    short["properties"]["valid_to"] = format_time(ZONES_NOW_S + 100)
    zhub.zones.put("east", "euphrates-line", short)
    clock.advance(100)
    convoy(zhub, offset_m=2_000.0)
    zhub.tick()
    assert zhub.zones.get("east", "euphrates-line").state is ZoneState.EXPIRED
    assert zone_alerts(zhub, "west") == []


# -- restarts, other processes, listeners, failures -------------------------------------


def test_zones_and_their_acknowledgements_survive_a_restart(
    zhub: Hub, store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    zhub.zones.put_many("east", EUPHRATES_ZONES)
    zhub.zones.put("aid", "clinic", protected_site())
    zhub.zones.acknowledge("west", "clinic")
    again = Hub(Settings(), store, clock=clock, key=hub_key)
    assert [z.id for z in again.zones.active()] == ["euphrates-line", "southern-circle", "clinic"]
    assert again.zones.version_of("clinic") == 1
    assert again.zones.get("aid", "clinic").acks == {"west": ZONES_NOW_S}
    assert len(again.alerts_for("aid")) == 1  # the advisory is still open
    clock.advance(3600)
    again.tick()  # east's deadline is still kept
    received = [e for e in again.events_after("east", 0) if e.kind == "message.received"]
    assert received[-1].data["message"]["template"] == "zone_unacknowledged"
    convoy(again)
    again.tick()
    assert len(zone_alerts(again, "west")) == 1


def test_a_zone_written_by_another_process_is_picked_up_by_the_cycle(
    zhub: Hub,
    store: Store,
    clock: ManualClock,
    hub_key: Ed25519PrivateKey,
    make_store: Callable[..., Store],
) -> None:
    convoy(zhub)
    zhub.tick()
    other = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    other.zones.put("east", "euphrates-line", LINE)
    other.close()
    zhub.tick()
    assert len(zone_alerts(zhub, "west")) == 1


def test_listeners_hear_every_change_inside_its_write(zhub: Hub, clock: ManualClock) -> None:
    heard: list[ZoneChange] = []
    zhub.zones.listeners.append(lambda unit, change: heard.append(change))
    zhub.zones.put("aid", "clinic", protected_site())
    zhub.zones.put("aid", "clinic", protected_site(radius_m=400.0))
    zhub.zones.withdraw("aid", "clinic")
    zhub.zones.put("aid", "clinic", protected_site())
    clock.set(PROTECTED_UNTIL_S)
    zhub.tick()
    assert [(c.kind, c.version) for c in heard] == [
        ("declared", 1),
        ("updated", 2),
        ("withdrawn", 3),
        ("declared", 4),
        ("expired", 5),
    ]
    assert heard[1].previous is not None and heard[1].previous.region.radius_m == 300.0


def test_a_failed_write_leaves_memory_as_the_store_has_it(zhub: Hub) -> None:
    def refuse(unit: Any, change: ZoneChange) -> None:
        raise RuntimeError("listener failed")

    zhub.zones.listeners.append(refuse)
    with pytest.raises(RuntimeError):
        zhub.zones.put("east", "euphrates-line", LINE)
    assert zhub.zones.version_of("euphrates-line") is None
    assert zhub._store.get_object("zone", "euphrates-line") is None
    zhub.zones.listeners.clear()
    assert zhub.zones.put("east", "euphrates-line", LINE).record.version == 1


# -- incident evidence -------------------------------------------------------------------


def test_incident_evidence_shows_the_zones_as_they_stood_to_who_may_see_them(
    zhub: Hub, clock: ManualClock
) -> None:
    zhub.zones.put("east", "euphrates-line", LINE)
    zhub.zones.put("aid", "clinic", protected_site(shared_with=["east"]))
    clock.advance(60)
    wider = json.loads(json.dumps(LINE))
    wider["properties"]["buffer_m"] = 6000.0
    zhub.zones.put("east", "euphrates-line", wider)
    clock.advance(60)
    states = zhub.zones.states_during(ZONES_NOW_S + 30, ZONES_NOW_S + 90)
    assert [(s.name, s.state) for s in states] == [
        ("clinic", "active"),
        ("euphrates-line", "replaced"),
        ("euphrates-line", "active"),
    ]
    assert states[2].geometry.area > states[1].geometry.area
    visible = {s.name for s in states if zhub.zones.visible_to(s, "west")}
    assert visible == {"euphrates-line"}
    assert {s.name for s in states if zhub.zones.visible_to(s, "other")} == set()
    assert zhub.zones.states_during(ZONES_NOW_S - 100, ZONES_NOW_S - 10) == []
