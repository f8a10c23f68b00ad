"""Webhooks: a party's hotline and alert events, POSTed to its own HTTP endpoint.

A party sets one webhook (a URL and a secret). Every event on its stream whose kind starts
with ``message.`` or ``alert.`` becomes a *delivery*: staged in the same write as the event
(so a delivery is never lost if the hub stops; pending ones are queued again at start), then
sent after the commit by a background worker with
:class:`~deconfliction.gateways.webhook.WebhookSender` (signed, retried with backoff). Each
attempt is recorded on the delivery in the store as soon as it is over, and the party reads
its log. Deliveries never run under the hub lock nor in a request: one party's events go in
order, by one worker at a time, and a slow or dead endpoint holds up only its own party.

The body is the event as the stream sends it, with the party: ``{"party", "seq", "time",
"kind", "data"}``; ``seq`` lets a receiver drop repeats and notice gaps.

Where each party's webhook points, and the risk of internal addresses: see
:mod:`deconfliction.hub.webhooks.config`.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from deconfliction.clock import Clock
from deconfliction.errors import InvalidInput
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.webhooks.addresses import AddressPolicy
from deconfliction.hub.webhooks.config import WebhookConfig, WebhookConfigs
from deconfliction.model.ids import new_id
from deconfliction.settings import Settings
from deconfliction.store import Event, Store, StoredObject
from deconfliction.units import format_time

log = logging.getLogger(__name__)

WEBHOOK_KINDS = ("message.", "alert.")  # event kinds a webhook receives
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
MAX_URL_LENGTH = 2000
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class _Pending:
    id: str  # the delivery id, sent in X-Deconfliction-Delivery on every attempt
    party: str
    seq: int
    kind: str
    created_s: float
    earlier: tuple[dict[str, Any], ...] = ()  # attempts logged before a restart


class Attempt(Protocol):
    """One attempt of a delivery, as the sender reports it."""

    @property
    def ok(self) -> bool: ...

    @property
    def retry_in_s(self) -> float | None: ...

    def to_json(self) -> dict[str, Any]: ...


class Delivery(Protocol):
    @property
    def delivered(self) -> bool: ...


class Sender(Protocol):
    """Sends one webhook delivery with its retries (an edge: HTTP lives in gateways)."""

    def send(
        self,
        url: str,
        secret: str,
        payload: dict[str, Any],
        *,
        delivery_id: str,
        on_attempt: Callable[[Attempt], None],
    ) -> Delivery: ...

    def __enter__(self) -> Sender: ...

    def __exit__(self, *_: object) -> None: ...


class SenderFactory(Protocol):
    """Makes a sender: how many attempts, the backoff, the timeout, time and randomness, and
    the addresses it may connect to (checked again at each delivery)."""

    def __call__(
        self,
        *,
        max_attempts: int,
        base_delay_s: float,
        max_delay_s: float,
        timeout_s: float,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random,
        policy: AddressPolicy | None,
    ) -> Sender: ...


@dataclass(frozen=True)
class _NotSent:
    """The attempt of a hub built without a sender: nothing goes out, and the log says so."""

    at_s: float
    ok: bool = False
    retry_in_s: float | None = None
    delivered: bool = False

    def to_json(self) -> dict[str, Any]:
        return _note(self.at_s, "this hub was started without a webhook sender")


class NoSender:
    """The sender of a hub given none (a library use without the HTTP edge)."""

    def __init__(self, *, clock: Clock, **_options: object) -> None:
        self._clock = clock

    def send(
        self,
        url: str,
        secret: str,
        payload: dict[str, Any],
        *,
        delivery_id: str,
        on_attempt: Callable[[Attempt], None],
    ) -> Delivery:
        attempt = _NotSent(self._clock.now())
        on_attempt(attempt)
        return attempt

    def __enter__(self) -> NoSender:
        return self

    def __exit__(self, *_: object) -> None:
        return None


class _Stopped(Exception):
    """The worker is stopping in the middle of a backoff; the delivery stays pending."""


def event_payload(event: Event) -> dict[str, Any]:
    """The JSON body of a webhook delivery of ``event``."""
    return {
        "party": event.party,
        "seq": event.seq,
        "time": format_time(event.time_s),
        "kind": event.kind,
        "data": event.data,
    }


class Webhooks:
    """Parties' webhooks, their queue of deliveries and the workers that send them."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        sender: SenderFactory | None = None,
    ) -> None:
        self._store = store
        self._make_sender: SenderFactory = sender or NoSender
        self.settings = settings
        self.clock = clock
        self._write = write
        # Called with (party, event) after a 2xx (the hotline marks messages delivered).
        self.delivered_listeners: list[Callable[[str, Event], None]] = []
        self.configs = WebhookConfigs(store, settings)
        self._cond = threading.Condition()
        self._queues: dict[str, deque[_Pending]] = {}
        self._ready: deque[str] = deque()
        self._taken: set[str] = set()
        self._since_prune: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- configuration and log --------------------------------------------------------

    def load(self) -> None:
        """Read the webhooks from the store and queue the deliveries still pending."""
        self.configs.load()
        pending = self._store.list_objects("webhook_delivery", states=[PENDING])
        for stored in sorted(pending, key=lambda s: (s.owner, s.doc["event_seq"])):
            doc = stored.doc
            self._enqueue(
                _Pending(
                    stored.id,
                    stored.owner,
                    doc["event_seq"],
                    doc["event_kind"],
                    doc["created_s"],
                    tuple(doc.get("attempts", ())),
                )
            )

    def get(self, party: str) -> WebhookConfig | None:
        """The party's webhook, if it set one."""
        return self.configs.get(party)

    def deliveries(self, party: str, limit: int) -> list[dict[str, Any]]:
        """The party's latest deliveries, newest first, each with every attempt."""
        stored = self._store.list_objects("webhook_delivery", owner=party)
        return [s.doc for s in sorted(stored, key=lambda s: s.id, reverse=True)[:limit]]

    # -- staging (inside the write that emits the events) ------------------------------

    def stage(self, unit: WriteUnit) -> None:
        """Record a pending delivery for each event of ``unit`` that goes to a webhook."""
        if not self.configs or not unit.events:
            return
        staged = []
        for event in unit.events:
            config = self.configs.get(event.party)
            if config is not None and event.kind.startswith(WEBHOOK_KINDS):
                item = _Pending(
                    new_id("wh", unit.now_s), event.party, event.seq, event.kind, unit.now_s
                )
                self._save(unit, item, config.url, PENDING, [])
                staged.append(item)
        if staged:

            def enqueue() -> None:
                for item in staged:
                    self._enqueue(item)

            unit.after_commit(enqueue)

    @staticmethod
    def _save(
        unit: WriteUnit, item: _Pending, url: str, state: str, attempts: list[dict[str, Any]]
    ) -> None:
        doc = {
            "id": item.id,
            "event_seq": item.seq,
            "event_kind": item.kind,
            "url": url,
            "state": state,
            "created": format_time(item.created_s),
            "created_s": item.created_s,
            "attempts": attempts,
        }
        unit.tx.put_object(
            StoredObject("webhook_delivery", item.id, item.party, 1, state, unit.now_s, doc)
        )

    # -- the queue ---------------------------------------------------------------------

    def _enqueue(self, item: _Pending) -> None:
        with self._cond:
            self._queues.setdefault(item.party, deque()).append(item)
            if item.party not in self._taken and item.party not in self._ready:
                self._ready.append(item.party)
                self._cond.notify()

    def pending(self) -> int:
        """Deliveries queued and not yet finished."""
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def _take(self, wait: bool) -> str | None:
        with self._cond:
            while not self._ready:
                if not wait or self._stop.is_set():
                    return None
                self._cond.wait()
            party = self._ready.popleft()
            self._taken.add(party)
            return party

    def _run_lane(self, party: str, sender: Sender) -> int:
        """Send ``party``'s queue in order until it is empty; how many were sent."""
        done = 0
        try:
            while True:
                with self._cond:
                    queue = self._queues.get(party)
                    if not queue:
                        self._queues.pop(party, None)
                        return done
                    item = queue[0]
                try:
                    self._deliver(item, sender)
                except _Stopped:
                    raise
                except Exception:  # keep the lane going; the delivery stays pending in the store
                    log.exception("webhook delivery %s of %s failed", item.id, party)
                with self._cond:
                    queue.popleft()
                done += 1
        finally:
            with self._cond:
                self._taken.discard(party)
                if self._queues.get(party) and party not in self._ready:
                    self._ready.append(party)
                    self._cond.notify()

    def drain(self, sleep: Callable[[float], object] | None = None) -> int:
        """Send everything queued now, in this thread; how many deliveries were finished.

        For tests and tools: waits between retries with ``sleep`` (default: no wait at all,
        though each attempt still logs the backoff it would have waited).
        """
        done = 0
        with self._sender(sleep or (lambda _s: None)) as sender:
            while (party := self._take(wait=False)) is not None:
                done += self._run_lane(party, sender)
        return done

    def _sender(self, sleep: Callable[[float], object]) -> Sender:
        s = self.settings

        def wait(seconds: float) -> None:
            sleep(seconds)

        return self._make_sender(
            max_attempts=max(1, s.webhook_max_attempts),
            base_delay_s=s.webhook_base_delay_s,
            max_delay_s=max(s.webhook_max_delay_s, s.webhook_base_delay_s),
            timeout_s=s.webhook_timeout_s,
            clock=self.clock,
            sleep=wait,
            rng=random.Random(),
            policy=self.configs.policy,
        )

    def _deliver(self, item: _Pending, sender: Sender) -> None:
        config = self.configs.get(item.party)
        found = self._store.events_after(item.party, item.seq - 1, 1)
        event = found[0] if found and found[0].seq == item.seq else None
        earlier = list(item.earlier)
        now = self.clock.now()
        if config is None or event is None:
            why = "the webhook was removed" if config is None else "the event is gone"
            self._finish(item, config.url if config else "", FAILED, [*earlier, _note(now, why)])
            return
        if not self.configs.host_allowed(httpx.URL(config.url).host):
            why = "the host is no longer allowed (setting webhook_allowed_hosts)"
            self._finish(item, config.url, FAILED, [*earlier, _note(now, why)])
            return
        attempts: list[dict[str, Any]] = earlier

        def logged(attempt: Attempt) -> None:
            attempts.append(attempt.to_json())
            state = PENDING if attempt.retry_in_s is not None else _outcome(attempt)
            self._finish(item, config.url, state, attempts)

        try:
            result = sender.send(
                config.url,
                config.secret,
                event_payload(event),
                delivery_id=item.id,
                on_attempt=logged,
            )
        except InvalidInput as error:  # a URL or secret the sender refuses: final
            self._finish(item, config.url, FAILED, [*attempts, _note(now, error.message)])
            return
        if result.delivered:
            for listener in self.delivered_listeners:
                listener(item.party, event)
        self._prune(item.party)

    def _finish(self, item: _Pending, url: str, state: str, attempts: list[dict[str, Any]]) -> None:
        with self._write() as unit:
            self._save(unit, item, url, state, list(attempts))

    def _prune(self, party: str) -> None:
        """Keep the last ``webhook_log_keep`` finished deliveries of the party (checked every
        tenth of that many deliveries, so that logging stays cheap)."""
        keep = max(1, self.settings.webhook_log_keep)
        count = self._since_prune.get(party, 0) + 1
        self._since_prune[party] = count
        if count < max(1, keep // 10):
            return
        self._since_prune[party] = 0
        finished = sorted(
            s.id
            for s in self._store.list_objects("webhook_delivery", owner=party)
            if s.state != PENDING
        )
        excess = finished[:-keep] if len(finished) > keep else []
        if excess:
            with self._write() as unit:
                for delivery_id in excess:
                    unit.tx.delete_object("webhook_delivery", delivery_id)

    # -- workers -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker threads (the app does, while it is served)."""
        if self._threads:
            return
        self._stop.clear()
        for number in range(max(1, self.settings.webhook_workers)):
            thread = threading.Thread(target=self._work, name=f"webhooks-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the workers; deliveries not finished stay pending and resume at next start."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def _wait(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped

    def _work(self) -> None:
        with self._sender(self._wait) as sender:
            while (party := self._take(wait=True)) is not None:
                with contextlib.suppress(_Stopped):
                    self._run_lane(party, sender)
                if self._stop.is_set():
                    return


def _outcome(attempt: Attempt) -> str:
    return DELIVERED if attempt.ok else FAILED


def _note(now_s: float, error: str) -> dict[str, Any]:
    """A log entry for a delivery that was not attempted at all."""
    return {
        "attempt": 0,
        "at": format_time(now_s),
        "duration_s": 0.0,
        "status_code": None,
        "error": error,
        "retry_in_s": None,
    }
