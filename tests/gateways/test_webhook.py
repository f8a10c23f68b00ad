"""Webhooks: the signature scheme, and a real HTTP receiver that fails once, then accepts."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from deconfliction.clock import ManualClock
from deconfliction.errors import AuthenticationFailed, InvalidInput
from deconfliction.gateways.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryAttempt,
    WebhookSender,
    sign,
    verify_signature,
)
from deconfliction.hub import AddressPolicy, is_public

SECRET = b"party-red-webhook-secret"
START_S = 1_714_564_800.0
EVENT = {"type": "message", "id": "m-1", "title": "Уведомление о пересечении"}


@dataclass
class Received:
    """What the test receiver saw: one entry per request, and what it answered."""

    statuses: list[int] = field(default_factory=list)  # what to answer, in order
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)


class Receiver:
    """A real HTTP server on 127.0.0.1 that checks every signature with the test's clock."""

    def __init__(self, clock: ManualClock, statuses: list[int]) -> None:
        self.seen = Received(statuses=list(statuses))
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify_signature(SECRET, body, self.headers, now_s=clock.now())
                    ok = True
                except AuthenticationFailed:
                    ok = False
                status = seen.statuses.pop(0) if seen.statuses else 200
                if not ok:
                    status = 401
                seen.bodies.append(body)
                seen.headers.append(dict(self.headers.items()))
                seen.verified.append(ok)
                seen.answered.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        # A short poll so shutdown() returns at once, not after the default half second.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_S)


@pytest.fixture
def sleeps(clock: ManualClock) -> list[float]:
    return []


def sender_for(clock: ManualClock, sleeps: list[float], **options: object) -> WebhookSender:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)  # time passes only on the test's clock

    settings: dict[str, object] = {"max_attempts": 4, "base_delay_s": 2.0, "max_delay_s": 30.0}
    settings.update(options)
    return WebhookSender(clock=clock, sleep=sleep, rng=random.Random(7), **settings)  # type: ignore[arg-type]


@pytest.fixture
def sender(clock: ManualClock, sleeps: list[float]) -> Iterator[WebhookSender]:
    with sender_for(clock, sleeps) as sender:
        yield sender


def test_receiver_fails_once_then_accepts(
    clock: ManualClock, sleeps: list[float], sender: WebhookSender
) -> None:
    with Receiver(clock, statuses=[500]) as receiver:
        delivery = sender.send(receiver.url, SECRET, EVENT)

    assert delivery.delivered
    assert [a.status_code for a in delivery.attempts] == [500, 200]
    assert [a.attempt for a in delivery.attempts] == [1, 2]
    assert receiver.seen.verified == [True, True]
    assert receiver.seen.answered == [500, 200]
    # The backoff came from the injected sleep: first failure waits 1 to 2 s (half jitter).
    assert len(sleeps) == 1
    assert 1.0 <= sleeps[0] <= 2.0
    assert delivery.attempts[0].retry_in_s == sleeps[0]
    assert delivery.attempts[1].retry_in_s is None
    assert delivery.attempts[1].at_s == START_S + sleeps[0]
    # One delivery id across the retries; each attempt signed afresh with its own time.
    first, second = receiver.seen.headers
    assert first[DELIVERY_HEADER] == second[DELIVERY_HEADER] == delivery.delivery_id
    assert first["X-Deconfliction-Attempt"] == "1"
    assert second["X-Deconfliction-Attempt"] == "2"
    assert first[TIMESTAMP_HEADER] == str(int(START_S))
    assert second[TIMESTAMP_HEADER] == str(int(START_S + sleeps[0]))
    assert json.loads(receiver.seen.bodies[0]) == EVENT
    assert receiver.seen.bodies[0] == receiver.seen.bodies[1]
    log = delivery.to_json()
    assert log["delivered"] is True
    assert [a["status_code"] for a in log["attempts"]] == [500, 200]
    assert log["attempts"][0]["at"] == "2024-05-01T12:00:00Z"


