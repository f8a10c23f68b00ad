"""Webhooks through the hub: a message to a party with a webhook reaches a real HTTP
receiver, signed, retried after a 500, logged, and marks the message delivered."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.api import create_app
from deconfliction.clock import ManualClock
from deconfliction.errors import AuthenticationFailed
from deconfliction.gateways.webhook import DELIVERY_HEADER, WebhookSender, verify_signature
from deconfliction.hub import Hub
from deconfliction.hub.hotline.drafts import MessageRequest
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.conftest import Deployment
from tests.scenarios import report

FLASH = {"to": "red", "channel": "air", "priority": "flash", "text": "Turning north"}
# The test receivers listen on the loopback address, which the hub refuses unless allowed.
LOCAL = Settings(webhook_allowed_internal="127.0.0.1")


class Receiver:
    """A real HTTP server on 127.0.0.1 that checks each signature with the test's clock and
    answers the statuses it is given, then 200."""

    def __init__(self, clock: ManualClock, statuses: list[int]) -> None:
        self.secret = b""
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes, bool, int]] = []
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify_signature(receiver.secret, body, self.headers, now_s=clock.now())
                    verified = True
                except AuthenticationFailed:
                    verified = False
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                status = status if verified else 401
                receiver.requests.append((dict(self.headers.items()), body, verified, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if 200 <= status < 300:
                    receiver.got.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
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

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, _, _ in self.requests]


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    deployment = deploy("blue", "red", red="ru", settings=LOCAL)
    deployment.hub.set_agreement(Agreement("blue", "red"))
    return deployment


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names under example.org and example.com resolve to a public address (the tests have
    no DNS)."""
    import deconfliction.hub.webhooks.addresses as webhook_module

    def resolve(host: str, port: int) -> list[str]:
        if host.endswith((".example.org", ".example.com", ".ngo.org")):
            return ["93.184.216.34"]
        raise OSError("no such host")

    monkeypatch.setattr(webhook_module, "resolve", resolve)


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[Receiver]:
    with Receiver(clock, statuses=[500]) as running:
        yield running


def set_webhook(d: Deployment, party: str, receiver: Receiver) -> dict[str, Any]:
    answer = d.client(party).put("/v1/me/webhook", json={"url": receiver.url})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    receiver.secret = body["secret"].encode()
    return body


