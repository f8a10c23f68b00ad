"""One TAK client connection of a party: events in, the party's picture and stream out.

In: bytes are split into events (:mod:`framing`), each counted against the rate limit,
parsed with defusedxml (:mod:`events`), turned into an intent (:mod:`convert_in`) and
carried out through the hub port. A connection that sends an event over the size limit, a
document that is not well-formed or is refused (DTD, entities), or more events than the rate
limit allows is closed with a logged reason; an event that is well-formed but makes no sense
is counted and skipped.

Out: the session's :class:`~deconfliction.gateways.cot.outbox.Outbox` (the party's
picture on connect, then its stream and the tracks that moved).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from deconfliction.errors import DeconflictionError, InvalidInput, MalformedPayload
from deconfliction.gateways.cot import convert_in, convert_out, protobuf
from deconfliction.gateways.cot.convert_in import (
    Ack,
    Chat,
    Ignored,
    Ping,
    Position,
    ProtocolRequest,
    ZoneDeleted,
    ZoneIn,
)
from deconfliction.gateways.cot.events import CotEvent, parse_event
from deconfliction.gateways.cot.framing import ProtobufFramer, XmlFramer
from deconfliction.gateways.cot.outbox import Outbox
from deconfliction.gateways.cot.view import Reader
from deconfliction.gateways.hub_port import HubPort

log = logging.getLogger("deconfliction.gateways.cot")
READ_BYTES = 64 * 1024
BURST_S = 4.0  # the rate limit allows bursts of this many seconds' worth of events


CLIENT_CLOSED = "the client closed the connection"


class Closed(Exception):
    """Why a connection is being closed (logged)."""


@dataclass(frozen=True)
class Limits:
    max_event_bytes: int
    events_per_s: float
    picture_s: float
    stale_after_s: float


class _RateLimit:
    """A token bucket: ``rate`` events a second, bursts of ``BURST_S`` seconds' worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * BURST_S)
        self.tokens = self.capacity
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class Session:
    """One client connection of ``party``; :meth:`run` serves it until it ends."""

    def __init__(
        self,
        port: HubPort,
        party: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: Limits,
        counters: Counter[str],
    ) -> None:
        self.port = port
        self.party = party
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.counters = counters
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        info = port.party(party)
        view = Reader(party, info.language if info else "en", info.timezone if info else "UTC")
        self.out = Outbox(
            port, party, writer, view, limits.picture_s, limits.stale_after_s, counters, self.close
        )
        self._closing: asyncio.Future[str] | None = None
        self.close_reason: str | None = None
        self.protocol = 0  # TAK protocol version of what the client sends
        self._framer: XmlFramer | ProtobufFramer = XmlFramer(limits.max_event_bytes)

    # -- lifecycle --------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Ask the session to end (from the event loop)."""
        if self._closing is not None and not self._closing.done():
            self._closing.set_result(reason)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._closing = loop.create_future()
        desk = self.port.desk_connected(self.party)
        log.info("TAK connection of %s from %s", self.party, self.peer)
        unsubscribe = self.port.subscribe(self.party, self.out.subscriber(loop))
        tasks: list[asyncio.Future[Any]] = []
        reason = "ended"
        try:
            self.out.last_seq = await asyncio.to_thread(self.port.last_event_seq, self.party)
            tasks = [
                asyncio.ensure_future(self.out.writing()),
                asyncio.ensure_future(self._reading()),
                asyncio.ensure_future(self.out.streaming()),
                asyncio.ensure_future(self.out.picture()),
            ]
            try:
                await self.out.on_connect()
            except Exception as error:
                log.exception("TAK session of %s: the picture on connect failed", self.party)
                reason = f"internal error ({type(error).__name__})"
                return
            waiting: list[asyncio.Future[Any]] = [*tasks, self._closing]
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            reason = self._reason(done)
        finally:
            self.close_reason = reason
            self.counters[f"closed: {reason}"] += 1
            level = logging.INFO if reason == CLIENT_CLOSED else logging.WARNING
            log.log(level, "TAK connection of %s from %s closed: %s", self.party, self.peer, reason)
            unsubscribe()
            self.port.desk_disconnected(self.party, desk)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            self.writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.writer.wait_closed(), 2.0)

    def _reason(self, done: set[asyncio.Future[Any]]) -> str:
        for future in done:
            if future is self._closing:
                return str(future.result())
            error = future.exception()
            if error is None:
                return CLIENT_CLOSED
            if isinstance(error, Closed | DeconflictionError):
                return str(error.message if isinstance(error, DeconflictionError) else error)
            if isinstance(error, ConnectionError | OSError):
                return f"connection lost ({type(error).__name__})"
            log.error("TAK session of %s failed", self.party, exc_info=error)
            return f"internal error ({type(error).__name__})"
        return "ended"

    def registry_changed(self) -> None:
        """The registry changed (an agreement may have): the desk contacts again."""
        self.out.registry_changed()

    # -- in ---------------------------------------------------------------------------

    async def _reading(self) -> None:
        rate = _RateLimit(self.limits.events_per_s)
        while True:
            data = await self.reader.read(READ_BYTES)
            if not data:
                return
            self.port.desk_heartbeat(self.party)
            positions: list[dict[str, Any]] = []
            framer = self._framer
            await self._take(framer, data, rate, positions)
            if self._framer is not framer and isinstance(framer, XmlFramer):
                # Version 1 from here: what followed the request is version 1 already.
                await self._take(self._framer, framer.rest(), rate, positions)
            if positions:
                await self._submit(positions)

    async def _take(
        self,
        framer: XmlFramer | ProtobufFramer,
        data: bytes,
        rate: _RateLimit,
        positions: list[dict[str, Any]],
    ) -> None:
        for raw in framer.feed(data):
            if not rate.take():
                raise Closed(f"more than {self.limits.events_per_s:g} events a second (flood)")
            await self._handle(raw, isinstance(framer, ProtobufFramer), positions)

    async def _handle(self, raw: bytes, v1: bool, positions: list[dict[str, Any]]) -> None:
        self.counters["events_in"] += 1
        try:
            event: CotEvent = protobuf.decode(raw) if v1 else parse_event(raw)
            intent = convert_in.convert(event, self.port.now())
        except MalformedPayload:
            raise  # closes the connection
        except InvalidInput as error:
            self.counters["invalid"] += 1
            log.info("TAK event of %s skipped: %s", self.party, error.message)
            return
        if isinstance(intent, Position):
            self.out.own_uids.add(str(intent.report["track"]))
            if self.out.view.client_uid is None:
                self.out.view = replace(self.out.view, client_uid=event.uid)
            positions.append(intent.report)
            return
        if positions:  # keep the order: reports before what follows them
            await self._submit(positions)
            positions.clear()
        await self._act(intent)

    async def _submit(self, positions: list[dict[str, Any]]) -> None:
        batch = list(positions)
        positions.clear()
        try:
            answer = await asyncio.to_thread(self.port.submit_reports, self.party, batch)
        except DeconflictionError as error:
            self.counters["reports_rejected"] += len(batch)
            log.info("TAK reports of %s refused: %s", self.party, error.message)
            return
        self.counters["reports_accepted"] += int(answer.get("accepted", 0))
        rejected = answer.get("rejected") or []
        self.counters["reports_rejected"] += len(rejected)
        for item in rejected[:1]:
            log.info("TAK report of %s rejected: %s", self.party, item.get("reason"))

    async def _act(self, intent: convert_in.Intent) -> None:
        now = self.port.now()
        if isinstance(intent, Ping):
            self.out.send([convert_out.pong(now)])
        elif isinstance(intent, ProtocolRequest):
            accepted = intent.version == 1 and protobuf.available() and self.protocol == 0
            self.out.send([convert_out.protocol_response(accepted, now)])
            if accepted:  # from here on both ways are version 1
                self.out.switch_to_v1()
                self._framer = ProtobufFramer(self.limits.max_event_bytes)
                self.protocol = 1
                self.counters["protocol v1"] += 1
        elif isinstance(intent, Ignored):
            self.counters[f"ignored: {intent.reason}"] += 1
        else:
            try:
                await self._write(intent)
            except DeconflictionError as error:
                self.counters["refused"] += 1
                log.info("TAK request of %s refused: %s", self.party, error.message)
                self.out.tell(f"Not done: {error.message}")

    async def _write(self, intent: convert_in.Intent) -> None:
        if isinstance(intent, ZoneIn):
            await asyncio.to_thread(self.port.put_zone, self.party, intent.zone_id, intent.feature)
            self.counters["zones"] += 1
        elif isinstance(intent, ZoneDeleted):
            if intent.zone_id in self.out.own_zones:
                await asyncio.to_thread(self.port.withdraw_zone, self.party, intent.zone_id)
        elif isinstance(intent, Chat):
            await asyncio.to_thread(
                self.port.send_message, self.party, intent.to, intent.channel, intent.text
            )
            self.counters["messages"] += 1
        elif isinstance(intent, Ack):
            message_id = intent.message_id
            if message_id is None:
                waiting = self.out.unacked.get(intent.desk) or []
                if not waiting:
                    raise InvalidInput(
                        f"no message from {intent.desk} waits for an acknowledgement"
                    )
                message_id = waiting[0]
            await asyncio.to_thread(self.port.acknowledge_message, self.party, message_id)
            self.counters["acknowledgements"] += 1
