"""The list of verbs; a module per verb, added here."""

from __future__ import annotations

import click

from deconfliction.cli.journal import journal

ALL: list[click.Command] = [journal]
