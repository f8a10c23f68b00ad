"""What several verbs share: the database option, settings, building the hub."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from deconfliction.errors import DeconflictionError
from deconfliction.hub import Hub
from deconfliction.settings import Settings, specs
from deconfliction.store import SQLiteStore

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "./deconfliction.db"


def db_option(func: F) -> F:
    """``--db PATH`` (env ``DECONFLICTION_DB``)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_DB,
        show_default=True,
        envvar="DECONFLICTION_DB",
        help="The hub's SQLite database file (created if missing). Env: DECONFLICTION_DB.",
    )(func)


def setting_option(func: F) -> F:
    """``--setting NAME VALUE``, repeatable."""
    return click.option(
        "--setting",
        "setting_pairs",
        type=(str, str),
        multiple=True,
        metavar="NAME VALUE",
        help="Set a hub setting (repeatable), e.g. --setting stale_after_s 1min. "
        "See `deconfliction settings`; env DECONFLICTION_<NAME> works too.",
    )(func)


def settings_from(pairs: Sequence[tuple[str, str]]) -> Settings:
    return Settings.from_sources(dict(pairs))


@contextmanager
def opened_hub(db_path: Path, settings: Settings | None = None) -> Iterator[Hub]:
    """A hub on ``db_path`` for one command; closed afterwards."""
    settings = settings or Settings.from_sources()
    store = SQLiteStore(db_path, synchronous=settings.sqlite_synchronous)
    hub = Hub(settings, store)
    try:
        yield hub
    finally:
        hub.close()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the hub's errors into a one-line message and exit code 1 (no traceback)."""
    try:
        yield
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None


def settings_table() -> str:
    """The settings registry as text (for help and ``deconfliction settings``)."""
    lines = []
    for spec in specs():
        unit = f" {spec.unit}" if spec.unit else ""
        lines.append(f"{spec.name} (default {spec.default!r}{unit}; env {spec.env})")
        lines.append(f"    {spec.help}")
    return "\n".join(lines)
