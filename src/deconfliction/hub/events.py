"""Party streams: who listens to which party's events, and the replay of stored ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from deconfliction.store import Event, Store

log = logging.getLogger(__name__)
Subscriber = Callable[[Event], None]


class Streams:
    """Fans committed events out to the subscribers of each party.

    Subscribers are called on the thread that committed the write and must not block: the
    WebSocket endpoint hands the event to its event loop and returns.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._lock = threading.Lock()

    def subscribe(self, party: str, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` with each new event of ``party``; returns the unsubscribe."""
        with self._lock:
            self._subscribers.setdefault(party, set()).add(callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.get(party, set()).discard(callback)

        return unsubscribe

    def listeners(self, party: str) -> int:
        with self._lock:
            return len(self._subscribers.get(party, ()))

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            with self._lock:
                callbacks = list(self._subscribers.get(event.party, ()))
            for callback in callbacks:
                try:
                    callback(event)
                except Exception:  # a broken listener must not break the hub's write
                    log.exception("stream subscriber of %s failed", event.party)

    def after(self, party: str, after_seq: int, limit: int) -> list[Event]:
        """Stored events of ``party`` with a sequence number above ``after_seq``."""
        return self._store.events_after(party, after_seq, limit)

    def last_seq(self, party: str) -> int:
        return self._store.last_event_seq(party)
