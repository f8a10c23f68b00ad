"""The gateways' one door into the hub: every call the CoT gateway and the ADS-B feeds make.

Each method is one call of the hub's public API (``deconfliction.hub``), so that a change of
that API changes this file only. All of them are synchronous and may take the hub's lock: async
callers run them in a worker thread (``asyncio.to_thread``) except the cheap reads marked
so. Nothing here decides who sees what: the hub's streams and views already hold only what
the party may see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import NotFound
from deconfliction.hub import Hub, MessageRequest
from deconfliction.model import Report
from deconfliction.model.codec import dump
from deconfliction.settings import Settings
from deconfliction.store import Event


@dataclass(frozen=True)
class PartyInfo:
    name: str
    active: bool
    language: str
    timezone: str


class HubPort:
    """What the gateways need of one hub."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    @property
    def settings(self) -> Settings:
        return self._hub.settings

    def now(self) -> float:
        return self._hub.now()

    # -- parties (cheap: the registry is cached) ------------------------------------------

    def party(self, name: str) -> PartyInfo | None:
        """The party ``name`` (``None`` if there is none), as the registry has it now."""
        try:
            party = self._hub.party(name)
        except NotFound:
            return None
        return PartyInfo(party.name, party.active, party.language, party.timezone)

    def refresh_parties(self) -> str | None:
        """Read the registry again if another process changed it; its version."""
        return self._hub.registry_version()

    def partners(self, party: str) -> list[str]:
        """The parties ``party`` has an agreement with (whose desks it may write to)."""
        return self._hub.partners(party)

    # -- writes (take the lock) -----------------------------------------------------------

    def submit_reports(self, party: str, items: Sequence[Any]) -> dict[str, Any]:
        """Reports of ``party``, through the same validation, journal and deduplication as
        ``POST /v1/reports``; the answer's JSON (accepted, duplicates, rejected)."""
        answer: dict[str, Any] = dump(self._hub.submit_reports(party, items))
        return answer

    def put_zone(self, owner: str, zone_id: str, feature: dict[str, Any]) -> bool:
        """Declare or update a zone; True if it changed."""
        return self._hub.zones.put(owner, zone_id, feature).changed

    def withdraw_zone(self, owner: str, zone_id: str) -> None:
        self._hub.zones.withdraw(owner, zone_id)

    def send_message(self, sender: str, to: str, channel: str, text: str) -> str:
        """A free-text hotline message to ``to``'s desk; its id."""
        message = self._hub.hotline.send(sender, MessageRequest(to=to, channel=channel, text=text))
        return message.id

    def acknowledge_message(self, party: str, message_id: str) -> None:
        self._hub.acknowledge_message(party, message_id)

    # -- what the party may see -----------------------------------------------------------

    def tracks_for(self, party: str) -> list[Report]:
        return self._hub.tracks_for(party)

    def alerts_for(self, party: str) -> list[dict[str, Any]]:
        return [alert.to_json() for alert in self._hub.alerts_for(party)]

    def zones_for(self, party: str) -> list[dict[str, Any]]:
        features = self._hub.zones.collection(party)["features"]
        return [f for f in features if isinstance(f, dict)]

    # -- the party's stream ---------------------------------------------------------------

    def subscribe(self, party: str, callback: Callable[[Event], None]) -> Callable[[], None]:
        """``callback`` (on the committing thread; must not block) for each new event."""
        return self._hub.subscribe(party, callback)

    def events_after(self, party: str, after_seq: int, limit: int) -> list[Event]:
        return self._hub.events_after(party, after_seq, limit)

    def last_event_seq(self, party: str) -> int:
        return self._hub.last_event_seq(party)

    # -- desks (hotline presence and delivery) ---------------------------------------------

    def desk_connected(self, party: str) -> int:
        """A desk of ``party`` is connected (cheap); the handle to disconnect it with."""
        return self._hub.desks.connected(party)

    def desk_heartbeat(self, party: str) -> None:
        self._hub.desks.heard(party)

    def desk_disconnected(self, party: str, handle: int) -> None:
        self._hub.desks.disconnected(party, handle)

    def delivers_message(self, party: str, event: Event) -> bool:
        """Whether sending ``event`` to a desk of ``party`` delivers a message (cheap)."""
        return self._hub.hotline.receipt_wanted(party, event) is not None

    def reached_desk(self, party: str, event: Event) -> None:
        """``event`` was sent to a desk of ``party``: its message is delivered."""
        self._hub.hotline.reached_desk(party, event)
