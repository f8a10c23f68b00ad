"""What a TAK connection is sent: the party's picture on connect, then its stream and the
tracks that moved, converted to CoT (:mod:`convert_out`, :mod:`convert_alerts`,
:mod:`convert_zones`).

Everything goes through one bounded queue and one writer: a client that does not read is
closed rather than buffered without end. The outbox also remembers what the in side needs:
the zones the client was sent (and which are the party's own), the messages that wait for
the party's acknowledgement, and the uids the client itself reports (not echoed back).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from deconfliction.gateways.cot import convert_in, convert_out, convert_zones, protobuf
from deconfliction.gateways.cot.convert_alerts import alert_event
from deconfliction.gateways.cot.view import Reader
from deconfliction.gateways.hub_port import HubPort
from deconfliction.store import Event

log = logging.getLogger("deconfliction.gateways.cot")
SWITCH_TO_V1 = b""  # in the queue: what follows is sent as protocol version 1
OUT_QUEUE = 10_000  # events waiting for a client that does not read: past this it is closed
RECENT_EVENTS = 500  # how far back the stream is read on connect for messages to acknowledge
NOT_READING = "the client does not read what it is sent"


class Outbox:
    """The out side of one connection of ``party``."""

    def __init__(
        self,
        port: HubPort,
        party: str,
        writer: asyncio.StreamWriter,
        view: Reader,
        picture_s: float,
        stale_after_s: float,
        counters: Counter[str],
        close: Callable[[str], None],
    ) -> None:
        self.port = port
        self.party = party
        self.writer = writer
        self.view = view
        self.picture_s = picture_s
        self.stale_after_s = stale_after_s
        self.counters = counters
        self.close = close
        self._out: asyncio.Queue[bytes] = asyncio.Queue(OUT_QUEUE)
        self._events: asyncio.Queue[Event] = asyncio.Queue(OUT_QUEUE)
        self.last_seq = 0
        self.own_uids: set[str] = set()  # what the client reports itself: not sent back
        self._track_times: dict[str, float] = {}
        self._zone_uids: dict[str, list[str]] = {}
        self.own_zones: set[str] = set()  # zones sent that are the party's own
        self.unacked: dict[str, list[str]] = {}  # desk -> message ids, oldest first

    def switch_to_v1(self) -> None:
        """From here on, send protocol version 1."""
        self.send([SWITCH_TO_V1])

    def send(self, data: Sequence[bytes]) -> None:
        for item in data:
            try:
                self._out.put_nowait(item)
            except asyncio.QueueFull:
                self.close(NOT_READING)
                return

    async def writing(self) -> None:
        version = 0
        while True:
            data = await self._out.get()
            if data is SWITCH_TO_V1:
                version = 1
                continue
            self.writer.write(protobuf.encode(data) if version == 1 else data)
            await self.writer.drain()

    async def on_connect(self) -> None:
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
        after = max(0, self.last_seq - RECENT_EVENTS)
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
            if report.party == self.party and report.track in self.own_uids:
                continue  # the client's own position
            uid = convert_out.track_uid(report, self.party)
            if not everything and self._track_times.get(uid, -1.0) >= report.time_s:
                continue
            self._track_times[uid] = report.time_s
            out.append(convert_out.track_event(report, self.party, self.stale_after_s))
        self.send(out)

    async def picture(self) -> None:
        while True:
            await asyncio.sleep(self.picture_s)
            await self._send_tracks()

    def _send_zone(self, feature: dict[str, Any], now_s: float) -> None:
        zone_id = str(feature.get("id"))
        self._zone_uids[zone_id] = convert_zones.zone_uids(feature)
        status = feature.get("deconfliction")
        if isinstance(status, dict) and status.get("owner") == self.party:
            self.own_zones.add(zone_id)
        self.send(convert_zones.zone_events(feature, now_s, self.party))

    def subscriber(self, loop: asyncio.AbstractEventLoop) -> Any:
        def on_event(event: Event) -> None:  # on the hub's committing thread
            loop.call_soon_threadsafe(self._queue_event, event)

        return on_event

    def _queue_event(self, event: Event) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.close(NOT_READING)

    async def streaming(self) -> None:
        limit = self.port.settings.stream_backlog_limit
        while True:
            event = await self._events.get()
            if event.seq <= self.last_seq:
                continue
            if event.seq > self.last_seq + 1:  # missed some: read them from the store
                while True:
                    missed = await asyncio.to_thread(
                        self.port.events_after, self.party, self.last_seq, limit
                    )
                    for stored in missed:
                        await self._deliver(stored)
                    if len(missed) < limit:
                        break
                continue
            await self._deliver(event)

    async def _deliver(self, event: Event) -> None:
        if event.seq <= self.last_seq:
            return
        self.last_seq = event.seq
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
                self.own_zones.discard(zone_id)
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
        waiting = self.unacked.setdefault(desk, [])
        message_id = str(message.get("id"))
        if message.get("state") == "acknowledged":
            if message_id in waiting:
                waiting.remove(message_id)
        elif message.get("ack_due") is not None and message_id not in waiting:
            waiting.append(message_id)

    def tell(self, text: str) -> None:
        """A GeoChat from the hub's desk to this client (why something was refused)."""
        now = self.port.now()
        self.send(
            [
                convert_out.chat_event(
                    convert_out.HUB_SENDER, None, text, f"note.{now}", self.view, now
                )
            ]
        )
