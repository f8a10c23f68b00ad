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
        # Of each party listened to here, the last event handed to its subscribers.
        self._published: dict[str, int] = {}
        self._lock = threading.Lock()

    def subscribe(
        self, party: str, callback: Subscriber, after_seq: int | None = None
    ) -> Callable[[], None]:
        """Call ``callback`` with each new event of ``party`` (after ``after_seq``, where
        the subscriber starts: events other processes write are read from there on);
        returns the unsubscribe."""
        if after_seq is None:
            after_seq = self._store.last_event_seq(party)
        with self._lock:
            self._subscribers.setdefault(party, set()).add(callback)
            known = self._published.get(party)
            self._published[party] = after_seq if known is None else min(known, after_seq)

        def unsubscribe() -> None:
            with self._lock:
                subscribers = self._subscribers.get(party, set())
                subscribers.discard(callback)
                if not subscribers:
                    self._published.pop(party, None)

        return unsubscribe

    def listeners(self, party: str) -> int:
        with self._lock:
            return len(self._subscribers.get(party, ()))

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            with self._lock:
                callbacks = list(self._subscribers.get(event.party, ()))
                if event.seq > self._published.get(event.party, event.seq):
                    self._published[event.party] = event.seq
            for callback in callbacks:
                try:
                    callback(event)
                except Exception:  # a broken listener must not break the hub's write
                    log.exception("stream subscriber of %s failed", event.party)

    def follow(self, limit: int = 1000) -> int:
        """Hand subscribers here the events of their parties that other processes of the
        hub wrote (read from the store); how many. Subscribers drop what they had (an
        event is told by its ``seq``)."""
        with self._lock:
            wanted = {p: self._published[p] for p, subs in self._subscribers.items() if subs}
        told = 0
        for party, after_seq in wanted.items():
            events = self._store.events_after(party, after_seq, limit)
            self.publish(events)
            told += len(events)
        return told

    def after(self, party: str, after_seq: int, limit: int) -> list[Event]:
        """Stored events of ``party`` with a sequence number above ``after_seq``."""
        return self._store.events_after(party, after_seq, limit)

    def last_seq(self, party: str) -> int:
        return self._store.last_event_seq(party)
