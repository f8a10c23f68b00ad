"""The shapes of requests and responses, with every field described for ``/docs``.

Report batches are validated by ``deconfliction.model.report`` (per item, with reasons), not
by these models: ``ReportIn`` only documents the shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deconfliction.journal.checkpoint import Receipt
from deconfliction.model import Agreement, Minima, Party, Report
from deconfliction.model.codec import dump
from deconfliction.units import format_time

DomainName = Literal["air", "ground", "sea"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Model):
    type: str = Field(description="Stable error name, e.g. `invalid_input`, `version_mismatch`.")
    message: str = Field(description="What is wrong, in plain language.")
    details: list[dict[str, Any]] | None = Field(
        None, description="Per-item details where there are several problems."
    )


class ErrorOut(_Model):
    error: ErrorDetail = Field(description="The error.")


class ReportIn(_Model):
    """One observation of a track."""

    track: str = Field(description="The track's id within the party (≤ 64 characters).")
    time: str | float = Field(
        description="When observed: RFC 3339 with an offset (`2026-11-23T10:00:00Z`) or unix "
        "seconds. At most `future_tolerance_s` (60 s) ahead of the hub's clock."
    )
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84 degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84 degrees.")
    alt_m: float | None = Field(
        None,
        description="Altitude, metres above mean sea level. Required for `air`; 0 if "
        "absent for `ground` and `sea`.",
    )
    gs_mps: float = Field(0.0, ge=0, description="Ground speed, metres per second.")
    course_deg: float = Field(
        0.0, description="Course over ground, degrees true (taken modulo 360)."
    )
    vs_mps: float = Field(0.0, description="Vertical speed, metres per second, up positive.")
    domain: DomainName = Field("air", description="Where the track moves.")
    operation: str | None = Field(
        None, description="Id of the planned operation this track flies, if any."
    )
    selected_alt_m: float | None = Field(
        None,
        description="The level the track is cleared or set to, metres (ADS-B's selected "
        "altitude, a CoT or operator field): its predicted climb or descent stops there. "
        "Absent: not known.",
    )


class RejectedOut(_Model):
    index: int = Field(description="Position of the item in the batch, from 0.")
    reason: str = Field(description="Why it was rejected, in plain language.")


class CheckpointOut(_Model):
    """The hub's signature over the journal's head after entry `seq`."""

    seq: int = Field(description="The last journal entry the checkpoint covers.")
    hash: str = Field(description="SHA-256 (hex) of that entry: the chain's head then.")
    time: str = Field(description="When the hub signed, RFC 3339 UTC with milliseconds.")
    signature: str = Field(
        description="Base64 of the Ed25519 signature of `deconfliction-checkpoint\\n{seq}"
        "\\n{hash}\\n{time}` by the hub's key."
    )
    key_id: str = Field(description="Id of the hub key that signed (16 hex digits).")


class ReceiptOut(_Model):
    """What the party keeps to prove later what it submitted and when."""

    seq: int = Field(description="Sequence number of the journal entry recording the write.")
    hash: str = Field(description="SHA-256 (hex) of that journal entry.")
    checkpoint: CheckpointOut | None = Field(
        None,
        description="The latest checkpoint the hub signed. It may precede the entry "
        "(checkpoints are signed on a cadence); POST /v1/journal/checkpoints gets one that "
        "covers it.",
    )

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptOut:
        return cls.model_validate(dump(receipt))


class IngestOut(_Model):
    accepted: int = Field(description="Reports stored by this request.")
    duplicates: int = Field(
        description="Reports already stored (same party, track and time), not stored again."
    )
    rejected: list[RejectedOut] = Field(description="Items not accepted, and why.")
    receipt: ReceiptOut | None = Field(
        None, description="Journal receipt of the stored reports (absent if none were new)."
    )


class TrackOut(_Model):
    party: str = Field(description="Owner of the track.")
    track: str = Field(description="Track id within its party.")
    time: str = Field(description="Time of the latest report, RFC 3339.")
    lat: float = Field(description="Latitude, degrees.")
    lon: float = Field(description="Longitude, degrees.")
    alt_m: float = Field(description="Altitude, metres.")
    gs_mps: float = Field(description="Ground speed, m/s.")
    course_deg: float = Field(description="Course, degrees true.")
    vs_mps: float = Field(description="Vertical speed, m/s.")
    domain: DomainName = Field(description="Where the track moves.")
    operation: str | None = Field(description="Operation the track flies, if named.")
    age_s: float = Field(description="Seconds since the latest report, by the hub's clock.")
    stale: bool = Field(
        description="True when older than `stale_after_s`: the track is out of detection."
    )

    @classmethod
    def of(cls, report: Report, now_s: float, stale_after_s: float) -> TrackOut:
        age = max(0.0, now_s - report.time_s)
        return cls(
            party=report.party,
            track=report.track,
            time=format_time(report.time_s),
            lat=report.lat,
            lon=report.lon,
            alt_m=report.alt_m,
            gs_mps=report.gs_mps,
            course_deg=report.course_deg,
            vs_mps=report.vs_mps,
            domain=report.domain.value,
            operation=report.operation,
            age_s=round(age, 3),
            stale=age > stale_after_s,
        )


class TracksOut(_Model):
    time: str = Field(
        description="The moment the picture shows, RFC 3339: the hub's clock when it was "
        "read, or `at`."
    )
    tracks: list[TrackOut] = Field(description="Tracks the caller may see.")


class TrackColumnsOut(_Model):
    """`GET /v1/tracks?format=columns`: the tracks as one array per field (same order)."""

    time: str = Field(description="The hub's clock when the picture was read, RFC 3339.")
    at: str = Field(description="The moment the picture shows, RFC 3339.")
    count: int = Field(description="How many tracks (the length of every array).")
    party: list[str] = Field(description="Each track's party.")
    track: list[str] = Field(description="Each track's id.")
    time_s: list[float] = Field(description="Each track's report time, unix seconds.")
    lat: list[float] = Field(description="Latitudes, degrees (WGS84).")
    lon: list[float] = Field(description="Longitudes, degrees (WGS84).")
    alt_m: list[float] = Field(description="Altitudes above mean sea level, metres.")
    gs_mps: list[float] = Field(description="Ground speeds, metres per second.")
    course_deg: list[float] = Field(description="Courses over ground, degrees from true north.")
    vs_mps: list[float] = Field(description="Vertical speeds, metres per second (up: +).")
    domain: list[str] = Field(description="Domains: `air`, `ground` or `sea`.")
    operation: list[str | None] = Field(description="The operation each flies for, if any.")
    age_s: list[float] = Field(description="Seconds from each report to the picture's moment.")
    stale: list[bool] = Field(description="Whether each report is older than `stale_after_s`.")


GEOJSON_POINTS: dict[str, Any] = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection: one Point per track, with `party`, `track`, "
    "`alt_m`, `course_deg`, `domain` and `stale` as properties.",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


class PartyIn(_Model):
    name: str = Field(description="Party name: 1–64 letters, digits, `_`, `.`, `-`.")
    language: str = Field("en", description="Language hotline messages are rendered in.")
    timezone: str = Field("UTC", description="IANA time zone shown beside UTC times.")


class PartyOut(_Model):
    name: str = Field(description="Party name.")
    language: str = Field(description="Language of rendered messages.")
    timezone: str = Field(description="IANA time zone.")
    created: str = Field(description="When the party was added, RFC 3339.")
    revoked: str | None = Field(description="When the party was revoked, if it was.")

    @classmethod
    def of(cls, party: Party) -> PartyOut:
        return cls(
            name=party.name,
            language=party.language,
            timezone=party.timezone,
            created=format_time(party.created_s),
            revoked=None if party.revoked_s is None else format_time(party.revoked_s),
        )


class PartyCreatedOut(PartyOut):
    token: str = Field(
        description="The party's bearer token. Shown only now: the hub keeps only its hash."
    )


class TokenOut(_Model):
    token: str = Field(description="A new bearer token; earlier ones of the party stop working.")


class MinimaIn(_Model):
    horizontal_m: float = Field(gt=0, description="Horizontal minimum, metres.")
    vertical_m: float | None = Field(
        None, gt=0, description="Vertical minimum, metres; null ignores altitude."
    )
    lookahead_s: float = Field(gt=0, description="How far ahead conflicts are predicted, s.")


class AgreementIn(_Model):
    parties: tuple[str, str] = Field(description="The two parties.")
    share_tracks: bool = Field(
        False, description="Each sees the other's whole live picture (otherwise only alerts)."
    )
    minima: dict[str, MinimaIn] = Field(
        default_factory=dict,
        description="Larger minima for pairs of their tracks, by domain pair (`air`, "
        "`ground`, `sea`, or a mixed pair such as `air-ground` to check it at all). Only "
        "larger minima than the hub's defaults take effect.",
    )
    share_operations: bool = Field(
        False,
        description="Each sees the other's planned operations in full, and must carry their "
        "versions in the key of its own overlapping writes (otherwise only the overlaps its "
        "alerts carry).",
    )

    def to_agreement(self) -> Agreement:
        minima = {key: Minima.from_json(value.model_dump()) for key, value in self.minima.items()}
        return Agreement(
            self.parties[0],
            self.parties[1],
            self.share_tracks,
            minima,
            share_operations=self.share_operations,
        )


class AgreementOut(_Model):
    parties: list[str] = Field(description="The two parties, in name order.")
    share_tracks: bool = Field(description="Whether they share their live pictures.")
    share_operations: bool = Field(description="Whether they share their planned operations.")
    minima: dict[str, MinimaIn] = Field(description="Minima they agreed, by domain pair.")

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementOut:
        return cls.model_validate(agreement.to_json())


class HealthOut(_Model):
    status: Literal["ok"] = Field(description="`ok` when the hub serves requests.")
    time: str = Field(description="The hub's clock, RFC 3339.")
    tracks_live: int | None = Field(None, description="Tracks in detection now (admin only).")
    schema_version: int | None = Field(
        None, description="Version of the database schema (admin only)."
    )
    cycle: CycleOut | None = Field(
        None, description="The last detection cycle (admin only; absent before the first)."
    )
    store_writes: int | None = Field(
        None,
        description="Write transactions this process committed since it started (admin only).",
    )
    store_write_lock_s: float | None = Field(
        None,
        description="How long those held the database's write lock in all, seconds: the lock "
        "is shared by every process of the hub, so their sum per second of wall time is how "
        "busy it is (admin only).",
    )
    process: str | None = Field(
        None,
        description="This hub process, as host:pid:nonce: several may serve one hub (admin only).",
    )
    leads: bool | None = Field(
        None,
        description="Whether this process runs detection and the timers: of several hub "
        "processes on one database, the one holding the lease does (admin only).",
    )
    leader: str | None = Field(
        None,
        description="The process that holds the lease, as host:pid:nonce, as this process "
        "last saw it (admin only; absent before it looked).",
    )


class CycleOut(_Model):
    time: str = Field(description="The cycle's time, RFC 3339.")
    tracks: int = Field(description="Live tracks it checked.")
    conflicts: int = Field(description="Track–track conflicts it found.")
    duration_ms: float = Field(description="How long it took, milliseconds.")
    altitudes_rejected: int = Field(
        description="Reported altitudes the track filter rejected as glitches since the hub "
        "started (every party's)."
    )


class VersionOut(_Model):
    version: str = Field(description="Release of the hub software.")
    api: str = Field(description="API version (the path prefix).")


# -- journal ---------------------------------------------------------------------------


class HubKeyOut(_Model):
    algorithm: Literal["ed25519"] = Field(description="The signature algorithm.")
    public_key: str = Field(description="Base64 of the 32 raw bytes of the hub's public key.")
    key_id: str = Field(description="First 16 hex digits of SHA-256 over those bytes.")
    pem: str = Field(description="The same key as a PEM `PUBLIC KEY` block.")


class PartyKeyIn(_Model):
    public_key: str | None = Field(
        description="Your Ed25519 public key: base64 of its 32 raw bytes, or a PEM "
        "`PUBLIC KEY` block; null withdraws your key."
    )


class PartyKeyOut(_Model):
    party: str = Field(description="The party.")
    algorithm: Literal["ed25519"] = Field(description="The signature algorithm.")
    public_key: str | None = Field(description="Base64 of the registered key; null if none.")
    key_id: str | None = Field(description="Id of the registered key (16 hex digits).")
    registered: str | None = Field(description="When the key was last set, RFC 3339.")
    receipt: ReceiptOut | None = Field(
        None, description="Journal receipt of the registration (its answer only)."
    )


# -- incidents -------------------------------------------------------------------------

IncidentKindName = Literal[
    "unsafe_air_encounter", "zone_violation", "protected_site_affected", "other"
]
IncidentStateName = Literal["open", "under_review", "closed"]


class TrackRefIn(_Model):
    party: str | None = Field(None, description="The track's party (default: yours).")
    track: str = Field(description="The track's id within its party.")


class IncidentIn(_Model):
    """An unsafe event, as the reporting party saw it."""

    kind: IncidentKindName = Field(description="What happened.")
    start: str | float = Field(description="Start of the window, RFC 3339 or unix seconds.")
    end: str | float = Field(
        description="End of the window (at most 6 h after start, not in the future)."
    )
    lat: float = Field(description="Where it happened: latitude, degrees.")
    lon: float = Field(description="Where it happened: longitude, degrees.")
    narrative: str = Field(
        json_schema_extra={"minLength": 1}, description="What happened, in the reporter's words."
    )
    tracks: list[str | TrackRefIn] = Field(
        default_factory=list,
        description="Tracks involved (at most 20): your own by id, another party's as "
        '`{"party", "track"}` (see the endpoint for when that is allowed).',
    )


class AccountIn(_Model):
    narrative: str = Field(
        json_schema_extra={"minLength": 1}, description="Your own account of the incident."
    )


class IncidentStateIn(_Model):
    state: IncidentStateName = Field(description="The state to move the incident to.")


class TrackRefOut(_Model):
    party: str = Field(description="The track's party.")
    track: str = Field(description="The track's id within its party.")


class AccountOut(_Model):
    party: str = Field(description="The party that gave the account.")
    narrative: str = Field(description="Its account.")
    time: str = Field(description="When it was given, RFC 3339.")


class SpanOut(_Model):
    start: str = Field(description="Start, RFC 3339.")
    end: str = Field(description="End, RFC 3339.")


class EvidenceTrackOut(_Model):
    party: str = Field(description="The track's party.")
    track: str = Field(description="The track's id.")
    basis: Literal["own", "agreement", "alert"] = Field(
        description="Why the reporter could name it: its own track, shared by agreement, or "
        "it took part in an alert of the reporter's."
    )
    spans: list[SpanOut] = Field(description="When its recorded path is part of the evidence.")


class PathSummaryOut(_Model):
    party: str = Field(description="The track's party.")
    track: str = Field(description="The track's id.")
    reports: int = Field(description="Reports recorded inside the window.")
    first: str | None = Field(description="Time of the first of them, RFC 3339.")
    last: str | None = Field(description="Time of the last of them, RFC 3339.")
    max_gap_s: float = Field(description="Longest time between consecutive reports, s.")


class EncounterOut(_Model):
    a: PathSummaryOut = Field(description="The first track's path in the window.")
    b: PathSummaryOut = Field(description="The second track's path in the window.")
    closest_approach: dict[str, Any] | None = Field(
        description="Their closest approach: `time`, `horizontal_m` (geodesic, WGS84) and "
        "`vertical_m` then, the positions `a` and `b` then, `min_slant_m`, `min_ratio` "
        "(below 1: separation was lost), `loss_of_separation_s`, `report_gap_s`; null if "
        "the paths share no moment in the window."
    )


class TimelineItemOut(_Model):
    id: str = Field(description="The alert's or message's id.")
    time: str = Field(description="When it opened or was sent, RFC 3339.")
    kind: Literal["alert", "message"] = Field(description="An alert or a hotline message.")
    party: str = Field(description="The alert's party, or the message's sender.")
    text: str = Field(description="What it said, in short.")


class ZoneStateOut(_Model):
    name: str = Field(description="The zone's id.")
    owner: str = Field(description="The party that declared it.")
    rule: str = Field(description="Its rule (`no_entry`, `protected`, …).")
    state: str = Field(description="Its state at the time (active, expired, …).")


class EvidenceOut(_Model):
    """What the hub computed from recorded data when the incident was filed, as far as the
    caller may see it."""

    computed: str = Field(description="When the evidence was computed, RFC 3339.")
    tracks: list[EvidenceTrackOut] = Field(description="The named tracks the caller may see.")
    paths: list[PathSummaryOut] = Field(description="Their recorded paths in the window.")
    encounters: list[EncounterOut] = Field(
        description="For an unsafe air encounter: each pair of tracks of different parties."
    )
    timeline: list[TimelineItemOut] = Field(
        description="The caller's alerts, and hotline messages between the parties involved, "
        "around the window."
    )
    zones: list[ZoneStateOut] = Field(description="Zones as they stood (those the caller sees).")


class IncidentOut(_Model):
    """An incident, with the evidence the caller may see."""

    id: str = Field(description="The incident's id (given by the hub).")
    reporter: str = Field(description="The party that reported it.")
    kind: IncidentKindName = Field(description="What happened.")
    start: str = Field(description="Start of the window, RFC 3339.")
    end: str = Field(description="End of the window, RFC 3339.")
    lat: float = Field(description="Where it happened: latitude, degrees.")
    lon: float = Field(description="Where it happened: longitude, degrees.")
    narrative: str = Field(description="The reporter's narrative.")
    tracks: list[TrackRefOut] = Field(description="The tracks the reporter named.")
    created: str = Field(description="When it was reported, RFC 3339.")
    state: IncidentStateName = Field(
        description="Review state: open → under_review → closed (open → closed also)."
    )
    accounts: list[AccountOut] = Field(description="Accounts of the other parties involved.")
    evidence: EvidenceOut = Field(description="The evidence, as far as the caller may see it.")
    receipt: ReceiptOut | None = Field(
        None, description="Journal receipt of the caller's write (in a write's answer only)."
    )

    @classmethod
    def of(
        cls, incident: dict[str, Any], evidence: dict[str, Any], receipt: ReceiptOut | None
    ) -> IncidentOut:
        return cls.model_validate({**incident, "evidence": evidence, "receipt": receipt})
