"""Presence: which parties have a duty desk connected to their stream now, and when each
was last heard from.

A desk is one WebSocket connection to ``/v1/stream``; every frame a client sends counts as a
heartbeat. Presence is kept in memory by the process that holds the connections: when
several hub processes serve one deployment, each knows only its own connections, and
presence will have to be shared between them (a table or a notification channel in the
shared database) before a sender can rely on it there.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PartyPresence:
    """What is known of one party's desks.

    ``desks`` is the number connected now; ``connected_s`` when the longest-connected of
    them connected (``None`` with no desk); ``last_heartbeat_s`` when any desk of the party
    last sent a frame or connected, ``None`` if never since the hub started;
    ``last_disconnect_s`` when a desk of the party last went away.
    """

    party: str
    desks: int = 0
    connected_s: float | None = None
    last_heartbeat_s: float | None = None
    last_disconnect_s: float | None = None

    @property
    def connected(self) -> bool:
        return self.desks > 0


@dataclass
class _Desks:
    since: dict[int, float] = field(default_factory=dict)  # desk handle -> connected at
    last_heartbeat_s: float | None = None
    last_disconnect_s: float | None = None


class Presence:
    """The desks connected to each party's stream (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parties: dict[str, _Desks] = {}
        self._handles = itertools.count(1)

    def connect(self, party: str, now_s: float) -> int:
        """A desk of ``party`` connected; returns the handle to :meth:`disconnect` it with."""
        with self._lock:
            handle = next(self._handles)
            desks = self._parties.setdefault(party, _Desks())
            desks.since[handle] = now_s
            desks.last_heartbeat_s = now_s
            return handle

    def heartbeat(self, party: str, now_s: float) -> None:
        with self._lock:
            desks = self._parties.setdefault(party, _Desks())
            desks.last_heartbeat_s = now_s

    def disconnect(self, party: str, handle: int, now_s: float) -> None:
        with self._lock:
            desks = self._parties.get(party)
            if desks is not None and desks.since.pop(handle, None) is not None:
                desks.last_disconnect_s = now_s

    def desks(self, party: str) -> int:
        with self._lock:
            desks = self._parties.get(party)
            return len(desks.since) if desks is not None else 0

    def of(self, party: str) -> PartyPresence:
        with self._lock:
            desks = self._parties.get(party)
            if desks is None:
                return PartyPresence(party)
            return PartyPresence(
                party,
                len(desks.since),
                min(desks.since.values()) if desks.since else None,
                desks.last_heartbeat_s,
                desks.last_disconnect_s,
            )
