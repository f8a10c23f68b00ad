"""The shapes of planned operations on the wire, every field described for ``/docs``.

These models document and type-check; the checks that matter (geometry, bands, windows,
limits, version keys) are the hub's, with messages that name the volume and the problem.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deconfliction.api.schemas import DomainName, ReceiptOut


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VolumeIn(_Model):
    """One 4-D volume of a plan: a footprint, an altitude band and a time window."""

    geometry: dict[str, Any] = Field(
        description="GeoJSON geometry in WGS84 lon/lat: `Polygon` or `MultiPolygon` (the area "
        "inside), `Point`/`MultiPoint` with `radius_m` (discs), or `LineString`/"
        "`MultiLineString` with `buffer_m` (a route corridor)."
    )
    radius_m: float | None = Field(
        None, description="Radius of the disc around each point, metres (points only)."
    )
    buffer_m: float | None = Field(
        None,
        description="Grows the geometry by this many metres; required for lines (half the "
        "corridor's width).",
    )
    alt_lower_m: float = Field(description="Bottom of the altitude band, metres above MSL.")
    alt_upper_m: float = Field(
        description="Top of the altitude band, metres above MSL (above `alt_lower_m`)."
    )
    start: str | float = Field(description="Start of the window: RFC 3339 or unix seconds.")
    end: str | float = Field(
        description="End of the window: RFC 3339 or unix seconds; after `start`, in the future."
    )


class OperationIn(_Model):
    """A plan to file (no `version`) or to replace (the current `version`)."""

    volumes: list[VolumeIn] = Field(
        json_schema_extra={"minItems": 1},
        description="The volumes (at least one; at most `operation_max_volumes`, 20 by default).",
    )
    priority: int = Field(
        0,
        ge=0,
        le=100,
        description="0 to 100, higher is more urgent (medical evacuation, firefighting). Where "
        "plans of two parties overlap, the owner of the lower-priority one is asked to resolve.",
    )
    domain: DomainName = Field("air", description="Where the operation moves.")
    key: dict[str, str] = Field(
        default_factory=dict,
        description="The current `version` of every operation and zone this plan overlaps and "
        "that you may see (your own, those shared with you): `{id: version}`. A missing or "
        "stale entry gets 409 listing exactly those, with their versions and the overlap.",
    )
    version: str | None = Field(
        None,
        description="To replace the plan: its current version (from the last answer or GET). "
        "Leave out to file a new operation.",
    )


class VolumeOut(_Model):
    geometry: dict[str, Any] = Field(description="The GeoJSON geometry as filed.")
    radius_m: float | None = Field(description="Radius around points, metres, as filed.")
    buffer_m: float | None = Field(description="Buffer, metres, as filed.")
    alt_lower_m: float = Field(description="Bottom of the altitude band, metres.")
    alt_upper_m: float = Field(description="Top of the altitude band, metres.")
    start: str = Field(description="Start of the window, RFC 3339.")
    end: str = Field(description="End of the window, RFC 3339.")


class OperationOut(_Model):
    """An operation as its owner, and the parties it shares its operations with, see it."""

    id: str = Field(description="The operation's id, chosen by its owner, unique in the hub.")
    owner: str = Field(description="The party that filed it.")
    version: str = Field(
        description="Opaque version of this operation, new at every change: name it to "
        "update, put it in the key of overlapping writes."
    )
    state: Literal["accepted", "activated", "nonconforming", "ended", "cancelled"] = Field(
        description="accepted → activated (⇄ nonconforming) → ended; or cancelled."
    )
    priority: int = Field(description="0 to 100, higher is more urgent.")
    domain: DomainName = Field(description="Where the operation moves.")
    volumes: list[VolumeOut] = Field(description="The volumes as filed.")
    start: str = Field(description="Start of its first volume, RFC 3339.")
    end: str = Field(description="End of its last volume, RFC 3339 (it ends by itself then).")
    created: str = Field(description="When it was filed, RFC 3339.")
    updated: str = Field(description="Its last change, RFC 3339.")
    advisories: list[str] | None = Field(
        None,
        description="Your open alert ids about overlaps of this operation with other "
        "parties' plans and zones (write answers only).",
    )
    receipt: ReceiptOut | None = Field(
        None, description="Journal receipt of the write (write answers only)."
    )
