"""``deconfliction replay``: feed a snapshot CSV into a hub and print the alerts it raises."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from deconfliction.cli.common import (
    DATABASE,
    Database,
    friendly_errors,
    open_store,
    setting_option,
    settings_from,
)
from deconfliction.cli.reading import reading_options, with_progress
from deconfliction.errors import InvalidInput
from deconfliction.units import format_time

if TYPE_CHECKING:
    from deconfliction.gateways.replay import Pacing, ReplayStats
    from deconfliction.gateways.snapshots import SnapshotReader
    from deconfliction.store import Event

_SPEED = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*x\s*$", re.IGNORECASE)


def parse_speed(text: str) -> float:
    """``10x`` → 10.0."""
    match = _SPEED.match(text)
    if not match or float(match.group(1)) <= 0:
        raise InvalidInput(f"--speed: cannot read {text!r}; write e.g. 1x, 10x or 0.5x")
    return float(match.group(1))


def alert_line(party: str, event: Event) -> str:
    """One line per alert event, as the party received it."""
    data: dict[str, Any] = event.data
    what = event.kind.removeprefix("alert.")
    own = data.get("own") or {}
    other = data.get("other") or {}
    subject = own.get("track") or own.get("operation") or own.get("zone") or "-"
    against = other.get("party") or ",".join(data.get("counterparts", [])) or "-"
    figures = data.get("now") or data.get("geometry") or {}
    detail = ""
    if "t_in_s" in figures and what in ("opened", "updated"):
        detail = (
            f"  loss in {figures['t_in_s']:.0f} s, closest {figures.get('d_cpa_m', 0):.0f} m"
            f" in {figures.get('t_cpa_s', 0):.0f} s"
        )
    when = data.get("updated") or format_time(event.time_s)
    return (
        f"{when}  {party:<8} {what:<22} {data.get('kind', ''):<12} {subject:<10} "
        f"vs {against:<8} {data.get('severity', '')}{detail}"
    )


@click.command()
@click.argument(
    "input_path", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--speed",
    default="1x",
    show_default=True,
    help="Replay speed against the data's clock, e.g. 10x.",
)
@click.option(
    "--as-fast-as-possible",
    "fast",
    is_flag=True,
    help="Do not pace the replay at all (in process, alerts are the same).",
)
@click.option("--url", help="Feed a running hub at this URL instead of one in process.")
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="PARTY=TOKEN",
    help="With --url: a party's token (repeatable); rows of other parties are skipped.",
)
@click.option(
    "--db",
    "db_path",
    type=DATABASE,
    help="In process: keep the replayed hub's database here, an SQLite file or a PostgreSQL "
    "URL (default: in memory).",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Skip malformed rows (counted) instead of stopping at the first.",
)
@reading_options
@setting_option
def replay(
    input_path: Path,
    speed: str,
    fast: bool,
    url: str | None,
    tokens: tuple[str, ...],
    db_path: Database | None,
    skip_bad: bool,
    columns: str,
    every: float | None,
    max_age: float,
    setting_pairs: tuple[tuple[str, str], ...],
) -> None:
    """Feed the recorded traffic of IN (CSV or Parquet, read as by `deconfliction detect`)
    into a hub and print the alerts it raises, one line per party and event, then a summary
    on stderr.

    In process (the default), the hub's clock follows the data: each snapshot is submitted
    at its own time and the hub cycles every cycle_s of data time, so the alerts are those
    the hub would have raised live. With --url, reports go to a running hub stamped with the
    time they are sent, and alerts are read from each party's stream.
    """
    from deconfliction.gateways.replay import HttpTarget, Pacing, replay_over_http
    from deconfliction.gateways.snapshots import SnapshotReader

    started = time.perf_counter()
    with friendly_errors():
        pacing = Pacing(None if fast else parse_speed(speed))
        reader = SnapshotReader(
            input_path, skip_bad=skip_bad, columns=columns, every_s=every, max_age_s=max_age
        )

        def show(party: str, event: Event) -> None:
            click.echo(alert_line(party, event))

        if url:
            if not tokens:
                raise InvalidInput("--url needs at least one --token PARTY=TOKEN")
            pairs = dict(_token(t) for t in tokens)
            stats = replay_over_http(
                HttpTarget(url, pairs, show), with_progress(reader, "replay"), pacing=pacing
            )
        else:
            if tokens:
                raise InvalidInput("--token goes with --url")
            stats = _in_process(reader, pacing, show, db_path, setting_pairs)
    _summary(stats, reader, time.perf_counter() - started)


def _token(text: str) -> tuple[str, str]:
    party, sep, token = text.partition("=")
    if not sep or not party or not token:
        raise InvalidInput(f"--token: expected PARTY=TOKEN, got {text!r}")
    return party, token


def _in_process(
    reader: SnapshotReader,
    pacing: Pacing,
    show: Any,
    db_path: Database | None,
    setting_pairs: tuple[tuple[str, str], ...],
) -> ReplayStats:
    from deconfliction.clock import ManualClock
    from deconfliction.gateways.replay import ReplayStats, replay_in_process
    from deconfliction.hub import Hub

    snapshots = with_progress(reader, "replay")
    first = next(snapshots, None)
    if first is None:
        return ReplayStats()
    clock = ManualClock(first.time_s)
    settings = settings_from(setting_pairs)
    store = open_store(db_path if db_path else ":memory:", settings)
    hub = Hub(settings, store, clock=clock)
    try:
        return replay_in_process(hub, clock, _chain(first, snapshots), pacing=pacing, on_alert=show)
    finally:
        hub.close()


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


def _summary(stats: ReplayStats, reader: SnapshotReader, seconds: float) -> None:
    counts = (
        ", ".join(f"{kind.removeprefix('alert.')} {n}" for kind, n in sorted(stats.alerts.items()))
        or "none"
    )
    line = (
        f"replayed {stats.snapshots} snapshots, {stats.reports} reports "
        f"({stats.rejected} rejected) of {reader.tracks} tracks; alert events: {counts}; "
        f"{seconds:.1f} s"
    )
    if reader.skipped:
        line += f"; {reader.skipped} malformed rows skipped"
    if stats.skipped_parties:
        line += f"; no token for {', '.join(sorted(stats.skipped_parties))} (skipped)"
    click.echo(line, err=True)
    sys.stderr.flush()
