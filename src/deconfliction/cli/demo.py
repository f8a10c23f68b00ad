"""``deconfliction demo``: a hub with simulated parties, to see what the hub is for."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from deconfliction.cli.common import friendly_errors, setting_option, settings_from

DEFAULT_DATA = Path("data/quickstart.csv.gz")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=int, help="TCP port (0: any free one)."
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.1, max=100),
    help="How many times faster than real time the scenario runs (the hub's clock too).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the hub's database (and its key, next to it) here; by default they live in a "
    "temporary folder removed at exit.",
)
@click.option(
    "--loops",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Stop after this many loops of the scenario (passes over the data); 0: until Ctrl-C.",
)
@click.option(
    "--real",
    is_flag=True,
    help="Replay recorded ADS-B traffic (airlines as parties) instead of the scenario.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="With --real: the snapshot CSV to replay.",
)
@setting_option
def demo(
    host: str,
    port: int,
    speed: float,
    db_path: Path | None,
    loops: int,
    real: bool,
    data: Path,
    setting_pairs: tuple[tuple[str, str], ...],
) -> None:
    """Run a hub with simulated parties and print what each party hears.

    The scenario: a coalition, a federation and a humanitarian organisation along the
    Euphrates between Raqqa and Abu Kamal: a deconfliction line and the zone around at-Tanf,
    protected sites, aircraft on a predicted loss of separation, a convoy approaching the
    line, overlapping drone operations, a crossing notice, an escalated flash message and an
    incident. The simulated parties use only the public API (HTTP and the WebSocket stream).
    Open the printed console URL and sign in with a party's token.
    """
    from deconfliction.demo.runner import CannotServe, Demo, DemoOptions

    if real and not data.exists():
        raise click.ClickException(
            f"{data} is not here: run the demo from the repository's folder, or give --data"
        )
    with friendly_errors():
        settings_from(setting_pairs)  # refuse an unknown setting before anything starts
    options = DemoOptions(
        host=host,
        port=port,
        speed=speed,
        db_path=db_path,
        loops=loops,
        real=real,
        data=data,
        settings=dict(setting_pairs),
    )
    try:
        with friendly_errors():
            Demo(options, out=_echo).run()
    except CannotServe as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:  # a second Ctrl-C during the shutdown
        raise SystemExit(130) from None


def _echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()  # as it happens, also through a pipe (| tee demo.log)
