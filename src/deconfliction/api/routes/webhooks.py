"""The calling party's webhook and the log of its deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from deconfliction.api.deps import HubDep, PartyDep
from deconfliction.api.hotline_schemas import DeliveryOut, WebhookIn, WebhookOut
from deconfliction.api.schemas import ErrorOut
from deconfliction.hub import WEBHOOK_KINDS, WebhookConfig
from deconfliction.units import format_time

router = APIRouter(
    tags=["webhooks"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


def _out(config: WebhookConfig, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        url=config.url, set=format_time(config.set_s), secret=secret, events=list(WEBHOOK_KINDS)
    )


@router.put("/me/webhook", response_model=WebhookOut)
def set_webhook(body: WebhookIn, hub: HubDep, caller: PartyDep) -> WebhookOut:
    """Set where the hub POSTs your hotline and alert events (`message.*`, `alert.*`),
    each signed with HMAC-SHA256 over the timestamp and body (see docs/hotline.md), retried
    with backoff. Leave `secret` out and the hub makes one, shown in this answer only."""
    config, made = hub.desks.set_webhook(caller.name, body.url, body.secret)
    return _out(config, made)


@router.get("/me/webhook", response_model=WebhookOut)
def get_webhook(hub: HubDep, caller: PartyDep) -> WebhookOut:
    """Your webhook (its secret is never shown again)."""
    return _out(hub.desks.webhook(caller.name))


@router.delete("/me/webhook", status_code=204)
def remove_webhook(hub: HubDep, caller: PartyDep) -> Response:
    """Stop sending events to your webhook; deliveries still queued fail."""
    hub.desks.remove_webhook(caller.name)
    return Response(status_code=204)


@router.get("/me/webhook/deliveries", response_model=list[DeliveryOut])
def webhook_deliveries(
    hub: HubDep,
    caller: PartyDep,
    limit: int = Query(100, ge=1, le=10_000, description="Most deliveries returned."),
) -> list[dict[str, Any]]:
    """Your latest webhook deliveries, newest first, with every attempt: when, the status
    answered or the error, how long it took, and the wait before the next one."""
    return [
        {key: doc[key] for key in DeliveryOut.model_fields}
        for doc in hub.desks.deliveries(caller.name, limit)
    ]
