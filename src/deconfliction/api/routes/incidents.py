"""Incidents: a party reports an unsafe event; the hub attaches evidence from recorded data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from deconfliction.api.deps import CallerDep, HubDep, PartyDep
from deconfliction.api.schemas import (
    AccountIn,
    ErrorOut,
    IncidentIn,
    IncidentOut,
    IncidentStateIn,
    ReceiptOut,
)
from deconfliction.hub import Hub, IncidentView

router = APIRouter(
    tags=["incidents"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


def _out(hub: Hub, view: IncidentView) -> IncidentOut:
    receipt = None if view.entry is None else ReceiptOut.of(hub.receipt(view.entry))
    return IncidentOut.of(view.incident.to_json(), view.evidence.to_json(), receipt)


def _viewer(caller: Any) -> str | None:
    return None if caller.admin else str(caller.name)


@router.post(
    "/incidents",
    response_model=IncidentOut,
    status_code=201,
    responses={422: {"model": ErrorOut}},
)
def report_incident(body: IncidentIn, hub: HubDep, caller: PartyDep) -> IncidentOut:
    """Report an unsafe event. The hub attaches evidence computed from what it recorded: the
    paths of the named tracks over the window and, for an unsafe air encounter, their
    closest approach (distance, vertical distance, time); the alerts of the parties
    involved and the hotline messages between them around the window; the zones as they
    stood. Name your own tracks by id; another party's track as `{"party", "track"}`, which
    you may do only if it took part in an alert of yours during the window (its path is
    then shown only around that alert) or if that party shares its picture with you. The
    parties of the named tracks are involved: they see the incident and can add their
    accounts."""
    view = hub.incidents.report(caller.name, body.model_dump(exclude_none=True))
    return _out(hub, view)


@router.get("/incidents", response_model=list[IncidentOut])
def list_incidents(hub: HubDep, caller: CallerDep) -> list[IncidentOut]:
    """The incidents the caller reported or is involved in (the admin: all), oldest first,
    each with the evidence the caller may see."""
    return [_out(hub, view) for view in hub.incidents.list(_viewer(caller))]


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: str, hub: HubDep, caller: CallerDep) -> IncidentOut:
    """One incident the caller reported or is involved in, with the evidence it may see."""
    return _out(hub, hub.incidents.get(_viewer(caller), incident_id))


@router.post(
    "/incidents/{incident_id}/accounts",
    response_model=IncidentOut,
    status_code=201,
    responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def add_account(incident_id: str, body: AccountIn, hub: HubDep, caller: PartyDep) -> IncidentOut:
    """Add the caller's own account of an incident it is involved in but did not report.
    Refused (409) once the incident is closed."""
    return _out(hub, hub.incidents.add_account(caller.name, incident_id, body.narrative))


@router.post(
    "/incidents/{incident_id}/state",
    response_model=IncidentOut,
    responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def move_incident(
    incident_id: str, body: IncidentStateIn, hub: HubDep, caller: CallerDep
) -> IncidentOut:
    """Move the incident along its review: `open → under_review → closed` (or straight to
    `closed`); only its reporter or the admin may. Any other move is refused (409)."""
    return _out(hub, hub.incidents.move(_viewer(caller), incident_id, body.state))


@router.get(
    "/incidents/{incident_id}/report",
    response_class=HTMLResponse,
    responses={200: {"description": "One HTML page, its PNG plot embedded."}},
)
def incident_report(incident_id: str, hub: HubDep, caller: CallerDep) -> HTMLResponse:
    """The incident as a self-contained HTML report, with a plot (PNG) of the paths, the
    zones and the closest approach, holding only what the caller may see."""
    return HTMLResponse(hub.incidents.report_html(_viewer(caller), incident_id))