def test_a_message_reaches_the_receiver_signed_after_one_500(
    d: Deployment, receiver: Receiver
) -> None:
    made = set_webhook(d, "red", receiver)
    assert len(made["secret"]) >= 32 and made["events"] == ["message.", "alert."]
    sent = d.client("blue").post("/v1/messages", json=FLASH).json()
    assert sent["recipient_webhook"] is True
    assert receiver.requests == []  # nothing is sent inside the request
    waits: list[float] = []
    assert d.hub._webhooks.drain(sleep=lambda s: waits.append(d.clock.advance(s))) == 1

    assert [(verified, status) for _, _, verified, status in receiver.requests] == [
        (True, 500),
        (True, 200),
    ]
    first, second = (headers for headers, _, _, _ in receiver.requests)
    assert first[DELIVERY_HEADER] == second[DELIVERY_HEADER]
    assert (first["X-Deconfliction-Attempt"], second["X-Deconfliction-Attempt"]) == ("1", "2")
    body = receiver.bodies()[0]
    assert (body["party"], body["kind"], body["seq"]) == ("red", "message.received", 1)
    assert body["data"]["message"]["id"] == sent["id"]
    assert body["data"]["message"]["rendered"]["language"] == "ru"
    # One backoff wait, of 1 to 2 s after the first failure (base 2 s, half jitter).
    assert len(waits) == 1

    [log] = d.client("red").get("/v1/me/webhook/deliveries").json()
    assert log["state"] == "delivered" and log["id"] == first[DELIVERY_HEADER]
    assert (log["event_seq"], log["event_kind"]) == (1, "message.received")
    attempts = log["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 200]
    assert 1.0 <= attempts[0]["retry_in_s"] <= 2.0 and attempts[1]["retry_in_s"] is None
    # The 2xx delivered the message: the sender is told so.
    assert [e.kind for e in d.hub.events_after("blue", 0)] == [
        "message.sent",
        "message.delivered",
    ]
    delivered = d.hub.events_after("blue", 1)[0].data
    assert delivered["via"] == "webhook"


def test_only_hotline_and_alert_events_go_to_the_webhook(d: Deployment, receiver: Receiver) -> None:
    receiver.statuses.clear()
    set_webhook(d, "red", receiver)
    d.client("red").post("/v1/reports", json=[report("r1")])
    assert d.hub._webhooks.drain() == 0
    d.client("blue").post("/v1/messages", json=FLASH)
    assert d.hub._webhooks.drain() == 1
    assert [b["kind"] for b in receiver.bodies()] == ["message.received"]


def test_a_receiver_that_keeps_failing_is_given_up_on(
    deploy: Callable[..., Deployment], clock: ManualClock
) -> None:
    d = deploy("blue", "red", settings=LOCAL.replace(webhook_max_attempts=3))
    d.hub.set_agreement(Agreement("blue", "red"))
    with Receiver(clock, statuses=[503, 500, 502]) as failing:
        set_webhook(d, "red", failing)
        d.client("blue").post("/v1/messages", json=FLASH)
        d.hub._webhooks.drain()
    [log] = d.client("red").get("/v1/me/webhook/deliveries").json()
    assert log["state"] == "failed"
    assert [a["status_code"] for a in log["attempts"]] == [503, 500, 502]
    assert [e.kind for e in d.hub.events_after("blue", 0)] == ["message.sent"]


def test_a_secret_given_by_the_party_is_used_and_never_shown(
    d: Deployment, receiver: Receiver
) -> None:
    receiver.statuses.clear()
    secret = "a-secret-red-chose-itself-0123456789"
    answer = d.client("red").put("/v1/me/webhook", json={"url": receiver.url, "secret": secret})
    assert answer.json()["secret"] is None
    receiver.secret = secret.encode()
    d.client("blue").post("/v1/messages", json=FLASH)
    d.hub._webhooks.drain()
    assert [verified for _, _, verified, _ in receiver.requests] == [True]
    shown = d.client("red").get("/v1/me/webhook").json()
    assert shown["url"] == receiver.url and shown["secret"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "ftp://hooks.example.org/x"}, "is not an http:// or https:// URL"),
        ({"url": "file:///etc/passwd"}, "is not an http:// or https:// URL"),
        ({"url": "https://user:pw@hooks.example.org/x"}, "put no user name or password"),
        ({"url": "https://hooks.example.org/x", "secret": "short"}, "16 to 256 characters"),
    ],
)
@pytest.mark.usefixtures("public_dns")
def test_bad_webhooks_are_refused(d: Deployment, body: dict[str, str], message: str) -> None:
    answer = d.client("red").put("/v1/me/webhook", json=body)
    assert answer.status_code == 422
    assert message in answer.json()["error"]["message"]


@pytest.mark.usefixtures("public_dns")
def test_only_listed_hosts_when_the_hub_lists_them(deploy: Callable[..., Deployment]) -> None:
    d = deploy("red", settings=Settings(webhook_allowed_hosts="hooks.example.org, *.ngo.org"))
    put = d.client("red").put
    assert put("/v1/me/webhook", json={"url": "https://hooks.example.org/a"}).status_code == 200
    assert put("/v1/me/webhook", json={"url": "https://desk.ngo.org/a"}).status_code == 200
    refused = put("/v1/me/webhook", json={"url": "http://hooks.example.com/a"})
    assert refused.status_code == 422
    assert (
        "'hooks.example.com' is not in this hub's list of allowed webhook hosts"
        in (refused.json()["error"]["message"])
    )


def test_removing_the_webhook(d: Deployment, receiver: Receiver) -> None:
    set_webhook(d, "red", receiver)
    d.client("blue").post("/v1/messages", json=FLASH)
    assert d.client("red").delete("/v1/me/webhook").status_code == 204
    assert d.client("red").get("/v1/me/webhook").status_code == 404
    assert d.client("red").delete("/v1/me/webhook").status_code == 404
    d.hub._webhooks.drain()
    assert receiver.requests == []
    [log] = d.client("red").get("/v1/me/webhook/deliveries").json()
    assert log["state"] == "failed"
    assert log["attempts"][0]["error"] == "the webhook was removed"


def test_pending_deliveries_survive_a_restart(
    hub_key: Ed25519PrivateKey,
    make_store: Callable[..., Store],
    clock: ManualClock,
    receiver: Receiver,
) -> None:
    receiver.statuses.clear()
    hub = Hub(LOCAL, make_store(), clock=clock, key=hub_key, webhook_sender=WebhookSender)
    hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red"))
    _, secret = hub.desks.set_webhook("red", receiver.url)
    assert secret is not None
    receiver.secret = secret.encode()
    hub.hotline.send("blue", MessageRequest(**FLASH))
    hub.close()  # the process stops before the worker sent it
    again = Hub(LOCAL, make_store(), clock=clock, key=hub_key, webhook_sender=WebhookSender)
    assert again._webhooks.pending() == 1
    assert again._webhooks.drain() == 1
    assert [b["kind"] for b in receiver.bodies()] == ["message.received"]
    again.close()


