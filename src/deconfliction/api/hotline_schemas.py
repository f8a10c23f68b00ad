"""The shapes of the hotline's requests and answers (messages, presence, webhooks, stats),
with every field described for ``/docs``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deconfliction.api.schemas import ReceiptOut

ChannelName = Literal["air", "ground", "command"]
PriorityName = Literal["routine", "urgent", "flash"]
MessageStateName = Literal["sent", "delivered", "overdue", "escalated", "acknowledged"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PlaceIn(_Model):
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84 degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84 degrees.")
    name: str | None = Field(None, description="A name readers know the place by (optional).")


class MessageIn(_Model):
    """A hotline message to another party's duty desk."""

    to: str = Field(
        description="The party whose duty desk receives it (one you have an agreement with)."
    )
    channel: ChannelName = Field(description="`air`, `ground` or `command`.")
    priority: PriorityName = Field(
        "routine",
        description="`routine`, `urgent` or `flash`; sets the default acknowledgement deadline.",
    )
    text: str | None = Field(
        None, description="Free text (never translated). Give either `text` or `template`."
    )
    text_language: str | None = Field(
        None, description="Language tag of the free text (`en`, `ru`, `pt-BR`), if known."
    )
    template: str | None = Field(
        None,
        description="A structured template that each reader reads in its own language: "
        "`crossing_notice`, `unsafe_encounter`, `hold_or_turn_away`, `confirmation` "
        "(see docs/hotline.md).",
    )
    fields: dict[str, Any] | None = Field(
        None, description="The template's fields (times RFC 3339 or unix s; `2h`, `5nm` accepted)."
    )
    ack_within_s: float | str | None = Field(
        None,
        description="Seconds (or `5min`) the recipient has to acknowledge; default by "
        "priority (settings `hotline_ack_*_s`). Past it, the message escalates to the "
        "recipient's `command` channel.",
    )
    places: list[PlaceIn] | None = Field(
        None, description="Places the message refers to, shown in degrees and MGRS."
    )
    reply_to: str | None = Field(
        None, description="Id of a message you sent or received: this one joins its thread."
    )


class StepOut(_Model):
    kind: Literal[
        "sent", "delivered", "overdue", "escalated", "repeated", "acknowledged", "cleared"
    ] = Field(description="What happened.")
    at: str = Field(description="When, RFC 3339.")
    state: MessageStateName = Field(description="The message's state after the step.")
    channel: ChannelName = Field(description="The channel the message was on after the step.")
    escalations: int = Field(description="Escalations so far, after the step.")
    by: str | None = Field(None, description="The party that acknowledged (acknowledgements).")


class PlaceOut(_Model):
    lat: float = Field(description="Latitude, WGS84 degrees.")
    lon: float = Field(description="Longitude, WGS84 degrees.")
    name: str | None = Field(None, description="The place's name, if given.")
    degrees: str = Field(description="Decimal degrees, e.g. `35.33000°N 40.14000°E`.")
    mgrs: str | None = Field(
        description="MGRS at 1 m (`37S FV 03609 10235`); null south of 80°S and north of 84°N."
    )


class RenderedOut(_Model):
    language: str = Field(description="Language of the rendering (the reader's, or `en`).")
    direction: Literal["ltr", "rtl"] = Field(description="Text direction (`rtl` for Arabic).")
    title: str = Field(description="The title line.")
    lines: list[str] = Field(description="The body, line by line.")
    text: str = Field(description="Title and lines joined by line breaks.")


class MessageOut(_Model):
    """A hotline message as the calling party sees it."""

    id: str = Field(description="The message's id.")
    thread: str = Field(
        description="Thread id: the first message's id, or the conflict's for the hub's "
        "threads about alerts."
    )
    sender: str = Field(alias="from", description="The sending party, or `@hub` for the hub.")
    to: str = Field(description="The receiving party.")
    channel: ChannelName = Field(description="The channel it was sent on.")
    current_channel: ChannelName = Field(description="Where it is now (`command` if escalated).")
    priority: PriorityName = Field(description="Its priority.")
    created: str = Field(description="When it was sent, RFC 3339.")
    text: str | None = Field(description="Free text, as written.")
    text_language: str | None = Field(description="Language tag of the free text, if given.")
    template: str | None = Field(description="The structured template, if any.")
    fields: dict[str, Any] = Field(description="The template's fields, canonical (SI, UTC).")
    places: list[PlaceOut] = Field(description="Places referred to, with their renderings.")
    ack_due: str | None = Field(
        description="Acknowledgement deadline, RFC 3339; null if none is asked (or lifted)."
    )
    state: MessageStateName = Field(
        description="sent → delivered → acknowledged, or overdue → escalated → acknowledged."
    )
    escalations: int = Field(description="How many times it was escalated or repeated.")
    history: list[StepOut] = Field(description="Every step of its life, in order.")
    rendered: RenderedOut = Field(
        description="The whole message in the caller's language, with UTC and local times."
    )
    receipt: ReceiptOut | None = Field(
        None,
        description="On sending or acknowledging: the journal receipt of that write (null "
        "when nothing was written, e.g. a second acknowledgement).",
    )


