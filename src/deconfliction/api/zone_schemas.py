"""The shapes of zones on the wire: GeoJSON Features with the hub's member, every field
described for ``/docs``.

A zone is accepted as the Feature its owner wrote (validated by
:mod:`deconfliction.model.zone`, not by these models, so that every problem is named in
plain language) and answered as that Feature plus the member ``deconfliction``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deconfliction.api.schemas import ReceiptOut


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AcknowledgementOut(_Model):
    party: str = Field(description="The party that acknowledged the zone.")
    time: str = Field(description="When, RFC 3339.")


class ZoneStatusOut(_Model):
    """What the hub adds to a zone's Feature."""

    owner: str = Field(description="The party that declared the zone.")
    version: int = Field(
        description="Counts the changes of the declaration (declared, updated, withdrawn, "
        "expired); acknowledgements do not change it."
    )
    state: Literal["active", "withdrawn", "expired"] = Field(
        description="`active`: in detection (possibly not yet valid); `withdrawn` by its "
        "owner; `expired` at its `valid_to`."
    )
    in_force: bool = Field(description="Active and inside its validity window now.")
    declared: str = Field(description="When this zone was declared, RFC 3339.")
    updated: str = Field(description="When its declaration last changed, RFC 3339.")
    ended: str | None = Field(description="When it was withdrawn or expired, if it was.")
    acknowledgements: list[AcknowledgementOut] | None = Field(
        None,
        description="Protected zones, the owner's view: who acknowledged the zone, and when.",
    )
    pending: list[str] | None = Field(
        None,
        description="Protected zones, the owner's view: the parties it is shared with that "
        "have not acknowledged it yet.",
    )
    acknowledged: str | None = Field(
        None,
        description="Protected zones, the view of a party it is shared with: when that party "
        "acknowledged it (null: not yet).",
    )
    receipt: ReceiptOut | None = Field(
        None, description="Journal receipt of the caller's write (in a write's answer only)."
    )


class ZoneOut(BaseModel):
    """A zone: the GeoJSON Feature as its owner declared it, plus the hub's member.

    A party other than the owner does not see `shared_with`. Other members of the Feature
    are kept as they were sent.
    """

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"] = Field(description="Always `Feature`.")
    id: str = Field(description="The zone's id, chosen by its owner, unique in the hub.")
    geometry: dict[str, Any] = Field(
        description="A GeoJSON Polygon, MultiPolygon, Point, MultiPoint, LineString or "
        "MultiLineString (WGS84 longitude, latitude)."
    )
    properties: dict[str, Any] = Field(
        description="`rule` (`no_entry`, `notify_before_entry`, `protected`), `name`, "
        "`radius_m`, `buffer_m`, `alt_lower_m`, `alt_upper_m`, `valid_from`, `valid_to`, "
        "`shared_with` (see docs/zones.md), and any others the owner added."
    )
    deconfliction: ZoneStatusOut = Field(description="The hub's data about the zone.")


class ZoneCollectionOut(BaseModel):
    """The zones the caller may see, as a GeoJSON FeatureCollection."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["FeatureCollection"] = Field(description="Always `FeatureCollection`.")
    features: list[ZoneOut] = Field(description="The zones, in declaration order.")


FEATURE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The zone as a GeoJSON Feature. Its `id` may be left out (the path "
        "gives it); if present it must be the same. The member `deconfliction` of a Feature "
        "the hub answered is ignored, so a zone read with GET can be sent back changed.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"type": "string"},
                        "geometry": {"type": "object"},
                        "properties": {"type": "object"},
                    },
                },
                "example": {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [38.66, 33.5]},
                    "properties": {
                        "name": "55 km circle",
                        "rule": "no_entry",
                        "radius_m": 55000,
                        "shared_with": "all",
                    },
                },
            }
        },
    }
}
