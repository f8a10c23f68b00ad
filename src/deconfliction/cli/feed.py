"""``deconfliction feed …``: ADS-B receivers into a running hub, as a party's reports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import click

from deconfliction.cli.common import friendly_errors
from deconfliction.errors import InvalidInput

F = TypeVar("F", bound=Callable[..., Any])


def _hub_options(func: F) -> F:
    func = click.option(
        "--token",
        envvar="DECONFLICTION_TOKEN",
        required=True,
        help="The party's bearer token. Env: DECONFLICTION_TOKEN.",
    )(func)
    func = click.option(
        "--url",
        default="http://127.0.0.1:8000",
        show_default=True,
        envvar="DECONFLICTION_URL",
        help="The running hub. Env: DECONFLICTION_URL.",
    )(func)
    return click.option(
        "--party",
        required=True,
        help="The party the aircraft become tracks of (checked against the token), e.g. civil.",
    )(func)


@click.group()
def feed() -> None:
    """Feed ADS-B receivers (dump1090, readsb) into a running hub as a party's tracks.

    The reports go to POST /v1/reports of the hub at --url with the party's --token. To read
    an SBS-1 feed inside `serve` instead, set adsb_sbs and adsb_party."""


def _check_party(url: str, token: str, party: str) -> None:
    import httpx

    try:
        answer = httpx.get(
            f"{url.rstrip('/')}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    except httpx.HTTPError as error:
        raise InvalidInput(f"cannot reach the hub at {url}: {error}") from None
    if answer.status_code != 200:
        raise InvalidInput(f"the hub at {url} refused the token ({answer.status_code})")
    name = answer.json().get("name")
    if name != party:
        raise InvalidInput(f"the token belongs to party {name!r}, not to {party!r}")


def _summary(counters: Counter[str]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counters.items())) or "nothing"


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)-9s %(message)s")


@feed.command("sbs")
@click.argument("source", metavar="HOST:PORT")
@_hub_options
@click.option("--batch", "batch_s", default=1.0, show_default=True, help="Seconds per batch.")
@click.option(
    "--stale", "stale_s", default=60.0, show_default=True, help="Drop aircraft unheard this long."
)
def sbs(source: str, party: str, url: str, token: str, batch_s: float, stale_s: float) -> None:
    """Read SBS-1 (BaseStation) text from HOST:PORT (port 30003 of dump1090 / readsb) until
    interrupted, reconnecting with back-off."""
    from deconfliction.gateways.adsb.feed import http_sink, run_sbs
    from deconfliction.gateways.services import host_port

    with friendly_errors():
        host, port = host_port(source)
        _check_party(url, token, party)
    _logging()
    counters: Counter[str] = Counter()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_sbs(
                host,
                port,
                http_sink(url, token),
                batch_s=batch_s,
                stale_s=stale_s,
                counters=counters,
            )
        )
    click.echo(_summary(counters))


@feed.command("aircraft-json")
@click.argument("source", metavar="URL|FILE")
@_hub_options
@click.option(
    "--interval", "interval_s", default=1.0, show_default=True, help="Seconds between polls."
)
@click.option(
    "--max-age",
    "max_age_s",
    default=60.0,
    show_default=True,
    help="Skip positions older than this (seen_pos, seconds).",
)
@click.option("--once", is_flag=True, help="Read the source once, submit, and exit.")
def aircraft_json(
    source: str,
    party: str,
    url: str,
    token: str,
    interval_s: float,
    max_age_s: float,
    once: bool,
) -> None:
    """Poll readsb / dump1090 aircraft.json (an http URL, e.g.
    http://receiver/tar1090/data/aircraft.json, or a file) and submit its aircraft."""
    from deconfliction.gateways.adsb.feed import http_sink, poll_aircraft_json

    with friendly_errors():
        _check_party(url, token, party)
    _logging()
    counters: Counter[str] = Counter()
    try:
        with friendly_errors():
            asyncio.run(
                poll_aircraft_json(
                    source,
                    http_sink(url, token),
                    interval_s=interval_s,
                    max_age_s=max_age_s,
                    once=once,
                    counters=counters,
                )
            )
    except KeyboardInterrupt:
        pass
    click.echo(_summary(counters))