class SentOut(MessageOut):
    recipient_desks: int = Field(
        description="Desks of the recipient connected to their stream when it was sent."
    )
    recipient_webhook: bool = Field(description="Whether the recipient has a webhook.")


class MessageItemOut(MessageOut):
    seq: int = Field(
        description="Sequence number, on the caller's stream, of the latest event about it."
    )


class MessagePageOut(_Model):
    messages: list[MessageItemOut] = Field(
        description="Messages the caller sent or received that changed after `after`, each "
        "once, in its current state, in the order of their latest event."
    )
    last_seq: int = Field(description="Pass as `after` to continue.")
    more: bool = Field(description="Whether there may be more after `last_seq`.")


class ChannelStatsOut(_Model):
    party: str = Field(description="The receiving party.")
    channel: ChannelName = Field(description="The channel messages were sent on.")
    count: int = Field(description="Messages the party received on it.")
    acknowledged: int = Field(description="Of those, acknowledged.")
    pending: int = Field(description="Of those, not yet acknowledged.")
    median_ack_s: float | None = Field(
        description="Median seconds from sending to acknowledgement (null: none acknowledged)."
    )
    p95_ack_s: float | None = Field(
        description="95th percentile of the same, linearly interpolated (null: none)."
    )
    escalated: int = Field(description="Messages escalated at least once.")
    escalations: int = Field(description="Escalation steps in all, repeats included.")


class CrossingOut(_Model):
    message: str = Field(description="The acknowledged crossing notice.")
    party: str = Field(description="The party that crosses (the notice's sender).")
    zone_owner: str = Field(description="The party that acknowledged (the zone's owner).")
    zones: list[str] = Field(description="Zones named; empty: any zone of the owner.")
    tracks: list[str] = Field(description="Tracks named; empty: described only by `who`.")
    who: str | None = Field(description="The description of who crosses, as written.")
    start: str = Field(description="Start of the notified window, RFC 3339.")
    end: str = Field(description="End of the notified window, RFC 3339.")
    altitude_min_m: float | None = Field(description="Lowest altitude notified, metres.")
    altitude_max_m: float | None = Field(description="Highest altitude notified, metres.")
    places: list[dict[str, Any]] = Field(description="The notice's `where` or `route`.")
    acknowledged: str = Field(description="When the owner acknowledged, RFC 3339.")


class PresenceOut(_Model):
    party: str = Field(description="The party.")
    connected: bool = Field(description="Whether at least one desk is connected now.")
    desks: int = Field(description="Desks (stream connections) connected now.")
    connected_since: str | None = Field(
        description="When the longest-connected desk connected, RFC 3339."
    )
    last_heartbeat: str | None = Field(
        description="When a desk last sent a frame or connected (since the hub started)."
    )
    last_disconnect: str | None = Field(description="When a desk last went away.")
    webhook: bool = Field(
        description="Whether the party has a webhook (events reach it even with no desk connected)."
    )


class WebhookIn(_Model):
    url: str = Field(
        json_schema_extra={"minLength": 1, "format": "uri"},
        description="An `http://` or `https://` URL the hub POSTs events to (no credentials "
        "in it; the hub may only allow listed hosts).",
    )
    secret: str | None = Field(
        None,
        description="The HMAC key signatures are made with (16 to 256 characters). Leave it "
        "out and the hub makes one and shows it once.",
    )


class WebhookOut(_Model):
    url: str = Field(description="Where events are POSTed.")
    set: str = Field(description="When the webhook was set, RFC 3339.")
    secret: str | None = Field(
        None,
        description="The secret the hub made: shown only in the answer that set it. A secret "
        "the party gave is never shown back.",
    )
    events: list[str] = Field(description="Prefixes of the event kinds sent to the webhook.")


class AttemptOut(_Model):
    attempt: int = Field(description="1, 2, … (0: not attempted, see `error`).")
    at: str | None = Field(description="When it started, RFC 3339.")
    duration_s: float = Field(description="How long it took, seconds.")
    status_code: int | None = Field(description="The HTTP status answered, if any.")
    error: str | None = Field(description="Why there was no answer, or why none was tried.")
    retry_in_s: float | None = Field(description="Wait before the next attempt, if any.")


class DeliveryOut(_Model):
    id: str = Field(description="Delivery id (the `X-Deconfliction-Delivery` header).")
    event_seq: int = Field(description="Sequence number of the event on the party's stream.")
    event_kind: str = Field(description="Kind of the event.")
    url: str = Field(description="Where it was sent.")
    state: Literal["pending", "delivered", "failed"] = Field(
        description="`pending` while attempts remain, then `delivered` (2xx) or `failed`."
    )
    created: str = Field(description="When the event was queued, RFC 3339.")
    attempts: list[AttemptOut] = Field(description="Every attempt so far, in order.")
