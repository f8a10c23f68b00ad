"""Evidence for an incident, gathered from what the hub recorded: the paths of the named
tracks, their closest approach, the alerts and hotline messages around it, the zones as they
stood; and what each party may see of it.

Which tracks a reporter may name, and what it then learns
----------------------------------------------------------
Evidence shows recorded paths, so naming a track must not become a way to read another
party's picture. The reporter may name:

- its own tracks (their paths over the window, and a little either side to interpolate);
- tracks of a party that shares its picture with the reporter by agreement (the same);
- a track of another party that took part in a track–track alert of the reporter's during
  the window: its path only over the alert's span (from ``ALERT_MARGIN_S`` before it
  opened to as long after it closed), clipped to the window. That is the encounter the
  alert already told the reporter about, not the other party's day.

Anything else is refused with one message that does not say whether the track exists.
Filing an incident shows the reporter's named tracks, over the window, to the parties
involved (the parties of the named tracks): the reporter offers them as its evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
from shapely.geometry import mapping, shape

from deconfliction.detect.evidence import (
    EncounterEvidence,
    PathSummary,
    TrackPath,
    encounter_evidence,
    summarise_path,
)
from deconfliction.errors import PermissionDenied
from deconfliction.hub.live.tracks import Tracks
from deconfliction.hub.parties.registry import Parties
from deconfliction.model import Report
from deconfliction.model.alert import AlertKind
from deconfliction.model.codec import dump, load
from deconfliction.model.incident import Incident, IncidentKind, TimelineItem, TrackRef
from deconfliction.model.minima import Minima, domain_pair_key
from deconfliction.model.zone import ZoneOutline
from deconfliction.settings import Settings
from deconfliction.store import Store
from deconfliction.units import format_time

PATH_PAD_S = 120.0  # reports this far outside the window still help interpolate its edges
AROUND_S = 600.0  # alerts and hotline messages this close to the window are "around it"
ALERT_MARGIN_S = 60.0  # an alert opens another party's path this long before and after it

Span = tuple[float, float]


class Basis(StrEnum):
    """Why the reporter may name a track."""

    OWN = "own"
    AGREEMENT = "agreement"  # its party shares its picture with the reporter
    ALERT = "alert"  # it took part in an alert of the reporter during the window


class ZoneHistory(Protocol):
    """The hook to the zones service: zones as they stood during a window.

    The zones service is one; :class:`NoZones` (no zones at all) serves tests of evidence
    without zones.
    """

    def states_during(self, start_s: float, end_s: float) -> Sequence[ZoneOutline]:
        """Every zone valid at some moment of ``[start_s, end_s]``, as it stood then."""
        ...

    def visible_to(self, zone: ZoneOutline, viewer: str) -> bool:
        """Whether ``viewer`` may see ``zone`` (its own, or shared with it)."""
        ...


class NoZones:
    """The hub has no zones service: no zones to show."""

    def states_during(self, start_s: float, end_s: float) -> Sequence[ZoneOutline]:
        return ()

    def visible_to(self, zone: ZoneOutline, viewer: str) -> bool:
        return zone.owner == viewer


@dataclass(frozen=True)
class EvidenceTrack:
    """A named track, why the reporter could name it, and when its path is evidence."""

    ref: TrackRef
    basis: Basis
    spans: tuple[Span, ...]
    alerts: tuple[str, ...] = ()  # the reporter's alerts that allowed it (basis alert)

    def to_json(self) -> dict[str, Any]:
        return {
            **dump(self.ref),
            "basis": self.basis.value,
            "spans": [{"start": format_time(a), "end": format_time(b)} for a, b in self.spans],
        }

    def to_doc(self) -> dict[str, Any]:
        """What the store and the journal keep: the ref's party and track as members of
        their own (not ``codec.dump``'s nested ``ref``), as they always were."""
        return {
            **dump(self.ref),
            "basis": self.basis.value,
            "spans": [list(span) for span in self.spans],
            "alerts": list(self.alerts),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> EvidenceTrack:
        return cls(
            TrackRef(doc["party"], doc["track"]),
            Basis(doc["basis"]),
            tuple((float(a), float(b)) for a, b in doc["spans"]),
            tuple(doc.get("alerts", ())),
        )


@dataclass(frozen=True)
class Happening:
    """An alert or hotline message around the incident, and who may see it."""

    id: str
    time_s: float
    kind: str  # "alert" or "message"
    party: str  # the alert's party, or the message's sender
    audience: tuple[str, ...]
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": format_time(self.time_s),
            "kind": self.kind,
            "party": self.party,
            "text": self.text,
        }

    def item(self) -> TimelineItem:
        return TimelineItem(self.time_s, self.kind, self.party, self.text)


def _zone_doc(zone: ZoneOutline) -> dict[str, Any]:
    return {
        "name": zone.name,
        "owner": zone.owner,
        "rule": zone.rule,
        "state": zone.state,
        "geometry": mapping(zone.geometry),
    }


def _zone(doc: dict[str, Any]) -> ZoneOutline:
    return ZoneOutline(doc["name"], shape(doc["geometry"]), doc["rule"], doc["owner"], doc["state"])


@dataclass(frozen=True)
class Evidence:
    """What the hub computed for an incident when it was filed."""

    computed_s: float
    tracks: tuple[EvidenceTrack, ...]
    paths: tuple[PathSummary, ...]
    encounters: tuple[EncounterEvidence, ...]
    happenings: tuple[Happening, ...]
    zones: tuple[ZoneOutline, ...]

    def track(self, party: str, track: str) -> EvidenceTrack | None:
        return next((t for t in self.tracks if t.ref == TrackRef(party, track)), None)

    def only(self, refs: Iterable[TrackRef], viewer: str | None, zones: Iterable[str]) -> Evidence:
        """The evidence restricted to the tracks ``refs``, the alerts and messages of
        ``viewer`` (``None``: all of them) and the zones named ``zones``."""
        keep = set(refs)
        names = set(zones)
        return Evidence(
            self.computed_s,
            tuple(t for t in self.tracks if t.ref in keep),
            tuple(p for p in self.paths if TrackRef(p.party, p.track) in keep),
            tuple(
                e
                for e in self.encounters
                if TrackRef(e.a.party, e.a.track) in keep and TrackRef(e.b.party, e.b.track) in keep
            ),
            tuple(h for h in self.happenings if viewer is None or viewer in h.audience),
            tuple(z for z in self.zones if z.name in names),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "computed": format_time(self.computed_s),
            "tracks": [t.to_json() for t in self.tracks],
            "paths": [p.to_json() for p in self.paths],
            "encounters": [e.to_json() for e in self.encounters],
            "timeline": [h.to_json() for h in self.happenings],
            "zones": [
                {k: v for k, v in _zone_doc(z).items() if k != "geometry"} for z in self.zones
            ],
        }

    def to_doc(self) -> dict[str, Any]:
        """What the store and the journal keep: zones with their geometry as GeoJSON and
        tracks as :meth:`EvidenceTrack.to_doc` writes them, the rest by ``codec.dump``."""
        return {
            "computed_s": self.computed_s,
            "tracks": [t.to_doc() for t in self.tracks],
            "paths": [dump(p) for p in self.paths],
            "encounters": [dump(e) for e in self.encounters],
            "happenings": [dump(h) for h in self.happenings],
            "zones": [_zone_doc(z) for z in self.zones],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Evidence:
        return cls(
            float(doc["computed_s"]),
            tuple(EvidenceTrack.from_doc(t) for t in doc["tracks"]),
            tuple(load(PathSummary, p) for p in doc["paths"]),
            tuple(load(EncounterEvidence, e) for e in doc["encounters"]),
            tuple(load(Happening, h) for h in doc["happenings"]),
            tuple(_zone(z) for z in doc["zones"]),
        )


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Overlapping or touching spans joined, in order; empty ones dropped."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] >= s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def alert_tracks(doc: dict[str, Any]) -> set[TrackRef]:
    """The tracks a stored track–track alert is about, read from its conflict key.

    The key names the tracks as ``party, track`` pairs (``("tt", "blue", "b1", "red",
    "r1")``): each element that is one of the alert's parties is followed by its track.
    """
    parties = {doc.get("party"), *doc.get("counterparts", ())}
    key = [str(part) for part in doc.get("key", ())]
    return {TrackRef(key[i], key[i + 1]) for i in range(len(key) - 1) if key[i] in parties}


def _path(ref: TrackRef, reports: Sequence[Report]) -> TrackPath:
    if not reports:
        empty = np.zeros(0)
        return TrackPath(ref.party, ref.track, empty, empty, empty, empty)
    return TrackPath.from_arrays(
        ref.party,
        ref.track,
        [r.time_s for r in reports],
        [r.lat for r in reports],
        [r.lon for r in reports],
        [r.alt_m for r in reports],
    )


def _doc_time(doc: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = doc.get(name)
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
    return None


class EvidenceGatherer:
    """Reads the recorded data an incident's evidence is made of."""

    def __init__(
        self,
        store: Store,
        tracks: Tracks,
        parties: Parties,
        zones: ZoneHistory,
        settings: Settings,
    ) -> None:
        self._store = store
        self._tracks = tracks
        self._parties = parties
        self._settings = settings
        self.zones = zones

    # -- which tracks --------------------------------------------------------------------

    def authorise(self, incident: Incident) -> tuple[EvidenceTrack, ...]:
        """Why the reporter may name each of the incident's tracks; raise
        :class:`PermissionDenied` for the first it may not name."""
        reporter, window = incident.reporter, (incident.start_s, incident.end_s)
        alerts: list[dict[str, Any]] | None = None
        named = []
        for ref in incident.tracks:
            if ref.party == reporter:
                named.append(EvidenceTrack(ref, Basis.OWN, (window,)))
            elif self._parties.shares_tracks(reporter, ref.party):
                named.append(EvidenceTrack(ref, Basis.AGREEMENT, (window,)))
            else:
                if alerts is None:
                    alerts = self._track_alerts(reporter, *window)
                allowing = [doc for doc in alerts if ref in alert_tracks(doc)]
                if not allowing:
                    raise PermissionDenied(
                        f"you may not name track {ref.track!r} of party {ref.party!r}: a track "
                        "of another party can be named only if it took part in an alert of "
                        "yours during the window, or if that party shares its picture with you"
                    )
                spans = merge_spans(
                    (
                        max(window[0], doc["opened_s"] - ALERT_MARGIN_S),
                        min(window[1], (doc.get("closed_s") or math.inf) + ALERT_MARGIN_S),
                    )
                    for doc in allowing
                )
                ids = tuple(sorted(doc["id"] for doc in allowing))
                named.append(EvidenceTrack(ref, Basis.ALERT, spans, ids))
        return tuple(named)

    def _track_alerts(self, party: str, start_s: float, end_s: float) -> list[dict[str, Any]]:
        """The party's track–track alerts that were active at some moment near the window."""
        found = []
        for stored in self._store.list_objects("alert", owner=party):
            doc = stored.doc
            if doc.get("kind") != AlertKind.TRACK_TRACK.value:
                continue
            closed = doc.get("closed_s")
            if doc["opened_s"] - ALERT_MARGIN_S <= end_s and (
                closed is None or closed + ALERT_MARGIN_S >= start_s
            ):
                found.append(doc)
        return found

    # -- paths and encounters -----------------------------------------------------------

    def paths(self, incident: Incident, tracks: Sequence[EvidenceTrack]) -> list[TrackPath]:
        """The recorded path of each track over its spans (padded for its own and shared
        tracks, so that the window's edges can be interpolated)."""
        paths = []
        for named in tracks:
            pad = 0.0 if named.basis is Basis.ALERT else PATH_PAD_S
            reports = self._tracks.history(
                incident.start_s - pad,
                incident.end_s + pad,
                party=named.ref.party,
                tracks=[named.ref.track],
            )
            inside = [
                r for r in reports if any(a - pad <= r.time_s <= b + pad for a, b in named.spans)
            ]
            paths.append(_path(named.ref, inside))
        return paths

    def _minima(self, party_a: str, party_b: str) -> Minima:
        key = domain_pair_key("air", "air")
        agreement = self._parties.agreement(party_a, party_b)
        if agreement is not None and key in agreement.minima:
            return agreement.minima[key]
        return self._settings.domain_minima()[key]

    def encounters(self, incident: Incident, paths: Sequence[TrackPath]) -> list[EncounterEvidence]:
        """For an air encounter: the closest approach of each pair of tracks of different
        parties, under the minima that apply between those parties."""
        if incident.kind is not IncidentKind.UNSAFE_AIR_ENCOUNTER:
            return []
        found = []
        for i, a in enumerate(paths):
            for b in paths[i + 1 :]:
                if a.party != b.party:
                    found.append(
                        encounter_evidence(
                            a,
                            b,
                            incident.start_s,
                            incident.end_s,
                            minima=self._minima(a.party, b.party),
                        )
                    )
        return found

    # -- around it ------------------------------------------------------------------------

    def happenings(self, incident: Incident) -> list[Happening]:
        """Alerts of the involved parties and hotline messages between them, around it."""
        start, end = incident.start_s - AROUND_S, incident.end_s + AROUND_S
        involved = incident.parties
        found = []
        for party in sorted(involved):
            for stored in self._store.list_objects("alert", owner=party):
                doc = stored.doc
                closed = doc.get("closed_s")
                if doc["opened_s"] <= end and (closed is None or closed >= start):
                    found.append(_alert_happening(doc))
        for party in sorted(involved):
            for stored in self._store.list_objects("message", owner=party):
                happening = _message_happening(stored.id, stored.doc, involved, start, end)
                if happening is not None:
                    found.append(happening)
        unique = {h.id: h for h in found}
        return sorted(unique.values(), key=lambda h: (h.time_s, h.id))

    def zone_states(self, incident: Incident) -> list[ZoneOutline]:
        return list(self.zones.states_during(incident.start_s, incident.end_s))

    # -- all of it --------------------------------------------------------------------------

    def gather(self, incident: Incident, tracks: Sequence[EvidenceTrack], now_s: float) -> Evidence:
        paths = self.paths(incident, tracks)
        return Evidence(
            computed_s=now_s,
            tracks=tuple(tracks),
            paths=tuple(summarise_path(p, incident.start_s, incident.end_s) for p in paths),
            encounters=tuple(self.encounters(incident, paths)),
            happenings=tuple(self.happenings(incident)),
            zones=tuple(self.zone_states(incident)),
        )


def _alert_happening(doc: dict[str, Any]) -> Happening:
    counterparts = ", ".join(doc.get("counterparts", ())) or "nobody"
    closed = doc.get("closed_s")
    text = (
        f"{doc.get('severity', '')} {str(doc.get('kind', '')).replace('_', '-')} alert with "
        f"{counterparts}; {doc.get('state', '')}"
        + ("" if closed is None else f" at {format_time(float(closed))}")
    )
    return Happening(
        str(doc["id"]),
        float(doc["opened_s"]),
        "alert",
        str(doc["party"]),
        (str(doc["party"]),),
        text,
    )


def _message_happening(
    object_id: str, doc: dict[str, Any], involved: frozenset[str], start_s: float, end_s: float
) -> Happening | None:
    """A stored hotline message between two involved parties inside ``[start_s, end_s]``.

    Messages are read leniently (the field names of ``Message`` or of its JSON form), so
    that a change of the stored document loses the timeline entry, not the incident.
    """
    sender = doc.get("sender", doc.get("from"))
    recipient = doc.get("recipient", doc.get("to"))
    time_s = _doc_time(doc, "created_s", "time_s")
    if (
        not isinstance(sender, str)
        or not isinstance(recipient, str)
        or sender not in involved
        or recipient not in involved
        or time_s is None
        or not start_s <= time_s <= end_s
    ):
        return None
    body = doc.get("text") or doc.get("template") or ""
    channel = doc.get("channel", "")
    text = f"to {recipient} on {channel}: {body}" if channel else f"to {recipient}: {body}"
    return Happening(object_id, time_s, "message", sender, (sender, recipient), text)
