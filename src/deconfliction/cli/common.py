"""What several verbs share: the database option, settings, building the hub."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deconfliction.errors import DeconflictionError

if TYPE_CHECKING:
    from deconfliction.hub import Hub
    from deconfliction.settings import Settings
    from deconfliction.store import Store

# Only what every verb needs is imported here; the hub, the store and the keys are imported
# by the functions that use them, so that `deconfliction --help` starts at once.

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "./deconfliction.db"
KEY_ENV = "DECONFLICTION_KEY"

Database = Path | str
"""Where the hub's data is: an SQLite file, or a PostgreSQL URL (``postgresql://…``)."""


def is_database_url(where: Database) -> bool:
    from deconfliction.store.urls import is_postgres_url

    return isinstance(where, str) and is_postgres_url(where)


def database(text: str | Path) -> Database:
    """``--db``'s value: a PostgreSQL URL as it is, anything else as a file path."""
    return str(text) if is_database_url(str(text)) else Path(text)


def open_store(where: Database, settings: Settings | None = None) -> Store:
    """The store at ``where``: PostgreSQL for a ``postgresql://`` URL, else an SQLite file."""
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    settings = settings or Settings.from_sources()
    if is_database_url(where):
        from deconfliction.store.postgres import PostgresStore

        return PostgresStore(str(where))
    return SQLiteStore(where, synchronous=settings.sqlite_synchronous)


class _DatabaseType(click.ParamType):  # type: ignore[type-arg]
    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return database(value)


DATABASE = _DatabaseType()


def db_option(func: F) -> F:
    """``--db PATH|URL`` (env ``DECONFLICTION_DB``)."""
    return click.option(
        "--db",
        "db_path",
        type=DATABASE,
        default=DEFAULT_DB,
        show_default=True,
        envvar="DECONFLICTION_DB",
        help="The hub's database: an SQLite file (created if missing), or a PostgreSQL URL "
        "postgresql://user@host:port/dbname (see docs/scaling.md). Env: DECONFLICTION_DB.",
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


def key_path_for(db_path: Database) -> Path:
    """Where the hub's key is kept by default: the file ``DECONFLICTION_KEY`` names, else
    next to an SQLite database (``deconfliction.db`` → ``deconfliction.key``). A PostgreSQL
    database needs ``DECONFLICTION_KEY`` (or ``--key``): every process of the hub uses the
    same key, and a database server has no folder of the hub's."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named)
    if not is_database_url(db_path):
        from deconfliction.hub.journal import key_path_for as next_to

        return next_to(Path(db_path))
    raise click.ClickException(
        f"with a PostgreSQL database, name the hub's key file: --key FILE or {KEY_ENV}"
    )


def archive_dir_for(db_path: Database, settings: Settings) -> Path | None:
    """Where the journal is archived: setting ``journal_archive_dir``, else next to an
    SQLite database (``deconfliction.db`` → ``deconfliction.archive``); None for a
    PostgreSQL database without the setting."""
    if settings.journal_archive_dir:
        return Path(settings.journal_archive_dir)
    if not is_database_url(db_path):
        return Path(db_path).with_suffix(".archive")
    return None


@contextmanager
def opened_hub(
    db_path: Database, settings: Settings | None = None, key_path: Path | None = None
) -> Iterator[Hub]:
    """A hub on ``db_path`` for one command, with the key file next to the database (or
    ``key_path``); closed afterwards."""
    from deconfliction.gateways.webhook import WebhookSender
    from deconfliction.hub import Hub, hub_key_for
    from deconfliction.settings import Settings

    settings = settings or Settings.from_sources()
    key_path = key_path or key_path_for(db_path)
    try:
        store = open_store(db_path, settings)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    try:
        hub = Hub(
            settings,
            store,
            key=hub_key_for(store, key_path),
            webhook_sender=WebhookSender,
            archive_dir=archive_dir_for(db_path, settings),
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