def test_the_served_app_delivers_in_a_background_worker(
    make_store: Callable[..., Store], clock: ManualClock, receiver: Receiver
) -> None:
    from fastapi.testclient import TestClient

    settings = LOCAL.replace(webhook_base_delay_s=0.01, webhook_max_delay_s=0.02)
    hub = Hub(settings, make_store(), clock=clock, webhook_sender=WebhookSender)
    hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red"))
    _, secret = hub.desks.set_webhook("red", receiver.url)
    assert secret is not None
    receiver.secret = secret.encode()
    with TestClient(create_app(hub)):  # the lifespan starts and stops the workers
        hub.hotline.send("blue", MessageRequest(**FLASH))
        assert receiver.got.wait(10), "the worker did not deliver"
    assert [status for _, _, _, status in receiver.requests] == [500, 200]
    hub.close()


# -- the hub is no scanner of its operator's network ----------------------------------------

REFUSED = (
    "is refused: the hub sends webhooks to public addresses only (the hub's operator may "
    "allow others: setting webhook_allowed_internal)"
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/",
        "http://localhost:8000/v1/health",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0:8000/",
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://no-such-host.invalid/",
    ],
)
def test_internal_or_unknown_hosts_are_refused_alike(d_public: Deployment, url: str) -> None:
    answer = d_public.client("red").put("/v1/me/webhook", json={"url": url})
    assert answer.status_code == 422, answer.text
    assert REFUSED in answer.json()["error"]["message"]


@pytest.fixture
def d_public(deploy: Callable[..., Deployment]) -> Deployment:
    deployment = deploy("blue", "red")
    deployment.hub.set_agreement(Agreement("blue", "red"))
    return deployment


def test_each_delivery_checks_the_address_again(
    deploy: Callable[..., Deployment],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name that resolved to an allowed address when the webhook was set, and to another
    one since (DNS rebinding), gets no request."""
    import deconfliction.hub.webhooks.addresses as webhook_module

    answers = {"hooks.test": ["127.0.0.1"]}
    monkeypatch.setattr(webhook_module, "resolve", lambda host, port: answers[host])
    d = deploy("blue", "red", settings=Settings(webhook_allowed_internal="127.0.0.1/32"))
    d.hub.set_agreement(Agreement("blue", "red"))
    port = receiver.server.server_address[1]
    url = f"http://hooks.test:{port}/hook"
    made = d.client("red").put("/v1/me/webhook", json={"url": url})
    assert made.status_code == 200, made.text
    answers["hooks.test"] = ["10.0.0.9"]  # now somewhere the operator did not allow
    d.client("blue").post("/v1/messages", json=FLASH)
    d.hub._webhooks.drain()
    assert receiver.requests == []
    [log] = d.client("red").get("/v1/me/webhook/deliveries").json()
    assert log["state"] == "failed"


def test_connection_errors_are_logged_without_the_systems_words(d: Deployment) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    assert d.client("red").put("/v1/me/webhook", json={"url": url}).status_code == 200
    d.client("blue").post("/v1/messages", json=FLASH)
    d.hub._webhooks.drain()
    [log] = d.client("red").get("/v1/me/webhook/deliveries").json()
    errors = {a["error"] for a in log["attempts"]}
    assert errors == {"connection failed"}


def test_deliveries_connect_to_the_address_they_checked(
    deploy: Callable[..., Deployment],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through the hub, the sender resolves with the policy's resolver and connects to the
    address it checked: a name only the policy's resolver knows is still delivered to."""
    import deconfliction.hub.webhooks.addresses as webhook_module

    monkeypatch.setattr(webhook_module, "resolve", lambda host, port: ["127.0.0.1"])
    d = deploy("blue", "red", settings=LOCAL)
    d.hub.set_agreement(Agreement("blue", "red"))
    receiver.statuses.clear()
    port = receiver.server.server_address[1]
    made = d.client("red").put("/v1/me/webhook", json={"url": f"http://hooks.test:{port}/h"})
    receiver.secret = made.json()["secret"].encode()
    d.client("blue").post("/v1/messages", json=FLASH)
    d.hub._webhooks.drain()
    assert [status for _, _, _, status in receiver.requests] == [200]
