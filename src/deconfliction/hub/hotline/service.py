"""The hotline inside the hub: messages between parties' duty desks, their deadlines and
escalations, the hub's own threads about alerts, and expected crossings.

A message goes from a party (or the hub) to another party's duty desk on a channel
(``air``, ``ground``, ``command``): to whichever desk of that party is connected, never to
one person. A party may message only the parties it has an agreement with, and may not send
the hub's templates. Each message is a store object (``kind="message"``, owned by its
recipient), and every step of it is an event on the stream of each party concerned,
journalled with its stream sequence number:

- the sender hears ``message.sent``, ``message.delivered`` (a desk of the recipient was
  sent it, or its webhook answered 2xx), ``message.overdue``, ``message.escalated``,
  ``message.repeated`` and ``message.acknowledged``;
- the recipient hears ``message.received``, ``message.escalated`` and ``message.repeated``
  (now on its ``command`` channel, with an escalation notice), ``message.acknowledged``
  (so its other desks know) and ``message.cleared`` (the hub's alert thread whose alert has
  closed is no longer chased).

Each event carries the message rendered for the party that hears it, in its language and
time zone. Unacknowledged messages with a deadline (and those not yet delivered) are kept in
memory and rebuilt from the store at start; :meth:`Hotline.due` tells the hub's tick in
constant time whether an escalation is due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from deconfliction.clock import Clock
from deconfliction.errors import Conflict, NotFound
from deconfliction.hub.alerts.book import OpenConflict
from deconfliction.hub.hotline.crossings import ExpectedCrossing, ExpectedCrossings
from deconfliction.hub.hotline.drafts import Draft, MessageRequest, check_draft
from deconfliction.hub.hotline.threads import PRIORITY, channel_for, deadline_s, thread_content
from deconfliction.hub.hotline.views import escalation_notice, message_view
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.model.alert import Severity
from deconfliction.model.codec import load
from deconfliction.model.ids import new_id
from deconfliction.model.message import (
    HUB_SENDER,
    Message,
    MessageStep,
    StepKind,
    acknowledge,
    clear_deadline,
    deliver,
    escalation_step,
)
from deconfliction.model.party import Party
from deconfliction.model.states import AlertState, MessageState
from deconfliction.settings import Settings
from deconfliction.store import Event, Store, StoredObject

OPEN_STATES = [s.value for s in MessageState if not s.terminal]
_ESCALATION_STEPS = (StepKind.ESCALATED, StepKind.REPEATED)


@dataclass(frozen=True)
class MessagePage:
    """Messages a party sent or received that changed after a stream sequence number.

    ``items`` holds ``(seq, message)``: the party's stream sequence number of the latest
    event about the message, and the message now. ``last_seq`` is where to continue from;
    ``more`` whether there may be more.
    """

    items: list[tuple[int, Message]]
    last_seq: int
    more: bool


def _tracked(message: Message) -> bool:
    """Whether the message needs memory: a timer to run, or a delivery still to note —
    except the hub's own thread messages, whose delivery is looked up in the store when a
    desk gets one (a party with no desk connected would otherwise keep every message about
    its past alerts in memory: thousands an hour in busy skies)."""
    if message.acknowledged:
        return False
    if message.next_step_s is not None:
        return True
    return message.state is MessageState.SENT and message.sender != HUB_SENDER


class Hotline:
    """The hotline service of a hub (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        parties: Parties,
        settings: Settings,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        clock: Clock,
    ) -> None:
        self._store = store
        self._parties = parties
        self.settings = settings
        self._write = write
        self._clock = clock
        self.crossings = ExpectedCrossings(store)
        self._open: dict[str, Message] = {}
        # How many of ``_open`` each sender has sent each recipient (the bound on memory).
        self._open_by_pair: Counter[tuple[str, str]] = Counter()
        self._alert_of: dict[str, str] = {}  # message id -> the recipient's alert id
        self._message_of_alert: dict[str, str] = {}  # open alert id -> its thread message
        self._next_due_s: float | None = None

    # -- start and recovery ------------------------------------------------------------

    def load(self, now_s: float) -> None:
        """Rebuild the working set (unacknowledged messages) and crossings from the store."""
        self._load_messages()
        self.crossings.load(now_s)

    def reload(self, now_s: float) -> None:
        """Read the working set and crossings again (another process of the hub changed
        them)."""
        self._reload(now_s)
        self.crossings.load(now_s)

    def _reload(self, now_s: float) -> None:
        """After a failed write, memory is rebuilt from what the store really holds."""
        self._open.clear()
        self._open_by_pair.clear()
        self._alert_of.clear()
        self._message_of_alert.clear()
        self._load_messages()

    def _load_messages(self) -> None:
        for stored in self._store.list_objects("message", states=OPEN_STATES):
            message = load(Message, stored.doc)
            if not _tracked(message):
                continue
            self._open[message.id] = message
            self._open_by_pair[(message.sender, message.recipient)] += 1
            alert_id = stored.doc.get("alert")
            if alert_id:
                self._alert_of[message.id] = alert_id
                if message.ack_due_s is not None:
                    self._message_of_alert[alert_id] = message.id
        self._reschedule()

    def _reschedule(self) -> None:
        steps = [m.next_step_s for m in self._open.values() if m.next_step_s is not None]
        self._next_due_s = min(steps, default=None)

    def _track(self, message: Message) -> None:
        pair = (message.sender, message.recipient)
        if _tracked(message):
            if message.id not in self._open:
                self._open_by_pair[pair] += 1
            self._open[message.id] = message
            due = message.next_step_s
            if due is not None and (self._next_due_s is None or due < self._next_due_s):
                self._next_due_s = due
        else:
            if self._open.pop(message.id, None) is not None:
                self._open_by_pair[pair] -= 1
                if self._open_by_pair[pair] <= 0:
                    del self._open_by_pair[pair]
            self._alert_of.pop(message.id, None)

    # -- reading -----------------------------------------------------------------------

    def _reader(self, party: str) -> Party:
        try:
            return self._parties.get(party)
        except NotFound:  # a name the registry does not know: English, UTC
            return Party(party, 0.0)

    def view(self, message: Message, party: str) -> dict[str, Any]:
        """The message as ``party`` sees it, rendered in its language and time zone."""
        return message_view(message, self._reader(party))

    def _fetch(self, message_id: str) -> tuple[Message, str | None] | None:
        message = self._open.get(message_id)
        if message is not None:
            return message, self._alert_of.get(message_id)
        stored = self._store.get_object("message", message_id)
        if stored is None:
            return None
        return load(Message, stored.doc), stored.doc.get("alert")

    def _visible(self, party: str, message_id: str) -> tuple[Message, str | None]:
        found = self._fetch(message_id)
        if found is None or party not in (found[0].sender, found[0].recipient):
            raise NotFound(f"no message {message_id!r} sent or received by {party!r}")
        return found

    def get(self, party: str, message_id: str) -> Message:
        """A message ``party`` sent or received; ``NotFound`` for any other."""
        return self._visible(party, message_id)[0]

    def page(self, party: str, after_seq: int, limit: int) -> MessagePage:
        """Messages ``party`` sent or received whose latest event on its stream is after
        ``after_seq``, at most ``limit`` events read (see :class:`MessagePage`)."""
        events = self._store.events_after(party, after_seq, limit, kind_prefix="message.")
        latest: dict[str, int] = {}
        for event in events:
            data = event.data.get("message")
            if isinstance(data, Mapping) and isinstance(data.get("id"), str):
                latest.pop(data["id"], None)  # re-insert: the dict keeps the latest order
                latest[data["id"]] = event.seq
        items = []
        for message_id, seq in latest.items():
            found = self._fetch(message_id)
            if found is not None:
                items.append((seq, found[0]))
        last_seq = events[-1].seq if events else after_seq
        return MessagePage(items, last_seq, len(events) >= limit)

    # -- sending -----------------------------------------------------------------------

    def send(self, sender: str, request: MessageRequest) -> Message:
        """Send a message from ``sender`` to the duty desk of ``request.to``: checked outside
        the hub lock (see :func:`~deconfliction.hub.message_drafts.check_draft`), then
        stored and told to both in one write."""
        draft = check_draft(
            self._parties,
            self.settings,
            sender,
            request,
            thread_of=lambda message_id: self.get(sender, message_id).thread_id,
        )
        with self._write() as unit:
            limit = self.settings.hotline_max_unacknowledged
            waiting = self._open_by_pair[(sender, draft.message.recipient)]
            if waiting >= limit:
                raise Conflict(
                    f"{draft.message.recipient!r} has not yet acknowledged (or received) "
                    f"{waiting} of your messages, the most the hub keeps waiting between two "
                    "parties (setting hotline_max_unacknowledged): call by another means, or "
                    "wait for acknowledgements"
                )
            return self.post(unit, draft)

    def post(self, unit: WriteUnit, draft: Draft) -> Message:
        """Send a drafted message (inside ``unit``): store it, tell both parties."""
        now = unit.now_s
        unit.on_rollback(self._reload)
        message_id = new_id("msg", now)
        message = replace(
            draft.message,
            id=message_id,
            thread_id=draft.thread_id or message_id,
            created_s=now,
            ack_due_s=None if draft.ack_within_s is None else now + draft.ack_within_s,
            history=(),
        )
        self._save(unit, message)
        step = message.history[-1]
        self._tell(unit, message.sender, "message.sent", message, step)
        self._tell(unit, message.recipient, "message.received", message, step)
        self._track(message)
        return message

    def _save(self, unit: WriteUnit, message: Message) -> None:
        doc = message.to_doc()
        alert_id = self._alert_of.get(message.id)
        if alert_id is not None:
            doc["alert"] = alert_id
        unit.tx.put_object(
            StoredObject(
                "message", message.id, message.recipient, 1, message.state.value, unit.now_s, doc
            )
        )

    def _tell(
        self,
        unit: WriteUnit,
        party: str,
        kind: str,
        message: Message,
        step: MessageStep,
        **extra: Any,
    ) -> None:
        """One event about ``message`` on ``party``'s stream, journalled with its seq."""
        if party == HUB_SENDER:
            return
        data: dict[str, Any] = {
            "channel": step.channel.value,
            "step": step.to_json(),
            "message": self.view(message, party),
            **extra,
        }
        if step.kind in _ESCALATION_STEPS:
            data["notice"] = escalation_notice(message, step, self._reader(party), unit.now_s)
        event = unit.emit(party, kind, data)
        unit.journal(party, kind, {"stream_seq": event.seq, **data})

    # -- acknowledgement and delivery --------------------------------------------------

    def acknowledge(
        self, unit: WriteUnit, party: str, message_id: str
    ) -> tuple[Message, str | None]:
        """The recipient acknowledges; returns the message and the alert it is about, if
        any. Acknowledging twice changes nothing; only the recipient may."""
        message, alert_id = self._visible(party, message_id)
        if message.acknowledged and party == message.recipient:
            return message, None
        acknowledged = acknowledge(message, party, unit.now_s)  # PermissionDenied if sender
        unit.on_rollback(self._reload)
        if alert_id is not None:
            self._alert_of[message.id] = alert_id
            self._message_of_alert.pop(alert_id, None)
        self._save(unit, acknowledged)
        step = acknowledged.history[-1]
        self._tell(unit, acknowledged.sender, "message.acknowledged", acknowledged, step)
        self._tell(unit, acknowledged.recipient, "message.acknowledged", acknowledged, step)
        self._track(acknowledged)
        if acknowledged.template == "crossing_notice":
            self.crossings.record(unit, acknowledged)
        return acknowledged, alert_id

    def alert_acknowledged(self, unit: WriteUnit, party: str, alert_id: str) -> None:
        """The party acknowledged its alert: its thread message from the hub is too."""
        message_id = self._message_of_alert.get(alert_id)
        message = self._open.get(message_id) if message_id is not None else None
        if message is not None and message.recipient == party:
            self.acknowledge(unit, party, message.id)

    def receipt_wanted(self, party: str, event: Event) -> str | None:
        """The id of the message that ``event``, once sent to a desk or webhook of
        ``party``, delivers; ``None`` if it delivers none (cheap: no store access; for a
        hub message not in memory, the id if the event says it was not yet delivered, which
        :meth:`mark_delivered` checks in the store)."""
        if event.kind != "message.received":
            return None
        data = event.data.get("message")
        if not isinstance(data, Mapping) or not isinstance(message_id := data.get("id"), str):
            return None
        message = self._open.get(message_id)
        if message is None:  # a hub message kept in the store only (see _tracked)
            sent = data.get("state") == MessageState.SENT.value
            hubs = data.get("from") == HUB_SENDER and data.get("to") == party
            return message_id if sent and hubs else None
        if message.recipient != party:
            return None
        return message.id if message.state is MessageState.SENT else None

    def _undelivered(self, message_id: str) -> Message | None:
        """A hub message not kept in memory (see ``_tracked``), from the store."""
        found = self._fetch(message_id)
        return None if found is None else found[0]

    def mark_delivered(self, unit: WriteUnit, party: str, message_id: str, via: str) -> None:
        """A desk or the webhook of ``party`` got the message: tell the sender."""
        message = self._open.get(message_id) or self._undelivered(message_id)
        if message is None or message.recipient != party or message.state is not MessageState.SENT:
            return
        unit.on_rollback(self._reload)
        delivered = deliver(message, unit.now_s)
        self._save(unit, delivered)
        self._tell(
            unit, delivered.sender, "message.delivered", delivered, delivered.history[-1], via=via
        )
        self._track(delivered)

    # -- escalation --------------------------------------------------------------------

    def due(self, now_s: float) -> bool:
        """Whether a deadline or repeat is due at ``now_s`` (constant time)."""
        return self._next_due_s is not None and now_s >= self._next_due_s

    def escalate(self, unit: WriteUnit, at_most: int | None = None) -> int:
        """Run the due escalations (inside ``unit``), the longest overdue first, at most
        ``at_most`` messages (the rest stay due for the next cycle); how many moved."""
        now = unit.now_s
        repeat_s = self.settings.hotline_repeat_s
        due = [m for m in self._open.values() if m.next_step_s is not None and m.next_step_s <= now]
        moved = 0
        if due:
            unit.on_rollback(self._reload)
        due.sort(key=lambda m: (m.next_step_s or 0.0, m.created_s, m.id))
        for message in due[:at_most]:
            after, steps = escalation_step(message, now, repeat_s)
            if not steps:
                continue
            moved += 1
            self._save(unit, after)
            for step in steps:
                kind = f"message.{step.kind.value}"
                self._tell(unit, after.sender, kind, after, step)
                if step.kind in _ESCALATION_STEPS:
                    self._tell(unit, after.recipient, kind, after, step)
            self._open[after.id] = after
        self._reschedule()
        return moved

    # -- delivery, presence, webhooks, figures --------------------------------------------

    def reached_desk(self, party: str, event: Any, via: str = "stream") -> None:
        """A desk (``via="stream"``) or the webhook of ``party`` was sent ``event``: if it
        carries a message not yet delivered, the message is now, and its sender is told."""
        message_id = self.receipt_wanted(party, event)
        if message_id is not None:
            with self._write() as unit:
                self.mark_delivered(unit, party, message_id, via)

    def crossings_for(self, party: str) -> list[ExpectedCrossing]:
        """The expected crossings ``party`` notified or acknowledged, still to come."""
        return self.crossings.involving(party, self._clock.now())

    # -- threads about alerts (listeners of the alert book, inside its write) -----------

    def alert_opened(self, unit: WriteUnit, conflict: OpenConflict) -> None:
        """Open a thread for a new conflict: a hub message to each involved party."""
        if len(conflict.alerts) < 2:
            return
        now = unit.now_s
        unit.on_rollback(self._reload)
        within = deadline_s(self.settings, conflict.severity)
        for party, alert in conflict.alerts.items():
            content = thread_content(alert, conflict.live(), now)
            message = Message(
                id=new_id("msg", now),
                thread_id=conflict.id,
                sender=HUB_SENDER,
                recipient=party,
                channel=channel_for(alert),
                priority=PRIORITY[conflict.severity],
                created_s=now,
                text=content.text,
                text_language="en" if content.text is not None else None,
                template=content.template,
                fields=content.fields,
                ack_due_s=now + within if within > 0 else None,
            )
            self._alert_of[message.id] = alert.id
            if message.ack_due_s is not None:
                self._message_of_alert[alert.id] = message.id
            self._save(unit, message)
            self._tell(unit, party, "message.received", message, message.history[-1])
            self._track(message)

    def alert_escalated(self, unit: WriteUnit, conflict: OpenConflict, before: Severity) -> None:
        """An open conflict's severity rose (advisory, predicted, loss): each party gets a
        new hub message in the thread, with the priority and deadline of the new severity;
        the earlier one, if still chased, no longer is (``message.cleared``)."""
        if len(conflict.alerts) < 2:
            return
        for alert in conflict.alerts.values():
            self._clear_thread(
                unit, alert.id, alert_state=alert.state.value, escalated_to=conflict.severity.value
            )
        self.alert_opened(unit, conflict)

    def alert_closed(self, unit: WriteUnit, conflict: OpenConflict, state: AlertState) -> None:
        """The conflict ended: its thread messages are no longer chased (their deadlines
        are lifted; they may still be acknowledged)."""
        for alert in conflict.alerts.values():
            self._clear_thread(unit, alert.id, alert_state=state.value)

    def _clear_thread(self, unit: WriteUnit, alert_id: str, **extra: Any) -> None:
        """The hub's thread message about an alert is no longer chased."""
        message_id = self._message_of_alert.pop(alert_id, None)
        message = self._open.get(message_id) if message_id is not None else None
        if message is None or message.acknowledged or message.ack_due_s is None:
            return
        unit.on_rollback(self._reload)
        cleared = clear_deadline(message, unit.now_s)
        self._save(unit, cleared)
        self._tell(
            unit, cleared.recipient, "message.cleared", cleared, cleared.history[-1], **extra
        )
        self._track(cleared)
