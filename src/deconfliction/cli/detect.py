"""`deconfliction detect`: track–track conflicts of every snapshot of a file of recorded
traffic."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from deconfliction.cli.reading import reading_options, with_progress
from deconfliction.errors import DeconflictionError, InvalidInput
from deconfliction.units import parse_distance_m, parse_duration_s

if TYPE_CHECKING:
    from deconfliction.gateways.conflict_files import Writer


def _positive(value: str, parse: Callable[[str, str], float], name: str) -> float:
    try:
        number = parse(value, name)
    except InvalidInput as error:
        # click names the option already.
        raise click.BadParameter(error.message.removeprefix(f"{name}: ")) from None
    if number <= 0:
        raise click.BadParameter(f"{value!r} must be more than 0")
    return number


def _distance(ctx: click.Context, param: click.Parameter, value: str) -> float:
    return _positive(value, parse_distance_m, f"--{param.name}")


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    return _positive(value, parse_duration_s, f"--{param.name}")


@contextlib.contextmanager
def _writer(path: Path | None, rfc3339: Callable[[], bool]) -> Iterator[Writer]:
    """Conflicts to ``path`` (Parquet or CSV by its suffix) or to stdout."""
    from deconfliction.gateways.conflict_files import (
        ConflictWriter,
        ParquetConflictWriter,
        is_parquet_name,
        open_output,
    )

    if path is None:
        yield ConflictWriter(sys.stdout, rfc3339)
        return
    if is_parquet_name(path):
        parquet = ParquetConflictWriter(path)
        try:
            yield parquet
        finally:
            parquet.close()
        return
    with open_output(path) as stream:
        yield ConflictWriter(stream, rfc3339)


@click.command("detect")
@click.argument(
    "input_path", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the conflicts here instead of to stdout: .parquet writes Parquet, .csv.gz "
    "compressed CSV, anything else CSV.",
)
@click.option(
    "--horizontal",
    default="5nm",
    show_default=True,
    metavar="DISTANCE",
    callback=_distance,
    help="Horizontal minimum of air pairs (units: m, km, nm, ft, mi).",
)
@click.option(
    "--vertical",
    default="1000ft",
    show_default=True,
    metavar="DISTANCE",
    callback=_distance,
    help="Vertical minimum of air pairs.",
)
@click.option(
    "--lookahead",
    default="300s",
    show_default=True,
    metavar="DURATION",
    callback=_duration,
    help="How far ahead air pairs are checked (units: s, min, h).",
)
@click.option("--same-party", is_flag=True, help="Also check pairs of tracks of one party.")
@click.option(
    "--skip-bad", is_flag=True, help="Skip malformed rows (and say how many) instead of stopping."
)
@reading_options
def detect(
    input_path: Path,
    output: Path | None,
    horizontal: float,
    vertical: float,
    lookahead: float,
    same_party: bool,
    skip_bad: bool,
    columns: str,
    every: float | None,
    max_age: float,
) -> None:
    """Find track–track conflicts in each snapshot of a file of recorded traffic.

    IN is CSV (.csv, or .csv.gz), or Parquet (.parquet), sorted by time, with the columns

    \b
        time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps

    with time in unix seconds or RFC 3339, and optionally a domain column (air, ground,
    sea; air by default). Each distinct time is one snapshot. Recorded ADS-B is read too,
    in the columns of the traffic library (altitude in feet, ground speed in knots,
    vertical rate in ft/min)

    \b
        timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track,vertical_rate

    or of OpenSky's state vectors (time,icao24,callsign,lat,lon,baroaltitude,velocity,
    heading,vertrate; SI units): each airline (the callsign's designator) stands for a party.
    Where each aircraft is reported at its own times, --every resamples the reports onto a
    grid of snapshots.

    Each track moves in a straight line at its ground speed, course and vertical rate; two
    tracks of different parties (of any, with --same-party) conflict when they are closer
    than the horizontal and the vertical minimum at the same moment within the lookahead.
    Ground pairs use 1 km / 600 s with altitude ignored, sea pairs 1 nm / 600 s; mixed
    domains are not checked. The output has the columns

    \b
        time,track_a,track_b,party_a,party_b,t_in_s,t_out_s,t_cpa_s,d_cpa_m

    with track_a < track_b, rows sorted by time then tracks; a summary line goes to stderr.
    """
    # numpy and the detector load only when the command runs, not for every other verb.
    from deconfliction.detect.minima import MinimaTable
    from deconfliction.detect.tracks import detect_conflicts
    from deconfliction.gateways.snapshots import SnapshotReader
    from deconfliction.model.minima import Minima
    from deconfliction.process import tune_malloc

    tune_malloc()
    started = time.perf_counter()
    try:
        minima = MinimaTable().with_air(Minima(horizontal, vertical, lookahead))
        reader = SnapshotReader(
            input_path, skip_bad=skip_bad, columns=columns, every_s=every, max_age_s=max_age
        )
        snapshots = 0
        with _writer(output, lambda: reader.rfc3339) as writer:
            for snapshot in with_progress(reader, "detect"):
                snapshots += 1
                conflicts = detect_conflicts(snapshot, minima, same_party=same_party)
                writer.write(snapshot.time_s, conflicts)
    except DeconflictionError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)
    summary = (
        f"{snapshots} snapshots, {reader.tracks} tracks, {writer.rows} conflicts, "
        f"{time.perf_counter() - started:.2f} s"
    )
    if skip_bad:
        summary += f", {reader.skipped} bad rows skipped"
    click.echo(summary, err=True)
