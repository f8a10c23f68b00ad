"""Where a party's duty desks can be reached: the desks connected to its stream now
(presence) and its webhook. Senders see both before relying on a message arriving."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from deconfliction.clock import Clock
from deconfliction.errors import NotFound
from deconfliction.hub.hotline.presence import PartyPresence, Presence
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.webhooks.config import WebhookConfig
from deconfliction.hub.webhooks.service import Webhooks


class Desks:
    """Presence and webhooks of every party (kept in memory by this process)."""

    def __init__(
        self,
        parties: Parties,
        webhooks: Webhooks,
        clock: Clock,
        write: Callable[[], AbstractContextManager[WriteUnit]],
    ) -> None:
        self._parties = parties
        self._webhooks = webhooks
        self._clock = clock
        self._write = write
        self._presence = Presence()

    def connected(self, party: str) -> int:
        """A desk of ``party`` connected to its stream; the handle to disconnect it with."""
        return self._presence.connect(party, self._clock.now())

    def heard(self, party: str) -> None:
        """A desk of ``party`` sent a frame (a heartbeat)."""
        self._presence.heartbeat(party, self._clock.now())

    def disconnected(self, party: str, handle: int) -> None:
        self._presence.disconnect(party, handle, self._clock.now())

    def presence(self, party: str) -> PartyPresence:
        """Whether ``party`` has a desk connected, and since when."""
        return self._presence.of(party)

    def has_webhook(self, party: str) -> bool:
        return self._webhooks.get(party) is not None

    def presence_for(self, party: str) -> list[tuple[PartyPresence, bool]]:
        """Presence of ``party`` and its partners, each with whether it has a webhook."""
        return [
            (self._presence.of(name), self.has_webhook(name))
            for name in [party, *self._parties.partners(party)]
        ]

    def set_webhook(
        self, party: str, url: str, secret: str | None = None
    ) -> tuple[WebhookConfig, str | None]:
        """Set the party's webhook; the secret is returned only if the hub made it."""
        with self._write() as unit:
            return self._webhooks.configs.set(unit, party, url, secret)

    def webhook(self, party: str) -> WebhookConfig:
        config = self._webhooks.get(party)
        if config is None:
            raise NotFound(f"party {party!r} has no webhook; set one with PUT /v1/me/webhook")
        return config

    def remove_webhook(self, party: str) -> None:
        with self._write() as unit:
            self._webhooks.configs.remove(unit, party)

    def deliveries(self, party: str, limit: int) -> list[dict[str, object]]:
        """The party's latest webhook deliveries, newest first, each with every attempt."""
        return self._webhooks.deliveries(party, limit)
