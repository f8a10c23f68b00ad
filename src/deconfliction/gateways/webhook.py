"""Webhooks: signed HTTP POSTs of hub events to a party's endpoint, retried with backoff.

The signature scheme
--------------------
Each request is a ``POST`` with a JSON body and these headers:

- ``X-Deconfliction-Timestamp``: the time of sending, whole unix seconds (``1714564800``);
- ``X-Deconfliction-Signature``: ``sha256=`` and the lower-case hex HMAC-SHA256, keyed with
  the party's webhook secret (its UTF-8 bytes), of the timestamp, a full stop, and the exact
  body bytes: ``HMAC(secret, b"1714564800." + body)``;
- ``X-Deconfliction-Delivery``: an id that stays the same across the retries of one
  delivery (a receiver drops repeats by it); ``X-Deconfliction-Attempt``: 1, 2, ...

The timestamp is inside the MAC, so a captured request cannot be replayed later with a new
timestamp; a receiver refuses timestamps further than a tolerance (five minutes is usual)
from its own clock. A receiver in Python::

    import hashlib, hmac, time

    def verify(secret: bytes, body: bytes, headers) -> None:
        stamp = headers["X-Deconfliction-Timestamp"]
        mac = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers["X-Deconfliction-Signature"], "sha256=" + mac):
            raise ValueError("bad signature")
        if abs(time.time() - int(stamp)) > 300:
            raise ValueError("stale timestamp")

(:func:`verify_signature` is the same check with plain-language errors.) Verify the raw
body bytes before parsing them: re-serialised JSON does not keep the bytes.

Where the hub may POST
----------------------
A webhook URL is chosen by a party, and the hub POSTs from inside its operator's network:
a URL naming an internal address would make the hub a scanner of that network. An
:class:`AddressPolicy` allows public addresses only (:func:`is_public`), plus the hosts and
networks the operator lists (setting ``webhook_allowed_internal``). The host's name is
resolved and *every* address it resolves to is checked; a sender given a policy does so at
each attempt and connects to the address it checked (with the name as ``Host`` and as the
TLS server name), so that a DNS answer changed between the check and the connection (DNS
rebinding) cannot redirect it. A refusal reads the same whatever its reason (an internal
address, or no address at all), and a failed connection is logged as ``connection
failed``, never with the operating system's words: the party learns nothing of the
operator's network.

Retries
-------
A connection error, a timeout, a 5xx, 408 or 429 is retried, up to ``max_attempts`` in all,
after ``min(max_delay_s, base_delay_s * 2**(n-1))`` seconds for the n-th failure, of which
the second half is random jitter (so many hubs' retries do not arrive in step); a numeric
``Retry-After`` is honoured up to ``max_delay_s``. Any other answer is final: 2xx delivers,
3xx and other 4xx fail (redirects are not followed, so a signed body only goes where the
party said). Every attempt is recorded as a :class:`DeliveryAttempt` and returned.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from deconfliction import __version__
from deconfliction.clock import Clock, SystemClock
from deconfliction.errors import AuthenticationFailed, InvalidInput
from deconfliction.hub import AddressPolicy
from deconfliction.units import format_time

TIMESTAMP_HEADER = "X-Deconfliction-Timestamp"
SIGNATURE_HEADER = "X-Deconfliction-Signature"
DELIVERY_HEADER = "X-Deconfliction-Delivery"
ATTEMPT_HEADER = "X-Deconfliction-Attempt"
SIGNATURE_PREFIX = "sha256="
RETRY_STATUSES = frozenset({408, 429})
CONNECTION_FAILED = "connection failed"


class Headers(Protocol):
    """Anything with header ``items()``: a dict, ``httpx.Headers``, ``http.server`` headers."""

    def items(self) -> Iterable[tuple[str, Any]]: ...


def _key(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise InvalidInput("webhook: the secret is empty; give each party a long random secret")
    return key


def signature(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """``sha256=<hex HMAC-SHA256 of b"<timestamp>." + body>``."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return SIGNATURE_PREFIX + hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: bytes | str, body: bytes, now_s: float) -> dict[str, str]:
    """The timestamp and signature headers for ``body`` sent at ``now_s``."""
    timestamp = int(now_s)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, body, timestamp),
    }


def _header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value)
    return None


