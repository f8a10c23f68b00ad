"""Health and version: the only endpoints that need no credential."""

from __future__ import annotations

from fastapi import APIRouter, Request

from deconfliction import __version__
from deconfliction.api.deps import HubDep
from deconfliction.api.schemas import CycleOut, HealthOut, VersionOut
from deconfliction.errors import AuthenticationFailed
from deconfliction.hub import Hub
from deconfliction.units import format_time

router = APIRouter(tags=["meta"])


def _admin(hub: Hub, request: Request) -> bool:
    """Whether the request carries the admin token. Read here rather than through the
    credential dependency: health needs no credential, and a bad one must not fail it."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        return False
    try:
        return hub.authenticate(header[7:].strip()).admin
    except AuthenticationFailed:
        return False


@router.get("/health", response_model=HealthOut, response_model_exclude_none=True)
def health(hub: HubDep, request: Request) -> HealthOut:
    """Whether the hub serves requests (no credential needed). With the admin token, also a
    few live figures: live tracks, the last detection cycle, the database schema (hub-wide
    figures that would tell a party about the others' activity)."""
    now = hub.now()
    if not _admin(hub, request):
        return HealthOut(
            status="ok",
            time=format_time(now),
            tracks_live=None,
            schema_version=None,
            cycle=None,
            store_writes=None,
            store_write_lock_s=None,
            process=None,
            leads=None,
            leader=None,
        )
    last = hub.last_cycle
    cycle = (
        None
        if last is None
        else CycleOut(
            time=format_time(last.time_s),
            tracks=last.tracks,
            conflicts=last.conflicts,
            duration_ms=round(last.duration_s * 1000, 1),
            altitudes_rejected=last.altitudes_rejected,
        )
    )
    return HealthOut(
        status="ok",
        time=format_time(now),
        tracks_live=hub.live_track_count(),
        schema_version=hub.schema_version(),
        cycle=cycle,
        store_writes=hub.write_stats.writes,
        store_write_lock_s=round(hub.write_stats.lock_held_s, 3),
        process=hub.lease.holder,
        leads=hub.lease.leading,
        leader=hub.lease.leader,
    )


@router.get("/version", response_model=VersionOut)
async def version() -> VersionOut:
    """The release of the hub and the API version."""
    return VersionOut(version=__version__, api="v1")
