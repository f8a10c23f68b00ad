"""Running ADS-B feeds: an SBS-1 TCP stream, or polls of ``aircraft.json``, into a sink.

A *sink* takes a batch of reports (JSON as ``POST /v1/reports`` takes it) and returns the
hub's answer: :func:`hub_sink` calls the hub in this process (the feed ``serve`` runs),
:func:`http_sink` posts to a running hub (``deconfliction feed``). Either way the reports
go through the same validation, journal and deduplication as the API's.

The SBS reader reconnects with a doubling back-off (1 s up to 60 s, back to 1 s once a
connection has delivered a line), submits what it assembled every ``batch_s``, drops
aircraft not heard for ``stale_s``, and counts malformed lines and skips them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

from deconfliction.errors import DeconflictionError, InvalidInput
from deconfliction.gateways.adsb.aircraft_json import parse
from deconfliction.gateways.adsb.sbs import SbsAssembler
from deconfliction.gateways.hub_port import HubPort

log = logging.getLogger("deconfliction.gateways.adsb")
Sink = Callable[[list[dict[str, Any]]], Awaitable[dict[str, Any]]]
Clock = Callable[[], float]
MAX_LINE_BYTES = 4096
BACKOFF_MAX_S = 60.0


def hub_sink(port: HubPort, party: str) -> Sink:
    """Reports of ``party`` into the hub of this process."""

    async def submit(reports: list[dict[str, Any]]) -> dict[str, Any]:
        return await asyncio.to_thread(port.submit_reports, party, reports)

    return submit


def http_sink(url: str, token: str, client: Any = None) -> Sink:
    """Reports posted to ``URL/v1/reports`` with ``token`` (an ``httpx.AsyncClient`` may be
    given, e.g. with a test transport)."""
    import httpx

    http = client or httpx.AsyncClient(base_url=url.rstrip("/"), timeout=30)

    async def submit(reports: list[dict[str, Any]]) -> dict[str, Any]:
        response = await http.post(
            "/v1/reports", json=reports, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code not in (200, 422):
            raise InvalidInput(f"the hub answered {response.status_code}: {response.text[:200]}")
        answer: dict[str, Any] = response.json()
        return answer

    return submit


async def _submit(sink: Sink, reports: list[dict[str, Any]], counters: Counter[str]) -> None:
    if not reports:
        return
    try:
        answer = await sink(reports)
    except (DeconflictionError, OSError) as error:
        counters["reports_failed"] += len(reports)
        log.warning("ADS-B reports not submitted: %s", getattr(error, "message", error))
        return
    except Exception as error:  # an HTTP error from a running hub: try again next batch
        counters["reports_failed"] += len(reports)
        log.warning("ADS-B reports not submitted: %s", error)
        return
    counters["reports_accepted"] += int(answer.get("accepted", 0))
    counters["reports_duplicate"] += int(answer.get("duplicates", 0))
    counters["reports_rejected"] += len(answer.get("rejected") or [])


async def run_sbs(
    host: str,
    port: int,
    sink: Sink,
    *,
    batch_s: float = 1.0,
    stale_s: float = 60.0,
    clock: Clock = time.time,
    counters: Counter[str] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Read SBS-1 from ``host:port`` until ``stop`` is set (or forever), reconnecting."""
    counters = Counter() if counters is None else counters
    stop = stop or asyncio.Event()
    assembler = SbsAssembler(fresh_s=stale_s)
    backoff = 1.0
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_LINE_BYTES * 4)
        except OSError as error:
            counters["connect_failures"] += 1
            log.warning("SBS feed %s:%d: %s; again in %.0f s", host, port, error, backoff)
            await _sleep(stop, backoff)
            backoff = min(BACKOFF_MAX_S, backoff * 2)
            continue
        counters["connections"] += 1
        log.info("SBS feed connected to %s:%d", host, port)
        try:
            if await _read_sbs(reader, assembler, sink, batch_s, clock, counters, stop):
                backoff = 1.0
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if not stop.is_set():
            log.warning("SBS feed %s:%d closed; again in %.0f s", host, port, backoff)
            await _sleep(stop, backoff)
            backoff = min(BACKOFF_MAX_S, backoff * 2)
    await _submit(sink, assembler.take_reports(), counters)


async def _read_sbs(
    reader: asyncio.StreamReader,
    assembler: SbsAssembler,
    sink: Sink,
    batch_s: float,
    clock: Clock,
    counters: Counter[str],
    stop: asyncio.Event,
) -> bool:
    """Read one connection until it ends; whether it delivered anything."""
    delivered = False
    next_batch = time.monotonic() + batch_s
    while not stop.is_set():
        timeout = max(0.0, next_batch - time.monotonic())
        try:
            line = await asyncio.wait_for(reader.readline(), timeout)
        except TimeoutError:
            line = None
        except (ValueError, asyncio.LimitOverrunError):  # a line past the reader's limit
            counters["malformed"] += 1
            return delivered
        except OSError:
            return delivered
        if line is not None:
            if not line:
                break
            delivered = True
            counters["lines"] += 1
            try:
                text = line.decode("ascii")
                assembler.feed(text, clock())
            except (UnicodeDecodeError, InvalidInput):
                counters["malformed"] += 1
        if time.monotonic() >= next_batch:
            next_batch = time.monotonic() + batch_s
            counters["dropped_stale"] += assembler.drop_stale(clock())
            await _submit(sink, assembler.take_reports(), counters)
    await _submit(sink, assembler.take_reports(), counters)
    return delivered


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def read_aircraft_json(source: str, client: Any = None) -> Any:
    """The document at ``source``: an http(s) URL or a file path."""
    if source.startswith(("http://", "https://")):
        import httpx

        if client is None:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.get(source)
        else:
            response = await client.get(source)
        response.raise_for_status()
        return response.json()
    return orjson.loads(await asyncio.to_thread(Path(source).read_bytes))


async def poll_aircraft_json(
    source: str,
    sink: Sink,
    *,
    interval_s: float = 1.0,
    max_age_s: float = 60.0,
    once: bool = False,
    counters: Counter[str] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Read ``source`` every ``interval_s`` (once with ``once``) and submit its aircraft;
    positions already sent are not sent again."""
    counters = Counter() if counters is None else counters
    stop = stop or asyncio.Event()
    sent: dict[str, tuple[float, float, str]] = {}
    while not stop.is_set():
        try:
            parsed = parse(await read_aircraft_json(source), max_age_s)
        except (InvalidInput, OSError, ValueError) as error:
            counters["read_failures"] += 1
            log.warning("aircraft.json %s: %s", source, getattr(error, "message", error))
            if once:
                raise
        except Exception as error:  # an HTTP error: try again at the next poll
            counters["read_failures"] += 1
            log.warning("aircraft.json %s: %s", source, error)
        else:
            for reason, count in parsed.skipped.items():
                counters[f"skipped: {reason}"] += count
            fresh = []
            for report in parsed.reports:
                key = (report["lat"], report["lon"], report["time"])
                if sent.get(report["track"]) != key:
                    sent[report["track"]] = key
                    fresh.append(report)
            await _submit(sink, fresh, counters)
        if once:
            return
        await _sleep(stop, interval_s)
