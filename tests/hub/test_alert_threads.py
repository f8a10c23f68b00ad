"""Alerts open hotline threads: one hub message to each involved party, on the channel of
its own object, with a deadline by severity; acknowledging one acknowledges the other."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import (
    ConflictKey,
    Nonconforming,
    TrackInZone,
    TrackPair,
    ZonePair,
)
from deconfliction.hub.hotline.threads import channel_for, thread_content
from deconfliction.model import Channel, MessageState, Priority
from deconfliction.model.alert import Alert, AlertKind, Severity
from deconfliction.model.alert_views import (
    AlertView,
    EntryFigures,
    EntryGeometry,
    ZoneOverlapGeometry,
    ZoneVolume,
)
from deconfliction.model.states import AlertState
from deconfliction.model.zone import Zone
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import T0, TRACK_CONFLICT_LIVE, track_conflict_views, track_state

KEY = TrackPair("blue", "b1", "red", "r1")


def finding(
    severity: Severity = Severity.PREDICTED,
    views: dict[str, AlertView] | None = None,
    key: ConflictKey = KEY,
) -> Finding:
    return Finding(
        key=key,
        severity=severity,
        views=Lazy.of(views if views is not None else track_conflict_views()),
        figures=Lazy.of(TRACK_CONFLICT_LIVE) if isinstance(key, TrackPair) else None,
    )


def open_conflict(hub: Hub, found: Finding) -> None:
    with hub.write() as unit:
        hub._alerts.open(unit, found)


def close_conflict(hub: Hub) -> None:
    with hub.write() as unit:
        hub._alerts.close(unit, KEY, AlertState.RESOLVED)


def zone(rule: str = "protected", owner: str = "ngo") -> Zone:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [40.0, 35.0]},
        "properties": {"rule": rule, "radius_m": 500, "valid_to": "2030-01-01T00:00:00Z"},
    }
    return Zone.from_feature(feature, owner=owner, zone_id="hospital-3")


def incursion_views(owner: str = "ngo") -> dict[str, AlertView]:
    """Red's track r9 heading into a protected zone of ``owner``'s, 120 s away."""
    site = zone(owner=owner)
    volume = ZoneVolume(
        site.id, site.name, site.rule, site.region.geojson(), None, None, None, None
    )
    geometry = EntryGeometry(120.0, "2026-11-23T10:02:00Z", None, False)
    track = visibility.TrackSide("red", "r9", track_state(35.0, 40.0))
    return visibility.track_in_zone(site, volume, track, geometry)


@pytest.fixture
def parties(hub: Hub) -> Hub:
    hub.add_party("blue")
    hub.add_party("red", language="ru", timezone="Europe/Moscow")
    return hub


def received(hub: Hub, party: str) -> list[dict[str, Any]]:
    return [e.data for e in hub.events_after(party, 0) if e.kind == "message.received"]


def test_a_new_conflict_opens_a_thread_with_each_party(parties: Hub) -> None:
    open_conflict(parties, finding())
    [to_blue] = received(parties, "blue")
    [to_red] = received(parties, "red")
    [blue_alert] = parties.alerts_for("blue")
    assert to_blue["message"]["thread"] == to_red["message"]["thread"] == blue_alert.conflict_id
    assert to_blue["message"]["from"] == "@hub"
    assert to_blue["channel"] == to_red["channel"] == "air"
    assert to_blue["message"]["template"] == "alert_track_conflict"
    fields = to_blue["message"]["fields"]
    assert fields["other_party"] == "red"
    assert fields["own_track"] == "b1"
    assert "other_track" not in fields  # the other side's track id is never shown
    assert fields["time_to_los_s"] == 45.0
    assert fields["closest_m"] == 850.0
    assert fields["closest_time"] == "2026-11-23T10:01:10Z"
    assert fields["alert"] == blue_alert.id
    assert to_blue["message"]["ack_due"] == "2026-11-23T10:01:00Z"  # predicted: 60 s
    assert to_blue["message"]["priority"] == "urgent"
    assert to_red["message"]["rendered"]["title"] == (
        "СРОЧНО: ВНИМАНИЕ: прогнозируется нарушение безопасного интервала с blue"
    )
    # The alert events come first; the thread does not need an agreement between them.
    kinds = [e.kind for e in parties.events_after("blue", 0)]
    assert kinds == ["alert.opened", "message.received"]


@pytest.mark.parametrize(
    ("severity", "priority", "deadline_s"),
    [
        (Severity.LOSS, Priority.FLASH, 30),
        (Severity.PREDICTED, Priority.URGENT, 60),
        (Severity.ADVISORY, Priority.ROUTINE, 900),
    ],
)
def test_deadline_and_priority_by_severity(
    parties: Hub, severity: Severity, priority: Priority, deadline_s: float
) -> None:
    open_conflict(parties, finding(severity))
    for party in ("blue", "red"):
        [data] = received(parties, party)
        message = parties.hotline.get(party, data["message"]["id"])
        assert message.priority is priority
        assert message.ack_due_s == T0 + deadline_s


def test_the_deadlines_are_settings(store: Store, clock: ManualClock) -> None:
    hub = Hub(Settings(hotline_alert_loss_s=10), store, clock=clock)
    hub.add_party("blue")
    hub.add_party("red")
    open_conflict(hub, finding(Severity.LOSS))
    [data] = received(hub, "blue")
    assert hub.hotline.get("blue", data["message"]["id"]).ack_due_s == T0 + 10


def test_an_unacknowledged_thread_escalates(parties: Hub, clock: ManualClock) -> None:
    open_conflict(parties, finding(Severity.LOSS))
    clock.advance(31)
    parties.run_timers()
    assert [e.kind for e in parties.events_after("blue", 0)][-1] == "message.escalated"
    assert [e.kind for e in parties.events_after("red", 0)][-1] == "message.escalated"


@pytest.mark.parametrize(
    ("domain", "channel"), [("air", "air"), ("ground", "ground"), ("sea", "ground")]
)
def test_the_channel_follows_the_domain(parties: Hub, domain: str, channel: str) -> None:
    open_conflict(parties, finding(views=track_conflict_views(domain)))
    assert [d["channel"] for d in received(parties, "blue")] == [channel]


def test_acknowledging_the_message_acknowledges_the_alert(parties: Hub, clock: ManualClock) -> None:
    open_conflict(parties, finding())
    [data] = received(parties, "blue")
    clock.advance(5)
    parties.acknowledge_message("blue", data["message"]["id"])
    [alert] = parties.alerts_for("blue")
    assert alert.state is AlertState.ACKNOWLEDGED
    assert parties.alerts_for("red")[0].state is AlertState.OPEN
    clock.advance(600)
    parties.run_timers()  # blue's thread no longer escalates; red's does
    assert "message.escalated" not in [e.kind for e in parties.events_after("blue", 0)]
    assert "message.escalated" in [e.kind for e in parties.events_after("red", 0)]


def test_acknowledging_the_alert_acknowledges_the_message(parties: Hub) -> None:
    open_conflict(parties, finding())
    [alert] = parties.alerts_for("red")
    parties.acknowledge_alert("red", alert.id)
    [data] = received(parties, "red")
    assert parties.hotline.get("red", data["message"]["id"]).state is MessageState.ACKNOWLEDGED
    assert [e.kind for e in parties.events_after("red", 0)][-2:] == [
        "alert.acknowledged",
        "message.acknowledged",
    ]


def test_a_closed_conflict_lifts_the_deadline_of_unacknowledged_threads(
    parties: Hub, clock: ManualClock
) -> None:
    open_conflict(parties, finding())
    [data] = received(parties, "blue")
    clock.advance(20)
    close_conflict(parties)
    assert [e.kind for e in parties.events_after("blue", 0)][-2:] == [
        "alert.resolved",
        "message.cleared",
    ]
    message = parties.hotline.get("blue", data["message"]["id"])
    assert message.ack_due_s is None and message.state is MessageState.SENT
    clock.advance(3600)
    parties.run_timers()
    assert "message.escalated" not in [e.kind for e in parties.events_after("blue", 0)]
    # It can still be acknowledged; the closed alert is left as it is.
    assert parties.acknowledge_message("blue", message.id).acknowledged


def test_a_conflict_of_one_party_opens_no_thread(parties: Hub) -> None:
    track = visibility.TrackSide("blue", "b1", track_state(35.33, 40.14))
    views = visibility.nonconforming(track, "op-1")
    open_conflict(parties, finding(views=views, key=Nonconforming("blue", "b1", "op-1")))
    assert received(parties, "blue") == []


def test_explicit_fields_from_detection_are_used(parties: Hub) -> None:
    parties.add_party("ngo")
    open_conflict(
        parties,
        finding(Severity.LOSS, incursion_views(), TrackInZone("hospital-3", 1, "red", "r9")),
    )
    [to_owner] = received(parties, "ngo")
    [to_red] = received(parties, "red")
    assert (
        to_owner["message"]["template"] == to_red["message"]["template"] == "alert_zone_incursion"
    )
    assert to_owner["message"]["fields"]["track"] == "withheld"  # the owner never sees its id
    assert to_red["message"]["fields"]["track"] == "r9"
    assert to_red["message"]["fields"]["time_to_entry_s"] == 120.0
    assert to_owner["channel"] == to_red["channel"] == "air"  # the owner hears of air traffic


def test_a_view_without_figures_gets_a_plain_english_thread(parties: Hub) -> None:
    no_entry, protected = zone("no_entry", "blue"), zone("protected", "red")
    geometry = ZoneOverlapGeometry(
        protected.region.geojson(), 785000.0, False, True, None, None, None, None
    )
    views = visibility.zone_pair(protected, no_entry, geometry)
    open_conflict(parties, finding(Severity.ADVISORY, views=views, key=ZonePair("p", "n")))
    [to_blue] = received(parties, "blue")
    [to_red] = received(parties, "red")
    assert to_blue["message"]["template"] is None
    assert to_blue["message"]["text"].startswith("ALERT al_")
    assert "zone-zone conflict with red (advisory)" in to_blue["message"]["text"]
    assert to_blue["channel"] == to_red["channel"] == "command"  # declarations: no domain


def test_channel_and_content_of_a_zone_incursion() -> None:
    view = incursion_views()["red"]
    alert = Alert(
        id="al_1",
        party="red",
        conflict_id="cf_1",
        kind=AlertKind.TRACK_ZONE,
        state=AlertState.OPEN,
        severity=Severity.PREDICTED,
        opened_s=T0,
        updated_s=T0,
        counterparts=("ngo",),
        view=view,
    )
    assert channel_for(alert) is Channel.AIR
    content = thread_content(alert, EntryFigures(120.0, None, "2026-11-23T10:00:00Z"), T0)
    assert content.template == "alert_zone_incursion"
    assert content.fields["time_to_entry_s"] == 120.0
    assert content.fields["zone"] == "hospital-3"


def test_a_failed_write_leaves_no_thread_behind(parties: Hub) -> None:
    def failing_write() -> None:
        with parties.write() as unit:
            parties._alerts.open(unit, finding(Severity.LOSS))
            raise RuntimeError("the write fails after the thread was opened")

    with pytest.raises(RuntimeError):
        failing_write()
    assert parties.hotline._open == {}
    assert not parties.hotline.due(T0 + 1e6)
    assert parties._store.list_objects("message") == []


def test_a_thread_message_of_a_closed_alert_waits_in_the_store_for_a_desk(
    parties: Hub, clock: ManualClock
) -> None:
    """A party with no desk does not hold the hub's messages about its past alerts in
    memory; the first desk that gets one still makes it delivered."""
    open_conflict(parties, finding())
    [event] = [e for e in parties.events_after("blue", 0) if e.kind == "message.received"]
    message_id = event.data["message"]["id"]
    clock.advance(20)
    close_conflict(parties)
    assert message_id not in parties.hotline._open
    assert parties.hotline.receipt_wanted("red", event) is None  # not red's
    assert parties.hotline.receipt_wanted("blue", event) == message_id
    parties.hotline.reached_desk("blue", event)
    delivered = parties.hotline.get("blue", message_id)
    assert delivered.state is MessageState.DELIVERED
    parties.hotline.reached_desk("blue", event)  # a second desk: nothing more to note
    assert parties.hotline.get("blue", message_id).history == delivered.history
    assert message_id not in parties.hotline._open
