"""Hotline messages and their lifecycle, as pure values and functions.

A message goes to a party's duty desk on a channel, never to one person. Its state moves
with :class:`~deconfliction.model.states.MessageState` only::

    sent ──► delivered ──► acknowledged
      │          │
      └──────────┴──► overdue ──► escalated ──► acknowledged
                        │
                        └──► acknowledged

When the acknowledgement deadline passes, :func:`escalation_step` makes it ``overdue`` and at
once ``escalated`` to the recipient's ``command`` channel, then repeats it there every
``repeat_interval_s`` until it is acknowledged. Every step is kept in ``history`` so the
sender can be shown each one. :func:`clear_deadline` lifts the deadline of a message whose
subject has gone (the hub's alert thread once the alert is closed): it is no longer chased,
and may still be acknowledged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from deconfliction.errors import IllegalTransition, InvalidInput, PermissionDenied
from deconfliction.model.codec import dump
from deconfliction.model.place import Place
from deconfliction.model.states import MessageState
from deconfliction.model.text import check_text
from deconfliction.units import format_time

# Not a valid party name (see model.party.check_party_name), so it can never clash with one.
HUB_SENDER = "@hub"
MAX_TEXT_LENGTH = 4000
MAX_PLACES = 50


class Channel(StrEnum):
    """A channel between two parties; ``command`` also receives escalations."""

    AIR = "air"
    GROUND = "ground"
    COMMAND = "command"


class Priority(StrEnum):
    """How urgent a message is; sets the default acknowledgement deadline."""

    ROUTINE = "routine"
    URGENT = "urgent"
    FLASH = "flash"


class StepKind(StrEnum):
    """What happened to a message at one step of its life."""

    SENT = "sent"
    DELIVERED = "delivered"
    OVERDUE = "overdue"
    ESCALATED = "escalated"  # moved to the command channel
    REPEATED = "repeated"  # escalated again on the command channel, still unacknowledged
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"  # the deadline was lifted: what the message was about has ended


@dataclass(frozen=True)
class MessageStep:
    """One step in a message's life: what happened, when, and where the message is now.

    ``state`` and ``channel`` are the message's state and channel after the step;
    ``escalations`` its escalation count after it; ``by`` the party that acknowledged.
    """

    kind: StepKind
    at_s: float
    state: MessageState
    channel: Channel
    escalations: int = 0
    by: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "at": format_time(self.at_s),
            "state": self.state.value,
            "channel": self.channel.value,
            "escalations": self.escalations,
        }
        if self.by is not None:
            out["by"] = self.by
        return out

    def to_doc(self) -> dict[str, Any]:
        """What the store keeps: unix seconds, exact (``codec.dump``'s document, faster)."""
        return {
            "kind": self.kind.value,
            "at_s": self.at_s,
            "state": self.state.value,
            "channel": self.channel.value,
            "escalations": self.escalations,
            "by": self.by,
        }


@dataclass(frozen=True)
class Message:
    """A hotline message from a party (or the hub, :data:`HUB_SENDER`) to a party's desk.

    Exactly one of ``text`` (free text, never translated; ``text_language`` says what it is
    written in, if known) and ``template`` (a structured template name, with its validated
    ``fields``) is set. ``ack_due_s`` is the acknowledgement deadline in unix seconds, or
    ``None`` when none is asked for (such a message never escalates). ``channel`` is where it
    was sent; :attr:`current_channel` is where it is now (``command`` once escalated).
    ``next_repeat_s`` is when an escalated message is repeated next.
    """

    id: str
    thread_id: str
    sender: str
    recipient: str
    channel: Channel
    priority: Priority
    created_s: float
    text: str | None = None
    text_language: str | None = None
    template: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    places: tuple[Place, ...] = ()
    ack_due_s: float | None = None
    state: MessageState = MessageState.SENT
    escalations: int = 0
    next_repeat_s: float | None = None
    history: tuple[MessageStep, ...] = ()

    def __post_init__(self) -> None:
        for name in ("id", "thread_id", "sender", "recipient"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput(f"message: {name} must be non-empty text, got {value!r}")
        if self.sender == self.recipient:
            raise InvalidInput(f"message: {self.sender!r} cannot send a message to itself")
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "priority", Priority(self.priority))
        if (self.text is None) == (self.template is None):
            raise InvalidInput("message: give either free text or a template, not both or neither")
        if self.text is not None and not self.text.strip():
            raise InvalidInput("message: text is empty")
        if self.text is not None and len(self.text) > MAX_TEXT_LENGTH:
            raise InvalidInput(f"message: text is longer than {MAX_TEXT_LENGTH} characters")
        if self.text is not None:
            check_text(self.text, "message: text", multiline=True)
        if self.text is None and self.text_language is not None:
            raise InvalidInput("message: text_language is only for free text")
        if len(self.places) > MAX_PLACES:
            raise InvalidInput(f"message: more than {MAX_PLACES} places")
        if not math.isfinite(self.created_s):
            raise InvalidInput(f"message: created_s must be finite, got {self.created_s!r}")
        if self.ack_due_s is not None and not self.ack_due_s >= self.created_s:
            raise InvalidInput(
                f"message: the acknowledgement deadline {self.ack_due_s!r} is before "
                f"the message was created ({self.created_s!r})"
            )
        if not self.history:
            first = MessageStep(StepKind.SENT, self.created_s, self.state, self.channel)
            object.__setattr__(self, "history", (first,))

    @property
    def current_channel(self) -> Channel:
        """Where the message is now: its own channel, or ``command`` once escalated."""
        return Channel.COMMAND if self.escalations else self.channel

    @property
    def acknowledged(self) -> bool:
        return self.state is MessageState.ACKNOWLEDGED

    @property
    def next_step_s(self) -> float | None:
        """When :func:`escalation_step` will next have something to do (``None``: never)."""
        if self.ack_due_s is None or self.acknowledged:
            return None
        if self.state is MessageState.ESCALATED:
            return self.next_repeat_s
        return self.ack_due_s

    def to_json(self) -> dict[str, Any]:
        """The message as the API shows it (times in RFC 3339)."""
        return {
            "id": self.id,
            "thread": self.thread_id,
            "from": self.sender,
            "to": self.recipient,
            "channel": self.channel.value,
            "current_channel": self.current_channel.value,
            "priority": self.priority.value,
            "created": format_time(self.created_s),
            "text": self.text,
            "text_language": self.text_language,
            "template": self.template,
            "fields": dict(self.fields),
            "places": [dump(place) for place in self.places],
            "ack_due": None if self.ack_due_s is None else format_time(self.ack_due_s),
            "state": self.state.value,
            "escalations": self.escalations,
            "history": [step.to_json() for step in self.history],
        }

    def to_doc(self) -> dict[str, Any]:
        """What the store keeps (unix seconds, exact): :func:`~deconfliction.model.codec.dump`'s
        document, written by hand because messages are written in bursts and ``dump`` takes
        1.2 to 1.7 times as long (``python -m bench.codec``); ``codec.load(Message, doc)``
        reads it back."""
        return {
            "id": self.id,
            "thread_id": self.thread_id,
            "sender": self.sender,
            "recipient": self.recipient,
            "channel": self.channel.value,
            "priority": self.priority.value,
            "created_s": self.created_s,
            "text": self.text,
            "text_language": self.text_language,
            "template": self.template,
            "fields": dict(self.fields),
            "places": [dump(place) for place in self.places],
            "ack_due_s": self.ack_due_s,
            "state": self.state.value,
            "escalations": self.escalations,
            "next_repeat_s": self.next_repeat_s,
            "history": [step.to_doc() for step in self.history],
        }


def _step(message: Message, step: MessageStep, **changes: Any) -> Message:
    return replace(message, history=(*message.history, step), **changes)


def deliver(message: Message, at_s: float) -> Message:
    """The message once it reached at least one connection of the recipient's desk.

    Only a ``sent`` message can be delivered; raise
    :class:`~deconfliction.errors.IllegalTransition` otherwise.
    """
    state = message.state.to(MessageState.DELIVERED)
    step = MessageStep(StepKind.DELIVERED, at_s, state, message.current_channel)
    return _step(message, step, state=state)


def acknowledge(message: Message, by_party: str, at_s: float) -> Message:
    """The message acknowledged by its recipient's desk.

    Raise :class:`~deconfliction.errors.PermissionDenied` if ``by_party`` is not the
    recipient, and :class:`~deconfliction.errors.IllegalTransition` if it is already
    acknowledged.
    """
    if by_party != message.recipient:
        raise PermissionDenied(
            f"message {message.id!r} is for {message.recipient!r}; only that party "
            f"can acknowledge it, not {by_party!r}"
        )
    state = message.state.to(MessageState.ACKNOWLEDGED)
    step = MessageStep(
        StepKind.ACKNOWLEDGED,
        at_s,
        state,
        message.current_channel,
        message.escalations,
        by=by_party,
    )
    return _step(message, step, state=state, next_repeat_s=None)


def clear_deadline(message: Message, at_s: float) -> Message:
    """The message with its deadline lifted: it is no longer escalated or repeated.

    For a message whose subject has ended (the hub's alert thread once the conflict is
    resolved). Its state is kept, so it may still be acknowledged. A message without a
    deadline is returned as it is; an acknowledged one raises
    :class:`~deconfliction.errors.IllegalTransition`.
    """
    if message.acknowledged:
        raise IllegalTransition(f"message {message.id!r} is already acknowledged")
    if message.ack_due_s is None:
        return message
    step = MessageStep(
        StepKind.CLEARED, at_s, message.state, message.current_channel, message.escalations
    )
    return _step(message, step, ack_due_s=None, next_repeat_s=None)


def escalation_step(
    message: Message, now_s: float, repeat_interval_s: float
) -> tuple[Message, list[MessageStep]]:
    """What must happen to an unacknowledged message at ``now_s``.

    Returns the message after the steps and the steps themselves (empty when nothing is
    due). At the deadline the message becomes ``overdue`` and is ``escalated`` to the
    ``command`` channel in the same call (two steps); afterwards one ``repeated`` step each
    time ``repeat_interval_s`` has passed since the last escalation. A hub that was away for
    several intervals gets one repeat, not a burst; the next is scheduled from ``now_s``.
    """
    if not repeat_interval_s > 0 or not math.isfinite(repeat_interval_s):
        raise InvalidInput(
            f"escalation: repeat_interval_s must be a positive number, got {repeat_interval_s!r}"
        )
    due_s = message.next_step_s
    if due_s is None or now_s < due_s:
        return message, []
    if message.state is MessageState.ESCALATED:
        count = message.escalations + 1
        repeat = MessageStep(StepKind.REPEATED, now_s, message.state, Channel.COMMAND, count)
        after = _step(message, repeat, escalations=count, next_repeat_s=now_s + repeat_interval_s)
        return after, [repeat]
    steps: list[MessageStep] = []
    after = message
    if after.state.can_become(MessageState.OVERDUE):  # a stored overdue one skips this step
        state = after.state.to(MessageState.OVERDUE)
        overdue = MessageStep(StepKind.OVERDUE, now_s, state, after.channel, after.escalations)
        after = _step(after, overdue, state=state)
        steps.append(overdue)
    state = after.state.to(MessageState.ESCALATED)
    count = after.escalations + 1
    escalated = MessageStep(StepKind.ESCALATED, now_s, state, Channel.COMMAND, count)
    after = _step(
        after, escalated, state=state, escalations=count, next_repeat_s=now_s + repeat_interval_s
    )
    return after, [*steps, escalated]
