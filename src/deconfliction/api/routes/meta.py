"""Health and version: the only endpoints that need no credential."""

from __future__ import annotations

from fastapi import APIRouter

from deconfliction import __version__
from deconfliction.api.deps import HubDep
from deconfliction.api.schemas import CycleOut, HealthOut, VersionOut
from deconfliction.units import format_time

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=HealthOut)
def health(hub: HubDep) -> HealthOut:
    """Whether the hub serves requests, with a few live figures."""
    now = hub.now()
    last = hub.last_cycle
    cycle = (
        None
        if last is None
        else CycleOut(
            time=format_time(last.time_s),
            tracks=last.tracks,
            conflicts=last.conflicts,
            duration_ms=round(last.duration_s * 1000, 1),
        )
    )
    return HealthOut(
        status="ok",
        time=format_time(now),
        tracks_live=hub.live_track_count(),
        schema_version=hub.schema_version(),
        cycle=cycle,
    )


@router.get("/version", response_model=VersionOut)
async def version() -> VersionOut:
    """The release of the hub and the API version."""
    return VersionOut(version=__version__, api="v1")
