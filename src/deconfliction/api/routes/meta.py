"""Health and version: the only endpoints that need no credential."""

from __future__ import annotations

from fastapi import APIRouter

from deconfliction import __version__
from deconfliction.api.deps import HubDep
from deconfliction.api.schemas import HealthOut, VersionOut
from deconfliction.units import format_time

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=HealthOut)
def health(hub: HubDep) -> HealthOut:
    """Whether the hub serves requests, with a few live figures."""
    now = hub.clock.now()
    return HealthOut(
        status="ok",
        time=format_time(now),
        tracks_live=len(hub.picture.live_rows(now, hub.settings.stale_after_s)),
        schema_version=hub.store.schema_version(),
    )


@router.get("/version", response_model=VersionOut)
def version() -> VersionOut:
    """The release of the hub and the API version."""
    return VersionOut(version=__version__, api="v1")