def test_signature_by_hand_the_way_a_receiver_checks_it(clock: ManualClock) -> None:
    body = b'{"a":1}'
    headers = sign(SECRET, body, START_S + 0.9)
    stamp = headers[TIMESTAMP_HEADER]
    mac = hmac.new(SECRET, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert stamp == str(int(START_S))
    assert headers[SIGNATURE_HEADER] == "sha256=" + mac
    assert verify_signature(SECRET, body, headers, now_s=START_S) == int(START_S)
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_signature(SECRET.decode(), body, lower, now_s=START_S) == int(START_S)


@pytest.mark.parametrize(
    ("body", "secret", "headers", "now_s", "problem"),
    [
        (b'{"a":2}', SECRET, None, START_S, "does not match the body"),
        (b'{"a":1}', b"other", None, START_S, "does not match the body"),
        (b'{"a":1}', SECRET, None, START_S + 301, "more than the 300 s allowed"),
        (b'{"a":1}', SECRET, None, START_S - 301, "more than the 300 s allowed"),
        (b'{"a":1}', SECRET, {TIMESTAMP_HEADER: "1714564800"}, START_S, "Signature header is"),
        (b'{"a":1}', SECRET, {SIGNATURE_HEADER: "sha256=00"}, START_S, "Timestamp header is"),
        (
            b'{"a":1}',
            SECRET,
            {TIMESTAMP_HEADER: "-5", SIGNATURE_HEADER: "sha256=00"},
            START_S,
            "not whole unix seconds",
        ),
    ],
)
def test_bad_signatures_are_refused(
    body: bytes, secret: bytes, headers: dict[str, str] | None, now_s: float, problem: str
) -> None:
    headers = headers if headers is not None else sign(SECRET, b'{"a":1}', START_S)
    with pytest.raises(AuthenticationFailed, match=problem):
        verify_signature(secret, body, headers, now_s=now_s)


def test_a_replayed_request_with_a_new_timestamp_fails() -> None:
    body = b'{"a":1}'
    old = sign(SECRET, body, START_S)
    replay = {**old, TIMESTAMP_HEADER: str(int(START_S) + 3600)}
    with pytest.raises(AuthenticationFailed, match="does not match"):
        verify_signature(SECRET, body, replay, now_s=START_S + 3600)


def test_client_errors_are_final(
    clock: ManualClock, sleeps: list[float], sender: WebhookSender
) -> None:
    with Receiver(clock, statuses=[404]) as receiver:
        delivery = sender.send(receiver.url, SECRET, EVENT)
    assert not delivery.delivered
    assert [a.status_code for a in delivery.attempts] == [404]
    assert sleeps == []


def test_a_wrong_secret_gets_401_and_no_retry(
    clock: ManualClock, sleeps: list[float], sender: WebhookSender
) -> None:
    with Receiver(clock, statuses=[]) as receiver:
        delivery = sender.send(receiver.url, b"not the secret", EVENT)
    assert receiver.seen.verified == [False]
    assert [a.status_code for a in delivery.attempts] == [401]
    assert sleeps == []


def test_retries_stop_at_the_limit_with_growing_capped_delays(
    clock: ManualClock, sleeps: list[float]
) -> None:
    with (
        sender_for(clock, sleeps, max_attempts=5, base_delay_s=4.0, max_delay_s=10.0) as sender,
        Receiver(clock, statuses=[503] * 10) as receiver,
    ):
        delivery = sender.send(receiver.url, SECRET, EVENT)
    assert not delivery.delivered
    assert [a.status_code for a in delivery.attempts] == [503] * 5
    assert len(receiver.seen.bodies) == 5
    ceilings = [4.0, 8.0, 10.0, 10.0]  # base * 2**n, capped
    assert len(sleeps) == 4
    for wait, ceiling in zip(sleeps, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert delivery.attempts[-1].retry_in_s is None


def test_retry_after_is_honoured_up_to_the_cap(clock: ManualClock, sleeps: list[float]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if len(sleeps) == 0:
            return httpx.Response(429, headers={"Retry-After": "25"})
        if len(sleeps) == 1:
            return httpx.Response(429, headers={"Retry-After": "3600"})
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with sender_for(clock, sleeps, client=client) as sender:
        delivery = sender.send("https://hooks.example/red", SECRET, EVENT)
    assert delivery.delivered
    assert sleeps == [25.0, 30.0]


def test_connection_errors_are_retried(clock: ManualClock, sleeps: list[float]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with sender_for(clock, sleeps, max_attempts=3) as sender:
        delivery = sender.send(f"http://127.0.0.1:{port}/hook", SECRET, EVENT)
    assert not delivery.delivered
    assert [a.status_code for a in delivery.attempts] == [None, None, None]
    # Nothing from the operating system reaches the party's delivery log.
    assert [a.error for a in delivery.attempts] == ["connection failed"] * 3
    assert len(sleeps) == 2


def test_bytes_are_sent_as_they_are(
    clock: ManualClock, sleeps: list[float], sender: WebhookSender
) -> None:
    body = b'{"already":"serialised"}'
    with Receiver(clock, statuses=[]) as receiver:
        delivery = sender.send(receiver.url, SECRET, body, delivery_id="d-42")
    assert delivery.delivery_id == "d-42"
    assert receiver.seen.bodies == [body]
    assert receiver.seen.verified == [True]


@pytest.mark.parametrize("url", ["ftp://example.org/x", "hooks.example/x", "http:///nohost"])
def test_only_http_urls(sender: WebhookSender, url: str) -> None:
    with pytest.raises(InvalidInput, match="not an http"):
        sender.send(url, SECRET, EVENT)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"base_delay_s": 0.0}, "base_delay_s"),
        ({"max_delay_s": 1.0, "base_delay_s": 2.0}, "below base_delay_s"),
        ({"timeout_s": float("nan")}, "timeout_s"),
    ],
)
def test_settings_are_checked(options: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        WebhookSender(**options)  # type: ignore[arg-type]


def test_an_empty_secret_is_refused(sender: WebhookSender) -> None:
    with pytest.raises(InvalidInput, match="secret is empty"):
        sender.send("http://127.0.0.1:9/hook", b"", EVENT)


def test_each_attempt_is_reported_as_soon_as_it_ends(
    clock: ManualClock, sleeps: list[float], sender: WebhookSender
) -> None:
    reported: list[tuple[int, int | None, int]] = []

    def on_attempt(attempt: DeliveryAttempt) -> None:
        reported.append((attempt.attempt, attempt.status_code, len(sleeps)))

    with Receiver(clock, statuses=[503, 500]) as receiver:
        delivery = sender.send(receiver.url, SECRET, EVENT, on_attempt=on_attempt)
    # Each attempt is reported before the wait that follows it.
    assert reported == [(1, 503, 0), (2, 500, 1), (3, 200, 2)]
    assert [a.attempt for a in delivery.attempts] == [1, 2, 3]


# -- where the hub may POST: public addresses only, unless the operator allows more --------

NOT_PUBLIC = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "169.254.169.254",  # cloud metadata
    "fe80::1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "fc00::1",
    "fd12:3456::1",
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "0.0.0.0",
    "::",
    "240.0.0.1",
    "255.255.255.255",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4007:80f::200e"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are(address: str) -> None:
    assert is_public(address)


def resolver(answers: dict[str, list[str]], calls: list[str] | None = None):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["93.184.216.34", "10.0.0.5"],  # every address is checked, not only the first
        [],
    ],
)
def test_a_host_is_refused_unless_every_address_is_public(answers: list[str]) -> None:
    policy = AddressPolicy(resolver=resolver({"hooks.example": answers}))
    with pytest.raises(InvalidInput) as refused:
        policy.check("hooks.example", 443)
    # The same words whatever the reason: the party learns nothing of the hub's network.
    assert refused.value.message == (
        "webhook: host 'hooks.example' is refused: the hub sends webhooks to public "
        "addresses only (the hub's operator may allow others: setting webhook_allowed_internal)"
    )


