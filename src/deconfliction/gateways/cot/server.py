"""The CoT gateway: TLS listener (client certificates from the hub's CA) and, when enabled,
a plain TCP listener bound to one party; each connection is a :class:`Session`.

The party of a TLS connection is the common name of its client certificate. It is refused
unless the party exists and is active; every second the registry is read again (another
process may have revoked a party), and the connections of a party revoked meanwhile are
closed. A plain socket has no identity: every connection on it is taken as the party the
setting ``tak_plain_party`` names, so it belongs on a trusted network only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import Counter
from pathlib import Path
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.gateways.cot.certificates import TakCa
from deconfliction.gateways.cot.session import Limits, Session
from deconfliction.gateways.hub_port import HubPort

log = logging.getLogger("deconfliction.gateways.cot")
RECHECK_S = 1.0  # how often the registry is read again for revocations
HANDSHAKE_S = 10.0


def party_of_certificate(peercert: Any) -> str | None:
    """The common name in a verified peer certificate (``ssl`` dict form)."""
    if not isinstance(peercert, dict):
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class CotGateway:
    """The gateway of one hub; :meth:`start` on an event loop, :meth:`stop` on the same."""

    def __init__(self, port: HubPort, ca: TakCa | None, host: str = "127.0.0.1") -> None:
        settings = port.settings
        self.port = port
        self.ca = ca
        self.host = host
        self.tls_port = settings.tak_port
        self.plain_port = settings.tak_plain_port
        self.plain_party = settings.tak_plain_party
        if self.plain_port and not self.plain_party:
            raise InvalidInput(
                "tak_plain_port needs tak_plain_party: the party every plain TCP "
                "connection is taken as (a plain socket carries no identity)"
            )
        self.limits = Limits(
            max_event_bytes=settings.tak_max_event_bytes,
            events_per_s=settings.tak_max_events_per_s,
            picture_s=settings.tak_picture_s,
            stale_after_s=settings.stale_after_s,
        )
        self.max_connections = settings.tak_max_connections
        self.counters: Counter[str] = Counter()
        self.sessions: set[Session] = set()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self.bound: dict[str, int] = {}  # "tls" / "plain" -> the port listened on
        self._context: ssl.SSLContext | None = None
        self._cert_mtime = 0

    def ssl_context(self) -> ssl.SSLContext:
        assert self.ca is not None
        cert, key = self.ca.server([self.host])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        self._cert_mtime = cert.stat().st_mtime_ns
        context.load_verify_locations(cafile=str(self.ca.ca_path))
        context.verify_mode = ssl.CERT_REQUIRED
        self._context = context
        return context

    def _reload_certificate(self) -> None:
        """``tak package --host NEW`` made the certificate again: new handshakes use it."""
        if self.ca is None or self._context is None:
            return
        cert, key = self.ca.server_paths
        try:
            mtime = cert.stat().st_mtime_ns
            if mtime != self._cert_mtime:
                self._context.load_cert_chain(cert, key)
                self._cert_mtime = mtime
                log.info("CoT gateway: new server certificate loaded")
        except (OSError, ssl.SSLError) as error:
            log.warning("CoT gateway: the server certificate could not be reloaded: %s", error)

    async def start(self) -> None:
        if self.tls_port and self.ca is not None:
            server = await asyncio.start_server(
                self._tls_client,
                self.host,
                self.tls_port if self.tls_port > 0 else 0,
                ssl=self.ssl_context(),
                ssl_handshake_timeout=HANDSHAKE_S,
            )
            self._servers.append(server)
            self.bound["tls"] = server.sockets[0].getsockname()[1]
        if self.plain_port:
            server = await asyncio.start_server(self._plain_client, self.host, self.plain_port)
            self._servers.append(server)
            self.bound["plain"] = server.sockets[0].getsockname()[1]
        self._watcher = asyncio.ensure_future(self._watch_registry())
        for kind, number in self.bound.items():
            log.info("CoT gateway (%s) on %s:%d", kind, self.host, number)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        if self._watcher is not None:
            self._watcher.cancel()
        for session in list(self.sessions):
            session.close("the hub is stopping")
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 5.0)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _tls_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        party = party_of_certificate(writer.get_extra_info("peercert"))
        await self._serve(party, reader, writer)

    async def _plain_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await self._serve(self.plain_party, reader, writer)

    async def _serve(
        self, party: str | None, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self.sessions) >= self.max_connections:
            self.counters["refused"] += 1
            log.warning(
                "TAK connection from %s refused: %d connections already (tak_max_connections)",
                writer.get_extra_info("peername"),
                len(self.sessions),
            )
            writer.close()
            return
        await asyncio.to_thread(self.port.refresh_parties)
        info = self.port.party(party) if party else None
        if info is None or not info.active:
            self.counters["refused"] += 1
            log.warning(
                "TAK connection from %s refused: %s",
                writer.get_extra_info("peername"),
                "no party in its certificate"
                if party is None
                else f"party {party!r} is {'revoked' if info else 'unknown'}",
            )
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return
        session = Session(self.port, info.name, reader, writer, self.limits, self.counters)
        self.sessions.add(session)
        self.counters["connections"] += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if task is not None:
                self._tasks.discard(task)

    async def _watch_registry(self) -> None:
        version = self.port.refresh_parties()
        while True:
            await asyncio.sleep(RECHECK_S)
            self._reload_certificate()
            try:
                now = await asyncio.to_thread(self.port.refresh_parties)
            except Exception:
                log.exception("the CoT gateway could not read the party registry")
                continue
            if now == version:
                continue
            version = now
            for session in list(self.sessions):
                info = self.port.party(session.party)
                if info is None or not info.active:
                    session.close(f"party {session.party!r} has been revoked")
                else:
                    session.registry_changed()


def listening_on(gateway: CotGateway) -> str:
    return ", ".join(f"{kind} {number}" for kind, number in gateway.bound.items())


def ca_for_key(key_path: Path) -> TakCa:
    from deconfliction.gateways.cot.certificates import ca_dir_for

    return TakCa(ca_dir_for(key_path))
