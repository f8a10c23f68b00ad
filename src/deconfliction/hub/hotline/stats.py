"""How fast each party acknowledges its hotline messages, per channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from deconfliction.model.codec import load
from deconfliction.model.message import Channel, Message, StepKind
from deconfliction.store import Store


@dataclass(frozen=True)
class ChannelStats:
    """Messages a party received on one channel (where they were sent, before escalation).

    ``count`` messages, of which ``acknowledged`` and ``pending`` (not yet acknowledged);
    ``median_ack_s`` and ``p95_ack_s`` the seconds from sending to acknowledgement over the
    acknowledged ones (``None`` if there are none; p95 interpolates linearly between
    ranks); ``escalated`` the messages that escalated at least once and ``escalations`` all
    escalation steps, repeats included.
    """

    party: str
    channel: Channel
    count: int
    acknowledged: int
    pending: int
    median_ack_s: float | None
    p95_ack_s: float | None
    escalated: int
    escalations: int


def time_to_ack_s(message: Message) -> float | None:
    """Seconds from sending to acknowledgement, ``None`` if not acknowledged."""
    for step in message.history:
        if step.kind is StepKind.ACKNOWLEDGED:
            return step.at_s - message.created_s
    return None


def channel_stats(party: str, received: Iterable[Message]) -> list[ChannelStats]:
    """One row per channel (every channel, even without messages) for ``party``."""
    by_channel: dict[Channel, list[Message]] = {channel: [] for channel in Channel}
    for message in received:
        by_channel[message.channel].append(message)
    rows = []
    for channel, messages in by_channel.items():
        times = [t for t in map(time_to_ack_s, messages) if t is not None]
        median = p95 = None
        if times:
            median = round(float(np.median(times)), 3)
            p95 = round(float(np.percentile(times, 95)), 3)
        rows.append(
            ChannelStats(
                party=party,
                channel=channel,
                count=len(messages),
                acknowledged=len(times),
                pending=len(messages) - len(times),
                median_ack_s=median,
                p95_ack_s=p95,
                escalated=sum(1 for m in messages if m.escalations),
                escalations=sum(m.escalations for m in messages),
            )
        )
    return rows


def stats_of(
    store: Store, parties: Sequence[str], since_s: float | None, *, sent_by: str | None = None
) -> list[ChannelStats]:
    """Acknowledgement times per party (as recipient) and channel, from the stored messages
    (with ``sent_by``: only the messages that party sent)."""
    rows: list[ChannelStats] = []
    for party in parties:
        received = [
            load(Message, stored.doc)
            for stored in store.list_objects("message", owner=party)
            if since_s is None or stored.doc["created_s"] >= since_s
        ]
        rows += channel_stats(party, (m for m in received if sent_by in (None, m.sender)))
    return rows