def test_an_unknown_host_reads_the_same_as_an_internal_one() -> None:
    policy = AddressPolicy(resolver=resolver({"db.internal": ["10.1.2.3"]}))
    with pytest.raises(InvalidInput) as internal:
        policy.check("db.internal", 443)
    with pytest.raises(InvalidInput) as unknown:
        policy.check("nothing.internal", 443)
    assert internal.value.message.replace("db", "nothing") == unknown.value.message


def test_the_operator_allows_internal_hosts_and_networks() -> None:
    answers = {"hooks.lan": ["10.0.0.7"], "desk.corp.example": ["192.168.3.4"], "x": ["10.9.0.1"]}
    policy = AddressPolicy.parse(
        "hooks.lan, *.corp.example, 10.9.0.0/16, ::1", resolve=resolver(answers)
    )
    assert policy.check("hooks.lan", 80) == ["10.0.0.7"]
    assert policy.check("desk.corp.example", 80) == ["192.168.3.4"]
    assert policy.check("x", 80) == ["10.9.0.1"]
    assert policy.check("::1", 80) == ["::1"]
    with pytest.raises(InvalidInput):
        policy.check("127.0.0.1", 80)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a host!", "*", "*.com/8"])
def test_a_bad_allow_list_is_refused(entry: str) -> None:
    with pytest.raises(InvalidInput, match="webhook_allowed_internal"):
        AddressPolicy.parse(entry)


def test_the_sender_connects_to_the_address_it_checked(
    clock: ManualClock, sleeps: list[float]
) -> None:
    """The name is resolved once per attempt, checked, and the connection goes to that very
    address (with the name as Host and TLS server name): a DNS answer that changes between
    the check and the connection (rebinding) cannot redirect it."""
    with Receiver(clock, statuses=[]) as receiver:
        port = receiver.server.server_address[1]
        calls: list[str] = []
        policy = AddressPolicy.parse(
            "127.0.0.1", resolve=resolver({"hooks.test": ["127.0.0.1"]}, calls)
        )
        with sender_for(clock, sleeps, policy=policy) as sender:
            delivery = sender.send(f"http://hooks.test:{port}/hook", SECRET, EVENT)
    assert delivery.delivered  # the OS's resolver does not know hooks.test: ours was used
    assert calls == ["hooks.test"]
    assert receiver.seen.headers[0]["Host"] == f"hooks.test:{port}"


def test_the_sender_refuses_an_address_that_is_not_allowed_and_does_not_retry(
    clock: ManualClock, sleeps: list[float]
) -> None:
    with Receiver(clock, statuses=[]) as receiver:
        port = receiver.server.server_address[1]
        policy = AddressPolicy(resolver=resolver({"hooks.test": ["127.0.0.1"]}))
        with sender_for(clock, sleeps, policy=policy) as sender:
            delivery = sender.send(f"http://hooks.test:{port}/hook", SECRET, EVENT)
    assert receiver.seen.bodies == []
    [attempt] = delivery.attempts
    assert attempt.status_code is None and attempt.retry_in_s is None
    assert attempt.error is not None and "public addresses only" in attempt.error
