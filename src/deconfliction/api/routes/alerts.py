"""Alerts: the conflicts that involve the calling party, as it may see them."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from deconfliction.api.alert_schemas import AlertOut
from deconfliction.api.deps import HubDep, PartyDep
from deconfliction.api.receipts import with_receipt
from deconfliction.api.schemas import ErrorOut

router = APIRouter(tags=["alerts"], responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}})


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(
    hub: HubDep,
    caller: PartyDep,
    state: Literal["active", "closed", "all"] = Query(
        "active",
        description="`active`: open and acknowledged alerts with their live figures; "
        "`closed`: resolved and expired ones, newest first; `all`: both.",
    ),
    limit: int = Query(500, ge=1, le=10_000, description="Most closed alerts returned."),
) -> list[dict[str, Any]]:
    """The caller's alerts. Each carries the caller's own objects in full and, of the other
    side, only the party's name and its state at alert time."""
    alerts = []
    if state in ("active", "all"):
        alerts += hub.alerts_for(caller.name)
    if state in ("closed", "all"):
        alerts += hub.closed_alerts_for(caller.name, limit)
    return [a.to_json() for a in alerts]


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """One of the caller's alerts."""
    return hub.alert(caller.name, alert_id).to_json()


@router.post(
    "/alerts/{alert_id}/ack", response_model=AlertOut, responses={409: {"model": ErrorOut}}
)
def acknowledge_alert(alert_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """Acknowledge one of the caller's alerts (the other parties involved are told). An
    alert already resolved or expired cannot be acknowledged (409); acknowledging twice
    changes nothing. The answer carries the journal receipt of the acknowledgement."""
    alert, receipt = with_receipt(
        hub, caller.name, lambda: hub.acknowledge_alert(caller.name, alert_id)
    )
    return {**alert.to_json(), "receipt": receipt}
