"""The list of verbs; a module per verb, added here."""

from __future__ import annotations

import click

ALL: list[click.Command] = []
