"""``deconfliction settings``: the registry of settings."""

from __future__ import annotations

import click

from deconfliction.cli.common import settings_table


@click.command("settings")
def settings() -> None:
    """List every hub setting with its default, unit, environment variable and help."""
    click.echo(settings_table())
