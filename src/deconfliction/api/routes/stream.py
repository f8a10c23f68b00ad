"""The party's stream over a WebSocket, resumable by sequence number."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from deconfliction.api.errors import close_code_of
from deconfliction.api.params import parse_seq
from deconfliction.errors import AuthenticationFailed, DeconflictionError, PermissionDenied
from deconfliction.hub import Hub
from deconfliction.store import Event
from deconfliction.units import format_time

router = APIRouter(tags=["stream"])
QUEUE_LIMIT = 10_000  # past this many undelivered live events, fall back to the store
CLOSE_TOO_SLOW = 4408  # the client stopped taking events (4000 + 408 Request Timeout)


def event_json(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "time": format_time(event.time_s),
        "kind": event.kind,
        "data": event.data,
    }


SUBPROTOCOL = "deconfliction.v1"  # what the server answers a client that offers it
BEARER_PROTOCOL = "bearer."  # a browser's token, offered as a subprotocol `bearer.<token>`


def _offered(websocket: WebSocket) -> list[str]:
    header = websocket.headers.get("sec-websocket-protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


def _bearer(websocket: WebSocket, token: str | None) -> str | None:
    """The token: from `Authorization`, a `bearer.<token>` subprotocol, or `?token=`."""
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    for protocol in _offered(websocket):
        if protocol.startswith(BEARER_PROTOCOL):
            return protocol[len(BEARER_PROTOCOL) :]
    return token


class _Feed:
    """Live events handed over from the hub's thread to this connection's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.overflowed = False

    def __call__(self, event: Event) -> None:  # on the hub's thread
        self._loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True

    def drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.overflowed = False


@router.websocket("/stream")
async def stream(websocket: WebSocket, after: str | None = None, token: str | None = None) -> None:
    """Events of the calling party, each `{"seq", "time", "kind", "data"}` with `seq`
    counting from 1 per party. Connect with `?after=SEQ` to receive every stored event
    after SEQ first (so a client that reconnects misses nothing), without it to receive only
    new ones (`after` is 0 to 2**53 - 1; anything else closes with 4422). Authenticate
    with `Authorization: Bearer <token>`; a browser, which cannot set headers on a
    WebSocket, offers the subprotocols `deconfliction.v1` and `bearer.<token>`
    (`new WebSocket(url, ["deconfliction.v1", "bearer." + token])`) and the server accepts
    with `deconfliction.v1`, so the token stays out of URLs and access logs. `?token=`
    still works for older clients. Errors close the socket with code 4000 + the HTTP
    status.

    Each connection is a duty desk of the party: while it is open the party's partners see
    it in `/v1/presence`, and any frame the client sends (e.g. `{"type": "ping"}`) counts as
    a heartbeat. A hotline message is delivered once one of its desks has been sent it."""
    hub: Hub = websocket.app.state.hub
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in _offered(websocket) else None
    credential = _bearer(websocket, token)
    try:
        principal = hub.authenticate(credential)
        if principal.admin:
            raise PermissionDenied("the stream is a party's; the admin token has none")
        resume = parse_seq(after, "after")
    except DeconflictionError as error:
        await websocket.accept(subprotocol=subprotocol)
        await websocket.close(code=close_code_of(error), reason=error.message[:120])
        return
    party = principal.name
    # Where to start, then subscribed, before the client is told it is connected: every
    # event committed once it knows is sent to it (those committed in between are caught
    # up from the store, and sent once).
    last = resume if resume is not None else await run_in_threadpool(hub.last_event_seq, party)
    feed = _Feed(asyncio.get_running_loop())
    unsubscribe = hub.subscribe(party, feed, last)
    try:
        await websocket.accept(subprotocol=subprotocol)
    except BaseException:
        unsubscribe()
        raise
    desk = hub.desks.connected(party)
    receiver = asyncio.ensure_future(websocket.receive())
    recheck_s = hub.settings.stream_recheck_s
    try:
        last = await _catch_up(websocket, hub, party, last)
        checked_s = time.monotonic()
        while True:
            getter = asyncio.ensure_future(feed.queue.get())
            done, _ = await asyncio.wait(
                {getter, receiver}, timeout=recheck_s, return_when=asyncio.FIRST_COMPLETED
            )
            if time.monotonic() - checked_s >= recheck_s:
                if not await run_in_threadpool(_still_valid, hub, credential, party):
                    getter.cancel()
                    reason = f"the credential was revoked or replaced; resume after={last}"
                    await websocket.close(
                        code=close_code_of(AuthenticationFailed("")), reason=reason
                    )
                    return
                checked_s = time.monotonic()
            if not done:
                getter.cancel()
                continue
            if receiver in done:
                if receiver.result()["type"] == "websocket.disconnect":
                    getter.cancel()
                    return
                hub.desks.heard(party)  # any frame from the desk says it is there
                receiver = asyncio.ensure_future(websocket.receive())
                if getter not in done:
                    getter.cancel()
                    continue
                # An event came at the same time: send it now, not with the next one.
            event = getter.result()
            if feed.overflowed or event.seq > last + 1:
                feed.drain()
                last = await _catch_up(websocket, hub, party, last)
            elif event.seq == last + 1:
                await _send(websocket, hub, party, event)
                last = event.seq
    except _TooSlow as slow:
        # Gone at once from the party's desks and from the hub's listeners; the close frame
        # (with where to resume) waits behind what the client has not read, for as long
        # again, then the connection is dropped.
        unsubscribe()
        hub.desks.disconnected(party, desk)
        timeout_s = hub.settings.stream_send_timeout_s
        reason = f"no event taken for {timeout_s:g} s; resume after={slow.last_seq}"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=CLOSE_TOO_SLOW, reason=reason), timeout_s)
        return
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        unsubscribe()
        hub.desks.disconnected(party, desk)
        receiver.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(), 1.0)


class _TooSlow(Exception):
    """The client took no event within ``stream_send_timeout_s``; ``last_seq``: the last
    one it was sent before (where it resumes)."""

    def __init__(self, last_seq: int) -> None:
        super().__init__(last_seq)
        self.last_seq = last_seq


def _still_valid(hub: Hub, credential: str | None, party: str) -> bool:
    """Whether the stream's credential still stands for ``party`` (not revoked, not replaced)."""
    try:
        return hub.authenticate(credential).name == party
    except AuthenticationFailed:
        return False


async def _send(websocket: WebSocket, hub: Hub, party: str, event: Event) -> None:
    """Send one event; a hotline message it carries has now reached a desk of the party."""
    text = orjson.dumps(event_json(event)).decode()
    try:
        await asyncio.wait_for(websocket.send_text(text), hub.settings.stream_send_timeout_s)
    except TimeoutError:
        raise _TooSlow(event.seq - 1) from None
    if hub.hotline.receipt_wanted(party, event) is not None:
        await run_in_threadpool(hub.hotline.reached_desk, party, event)


async def _catch_up(websocket: WebSocket, hub: Hub, party: str, last: int) -> int:
    """Send stored events after ``last``, page by page; the new ``last``."""
    limit = hub.settings.stream_backlog_limit
    while True:
        events = await run_in_threadpool(hub.events_after, party, last, limit)
        for event in events:
            await _send(websocket, hub, party, event)
            last = event.seq
        if len(events) < limit:
            return last
