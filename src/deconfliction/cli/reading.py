"""What the verbs that read recorded traffic share: the options of the reader, and a
progress bar on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deconfliction.errors import InvalidInput
from deconfliction.gateways.layouts import LAYOUT_NAMES
from deconfliction.units import parse_duration_s

if TYPE_CHECKING:
    from deconfliction.detect.snapshot import Snapshot
    from deconfliction.gateways.snapshots import SnapshotReader

F = TypeVar("F", bound=Callable[..., Any])

# Inputs at least this large get a progress bar (when stderr is a terminal).
PROGRESS_MIN_BYTES = 1 << 20


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_duration_s(value, f"--{param.name}")
    except InvalidInput as error:
        raise click.BadParameter(error.message.removeprefix(f"--{param.name}: ")) from None
    if seconds <= 0:
        raise click.BadParameter(f"{value!r} must be more than 0")
    return seconds


def reading_options(func: F) -> F:
    """``--columns``, ``--every``, ``--max-age``."""
    func = click.option(
        "--max-age",
        default="30s",
        show_default=True,
        metavar="DURATION",
        callback=_duration,
        help="With --every: leave out a track whose latest report is older than this.",
    )(func)
    func = click.option(
        "--every",
        metavar="DURATION",
        callback=_duration,
        help="Resample reports made at each aircraft's own times onto snapshots this far "
        "apart (e.g. 5s): each track is moved to the grid time from its latest report.",
    )(func)
    return click.option(
        "--columns",
        type=click.Choice(LAYOUT_NAMES),
        default="auto",
        show_default=True,
        help="The columns of IN: the snapshot columns, those of the traffic library "
        "(feet, knots, ft/min), or OpenSky's state vectors; auto tells by the header.",
    )(func)


def with_progress(reader: SnapshotReader, label: str) -> Iterator[Snapshot]:
    """The reader's snapshots, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty() or (
        reader.total < PROGRESS_MIN_BYTES and reader.progress_unit == "byte"
    ):
        yield from reader
        return
    from tqdm import tqdm

    unit = "B" if reader.progress_unit == "byte" else " rows"
    with tqdm(
        total=reader.total,
        desc=label,
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
        leave=False,
        mininterval=0.5,
    ) as bar:
        shown = 0
        for snapshot in reader:
            bar.update(reader.done - shown)
            shown = reader.done
            yield snapshot
