"""Zones: declared by their owner as GeoJSON Features, seen by the parties they are shared
with, acknowledged when protected."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from deconfliction.api.body import parse_json, read_body
from deconfliction.api.deps import CallerDep, HubDep, PartyDep
from deconfliction.api.params import MAX_SEQ
from deconfliction.api.schemas import ErrorOut
from deconfliction.api.zone_schemas import FEATURE_BODY, ZoneCollectionOut, ZoneOut
from deconfliction.hub import HUB_MEMBER, Hub, Recorded, ZoneWrite, recording
from deconfliction.model.codec import dump

router = APIRouter(
    tags=["zones"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


def _viewer(caller: Any) -> str | None:
    return None if caller.admin else str(caller.name)


def _answer(hub: Hub, party: str, write: ZoneWrite, written: Recorded) -> dict[str, Any]:
    view = hub.zones.view(write.record, party)
    entry = written.first(party)
    if entry is not None:
        view[HUB_MEMBER]["receipt"] = dump(hub.receipt(entry))
    return view


@router.get("/zones", response_model=ZoneCollectionOut)
def list_zones(
    hub: HubDep,
    caller: CallerDep,
    state: Literal["active", "all"] = Query(
        "active",
        description="`active`: zones in detection (including those not yet valid); `all`: "
        "withdrawn and expired ones too.",
    ),
) -> dict[str, Any]:
    """The zones the caller may see, as a GeoJSON FeatureCollection: its own, and those
    shared with it (the admin: all). Each Feature is as its owner declared it (without
    `shared_with` for other parties), with the hub's member `deconfliction`."""
    return hub.zones.collection(_viewer(caller), ended=state == "all")


@router.get("/zones/{zone_id}", response_model=ZoneOut)
def get_zone(zone_id: str, hub: HubDep, caller: CallerDep) -> dict[str, Any]:
    """One zone the caller may see (404 for any other). For a protected zone its owner sees
    who acknowledged it and when (`acknowledgements`) and who has not (`pending`); a party
    it is shared with sees when it acknowledged it."""
    viewer = _viewer(caller)
    return hub.zones.view(hub.zones.get(viewer, zone_id), viewer)


def _put(
    hub: Hub, party: str, zone_id: str, body: bytes, if_version: int | None
) -> tuple[dict[str, Any], bool]:
    feature = parse_json(body)
    with recording() as written:
        write = hub.zones.put(party, zone_id, feature, if_version=if_version)
    return _answer(hub, party, write, written), write.created


@router.put(
    "/zones/{zone_id}",
    response_model=ZoneOut,
    openapi_extra=FEATURE_BODY,
    responses={
        201: {"model": ZoneOut, "description": "The zone was declared (new, or again)."},
        400: {"model": ErrorOut, "description": "The body is not valid JSON."},
        409: {"model": ErrorOut, "description": "The id is taken, or `if_version` is stale."},
        413: {"model": ErrorOut, "description": "The body is larger than `max_batch_bytes`."},
        422: {"model": ErrorOut, "description": "The Feature was refused; the message says why."},
    },
)
async def put_zone(
    zone_id: str,
    request: Request,
    hub: HubDep,
    caller: PartyDep,
    if_version: int | None = Query(
        None,
        ge=0,
        le=MAX_SEQ,
        description="Only if the zone is at this version now (0: only if the id is new); "
        "otherwise 409.",
    ),
) -> JSONResponse:
    """Declare a zone, or update one of yours, from a GeoJSON Feature (see docs/zones.md for
    its properties). Ids are global: an id another party uses is refused (409) and you
    should choose another (a UUID avoids clashes). A refused Feature gets 422 with a message
    naming the zone and the problem (also in `details`). Sending the same Feature again
    changes nothing. The owner and the parties the zone is shared with hear of it on their
    streams; a protected zone must be acknowledged by each of them. If it lies in or on
    another party's no-entry zone, both owners get an advisory alert. The answer is 201 for
    a new zone (200 otherwise) and carries the journal receipt."""
    body = await read_body(request, hub.settings.max_batch_bytes)
    view, created = await run_in_threadpool(_put, hub, caller.name, zone_id, body, if_version)
    return JSONResponse(view, status_code=201 if created else 200)


@router.delete("/zones/{zone_id}", response_model=ZoneOut, responses={409: {"model": ErrorOut}})
def withdraw_zone(zone_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """Withdraw one of your zones: it leaves detection at once, and the parties it is shared
    with are told. Its id stays yours (declare it again with PUT). Only the owner may (403);
    a zone already withdrawn or expired gives 409."""
    with recording() as written:
        write = hub.zones.withdraw(caller.name, zone_id)
    return _answer(hub, caller.name, write, written)


@router.post("/zones/{zone_id}/ack", response_model=ZoneOut, responses={409: {"model": ErrorOut}})
def acknowledge_zone(zone_id: str, hub: HubDep, caller: PartyDep) -> dict[str, Any]:
    """Acknowledge a protected zone shared with you: its owner sees who acknowledged and
    when. Past the deadline (setting `zone_ack_deadline_s`) a party that has not gets a hub
    message on its command channel, which escalates like any other. Acknowledging twice
    changes nothing; a zone that is not protected gives 409, your own zone 403."""
    with recording() as written:
        write = hub.zones.acknowledge(caller.name, zone_id)
    return _answer(hub, caller.name, write, written)