def verify_signature(
    secret: bytes | str, body: bytes, headers: Headers, now_s: float, tolerance_s: float = 300.0
) -> int:
    """The request's timestamp if ``body`` and ``headers`` carry a valid, fresh signature.

    Raise :class:`~deconfliction.errors.AuthenticationFailed` naming what is wrong: a
    header missing, a malformed timestamp, a signature that does not match the body, or a
    timestamp more than ``tolerance_s`` from ``now_s``.

    >>> headers = sign(b"s3cret", b'{"a":1}', 1_700_000_000.0)
    >>> verify_signature(b"s3cret", b'{"a":1}', headers, now_s=1_700_000_010.0)
    1700000000
    """
    stamp = _header(headers, TIMESTAMP_HEADER)
    given = _header(headers, SIGNATURE_HEADER)
    if stamp is None or given is None:
        missing = TIMESTAMP_HEADER if stamp is None else SIGNATURE_HEADER
        raise AuthenticationFailed(f"webhook: the {missing} header is missing")
    if not stamp.isascii() or not stamp.isdigit():
        raise AuthenticationFailed(
            f"webhook: {TIMESTAMP_HEADER} {stamp!r} is not whole unix seconds"
        )
    timestamp = int(stamp)
    expected = signature(secret, body, timestamp)
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise AuthenticationFailed(
            "webhook: the signature does not match the body; check the secret and that the "
            "raw body bytes are verified before any parsing"
        )
    if abs(now_s - timestamp) > tolerance_s:
        raise AuthenticationFailed(
            f"webhook: timestamp {format_time(timestamp)} is {abs(now_s - timestamp):.0f} s from "
            f"now, more than the {tolerance_s:g} s allowed (a replay, or a clock out of step)"
        )
    return timestamp


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST of a delivery.

    ``at_s`` when it started (unix s) and ``duration_s`` how long it took; ``status_code``
    the HTTP answer, or ``None`` with ``error`` describing why no answer came; ``retry_in_s``
    the wait before the next attempt, ``None`` if none followed.
    """

    attempt: int
    at_s: float
    duration_s: float
    status_code: int | None
    error: str | None
    retry_in_s: float | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "at": format_time(self.at_s),
            "duration_s": self.duration_s,
            "status_code": self.status_code,
            "error": self.error,
            "retry_in_s": self.retry_in_s,
        }


@dataclass(frozen=True)
class WebhookDelivery:
    """The log of one delivery: every attempt, in order; ``delivered`` if the last got 2xx."""

    delivery_id: str
    url: str
    attempts: tuple[DeliveryAttempt, ...]

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "url": self.url,
            "delivered": self.delivered,
            "attempts": [attempt.to_json() for attempt in self.attempts],
        }


class _Plan:
    """The delivery logic without I/O: what to send, and what to do with each outcome."""

    def __init__(
        self,
        sender: _Base,
        url: str,
        secret: bytes | str,
        payload: Any,
        delivery_id: str | None,
    ) -> None:
        scheme = url.split(":", 1)[0].lower() if isinstance(url, str) else ""
        if scheme not in ("http", "https") or not httpx.URL(url).host:
            raise InvalidInput(f"webhook: {url!r} is not an http:// or https:// URL")
        self.sender = sender
        self.url = url
        self.key = _key(secret)
        self.body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        self.delivery_id = delivery_id or uuid.uuid4().hex
        self.attempts: list[DeliveryAttempt] = []

    def headers(self, now_s: float) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": f"deconfliction-hub/{__version__}",
            DELIVERY_HEADER: self.delivery_id,
            ATTEMPT_HEADER: str(len(self.attempts) + 1),
            **sign(self.key, self.body, now_s),
        }

    def route(self, policy: AddressPolicy | None) -> tuple[str, dict[str, str], dict[str, Any]]:
        """Where this attempt connects: the URL (naming the checked address when there is a
        policy), the extra headers and the transport extensions that keep the name."""
        if policy is None:
            return self.url, {}, {}
        parsed = httpx.URL(self.url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        address = policy.check(parsed.host, port)[0]
        pinned = parsed.copy_with(host=address)
        return str(pinned), {"Host": parsed.netloc.decode("ascii")}, {"sni_hostname": parsed.host}

    def record(
        self, started_s: float, response: httpx.Response | None, error: Exception | None
    ) -> float | None:
        """Log an attempt; the seconds to wait before the next one, or ``None`` to stop."""
        number = len(self.attempts) + 1
        status = response.status_code if response is not None else None
        retry_in_s = None
        refused = isinstance(error, InvalidInput)  # by the address policy: final
        if number < self.sender.max_attempts and _retryable(status) and not refused:
            retry_in_s = self.sender.backoff_s(number, response)
        self.attempts.append(
            DeliveryAttempt(
                attempt=number,
                at_s=started_s,
                duration_s=max(0.0, self.sender.clock.now() - started_s),
                status_code=status,
                error=None if error is None else _described(error),
                retry_in_s=retry_in_s,
            )
        )
        return retry_in_s

    def result(self) -> WebhookDelivery:
        return WebhookDelivery(self.delivery_id, self.url, tuple(self.attempts))


def _described(error: Exception) -> str:
    """What the party's delivery log says of a failed attempt: a refusal by the policy in
    its own words, any connection problem as ``connection failed`` (the operating system's
    words would tell a party about the hub's network: refused, unreachable, timed out)."""
    if isinstance(error, InvalidInput):
        return error.message
    return CONNECTION_FAILED


def _retryable(status: int | None) -> bool:
    return status is None or status >= 500 or status in RETRY_STATUSES


class _Base:
    def __init__(
        self,
        *,
        max_attempts: int,
        base_delay_s: float,
        max_delay_s: float,
        timeout_s: float,
        clock: Clock | None,
        rng: random.Random | None,
        policy: AddressPolicy | None = None,
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise InvalidInput(f"webhook: max_attempts must be at least 1, got {max_attempts!r}")
        for name, value in (
            ("base_delay_s", base_delay_s),
            ("max_delay_s", max_delay_s),
            ("timeout_s", timeout_s),
        ):
            if not value > 0 or not math.isfinite(value):
                raise InvalidInput(f"webhook: {name} must be a positive number, got {value!r}")
        if max_delay_s < base_delay_s:
            raise InvalidInput(
                f"webhook: max_delay_s ({max_delay_s:g}) is below base_delay_s ({base_delay_s:g})"
            )
        self.max_attempts = max_attempts
        self.base_delay_s = float(base_delay_s)
        self.max_delay_s = float(max_delay_s)
        self.timeout_s = float(timeout_s)
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.policy = policy

    def backoff_s(self, failures: int, response: httpx.Response | None) -> float:
        """Wait after the ``failures``-th failed attempt: exponential, half of it jitter."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (failures - 1))
        delay = ceiling / 2 + self.rng.uniform(0.0, ceiling / 2)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after is not None and retry_after.strip().isdigit():
            delay = max(delay, min(self.max_delay_s, float(retry_after)))
        return delay


class WebhookSender(_Base):
    """Sends signed webhooks and retries them, blocking (run it off the event loop).

    ``sleep`` and ``clock`` are injected so tests wait no real time; ``client`` may be
    given (it is then not closed by :meth:`close`). With a ``policy`` each attempt checks
    the addresses of the URL's host and connects to a checked one (see the module's docs).
    """

    def __init__(
        self,
        *,
        max_attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 60.0,
        timeout_s: float = 10.0,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        client: httpx.Client | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        super().__init__(
            max_attempts=max_attempts,
            base_delay_s=base_delay_s,
            max_delay_s=max_delay_s,
            timeout_s=timeout_s,
            clock=clock,
            rng=rng,
            policy=policy,
        )
        self.sleep = sleep
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=self.timeout_s, follow_redirects=False)

    def send(
        self,
        url: str,
        secret: bytes | str,
        payload: Any,
        *,
        delivery_id: str | None = None,
        on_attempt: Callable[[DeliveryAttempt], None] | None = None,
    ) -> WebhookDelivery:
        """POST ``payload`` (JSON-able, or bytes already JSON) to ``url`` until it is taken
        or the attempts run out; the log of every attempt either way. ``on_attempt`` is
        called with each attempt as soon as it is over (to log it before the next wait)."""
        plan = _Plan(self, url, secret, payload, delivery_id)
        while True:
            started_s = self.clock.now()
            response: httpx.Response | None = None
            error: Exception | None = None
            try:
                target, extra, extensions = plan.route(self.policy)
                # Streamed and never read: only the status matters, whatever the body's size.
                with self.client.stream(
                    "POST",
                    target,
                    content=plan.body,
                    headers={**plan.headers(started_s), **extra},
                    extensions=extensions,
                ) as response:
                    pass
            except (httpx.TransportError, InvalidInput) as failure:
                error = failure
            wait_s = plan.record(started_s, response, error)
            if on_attempt is not None:
                on_attempt(plan.attempts[-1])
            if wait_s is None:
                return plan.result()
            self.sleep(wait_s)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
