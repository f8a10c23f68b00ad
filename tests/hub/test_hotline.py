"""The hotline inside the hub: sending, permissions, deadlines and escalation on the hub's
tick, acknowledgement, delivery, listing, restart and statistics."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deconfliction.hub import Hub, Principal
from deconfliction.hub.hotline.drafts import MessageRequest
from deconfliction.hub.hotline.stats import stats_of
from deconfliction.model import Agreement, MessageState, StepKind
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import T0, TAL_HAMIS, crossing_notice


@pytest.fixture
def pair(hub: Hub) -> Hub:
    """blue (English, UTC) and red (Russian, Moscow) with an agreement; green with none."""
    hub.add_party("blue")
    hub.add_party("red", language="ru", timezone="Europe/Moscow")
    hub.add_party("green")
    hub.set_agreement(Agreement("blue", "red"))
    return hub


def kinds(hub: Hub, party: str, after: int = 0) -> list[str]:
    return [e.kind for e in hub.events_after(party, after)]


def test_a_message_is_stored_journalled_and_on_both_streams(pair: Hub) -> None:
    message = pair.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="flash", text="Turning north now")
    )
    assert message.state is MessageState.SENT
    assert message.ack_due_s == T0 + 60  # flash default
    assert kinds(pair, "blue") == ["message.sent"]
    [received] = pair.events_after("red", 0)
    assert received.kind == "message.received"
    assert received.data["channel"] == "air"
    assert received.data["message"]["id"] == message.id
    assert received.data["message"]["rendered"]["language"] == "ru"
    assert received.data["message"]["rendered"]["title"] == "МОЛНИЯ: Сообщение"
    journalled = [(e.party, e.kind) for e in pair._store.journal_entries()][-2:]
    assert journalled == [("blue", "message.sent"), ("red", "message.received")]
    assert pair._store.get_object("message", message.id) is not None


def test_flash_unacknowledged_escalates_to_command_and_the_sender_sees_each_step(
    pair: Hub, clock: ManualClock
) -> None:
    message = pair.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="flash", text="Hold")
    )
    clock.advance(59)
    pair.tick()
    assert kinds(pair, "blue") == ["message.sent"]
    clock.advance(2)  # the 60 s deadline has passed
    pair.tick()
    assert kinds(pair, "blue") == ["message.sent", "message.overdue", "message.escalated"]
    escalated = pair.events_after("blue", 2)[-1].data
    assert escalated["channel"] == "command"
    assert escalated["message"]["state"] == "escalated"
    assert escalated["message"]["current_channel"] == "command"
    assert escalated["notice"]["title"] == (
        f"ESCALATED: red has not acknowledged message {message.id}"
    )
    # The recipient's duty desk hears it again, on its command channel, in Russian.
    assert kinds(pair, "red") == ["message.received", "message.escalated"]
    to_red = pair.events_after("red", 1)[0].data
    assert to_red["channel"] == "command"
    assert to_red["notice"]["language"] == "ru"
    assert "Канал: командный" in to_red["message"]["rendered"]["lines"]
    clock.advance(120)  # the repeat interval
    pair.tick()
    assert kinds(pair, "blue")[-1] == "message.repeated"
    assert kinds(pair, "red")[-1] == "message.repeated"
    assert pair.hotline.get("blue", message.id).escalations == 2


def test_an_acknowledgement_stops_the_escalation(pair: Hub, clock: ManualClock) -> None:
    message = pair.hotline.send(
        "blue", MessageRequest(to="red", channel="ground", priority="flash", text="Hi")
    )
    clock.advance(61)
    pair.tick()
    clock.advance(5)
    acknowledged = pair.acknowledge_message("red", message.id)
    assert acknowledged.state is MessageState.ACKNOWLEDGED
    assert kinds(pair, "blue")[-1] == "message.acknowledged"
    assert kinds(pair, "red")[-1] == "message.acknowledged"
    before = (pair.last_event_seq("blue"), pair.last_event_seq("red"))
    clock.advance(3600)
    pair.tick()
    assert (pair.last_event_seq("blue"), pair.last_event_seq("red")) == before
    assert [s.kind for s in pair.hotline.get("red", message.id).history] == [
        StepKind.SENT,
        StepKind.OVERDUE,
        StepKind.ESCALATED,
        StepKind.ACKNOWLEDGED,
    ]


def test_acknowledging_in_time_means_no_escalation_and_twice_changes_nothing(
    pair: Hub, clock: ManualClock
) -> None:
    message = pair.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="urgent", text="Hi")
    )
    clock.advance(10)
    pair.acknowledge_message("red", message.id)
    seq = pair.last_event_seq("blue")
    assert pair.acknowledge_message("red", message.id).state is MessageState.ACKNOWLEDGED
    clock.advance(1000)
    pair.tick()
    assert pair.last_event_seq("blue") == seq


def test_a_tick_with_nothing_due_writes_nothing(pair: Hub, clock: ManualClock) -> None:
    pair.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="routine", text="Later")
    )
    head = pair._store.journal_entries()
    entries = len(list(head))
    assert not pair.hotline.due(clock.now() + 3599)
    clock.advance(3599)
    pair.tick()
    assert len(list(pair._store.journal_entries())) == entries
    assert pair.hotline.due(clock.now() + 1)


@pytest.mark.parametrize(
    ("priority", "given", "due_after_s"),
    [
        ("flash", None, 60),
        ("urgent", None, 300),
        ("routine", None, 3600),
        ("routine", "90s", 90),
        ("flash", "5min", 300),
        ("urgent", 42, 42),
    ],
)
def test_deadlines_by_priority_or_as_given(
    pair: Hub, priority: str, given: str | int | None, due_after_s: float
) -> None:
    message = pair.hotline.send(
        "blue",
        MessageRequest(to="red", channel="air", priority=priority, text="x", ack_within_s=given),
    )
    assert message.ack_due_s == T0 + due_after_s


def test_a_priority_without_default_deadline_never_escalates(
    store: Store, clock: ManualClock
) -> None:
    hub = Hub(Settings(hotline_ack_routine_s=0), store, clock=clock)
    hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red"))
    message = hub.hotline.send(
        "blue", MessageRequest(to="red", channel="command", text="For the record")
    )
    assert message.ack_due_s is None
    clock.advance(86400)
    hub.tick()
    assert kinds(hub, "blue") == ["message.sent"]


@pytest.mark.parametrize(
    ("sender", "request_", "error", "text"),
    [
        (
            "blue",
            {"to": "green", "channel": "air", "text": "x"},
            PermissionDenied,
            "'blue' has no agreement with 'green': hotline messages go only to parties you "
            "have an agreement with",
        ),
        (
            "blue",
            {"to": "nobody", "channel": "air", "text": "x"},
            PermissionDenied,
            "no agreement with 'nobody'",
        ),
        (
            "blue",
            {"to": "red", "channel": "air", "template": "alert_track_conflict", "fields": {}},
            PermissionDenied,
            "template 'alert_track_conflict' is sent by the hub only; parties send "
            "confirmation, crossing_notice, hold_or_turn_away, unsafe_encounter",
        ),
        ("blue", {"to": "blue", "channel": "air", "text": "x"}, InvalidInput, "to itself"),
        ("blue", {"to": "red", "channel": "sea", "text": "x"}, InvalidInput, "channel 'sea'"),
        ("blue", {"to": "red", "channel": "air"}, InvalidInput, "either free text"),
        (
            "blue",
            {"to": "red", "channel": "air", "text": "x", "ack_within_s": 0},
            InvalidInput,
            "ack_within_s must be more than 0",
        ),
        (
            "blue",
            {"to": "red", "channel": "air", "text": "x", "text_language": "english!"},
            InvalidInput,
            "not a language tag",
        ),
        (
            "blue",
            {"to": "red", "channel": "air", "text": "x", "places": [{"lat": 95, "lon": 0}]},
            InvalidInput,
            "places[0]: lat 95 is out of range",
        ),
        (
            "blue",
            {"to": "red", "channel": "air", "text": "x", "reply_to": "msg_nope"},
            NotFound,
            "no message 'msg_nope'",
        ),
    ],
)
def test_refused_messages_say_why(
    pair: Hub,
    sender: str,
    request_: dict[str, object],
    error: type[Exception],
    text: str,
) -> None:
    with pytest.raises(error) as raised:
        pair.hotline.send(sender, MessageRequest(**request_))  # type: ignore[arg-type]
    assert text in str(raised.value)
    assert kinds(pair, "red") == []


def test_invalid_template_fields_are_listed_in_details(pair: Hub) -> None:
    with pytest.raises(InvalidInput) as raised:
        pair.hotline.send(
            "blue",
            MessageRequest(
                to="red",
                channel="air",
                template="crossing_notice",
                fields={"tracks": ["FF-21"], "start": "soon", "colour": "red"},
            ),
        )
    problems = {d["field"] for d in raised.value.details}
    assert problems == {"colour", "start", "duration_s", "where or route"}


def test_only_the_recipient_acknowledges_and_others_do_not_see_it(pair: Hub) -> None:
    message = pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="x"))
    with pytest.raises(PermissionDenied, match="only that party can acknowledge it"):
        pair.acknowledge_message("blue", message.id)
    with pytest.raises(NotFound):
        pair.acknowledge_message("green", message.id)
    with pytest.raises(NotFound):
        pair.hotline.get("green", message.id)


def test_a_revoked_party_receives_nothing(pair: Hub) -> None:
    pair.revoke_party("red")
    with pytest.raises(PermissionDenied, match="'red' has been revoked"):
        pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="x"))


def test_replies_join_the_thread_and_places_carry_mgrs(pair: Hub) -> None:
    first = pair.hotline.send(
        "blue",
        MessageRequest(to="red", channel="ground", text="Convoy at Tal Hamis", places=[TAL_HAMIS]),
    )
    reply = pair.hotline.send(
        "red", MessageRequest(to="blue", channel="ground", text="Seen", reply_to=first.id)
    )
    assert first.thread_id == first.id == reply.thread_id
    [place] = pair.hotline.view(first, "red")["places"]
    assert place["degrees"] == "35.33000°N 40.14000°E"
    assert place["mgrs"] is not None and place["mgrs"].startswith("37S ")
    assert place["name"] == "Tal Hamis"


def test_delivery_to_a_desk_is_told_to_the_sender_once(pair: Hub) -> None:
    message = pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="x"))
    [received] = pair.events_after("red", 0)
    pair.hotline.reached_desk("red", received)
    pair.hotline.reached_desk("red", received)  # a second desk: nothing new
    assert kinds(pair, "blue") == ["message.sent", "message.delivered"]
    delivered = pair.events_after("blue", 1)[0].data
    assert delivered["via"] == "stream" and delivered["message"]["state"] == "delivered"
    assert pair.hotline.get("blue", message.id).state is MessageState.DELIVERED
    pair.hotline.reached_desk("blue", pair.events_after("blue", 0)[0])  # not a received one
    assert kinds(pair, "blue") == ["message.sent", "message.delivered"]


def test_listing_after_a_stream_sequence(pair: Hub, clock: ManualClock) -> None:
    first = pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="one"))
    second = pair.hotline.send("red", MessageRequest(to="blue", channel="air", text="two"))
    page = pair.hotline.page("blue", 0, 100)
    assert [(seq, m.id) for seq, m in page.items] == [(1, first.id), (2, second.id)]
    assert (page.last_seq, page.more) == (2, False)
    clock.advance(1)
    pair.acknowledge_message("red", first.id)  # blue hears it as event 3
    page = pair.hotline.page("blue", 2, 100)
    assert [(seq, m.id, m.state) for seq, m in page.items] == [
        (3, first.id, MessageState.ACKNOWLEDGED)
    ]
    assert pair.hotline.page("blue", 3, 100).items == []
    assert pair.hotline.page("green", 0, 100).items == []
    limited = pair.hotline.page("blue", 0, 2)
    assert (limited.last_seq, limited.more) == (2, True)


def test_unacknowledged_messages_and_their_deadlines_survive_a_restart(
    hub_key: Ed25519PrivateKey, make_store: Callable[..., Store], clock: ManualClock
) -> None:
    hub = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red"))
    waiting = hub.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="flash", text="x")
    )
    done = hub.hotline.send(
        "blue", MessageRequest(to="red", channel="air", priority="flash", text="y")
    )
    hub.acknowledge_message("red", done.id)
    hub.close()
    clock.advance(30)
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    assert set(again.hotline._open) == {waiting.id}
    assert not again.hotline.due(clock.now())
    clock.advance(31)
    again.tick()
    assert kinds(again, "blue")[-2:] == ["message.overdue", "message.escalated"]
    assert again.hotline.get("red", waiting.id).state is MessageState.ESCALATED
    assert again.hotline.get("red", done.id).state is MessageState.ACKNOWLEDGED
    again.close()


def test_a_crossing_notice_acknowledged_by_the_owner_makes_the_crossing_expected(
    pair: Hub, clock: ManualClock
) -> None:
    notice = pair.hotline.send(
        "blue",
        MessageRequest(
            to="red", channel="air", template="crossing_notice", fields=crossing_notice()
        ),
    )
    inside = T0 + 900
    expected = pair.hotline.crossings.expected
    assert not expected("z-1", "red", "blue", "FF-21", inside)  # not yet acknowledged
    pair.acknowledge_message("red", notice.id)
    assert expected("z-1", "red", "blue", "FF-21", inside)
    assert expected("z-1", "red", "blue", "FF-21", inside, alt_m=300)
    assert expected("z-1", "red", "blue", "FF-21", T0 + 600)  # the window's edges count
    assert expected("z-1", "red", "blue", "FF-21", T0 + 2400)
    # Only the notified track, zone, owner, window and altitude band.
    assert not expected("z-1", "red", "blue", "FF-22", inside)
    assert not expected("z-2", "red", "blue", "FF-21", inside)
    assert not expected("z-1", "green", "blue", "FF-21", inside)
    assert not expected("z-1", "red", "green", "FF-21", inside)
    assert not expected("z-1", "red", "blue", "FF-21", T0 + 599)
    assert not expected("z-1", "red", "blue", "FF-21", T0 + 2401)
    assert not expected("z-1", "red", "blue", "FF-21", inside, alt_m=900)
    [crossing] = pair.hotline.crossings_for("blue")
    assert crossing.to_json()["start"] == "2026-11-23T10:10:00Z"
    assert crossing.to_json()["end"] == "2026-11-23T10:40:00Z"
    assert pair.hotline.crossings_for("red") == [crossing]
    assert pair.hotline.crossings_for("green") == []


def test_a_notice_naming_no_zone_covers_every_zone_of_its_owner(pair: Hub) -> None:
    notice = pair.hotline.send(
        "blue",
        MessageRequest(
            to="red",
            channel="air",
            template="crossing_notice",
            fields=crossing_notice(zones=None, altitude_min_m=None, altitude_max_m=None),
        ),
    )
    pair.acknowledge_message("red", notice.id)
    assert pair.hotline.crossings.expected("z-9", "red", "blue", "FF-21", T0 + 900, alt_m=5000)


def test_a_notice_naming_no_track_matches_none(pair: Hub) -> None:
    notice = pair.hotline.send(
        "blue",
        MessageRequest(
            to="red",
            channel="air",
            template="crossing_notice",
            fields=crossing_notice(tracks=None, who="Two firefighting helicopters"),
        ),
    )
    pair.acknowledge_message("red", notice.id)
    assert not pair.hotline.crossings.expected("z-1", "red", "blue", "FF-21", T0 + 900)
    assert pair.hotline.crossings_for("red")[0].who == "Two firefighting helicopters"


def test_expected_crossings_survive_a_restart_until_their_window_ends(
    hub_key: Ed25519PrivateKey, make_store: Callable[..., Store], clock: ManualClock
) -> None:
    hub = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red"))
    notice = hub.hotline.send(
        "blue",
        MessageRequest(
            to="red", channel="air", template="crossing_notice", fields=crossing_notice()
        ),
    )
    hub.acknowledge_message("red", notice.id)
    hub.close()
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    assert again.hotline.crossings.expected("z-1", "red", "blue", "FF-21", T0 + 900)
    clock.set(T0 + 2401)
    again.tick()  # forgets ended crossings
    assert again.hotline.crossings_for("blue") == []
    again.close()


def test_stats_per_party_and_channel(pair: Hub, clock: ManualClock) -> None:
    for seconds in (10, 20, 30, 40):
        message = pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="x"))
        clock.advance(seconds)
        pair.acknowledge_message("red", message.id)
    pair.hotline.send(
        "blue", MessageRequest(to="red", channel="ground", priority="flash", text="y")
    )
    clock.advance(61)
    pair.tick()
    rows = {(r.party, r.channel.value): r for r in pair.hotline_stats(Principal("blue"))}
    air = rows[("red", "air")]
    assert (air.count, air.acknowledged, air.pending) == (4, 4, 0)
    assert air.median_ack_s == 25.0
    assert air.p95_ack_s == pytest.approx(38.5)  # linear between 30 and 40 at rank 2.85
    assert (air.escalated, air.escalations) == (0, 0)
    ground = rows[("red", "ground")]
    assert (ground.count, ground.pending, ground.escalated, ground.escalations) == (1, 1, 1, 1)
    assert ground.median_ack_s is None
    assert rows[("blue", "command")].count == 0
    assert {party for party, _ in rows} == {"blue", "red"}  # not green: no agreement


def test_stats_since(pair: Hub, clock: ManualClock) -> None:
    pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="old"))
    clock.advance(100)
    pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="new"))
    [air] = [r for r in stats_of(pair._store, ["red"], T0 + 50) if r.channel.value == "air"]
    assert air.count == 1


def test_the_repeat_interval_must_be_positive(store: Store, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput, match="hotline_repeat_s must be more than 0"):
        Hub(Settings(hotline_repeat_s=0), store, clock=clock)


def test_a_partners_figures_count_only_what_concerns_the_two(pair: Hub) -> None:
    """Audit finding: bravo saw charlie's counts rise when alpha wrote to charlie. A party
    sees the figures of its own desks, and of a partner's only the messages between them."""
    pair.add_party("alpha")
    pair.set_agreement(Agreement("alpha", "red"))
    pair.hotline.send("blue", MessageRequest(to="red", channel="air", text="from blue"))
    for _ in range(5):
        pair.hotline.send("alpha", MessageRequest(to="red", channel="air", text="from alpha"))
    seen_by_blue = {
        (r.party, r.channel.value): r.count for r in pair.hotline_stats(Principal("blue"))
    }
    assert seen_by_blue[("red", "air")] == 1  # blue's own message only, not alpha's five
    seen_by_red = {
        (r.party, r.channel.value): r.count for r in pair.hotline_stats(Principal("red"))
    }
    assert seen_by_red[("red", "air")] == 6  # its own desk: everything it received
    assert seen_by_red[("blue", "air")] == 0
    admin = {
        (r.party, r.channel.value): r.count
        for r in pair.hotline_stats(Principal("admin", admin=True))
    }
    assert admin[("red", "air")] == 6


