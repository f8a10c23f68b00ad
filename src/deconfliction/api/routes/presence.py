"""Presence: whether anyone is listening at a party's duty desk."""

from __future__ import annotations

from fastapi import APIRouter

from deconfliction.api.deps import CallerDep, HubDep
from deconfliction.api.hotline_schemas import PresenceOut
from deconfliction.api.schemas import ErrorOut
from deconfliction.units import format_time

router = APIRouter(tags=["hotline"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


def _time(value: float | None) -> str | None:
    return None if value is None else format_time(value)


@router.get("/presence", response_model=list[PresenceOut])
def presence(hub: HubDep, caller: CallerDep) -> list[PresenceOut]:
    """You and each party you have an agreement with (the admin: every active party): how
    many desks are connected to their stream now, when one last sent a frame (heartbeat),
    and whether a webhook receives their events. Kept in memory by this hub process."""
    seen_all = hub.presence_all() if caller.admin else hub.desks.presence_for(caller.name)
    return [
        PresenceOut(
            party=seen.party,
            connected=seen.connected,
            desks=seen.desks,
            connected_since=_time(seen.connected_s),
            last_heartbeat=_time(seen.last_heartbeat_s),
            last_disconnect=_time(seen.last_disconnect_s),
            webhook=webhook,
        )
        for seen, webhook in seen_all
    ]
