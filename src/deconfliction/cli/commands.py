"""The list of verbs; a module per verb, added here."""

from __future__ import annotations

import click

from deconfliction.cli.demo import demo
from deconfliction.cli.detect import detect
from deconfliction.cli.feed import feed
from deconfliction.cli.journal import journal
from deconfliction.cli.party import admin_token, agreement, party
from deconfliction.cli.replay import replay
from deconfliction.cli.serve import serve
from deconfliction.cli.settings_cmd import settings
from deconfliction.cli.tak import tak
from deconfliction.cli.zones import zones

ALL: list[click.Command] = [
    serve,
    demo,
    party,
    agreement,
    admin_token,
    detect,
    replay,
    journal,
    zones,
    settings,
    tak,
    feed,
]
