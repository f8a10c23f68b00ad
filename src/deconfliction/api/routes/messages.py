"""The hotline: messages between parties' duty desks, their acknowledgement, and figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from deconfliction.api.deps import CallerDep, HubDep, PartyDep
from deconfliction.api.hotline_schemas import (
    ChannelStatsOut,
    CrossingOut,
    MessageIn,
    MessageOut,
    MessagePageOut,
    SentOut,
)
from deconfliction.api.params import MAX_SEQ
from deconfliction.api.receipts import with_receipt
from deconfliction.api.schemas import ErrorOut
from deconfliction.hub import MessageRequest
from deconfliction.model.codec import dump
from deconfliction.units import parse_time

router = APIRouter(
    tags=["hotline"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


@router.post(
    "/messages",
    response_model=SentOut,
    status_code=201,
    responses={
        409: {
            "model": ErrorOut,
            "description": "The recipient has `hotline_max_unacknowledged` of your messages "
            "waiting for its receipt or acknowledgement.",
        }
    },
)
def send_message(body: MessageIn, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """Send a message to the duty desk of a party you have an agreement with (403 for any
    other), on a channel. Give free `text`, or a `template` with its `fields` that each
    reader reads in its own language. It must be acknowledged within `ack_within_s`
    (default by priority); past that it escalates to the recipient's `command` channel and
    is repeated there until acknowledged. You hear every step on your stream. The answer
    says how many desks of the recipient are connected and whether it has a webhook. A
    party that never answers is sent at most `hotline_max_unacknowledged` (500) of your
    messages waiting at once: more get 409 until some are acknowledged."""
    request = MessageRequest(
        to=body.to,
        channel=body.channel,
        priority=body.priority,
        text=body.text,
        text_language=body.text_language,
        template=body.template,
        fields=body.fields,
        ack_within_s=body.ack_within_s,
        places=[place.model_dump(exclude_none=True) for place in body.places or ()],
        reply_to=body.reply_to,
    )
    message, receipt = with_receipt(
        hub, caller.name, lambda: hub.hotline.send(caller.name, request)
    )
    presence = hub.desks.presence(body.to)
    return {
        **hub.hotline.view(message, caller.name),
        "receipt": receipt,
        "recipient_desks": presence.desks,
        "recipient_webhook": hub.desks.has_webhook(body.to),
    }


@router.get("/messages", response_model=MessagePageOut)
def list_messages(
    hub: HubDep,
    caller: PartyDep,
    after: int = Query(
        0,
        ge=0,
        le=MAX_SEQ,
        description="A sequence number of your stream: messages changed after it.",
    ),
    limit: int = Query(500, ge=1, le=10_000, description="Most message events read."),
) -> dict[str, Any]:
    """Messages you sent or received whose latest event on your stream comes after
    `after`, each once and as it is now, rendered in your language. Continue from
    `last_seq` while `more` is true; `after` works like the stream's, so a desk that was
    away catches up with the last sequence number it saw."""
    page = hub.hotline.page(caller.name, after, limit)
    return {
        "messages": [
            {**hub.hotline.view(message, caller.name), "seq": seq} for seq, message in page.items
        ],
        "last_seq": page.last_seq,
        "more": page.more,
    }


@router.get("/messages/{message_id}", response_model=MessageOut)
def get_message(message_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """One message you sent or received."""
    return hub.hotline.view(hub.hotline.get(caller.name, message_id), caller.name)


@router.post(
    "/messages/{message_id}/ack", response_model=MessageOut, responses={409: {"model": ErrorOut}}
)
def acknowledge_message(message_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """Acknowledge a message you received (only its recipient may: 403 for the sender).
    Its escalation stops and the sender is told. Acknowledging twice changes nothing.
    Acknowledging the hub's message about an alert acknowledges the alert too, and a
    crossing notice you acknowledge makes the crossing expected in your zones."""
    message, receipt = with_receipt(
        hub, caller.name, lambda: hub.acknowledge_message(caller.name, message_id)
    )
    return {**hub.hotline.view(message, caller.name), "receipt": receipt}


@router.get("/hotline/stats", response_model=list[ChannelStatsOut])
def hotline_stats(
    hub: HubDep,
    caller: CallerDep,
    since: str | None = Query(
        None,
        min_length=1,
        description="Count only messages sent from then on (RFC 3339 or unix seconds).",
    ),
) -> list[dict[str, Any]]:
    """How fast parties acknowledge, per receiving party and channel: messages, median and
    95th percentile seconds to acknowledgement, escalations. For your own desks (every
    message you received), and for each party you have an agreement with, over the
    messages you sent it only (every party in full for the admin)."""
    since_s = None if since is None else parse_time(since, "since")
    return [dump(row) for row in hub.hotline_stats(caller, since_s)]


@router.get("/hotline/crossings", response_model=list[CrossingOut])
def expected_crossings(hub: HubDep, caller: PartyDep) -> list[dict[str, Any]]:
    """Crossings not yet over that you notified or acknowledged: while one lasts, the
    named tracks inside the acknowledging party's zones raise no incursion alert."""
    return [crossing.to_json() for crossing in hub.hotline.crossings_for(caller.name)]
