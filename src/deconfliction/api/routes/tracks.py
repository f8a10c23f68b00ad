"""The live picture as the calling party may see it."""

from __future__ import annotations

from fastapi import APIRouter

from deconfliction.api.deps import HubDep, PartyDep
from deconfliction.api.schemas import TrackOut, TracksOut
from deconfliction.units import format_time

router = APIRouter(tags=["tracks"])


@router.get("/tracks", response_model=TracksOut)
def get_tracks(hub: HubDep, caller: PartyDep) -> TracksOut:
    """The latest state of the caller's own tracks, and of the tracks of parties that agreed
    to share their picture with it. Other parties' tracks appear only inside the alerts that
    involve the caller."""
    now = hub.now()
    stale = hub.settings.stale_after_s
    tracks = [TrackOut.of(r, now, stale) for r in hub.tracks_for(caller.name)]
    return TracksOut(time=format_time(now), tracks=tracks)
