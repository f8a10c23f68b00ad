"""Checking a message a party asks to send, before the hub's write gives it an id and a time.

Everything here runs outside the hub lock and raises with what the party can act on: who it
may write to (parties it has an agreement with, still active), which templates it may send
(not the hub's), the fields of its template (every problem at once), its places, and its
acknowledgement deadline (by priority unless given).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput, PermissionDenied
from deconfliction.hotline.templates import HUB_TEMPLATES, PARTY_TEMPLATES, validate_fields
from deconfliction.hub.parties.registry import Parties
from deconfliction.model.message import MAX_PLACES, Channel, Message, Priority
from deconfliction.model.place import Place
from deconfliction.settings import Settings
from deconfliction.units import parse_duration_s

MAX_ACK_WITHIN_S = 7 * 86400.0
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


@dataclass(frozen=True)
class MessageRequest:
    """What a party asks to send: free ``text`` or a ``template`` with its ``fields`` (raw,
    as sent), to the duty desk of ``to`` on ``channel``. ``ack_within_s`` defaults by
    priority; ``reply_to`` puts the message in that message's thread."""

    to: str
    channel: str
    priority: str = "routine"
    text: str | None = None
    text_language: str | None = None
    template: str | None = None
    fields: Mapping[str, Any] | None = None
    ack_within_s: str | float | None = None
    places: Sequence[Any] = ()
    reply_to: str | None = None


@dataclass(frozen=True)
class Draft:
    """A checked message, before the write gives it an id and a time."""

    message: Message  # id, thread and times are placeholders
    ack_within_s: float | None
    thread_id: str | None  # the thread replied in, or None for a new one


def default_ack_within_s(settings: Settings, priority: Priority) -> float | None:
    """The deadline a message of ``priority`` gets when none is given (``None``: none)."""
    seconds = {
        Priority.FLASH: settings.hotline_ack_flash_s,
        Priority.URGENT: settings.hotline_ack_urgent_s,
        Priority.ROUTINE: settings.hotline_ack_routine_s,
    }[priority]
    return seconds if seconds > 0 else None


def _ack_within_s(settings: Settings, priority: Priority, given: Any) -> float | None:
    if given is None:
        return default_ack_within_s(settings, priority)
    seconds = parse_duration_s(given, "ack_within_s")
    if not 0 < seconds <= MAX_ACK_WITHIN_S:
        raise InvalidInput(
            f"ack_within_s must be more than 0 and at most {MAX_ACK_WITHIN_S:.0f} s "
            f"(7 days), got {given!r}"
        )
    return seconds


def _choice(enum: Any, value: Any, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} {value!r} is unknown; use one of {choices}") from None


def _places(items: Sequence[Any]) -> tuple[Place, ...]:
    if len(items) > MAX_PLACES:
        raise InvalidInput(f"places: more than {MAX_PLACES} places")
    return tuple(Place.from_json(item, f"places[{i}]") for i, item in enumerate(items))


def check_draft(
    parties: Parties,
    settings: Settings,
    sender: str,
    request: MessageRequest,
    *,
    thread_of: Callable[[str], str] | None = None,
) -> Draft:
    """A message ``sender`` asks to send, checked; raise with every problem it can act on.

    ``thread_of`` gives the thread of a message ``sender`` may see (and raises ``NotFound``
    for any other); it is needed only with ``reply_to``.
    """
    to, template, text = request.to, request.template, request.text
    text_language, fields = request.text_language, request.fields
    if to == sender:
        raise InvalidInput(f"{sender!r} cannot send a message to itself")
    if parties.agreement(sender, to) is None:
        raise PermissionDenied(
            f"{sender!r} has no agreement with {to!r}: hotline messages go only to "
            "parties you have an agreement with (the hub's administrator records them)"
        )
    if not parties.get(to).active:
        raise PermissionDenied(f"party {to!r} has been revoked and receives no messages")
    if template is not None and template in HUB_TEMPLATES:
        raise PermissionDenied(
            f"template {template!r} is sent by the hub only; parties send "
            + ", ".join(sorted(PARTY_TEMPLATES))
        )
    if (text is None) == (template is None):
        raise InvalidInput("give either free text (text) or a template, not both or neither")
    if template is None and fields:
        raise InvalidInput("fields go with a template; free text has none")
    if text_language is not None and (
        not isinstance(text_language, str) or not _LANGUAGE_TAG.match(text_language)
    ):
        raise InvalidInput(
            f"text_language {text_language!r} is not a language tag such as en, ru or pt-BR"
        )
    canonical = validate_fields(template, fields or {}) if template is not None else {}
    message = Message(
        id="draft",
        thread_id="draft",
        sender=sender,
        recipient=to,
        channel=_choice(Channel, request.channel, "channel"),
        priority=_choice(Priority, request.priority, "priority"),
        created_s=0.0,
        text=text,
        text_language=text_language,
        template=template,
        fields=canonical,
        places=_places(request.places or ()),
    )
    thread_id = None
    if request.reply_to is not None:
        if thread_of is None:
            raise InvalidInput("reply_to needs the hub's messages to find its thread")
        thread_id = thread_of(request.reply_to)
    deadline = _ack_within_s(settings, message.priority, request.ack_within_s)
    return Draft(message, deadline, thread_id)
