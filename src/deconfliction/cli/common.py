"""What several verbs share: the database option, settings, building the hub."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deconfliction.errors import DeconflictionError

if TYPE_CHECKING:
    from deconfliction.hub import Hub
    from deconfliction.settings import Settings

# Only what every verb needs is imported here; the hub, the store and the keys are imported
# by the functions that use them, so that `deconfliction --help` starts at once.

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
    from deconfliction.settings import Settings

    return Settings.from_sources(dict(pairs))


def key_path_for(db_path: Path) -> Path:
    """Where the hub's key is kept by default (see :func:`deconfliction.hub.key_path_for`)."""
    from deconfliction.hub.journal import key_path_for as next_to

    return next_to(db_path)


@contextmanager
def opened_hub(
    db_path: Path, settings: Settings | None = None, key_path: Path | None = None
) -> Iterator[Hub]:
    """A hub on ``db_path`` for one command, with the key file next to the database (or
    ``key_path``); closed afterwards."""
    from deconfliction.gateways.webhook import WebhookSender
    from deconfliction.hub import Hub, hub_key_for
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    settings = settings or Settings.from_sources()
    try:
        store = SQLiteStore(db_path, synchronous=settings.sqlite_synchronous)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    try:
        hub = Hub(
            settings,
            store,
            key=hub_key_for(store, key_path or key_path_for(db_path)),
            webhook_sender=WebhookSender,
        )
    except DeconflictionError as error:
        store.close()
        raise click.ClickException(error.message) from None
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
    from deconfliction.settings import specs

    lines = []
    for spec in specs():
        unit = f" {spec.unit}" if spec.unit else ""
        lines.append(f"{spec.name} (default {spec.default!r}{unit}; env {spec.env})")
        lines.append(f"    {spec.help}")
    return "\n".join(lines)
