"""A hotline message as one party sees it: fields, places with their renderings, and the
whole message rendered in the party's language and time zone."""

from __future__ import annotations

from typing import Any

from deconfliction.hotline.render import render, render_message
from deconfliction.model.codec import dump
from deconfliction.model.message import Message, MessageStep
from deconfliction.model.party import Party
from deconfliction.model.place import Place
from deconfliction.units import format_time


def place_view(place: Place) -> dict[str, Any]:
    """A place with its renderings: decimal degrees and MGRS (``None`` in polar regions)."""
    return {**dump(place), "degrees": place.degrees(), "mgrs": place.mgrs()}


def message_view(message: Message, reader: Party) -> dict[str, Any]:
    """``message`` as ``reader`` sees it (the API's and the streams' shape)."""
    rendered = render_message(message, language=reader.language, timezone=reader.timezone)
    return {
        **message.to_json(),
        "places": [place_view(place) for place in message.places],
        "rendered": {**dump(rendered), "text": rendered.text},
    }


def escalation_notice(
    message: Message, step: MessageStep, reader: Party, now_s: float
) -> dict[str, Any]:
    """The ``message_escalated`` notice of an escalation ``step``, rendered for ``reader``."""
    fields = {
        "party": message.recipient,
        "message": message.id,
        "subject": message.template or "text",
        "channel": message.channel.value,
        "sent": format_time(message.created_s),
        "waiting_s": max(0.0, now_s - message.created_s),
        "escalations": step.escalations,
    }
    notice = render("message_escalated", fields, language=reader.language, timezone=reader.timezone)
    return {**dump(notice), "text": notice.text}
