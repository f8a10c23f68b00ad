"""The live picture as the calling party may see it, now or as it stood in the past."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Query, Response

from deconfliction.api.deps import HubDep, PartyDep
from deconfliction.api.schemas import GEOJSON_POINTS, TrackColumnsOut, TrackOut, TracksOut
from deconfliction.model import Report
from deconfliction.units import format_time, parse_time

router = APIRouter(tags=["tracks"])

_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The tracks: objects (`TracksOut`), or with `format=columns` one array "
        "per field (`TrackColumnsOut`: several times smaller and faster to read), or with "
        "`format=geojson` a FeatureCollection of points (the console reads one or the other).",
        "content": {"application/geo+json": {"schema": GEOJSON_POINTS}},
    }
}


@router.get("/tracks", response_model=TracksOut | TrackColumnsOut, responses=_FORMATS)
def get_tracks(
    hub: HubDep,
    caller: PartyDep,
    at: str | None = Query(
        None,
        description="A past moment (RFC 3339 or unix seconds): the picture as it stood then, "
        "read from the recorded reports (each track's latest report at or before it, not "
        "older than `stale_after_s`), under the same visibility rule as now.",
    ),
    format: Literal["objects", "columns", "geojson"] = Query(
        "objects",
        description="`objects`: one object per track; `columns`: one array per field; "
        "`geojson`: a FeatureCollection of points (what a map library reads directly).",
    ),
) -> Any:
    """The latest state of the caller's own tracks, and of the tracks of parties that agreed
    to share their picture with it. Other parties' tracks appear only inside the alerts that
    involve the caller."""
    now = hub.now()
    if at is None:
        reports, then = hub.tracks_for(caller.name), now
    else:
        then = parse_time(at, "at")
        reports = hub.tracks_at(caller.name, then)
    stale = hub.settings.stale_after_s
    if format == "columns":
        body = _columns(reports, now, then, stale)
        return Response(orjson.dumps(body), media_type="application/json")
    if format == "geojson":
        return Response(
            orjson.dumps(_features(reports, then, stale)), media_type="application/geo+json"
        )
    tracks = [TrackOut.of(r, then, stale) for r in reports]
    return TracksOut(time=format_time(then), tracks=tracks)


def _features(reports: list[Report], at_s: float, stale_s: float) -> dict[str, Any]:
    """Points with what a map styles a track by: its party, id, altitude, course, staleness."""
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "party": r.party,
                "track": r.track,
                "alt_m": r.alt_m,
                "course_deg": r.course_deg,
                "domain": r.domain.value,
                "stale": at_s - r.time_s > stale_s,
            },
        }
        for i, r in enumerate(reports)
    ]
    return {"type": "FeatureCollection", "features": features}


def _columns(reports: list[Report], now_s: float, at_s: float, stale_s: float) -> dict[str, Any]:
    ages = [round(max(0.0, at_s - r.time_s), 3) for r in reports]
    return {
        "time": format_time(now_s),
        "at": format_time(at_s),
        "count": len(reports),
        "party": [r.party for r in reports],
        "track": [r.track for r in reports],
        "time_s": [r.time_s for r in reports],
        "lat": [r.lat for r in reports],
        "lon": [r.lon for r in reports],
        "alt_m": [r.alt_m for r in reports],
        "gs_mps": [r.gs_mps for r in reports],
        "course_deg": [r.course_deg for r in reports],
        "vs_mps": [r.vs_mps for r in reports],
        "domain": [r.domain.value for r in reports],
        "operation": [r.operation for r in reports],
        "age_s": ages,
        "stale": [age > stale_s for age in ages],
    }
