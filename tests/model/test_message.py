"""Hotline messages: construction, every transition of their lifecycle, and escalation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deconfliction.clock import ManualClock
from deconfliction.errors import IllegalTransition, InvalidInput, PermissionDenied
from deconfliction.model import (
    HUB_SENDER,
    Channel,
    Message,
    MessageState,
    Priority,
    StepKind,
    acknowledge,
    clear_deadline,
    deliver,
    escalation_step,
)
from deconfliction.model.codec import dump, load
from deconfliction.model.place import Place

S = MessageState
# The lifecycle written out by hand: what each state may become.
LEGAL = {
    S.SENT: {S.DELIVERED, S.OVERDUE, S.ACKNOWLEDGED},
    S.DELIVERED: {S.OVERDUE, S.ACKNOWLEDGED},
    S.OVERDUE: {S.ESCALATED, S.ACKNOWLEDGED},
    S.ESCALATED: {S.ACKNOWLEDGED},
    S.ACKNOWLEDGED: set(),
}
ALL_PAIRS = [(a, b) for a in S for b in S]


def message(clock: ManualClock | None = None, **changes: object) -> Message:
    now = clock.now() if clock is not None else 1_714_564_800.0
    base = Message(
        id="m-1",
        thread_id="t-1",
        sender="blue",
        recipient="red",
        channel=Channel.AIR,
        priority=Priority.URGENT,
        created_s=now,
        template="confirmation",
        fields={"message": "m-0", "answer": "confirmed"},
        ack_due_s=now + 60.0,
    )
    return replace(base, **changes) if changes else base


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_message_state_table_is_the_one_written_out(source: S, target: S) -> None:
    if target in LEGAL[source]:
        assert source.to(target) is target
    else:
        with pytest.raises(IllegalTransition, match=source.value):
            source.to(target)


def test_new_message_is_sent_with_one_step() -> None:
    m = message()
    assert m.state is S.SENT
    assert [step.kind for step in m.history] == [StepKind.SENT]
    assert m.history[0].at_s == m.created_s
    assert m.current_channel is Channel.AIR
    assert m.next_step_s == m.ack_due_s


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"text": "hello"}, "either free text or a template"),
        ({"template": None}, "either free text or a template"),
        ({"recipient": "blue"}, "to itself"),
        ({"id": " "}, "id must be non-empty"),
        ({"ack_due_s": 1_714_564_700.0}, "before the message was created"),
        ({"ack_due_s": float("nan")}, "before the message was created"),
        ({"created_s": float("inf"), "ack_due_s": None}, "created_s must be finite"),
        ({"template": None, "text": "   "}, "text is empty"),
        ({"template": None, "text": "x" * 4001}, "longer than 4000"),
        ({"text_language": "en"}, "only for free text"),
        ({"template": None, "text": "see \u202egnirts"}, "U\\+202E at position 4"),
        ({"places": (Place(1.0, 2.0),) * 51}, "more than 50 places"),
    ],
)
def test_invalid_messages_are_refused(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        message(**changes)


def test_free_text_may_have_several_lines() -> None:
    assert message(template=None, text="line one\nline two\tend").text == "line one\nline two\tend"


def test_channel_and_priority_may_be_given_as_text() -> None:
    m = message(channel="ground", priority="flash")
    assert m.channel is Channel.GROUND
    assert m.priority is Priority.FLASH
    with pytest.raises(ValueError, match="radio"):
        message(channel="radio")


def test_deliver_then_acknowledge() -> None:
    m = deliver(message(), at_s=1_714_564_801.0)
    assert m.state is S.DELIVERED
    m = acknowledge(m, "red", at_s=1_714_564_830.0)
    assert m.state is S.ACKNOWLEDGED
    assert m.acknowledged
    assert [(s.kind, s.at_s) for s in m.history] == [
        (StepKind.SENT, 1_714_564_800.0),
        (StepKind.DELIVERED, 1_714_564_801.0),
        (StepKind.ACKNOWLEDGED, 1_714_564_830.0),
    ]
    assert m.history[-1].by == "red"
    assert m.next_step_s is None


@pytest.mark.parametrize("state", list(S))
def test_deliver_is_legal_only_from_sent(state: S) -> None:
    m = message(state=state)
    if S.DELIVERED in LEGAL[state]:
        assert deliver(m, 1.7e9).state is S.DELIVERED
    else:
        with pytest.raises(IllegalTransition, match="delivered"):
            deliver(m, 1.7e9)


@pytest.mark.parametrize("state", list(S))
def test_acknowledge_is_legal_from_every_open_state(state: S) -> None:
    m = message(state=state)
    if S.ACKNOWLEDGED in LEGAL[state]:
        assert acknowledge(m, "red", 1.7e9).state is S.ACKNOWLEDGED
    else:
        with pytest.raises(IllegalTransition, match="acknowledged"):
            acknowledge(m, "red", 1.7e9)


@pytest.mark.parametrize("party", ["blue", "green", HUB_SENDER])
def test_only_the_recipient_acknowledges(party: str) -> None:
    with pytest.raises(PermissionDenied, match="only that party"):
        acknowledge(message(), party, 1.7e9)


@pytest.mark.parametrize(
    ("state", "kinds"),
    [
        (S.SENT, [StepKind.OVERDUE, StepKind.ESCALATED]),
        (S.DELIVERED, [StepKind.OVERDUE, StepKind.ESCALATED]),
        (S.OVERDUE, [StepKind.ESCALATED]),
        (S.ACKNOWLEDGED, []),
    ],
)
def test_escalation_from_each_state_at_the_deadline(state: S, kinds: list[StepKind]) -> None:
    m = message(state=state)
    assert m.ack_due_s is not None
    after, steps = escalation_step(m, m.ack_due_s, repeat_interval_s=30.0)
    assert [step.kind for step in steps] == kinds
    assert list(after.history[len(m.history) :]) == steps
    if kinds:
        assert after.state is S.ESCALATED
        assert after.current_channel is Channel.COMMAND
        assert after.escalations == 1
        assert after.next_repeat_s == m.ack_due_s + 30.0
    else:
        assert after is m


def test_escalation_with_a_clock_until_acknowledged() -> None:
    clock = ManualClock(1_714_564_800.0)
    m = deliver(message(clock), clock.now())

    def step() -> list[StepKind]:
        nonlocal m
        m, steps = escalation_step(m, clock.now(), repeat_interval_s=30.0)
        for s in steps:
            assert s.at_s == clock.now()
        return [s.kind for s in steps]

    clock.advance(59.0)
    assert step() == []
    assert m.state is S.DELIVERED
    clock.advance(1.0)  # the deadline
    assert step() == [StepKind.OVERDUE, StepKind.ESCALATED]
    assert (m.state, m.current_channel, m.escalations) == (S.ESCALATED, Channel.COMMAND, 1)
    assert m.channel is Channel.AIR  # where it was sent stays on record
    assert step() == []  # nothing more at the same moment
    clock.advance(29.0)
    assert step() == []
    clock.advance(1.0)
    assert step() == [StepKind.REPEATED]
    assert m.escalations == 2
    assert m.next_repeat_s == clock.now() + 30.0
    clock.advance(100.0)  # the hub was away for three intervals: one repeat, not a burst
    assert step() == [StepKind.REPEATED]
    assert m.next_repeat_s == clock.now() + 30.0
    clock.advance(5.0)
    m = acknowledge(m, "red", clock.now())
    clock.advance(1000.0)
    assert step() == []
    assert [(s.kind, s.state, s.channel, s.escalations) for s in m.history] == [
        (StepKind.SENT, S.SENT, Channel.AIR, 0),
        (StepKind.DELIVERED, S.DELIVERED, Channel.AIR, 0),
        (StepKind.OVERDUE, S.OVERDUE, Channel.AIR, 0),
        (StepKind.ESCALATED, S.ESCALATED, Channel.COMMAND, 1),
        (StepKind.REPEATED, S.ESCALATED, Channel.COMMAND, 2),
        (StepKind.REPEATED, S.ESCALATED, Channel.COMMAND, 3),
        (StepKind.ACKNOWLEDGED, S.ACKNOWLEDGED, Channel.COMMAND, 3),
    ]
    assert [s.at_s - 1_714_564_800.0 for s in m.history] == [0, 0, 60, 60, 90, 190, 195]


def test_a_message_without_deadline_never_escalates() -> None:
    m = message(ack_due_s=None)
    after, steps = escalation_step(m, m.created_s + 1e6, repeat_interval_s=30.0)
    assert (after, steps) == (m, [])
    assert m.next_step_s is None


def test_a_late_delivery_after_escalation_is_refused() -> None:
    m = message()
    assert m.ack_due_s is not None
    escalated, _ = escalation_step(m, m.ack_due_s, repeat_interval_s=30.0)
    with pytest.raises(IllegalTransition):
        deliver(escalated, m.ack_due_s + 1.0)


@pytest.mark.parametrize("interval", [0.0, -5.0, float("nan"), float("inf")])
def test_repeat_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(InvalidInput, match="repeat_interval_s"):
        escalation_step(message(), 1e10, repeat_interval_s=interval)


def test_to_json_uses_rfc3339_and_keeps_every_step() -> None:
    m = message(places=(Place(35.33, 40.14, "Tal Hamis"),))
    assert m.ack_due_s is not None
    m, _ = escalation_step(deliver(m, m.created_s + 1), m.ack_due_s + 2, 30.0)
    data = m.to_json()
    assert data["created"] == "2024-05-01T12:00:00Z"
    assert data["ack_due"] == "2024-05-01T12:01:00Z"
    assert data["channel"] == "air"
    assert data["current_channel"] == "command"
    assert data["places"] == [{"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}]
    assert [s["kind"] for s in data["history"]] == [
        "sent",
        "delivered",
        "overdue",
        "escalated",
    ]
    assert data["history"][-1]["at"] == "2024-05-01T12:01:02Z"


def test_store_documents_read_back_exactly() -> None:
    m = message(places=(Place(35.33, 40.14, "Tal Hamis"),), text_language=None)
    assert m.ack_due_s is not None
    m, _ = escalation_step(deliver(m, m.created_s + 0.25), m.ack_due_s + 2.5, 30.0)
    m = acknowledge(m, "red", m.created_s + 99.125)
    again = load(Message, m.to_doc())
    assert again == m
    assert m.to_doc() == dump(m)  # written by hand for speed, the codec's document
    assert again.history[-1].by == "red"


def test_clearing_a_deadline_stops_escalation_but_not_acknowledgement() -> None:
    m = message()
    assert m.ack_due_s is not None
    escalated, _ = escalation_step(m, m.ack_due_s, repeat_interval_s=30.0)
    cleared = clear_deadline(escalated, m.ack_due_s + 10)
    assert (cleared.ack_due_s, cleared.next_repeat_s, cleared.next_step_s) == (None, None, None)
    assert cleared.state is S.ESCALATED
    last = cleared.history[-1]
    assert (last.kind, last.state, last.channel) == (StepKind.CLEARED, S.ESCALATED, Channel.COMMAND)
    assert escalation_step(cleared, m.ack_due_s + 1e6, 30.0) == (cleared, [])
    assert clear_deadline(cleared, m.ack_due_s + 20) is cleared
    assert acknowledge(cleared, "red", m.ack_due_s + 30).acknowledged
    with pytest.raises(IllegalTransition, match="already acknowledged"):
        clear_deadline(acknowledge(m, "red", m.created_s + 1), m.created_s + 2)
