"""One TAK client connection of a party: events in, the party's picture and stream out.

In: bytes are split into events (:mod:`framing`), each counted against the rate limit,
parsed with defusedxml (:mod:`events`), turned into an intent (:mod:`convert_in`) and
carried out through the hub port. A connection that sends an event over the size limit, a
document that is not well-formed or is refused (DTD, entities), or more events than the rate
limit allows is closed with a logged reason; an event that is well-formed but makes no sense
is counted and skipped.

Out: on connect, the party's desks to chat with, the tracks it may see, its active alerts
and the zones it may see; then each event of its stream (:mod:`convert_out`) and, every
``tak_picture_s``, the tracks that moved. Everything goes through one bounded queue and one
writer task: a client that does not read is closed rather than buffered without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from deconfliction.errors import DeconflictionError, InvalidInput, MalformedPayload
from deconfliction.gateways.cot import convert_in, convert_out, convert_zones, protobuf
from deconfliction.gateways.cot.convert_alerts import alert_event
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
from deconfliction.gateways.cot.view import Reader
from deconfliction.gateways.hub_port import HubPort
from deconfliction.store import Event

log = logging.getLogger("deconfliction.gateways.cot")
SWITCH_TO_V1 = b""  # in the out queue: what follows is sent as protocol version 1
OUT_QUEUE = 10_000  # events waiting for a client that does not read: past this it is closed
READ_BYTES = 64 * 1024
BURST_S = 4.0  # the rate limit allows bursts of this many seconds' worth of events
RECENT_EVENTS = 500  # how far back the stream is read on connect for messages to acknowledge


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
        self.view = Reader(
            party,
            info.language if info else "en",
            info.timezone if info else "UTC",
        )
        self._out: asyncio.Queue[bytes] = asyncio.Queue(OUT_QUEUE)
        self._events: asyncio.Queue[Event] = asyncio.Queue(OUT_QUEUE)
        self._closing: asyncio.Future[str] | None = None
        self._own_uids: set[str] = set()
        self._track_times: dict[str, float] = {}
        self._zone_uids: dict[str, list[str]] = {}
        self._own_zones: set[str] = set()
        self._unacked: dict[str, list[str]] = {}  # desk party -> message ids, oldest first
        self._last_seq = 0
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
        unsubscribe = self.port.subscribe(self.party, self._on_event_threadsafe(loop))
        tasks: list[asyncio.Future[Any]] = []
        reason = "ended"
        try:
            self._last_seq = await asyncio.to_thread(self.port.last_event_seq, self.party)
            tasks = [
                asyncio.ensure_future(self._writing()),
                asyncio.ensure_future(self._reading()),
                asyncio.ensure_future(self._streaming()),
                asyncio.ensure_future(self._picture()),
            ]
            try:
                await self._on_connect()
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

    # -- out --------------------------------------------------------------------------

    def send(self, data: Sequence[bytes]) -> None:
        for item in data:
            try:
                self._out.put_nowait(item)
            except asyncio.QueueFull:
                self.close("the client does not read what it is sent")
                return

    async def _writing(self) -> None:
        version = 0
        while True:
            data = await self._out.get()
            if data is SWITCH_TO_V1:
                version = 1
                continue
            self.writer.write(protobuf.encode(data) if version == 1 else data)
            await self.writer.drain()

    async def _on_connect(self) -> None:
        now = self.port.now()
        if protobuf.available():
            self.send([convert_out.protocol_support(now)])
        self.send(convert_out.desk_contacts(self.port.partners(self.party), now))
        await self._send_tracks(everything=True)
        for alert in await asyncio.to_thread(self.port.alerts_for, self.party):
            self.send([e for e in [alert_event("alert.opened", alert, self.view, now)] if e])
        for feature in await asyncio.to_thread(self.port.zones_for, self.party):
            self._send_zone(feature, now)
        await self._send_waiting_messages(now)

    async def _send_waiting_messages(self, now_s: float) -> None:
        """The hotline messages among the party's last ``RECENT_EVENTS`` stream events that
        still wait for its acknowledgement (a client that connects after an alert opened
        gets the hub's message about it, and can ACK it)."""
        after = max(0, self._last_seq - RECENT_EVENTS)
        recent = await asyncio.to_thread(self.port.events_after, self.party, after, RECENT_EVENTS)
        latest: dict[str, Event] = {}
        for event in recent:
            message = event.data.get("message") if event.kind.startswith("message.") else None
            if isinstance(message, dict) and message.get("to") == self.party:
                latest[str(message.get("id"))] = event
        for event in latest.values():
            message = event.data["message"]
            if message.get("state") == "acknowledged" or message.get("ack_due") is None:
                continue
            self._remember(event)
            self.send(convert_out.message_events("message.received", event.data, self.view, now_s))

    def registry_changed(self) -> None:
        """The registry changed (an agreement may have): the desk contacts again."""
        self.send(convert_out.desk_contacts(self.port.partners(self.party), self.port.now()))

    async def _send_tracks(self, everything: bool = False) -> None:
        reports = await asyncio.to_thread(self.port.tracks_for, self.party)
        out = []
        for report in reports:
            if report.party == self.party and report.track in self._own_uids:
                continue  # the client's own position
            uid = convert_out.track_uid(report, self.party)
            if not everything and self._track_times.get(uid, -1.0) >= report.time_s:
                continue
            self._track_times[uid] = report.time_s
            out.append(convert_out.track_event(report, self.party, self.limits.stale_after_s))
        self.send(out)

    async def _picture(self) -> None:
        while True:
            await asyncio.sleep(self.limits.picture_s)
            await self._send_tracks()

    def _send_zone(self, feature: dict[str, Any], now_s: float) -> None:
        zone_id = str(feature.get("id"))
        self._zone_uids[zone_id] = convert_zones.zone_uids(feature)
        status = feature.get("deconfliction")
        if isinstance(status, dict) and status.get("owner") == self.party:
            self._own_zones.add(zone_id)
        self.send(convert_zones.zone_events(feature, now_s, self.party))

    def _on_event_threadsafe(self, loop: asyncio.AbstractEventLoop) -> Any:
        def on_event(event: Event) -> None:  # on the hub's committing thread
            loop.call_soon_threadsafe(self._queue_event, event)

        return on_event

    def _queue_event(self, event: Event) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.close("the client does not read what it is sent")

    async def _streaming(self) -> None:
        limit = self.port.settings.stream_backlog_limit
        while True:
            event = await self._events.get()
            if event.seq <= self._last_seq:
                continue
            if event.seq > self._last_seq + 1:  # missed some: read them from the store
                while True:
                    missed = await asyncio.to_thread(
                        self.port.events_after, self.party, self._last_seq, limit
                    )
                    for stored in missed:
                        await self._deliver(stored)
                    if len(missed) < limit:
                        break
                continue
            await self._deliver(event)

    async def _deliver(self, event: Event) -> None:
        if event.seq <= self._last_seq:
            return
        self._last_seq = event.seq
        try:
            self._convert(event)
        except Exception:  # an event TAK cannot show must not end the connection
            self.counters["events_not_converted"] += 1
            log.exception("stream event %s of %s not converted for TAK", event.seq, self.party)
            return
        if self.port.delivers_message(self.party, event):
            await asyncio.to_thread(self.port.reached_desk, self.party, event)

    def _convert(self, event: Event) -> None:
        """Send ``event`` of the party's stream as CoT (nothing for kinds TAK has no use
        for)."""
        now = self.port.now()
        self._remember(event)
        if event.kind.startswith("zone."):
            zone = event.data.get("zone")
            if isinstance(zone, dict) and convert_zones.is_zone_removal(event.kind):
                zone_id = str(zone.get("id"))
                uids = self._zone_uids.pop(zone_id, [zone_id])
                self._own_zones.discard(zone_id)
                self.send([convert_zones.delete_event(uid, now) for uid in uids])
                return
            if isinstance(zone, dict) and event.kind in ("zone.declared", "zone.updated"):
                self._send_zone(zone, now)
                return
        self.send(convert_out.stream_events(event.kind, event.data, self.view, now))

    def _remember(self, event: Event) -> None:
        """Messages waiting for this party's acknowledgement, by the desk they came from."""
        message = event.data.get("message") if event.kind.startswith("message.") else None
        if not isinstance(message, dict) or message.get("to") != self.party:
            return
        sender = str(message.get("from"))
        desk = convert_in.HUB_DESK if sender == convert_out.HUB_SENDER else sender
        waiting = self._unacked.setdefault(desk, [])
        message_id = str(message.get("id"))
        if message.get("state") == "acknowledged":
            if message_id in waiting:
                waiting.remove(message_id)
        elif message.get("ack_due") is not None and message_id not in waiting:
            waiting.append(message_id)

    def _tell(self, text: str) -> None:
        """A GeoChat from the hub's desk to this client (why something was refused)."""
        now = self.port.now()
        self.send(
            [
                convert_out.chat_event(
                    convert_out.HUB_SENDER, None, text, f"note.{now}", self.view, now
                )
            ]
        )

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
            self._own_uids.add(str(intent.report["track"]))
            if self.view.client_uid is None:
                self.view = replace(self.view, client_uid=event.uid)
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
            self.send([convert_out.pong(now)])
        elif isinstance(intent, ProtocolRequest):
            accepted = intent.version == 1 and protobuf.available() and self.protocol == 0
            self.send([convert_out.protocol_response(accepted, now)])
            if accepted:  # from here on both ways are version 1
                self.send([SWITCH_TO_V1])
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
                self._tell(f"Not done: {error.message}")

    async def _write(self, intent: convert_in.Intent) -> None:
        if isinstance(intent, ZoneIn):
            await asyncio.to_thread(self.port.put_zone, self.party, intent.zone_id, intent.feature)
            self.counters["zones"] += 1
        elif isinstance(intent, ZoneDeleted):
            if intent.zone_id in self._own_zones:
                await asyncio.to_thread(self.port.withdraw_zone, self.party, intent.zone_id)
        elif isinstance(intent, Chat):
            await asyncio.to_thread(
                self.port.send_message, self.party, intent.to, intent.channel, intent.text
            )
            self.counters["messages"] += 1
        elif isinstance(intent, Ack):
            message_id = intent.message_id
            if message_id is None:
                waiting = self._unacked.get(intent.desk) or []
                if not waiting:
                    raise InvalidInput(
                        f"no message from {intent.desk} waits for an acknowledgement"
                    )
                message_id = waiting[0]
            await asyncio.to_thread(self.port.acknowledge_message, self.party, message_id)
            self.counters["acknowledgements"] += 1
