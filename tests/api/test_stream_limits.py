"""An open stream does not outlive its credential, nor a client that stopped reading
(issue 18): closed with a documented code and the sequence number to resume after."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from starlette.websockets import WebSocketDisconnect

from deconfliction.api import create_app
from deconfliction.hub import Hub, MessageRequest
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore
from tests.conftest import Deployment
from tests.scenarios import report
from tests.served import serving


def _closed_within(ws: object, seconds: float) -> WebSocketDisconnect:
    """Wait for the server to close ``ws`` (a TestClient session), reading what comes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ws.receive_json()  # type: ignore[attr-defined]
        except WebSocketDisconnect as closed:
            return closed
    raise AssertionError(f"the stream stayed open for {seconds} s")


@pytest.mark.parametrize("change", ["rotate", "revoke"])
def test_a_rotated_or_revoked_credential_closes_the_open_stream(
    deploy: Callable[..., Deployment], change: str
) -> None:
    d = deploy("blue", "red")
    blue, admin = d.client("blue"), d.client("admin")
    with blue.websocket_connect("/v1/stream?after=0") as ws:
        blue.post("/v1/reports", json=[report("a")])
        assert ws.receive_json()["seq"] == 1
        assert d.hub.desks.presence("blue").desks == 1
        started = time.monotonic()
        if change == "rotate":
            assert admin.post("/v1/parties/blue/token").status_code == 200
        else:
            assert admin.delete("/v1/parties/blue").status_code == 200
        closed = _closed_within(ws, 5.0)
    took_s = time.monotonic() - started
    assert closed.code == 4401
    assert "after=1" in closed.reason
    assert took_s < 1.5, took_s  # stream_recheck_s (0.5 s) and a margin for a loaded machine
    assert d.hub.desks.presence("blue").desks == 0


def test_a_stream_with_a_valid_credential_stays_open(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    blue = d.client("blue")
    with blue.websocket_connect("/v1/stream") as ws:
        time.sleep(1.2)  # two rechecks
        assert d.client("admin").post("/v1/parties/red/token").status_code == 200  # not blue
        time.sleep(0.7)
        blue.post("/v1/reports", json=[report("a")])
        assert ws.receive_json()["kind"] == "reports.accepted"


# -- a client that stops reading: a real server and a socket that reads nothing ------------

SMALL_BUFFER = 4096  # bytes: the kernel's buffers fill after a few events


@contextmanager
def served(hub: Hub) -> Iterator[int]:
    """The hub's API on a loopback port whose connections have small send buffers."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)  # inherited
    with serving(create_app(hub), listener) as port:
        yield port


def _open_stream(port: int, token: str) -> socket.socket:
    """A WebSocket handshake by hand, on a socket with a small receive buffer."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def _frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(opcode, payload) of each whole server frame (unmasked) in ``data``."""
    at = 0
    while at + 2 <= len(data):
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if length == 126:
            (length,) = struct.unpack(">H", data[at : at + 2])
            at += 2
        elif length == 127:
            (length,) = struct.unpack(">Q", data[at : at + 8])
            at += 8
        if at + length > len(data):
            return
        yield opcode, data[at : at + length]
        at += length


def test_a_consumer_that_stops_reading_is_disconnected_with_its_resume_point(
    tmp_path: Path,
) -> None:
    settings = Settings(stream_send_timeout_s=1.0)
    hub = Hub(settings, SQLiteStore(tmp_path / "hub.db"))
    try:
        token = hub.add_party("blue")[1]
        hub.add_party("red")
        hub.set_agreement(Agreement("blue", "red"))
        with served(hub) as port:
            sock = _open_stream(port, token)
            deadline = time.monotonic() + 2
            while hub.desks.presence("blue").desks != 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert hub.desks.presence("blue").desks == 1
            sent = 0
            deadline = time.monotonic() + 20
            while hub.desks.presence("blue").desks == 1 and time.monotonic() < deadline:
                request = MessageRequest(to="blue", channel="air", text="x" * 4000)
                hub.hotline.send("red", request)  # each a 4 kB event on blue's stream
                sent += 1
                time.sleep(0.01)
            assert hub.desks.presence("blue").desks == 0, f"still connected after {sent}"
            sock.settimeout(5)  # now it reads: what was queued, then the close frame
            data = b""
            while not any(opcode == 0x8 for opcode, _ in _frames(data)):
                chunk = sock.recv(65536)
                assert chunk, "the connection ended without a close frame"
                data += chunk
            sock.close()
    finally:
        hub.close()
    frames = list(_frames(data))
    texts = [payload for opcode, payload in frames if opcode == 0x1]
    [(_, close)] = [(o, p) for o, p in frames if o == 0x8]
    code, reason = struct.unpack(">H", close[:2])[0], close[2:].decode()
    assert code == 4408
    # The event being sent when the time ran out may have reached the client after all:
    # the cursor is the last one surely taken, so a resumed stream misses nothing (and may
    # repeat that one event, which its seq tells).
    last_seq = orjson.loads(texts[-1])["seq"]
    resume = int(reason.rsplit("after=", 1)[1])
    assert last_seq - 1 <= resume <= last_seq, (reason, last_seq, sent)
    assert len(texts) < sent  # it stopped before the end: the rest stays in the store
