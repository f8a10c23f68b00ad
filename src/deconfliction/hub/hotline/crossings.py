"""Expected crossings: crossing notices acknowledged by the party they were sent to.

A party that will cross another party's ``notify_before_entry`` zone sends it a
``crossing_notice`` (its tracks, where, when, for how long, optionally which zones). When the
recipient acknowledges the notice, the crossing becomes *expected*: the zone checks ask
:meth:`ExpectedCrossings.expected` and raise no incursion alert for a named track of the
notifying party inside the notified window (and altitude band, if one was given).

The hub cannot tell from the notice alone whose zone it is about, so the check is always
asked with the zone's owner: only a notice acknowledged by that owner counts, and if the
notice names zones, only for those. A notice that names no tracks (only ``who``) is recorded
for people to read but matches no track.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from deconfliction.hub.unit import WriteUnit
from deconfliction.model.codec import dump, load
from deconfliction.model.message import Message
from deconfliction.store import Store, StoredObject
from deconfliction.units import format_time, parse_time

KIND = "expected_crossing"


@dataclass(frozen=True)
class ExpectedCrossing:
    """One acknowledged crossing notice.

    ``party`` crosses, ``zone_owner`` acknowledged (the notice's recipient); ``zones`` the
    zone ids it named (empty: any zone of ``zone_owner``); ``tracks`` the crossing party's
    track ids (empty: described only by ``who``); ``start_s``/``end_s`` the notified window
    (unix s); altitudes in metres, ``None`` when not given; ``places`` the ``where`` or
    ``route`` of the notice.
    """

    message_id: str
    party: str
    zone_owner: str
    zones: tuple[str, ...]
    tracks: tuple[str, ...]
    who: str | None
    start_s: float
    end_s: float
    altitude_min_m: float | None
    altitude_max_m: float | None
    places: tuple[dict[str, Any], ...]
    acknowledged_s: float

    @classmethod
    def from_notice(cls, message: Message, acknowledged_s: float) -> ExpectedCrossing:
        fields = message.fields
        start_s = parse_time(fields["start"])
        return cls(
            message_id=message.id,
            party=message.sender,
            zone_owner=message.recipient,
            zones=tuple(fields.get("zones", ())),
            tracks=tuple(fields.get("tracks", ())),
            who=fields.get("who"),
            start_s=start_s,
            end_s=start_s + float(fields["duration_s"]),
            altitude_min_m=fields.get("altitude_min_m"),
            altitude_max_m=fields.get("altitude_max_m"),
            places=tuple(fields.get("where") or fields.get("route") or ()),
            acknowledged_s=acknowledged_s,
        )

    def covers(
        self,
        zone_id: str,
        zone_owner: str,
        party: str,
        track: str,
        time_s: float,
        alt_m: float | None = None,
    ) -> bool:
        """Whether this crossing makes ``track`` of ``party`` in the zone expected."""
        if zone_owner != self.zone_owner or party != self.party or track not in self.tracks:
            return False
        if self.zones and zone_id not in self.zones:
            return False
        if not self.start_s <= time_s <= self.end_s:
            return False
        if alt_m is not None:
            if self.altitude_min_m is not None and alt_m < self.altitude_min_m:
                return False
            if self.altitude_max_m is not None and alt_m > self.altitude_max_m:
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        """As the API shows it (times in RFC 3339)."""
        return {
            "message": self.message_id,
            "party": self.party,
            "zone_owner": self.zone_owner,
            "zones": list(self.zones),
            "tracks": list(self.tracks),
            "who": self.who,
            "start": format_time(self.start_s),
            "end": format_time(self.end_s),
            "altitude_min_m": self.altitude_min_m,
            "altitude_max_m": self.altitude_max_m,
            "places": list(self.places),
            "acknowledged": format_time(self.acknowledged_s),
        }


class ExpectedCrossings:
    """Crossings not yet over, indexed for the zone checks; each kept in the store too."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._by_track: dict[tuple[str, str, str], list[ExpectedCrossing]] = {}
        self._all: dict[str, ExpectedCrossing] = {}

    def load(self, now_s: float) -> None:
        """Read the crossings whose window has not ended."""
        for stored in self._store.list_objects(KIND):
            crossing = load(ExpectedCrossing, stored.doc)
            if crossing.end_s >= now_s:
                self._add(crossing)

    def _add(self, crossing: ExpectedCrossing) -> None:
        with self._lock:
            if crossing.message_id in self._all:  # (read again: another process's change)
                return
            self._all[crossing.message_id] = crossing
            for track in crossing.tracks:
                key = (crossing.zone_owner, crossing.party, track)
                self._by_track.setdefault(key, []).append(crossing)

    def record(self, unit: WriteUnit, notice: Message) -> ExpectedCrossing:
        """An acknowledged crossing notice becomes an expected crossing (inside ``unit``)."""
        crossing = ExpectedCrossing.from_notice(notice, unit.now_s)
        unit.tx.put_object(
            StoredObject(
                KIND,
                notice.id,
                crossing.zone_owner,
                1,
                "acknowledged",
                unit.now_s,
                dump(crossing),
            )
        )
        unit.journal(crossing.zone_owner, "crossing.expected", crossing.to_json())
        unit.after_commit(lambda: self._add(crossing))
        return crossing

    def expected(
        self,
        zone_id: str,
        zone_owner: str,
        party: str,
        track: str,
        time_s: float,
        alt_m: float | None = None,
    ) -> bool:
        """Whether ``track`` of ``party`` inside zone ``zone_id`` of ``zone_owner`` at
        ``time_s`` (unix s; at ``alt_m`` metres if known) is an expected crossing: named in
        a crossing notice that ``zone_owner`` acknowledged, inside its window (and altitude
        band), for that zone or for any of the owner's zones if the notice named none. The
        zone checks ask this before raising an incursion alert on a ``notify_before_entry``
        zone."""
        with self._lock:
            candidates = list(self._by_track.get((zone_owner, party, track), ()))
        return any(c.covers(zone_id, zone_owner, party, track, time_s, alt_m) for c in candidates)

    def involving(self, party: str, now_s: float) -> list[ExpectedCrossing]:
        """Crossings not yet over that ``party`` notified or acknowledged, by start."""
        with self._lock:
            found = [
                c
                for c in self._all.values()
                if c.end_s >= now_s and party in (c.party, c.zone_owner)
            ]
        return sorted(found, key=lambda c: (c.start_s, c.message_id))

    def prune(self, now_s: float) -> None:
        """Forget crossings whose window has ended (they stay in the store)."""
        with self._lock:
            ended = [c for c in self._all.values() if c.end_s < now_s]
            for crossing in ended:
                del self._all[crossing.message_id]
                for track in crossing.tracks:
                    key = (crossing.zone_owner, crossing.party, track)
                    rest = [c for c in self._by_track.get(key, ()) if c is not crossing]
                    if rest:
                        self._by_track[key] = rest
                    else:
                        self._by_track.pop(key, None)
