"""The gateways ``serve`` runs beside the API, on its event loop: the CoT gateway for TAK
clients and an SBS-1 ADS-B feed, as the settings ask.

A gateway that cannot start (its port is taken) is logged as an error and left out: the API
keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from pathlib import Path

from deconfliction.errors import DeconflictionError, InvalidInput
from deconfliction.gateways.adsb.feed import hub_sink, run_sbs
from deconfliction.gateways.cot.certificates import TakCa, ca_dir_for
from deconfliction.gateways.cot.server import CotGateway
from deconfliction.gateways.hub_port import HubPort
from deconfliction.hub import Hub

log = logging.getLogger("deconfliction.gateways")


def log_to_console() -> None:
    """Show the gateways' log (connections, refusals, closes) on the console, as uvicorn
    shows its own."""
    logger = logging.getLogger("deconfliction.gateways")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise InvalidInput(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


class GatewayServices:
    """Start and stop the gateways of ``hub`` (``key_path``: the hub's key file; the CA is
    kept next to it)."""

    def __init__(self, hub: Hub, key_path: Path, host: str = "127.0.0.1") -> None:
        self.port = HubPort(hub)
        self.key_path = key_path
        self.host = host
        settings = hub.settings
        if settings.adsb_sbs:
            host_port(settings.adsb_sbs)
            if not settings.adsb_party:
                raise InvalidInput("adsb_sbs needs adsb_party: the party its aircraft belong to")
        if settings.tak_plain_port and not settings.tak_plain_party:
            raise InvalidInput(
                "tak_plain_port needs tak_plain_party: the party every plain TCP connection "
                "is taken as (a plain socket carries no identity)"
            )
        self.cot: CotGateway | None = None
        self.sbs_counters: Counter[str] = Counter()
        self._stop = asyncio.Event()
        self._feed: asyncio.Task[None] | None = None

    def describe(self) -> list[str]:
        """One line per gateway the settings turn on."""
        settings = self.port.settings
        lines = []
        if settings.tak_port:
            lines.append(f"CoT gateway for TAK clients on {self.host}:{settings.tak_port} (TLS)")
        if settings.tak_plain_port:
            lines.append(
                f"CoT gateway, plain TCP, on {self.host}:{settings.tak_plain_port} "
                f"as party {settings.tak_plain_party}"
            )
        if settings.adsb_sbs:
            lines.append(f"SBS-1 feed from {settings.adsb_sbs} as party {settings.adsb_party}")
        return lines

    async def start(self) -> None:
        settings = self.port.settings
        if settings.tak_port or settings.tak_plain_port:
            try:
                ca = TakCa(ca_dir_for(self.key_path)) if settings.tak_port else None
                gateway = CotGateway(self.port, ca, self.host)
                await gateway.start()
                self.cot = gateway
            except (OSError, DeconflictionError) as error:
                log.error("the CoT gateway did not start: %s", getattr(error, "message", error))
        if settings.adsb_sbs:
            host, port = host_port(settings.adsb_sbs)
            self._feed = asyncio.ensure_future(
                run_sbs(
                    host,
                    port,
                    hub_sink(self.port, settings.adsb_party),
                    batch_s=settings.adsb_batch_s,
                    stale_s=settings.adsb_stale_s,
                    clock=self.port.now,
                    counters=self.sbs_counters,
                    stop=self._stop,
                )
            )

    async def stop(self) -> None:
        self._stop.set()
        if self._feed is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._feed, 5.0)
        if self.cot is not None:
            await self.cot.stop()
