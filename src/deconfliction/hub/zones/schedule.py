"""When a zone needs the hub's attention without anyone asking: its expiry, the reminder to
its owner, and the acknowledgement deadline of each party a protected zone is shared with.

What is due for a record, and the hub message that chases a party that let the
acknowledgement deadline pass (pure; :class:`~deconfliction.hub.zones.timers.ZoneTimers`
runs what is due).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from deconfliction.hotline.templates import validate_fields
from deconfliction.hub.hotline.drafts import Draft, default_ack_within_s
from deconfliction.hub.zones.records import ZoneRecord
from deconfliction.model.message import HUB_SENDER, Channel, Message, Priority
from deconfliction.settings import Settings
from deconfliction.units import format_time

CHASE_PRIORITY = Priority.URGENT


@dataclass(frozen=True)
class Due:
    """What is due for one zone at a time: expire it, remind its owner, chase parties."""

    expire: bool
    remind: bool
    chase: tuple[str, ...]


def ask_since(record: ZoneRecord, party: str, created_s: Mapping[str, float]) -> float:
    """Since when ``party`` has been asked to acknowledge the zone: when the declaration (or
    the sharing) reached it, or when it joined the hub if the zone is shared with all."""
    since = record.asked.get(party)
    if since is not None:
        return since
    return max(record.updated_s, created_s.get(party, record.updated_s))


def reminder_at(record: ZoneRecord, settings: Settings) -> float | None:
    """When the owner of a protected zone is reminded of its expiry, if it is to be.

    No reminder if one was sent for this declaration, or if the declaration itself was made
    inside the reminder period (its owner chose that end just now).
    """
    zone = record.zone
    if (
        zone is None
        or not record.protected
        or zone.valid_to_s is None
        or settings.zone_expiry_reminder_s <= 0
        or record.reminded_s is not None
    ):
        return None
    at = zone.valid_to_s - settings.zone_expiry_reminder_s
    return at if record.updated_s < at else None


def next_due_s(
    record: ZoneRecord,
    expected: list[str],
    created_s: Mapping[str, float],
    settings: Settings,
) -> float | None:
    """The earliest time something is due for ``record`` (``None``: nothing ever)."""
    if not record.active or record.zone is None:
        return None
    times = []
    if record.zone.valid_to_s is not None:
        times.append(record.zone.valid_to_s)
    remind = reminder_at(record, settings)
    if remind is not None:
        times.append(remind)
    deadline = settings.zone_ack_deadline_s
    if deadline > 0:
        times += [
            ask_since(record, party, created_s) + deadline
            for party in expected
            if party not in record.acks and party not in record.chased
        ]
    return min(times, default=None)


def due_now(
    record: ZoneRecord,
    expected: list[str],
    created_s: Mapping[str, float],
    settings: Settings,
    now_s: float,
) -> Due:
    """What is due for ``record`` at ``now_s``."""
    zone = record.zone
    if not record.active or zone is None:
        return Due(False, False, ())
    if zone.valid_to_s is not None and now_s >= zone.valid_to_s:
        return Due(True, False, ())
    remind = reminder_at(record, settings)
    deadline = settings.zone_ack_deadline_s
    chase: tuple[str, ...] = ()
    if deadline > 0:
        chase = tuple(
            party
            for party in expected
            if party not in record.acks
            and party not in record.chased
            and now_s >= ask_since(record, party, created_s) + deadline
        )
    return Due(False, remind is not None and now_s >= remind, chase)


def chase_draft(
    record: ZoneRecord, party: str, since_s: float, now_s: float, settings: Settings
) -> Draft:
    """The hub's message to ``party``, which has not acknowledged the protected zone."""
    assert record.zone is not None
    point = record.zone.region.shape.representative_point()
    fields = validate_fields(
        "zone_unacknowledged",
        {
            "zone": record.id,
            "zone_owner": record.owner,
            "rule": record.rule,
            "party": party,
            "declared": format_time(since_s),
            "waiting_s": round(now_s - since_s, 1),
            "where": {"lat": round(point.y, 6), "lon": round(point.x, 6)},
        },
    )
    message = Message(
        id="draft",
        thread_id="draft",
        sender=HUB_SENDER,
        recipient=party,
        channel=Channel.COMMAND,
        priority=CHASE_PRIORITY,
        created_s=0.0,
        template="zone_unacknowledged",
        fields=fields,
    )
    return Draft(message, default_ack_within_s(settings, CHASE_PRIORITY), None)
