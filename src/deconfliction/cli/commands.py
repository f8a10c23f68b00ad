"""The list of verbs; a module per verb, added here."""

from __future__ import annotations

import click

from deconfliction.cli.detect import detect

ALL: list[click.Command] = [
    detect,
]
