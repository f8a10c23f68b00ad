"""The command line: parses arguments, builds objects, hands over. No logic lives here."""

from __future__ import annotations

import click

from deconfliction import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """A self-hosted deconfliction hub for parties that share an operating area but no chain
    of command."""


@main.command()
def version() -> None:
    """Print the version of the hub."""
    click.echo(__version__)


def _register() -> None:
    # Each verb lives in its own module and exposes one click command or group.
    from deconfliction.cli import commands

    for command in commands.ALL:
        main.add_command(command)


_register()