def test_messages_waiting_for_one_party_are_bounded_and_freed_by_acknowledgements(
    hub_key: Ed25519PrivateKey, make_store: Callable[..., Store], clock: ManualClock
) -> None:
    """A party that never answers cannot make the hub keep more than
    hotline_max_unacknowledged of another's messages in memory (issue 18); the bound holds
    across a restart, is per pair, and an acknowledgement makes room again."""
    settings = Settings(hotline_max_unacknowledged=3)
    hub = Hub(settings, make_store(), clock=clock, key=hub_key)
    for name in ("blue", "red", "green"):
        hub.add_party(name)
    hub.set_agreement(Agreement("blue", "red"))
    hub.set_agreement(Agreement("green", "red"))

    def send(sender: str) -> str:
        request = MessageRequest(to="red", channel="air", priority="flash", text="x" * 4000)
        return hub.hotline.send(sender, request).id

    sent = [send("blue") for _ in range(3)]
    with pytest.raises(Conflict, match=r"not yet acknowledged .* 3 of your messages"):
        send("blue")
    send("green")  # another sender has its own bound
    hub.close()
    hub = Hub(settings, make_store(), clock=clock, key=hub_key)
    with pytest.raises(Conflict, match="hotline_max_unacknowledged"):
        send("blue")
    hub.acknowledge_message("red", sent[0])
    send("blue")
    assert len(hub.hotline._open) == 4  # 3 of blue's, 1 of green's: all that is kept
    hub.close()
