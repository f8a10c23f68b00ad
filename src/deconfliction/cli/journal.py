"""``deconfliction journal``: verify the journal and export it for a neutral reviewer, from
the hub's database or from an export file."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click
from click.core import ParameterSource

from deconfliction.cli.common import DATABASE, Database, is_database_url, key_path_for, open_store
from deconfliction.errors import DeconflictionError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from deconfliction.journal.checkpoint import Checkpoint
    from deconfliction.journal.redact import AnyEntry
    from deconfliction.journal.source import JournalSource
    from deconfliction.store import Store

PROGRESS_EVERY = 100_000  # entries between two progress lines on standard error

_FILE = click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON-lines export of the journal to read.",
)
_DB = click.option(
    "--db",
    "db_path",
    type=DATABASE,
    envvar="DECONFLICTION_DB",
    help="The hub's database to read the journal from (an SQLite file or a PostgreSQL URL; "
    "a standby's will do for verify). Env: DECONFLICTION_DB.",
)
_ARCHIVE = click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of archived journal segments (journal archive) to read first; with --db, "
    "the database's journal continues them.",
)
_KEY_FILE = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub's private key file (default: next to the database, suffix .key).",
)


class _Progress:
    """A source that says on standard error how far a long read has come."""

    def __init__(self, source: JournalSource) -> None:
        self._source = source

    @property
    def hub_public_key(self) -> str | None:
        return self._source.hub_public_key

    @property
    def first_seq(self) -> int:
        return self._source.first_seq

    def entries(self, from_seq: int, to_seq: int | None) -> Iterator[AnyEntry]:
        for count, entry in enumerate(self._source.entries(from_seq, to_seq), start=1):
            yield entry
            if count % PROGRESS_EVERY == 0:
                click.echo(f"… {count:,} entries (seq {entry.seq:,})", err=True)

    def checkpoints(self, from_seq: int, to_seq: int | None) -> Iterable[Checkpoint]:
        return self._source.checkpoints(from_seq, to_seq)


def _database(db_path: Database) -> Store:
    if not is_database_url(db_path) and not Path(db_path).is_file():
        raise click.ClickException(f"no database at {db_path}")
    try:
        return open_store(db_path)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None


def _key_path(db_path: Database) -> Path | None:
    """The hub's key file by default (None: a PostgreSQL database and no DECONFLICTION_KEY)."""
    try:
        return key_path_for(db_path)
    except click.ClickException:
        return None


def _where(
    file_path: Path | None, db_path: Database | None, archive: Path | None = None
) -> Database | None:
    """The database to read, or None to read ``file_path`` or the ``archive`` folder alone;
    refuse a file with either of the others, or nothing at all."""
    ctx = click.get_current_context()
    if file_path is not None:
        if archive is not None or (
            db_path is not None
            and ctx.get_parameter_source("db_path") is ParameterSource.COMMANDLINE
        ):
            raise click.UsageError(
                "give the journal as --db (and --archive) or as --file, not both"
            )
        return None
    if archive is not None and ctx.get_parameter_source("db_path") is not (
        ParameterSource.COMMANDLINE
    ):
        return None  # the archive alone (a database named only by the environment is not read)
    if db_path is None:
        raise click.UsageError(
            "say where the journal is: --db DATABASE, --archive FOLDER or --file EXPORT.jsonl"
        )
    return db_path


def _journal(
    store: Store | None, file_path: Path | None, archive: Path | None, key: str | None = None
) -> JournalSource:
    """The journal to read: an export file, archived segments, the database, or archived
    segments followed by what the database still holds."""
    from deconfliction.hub.journal import StoreJournalSource
    from deconfliction.journal.archive import ArchivedJournal

    tail = None if store is None else StoreJournalSource(store, key)
    if archive is None:
        return _source(file_path) if tail is None else tail
    try:
        return ArchivedJournal(archive, tail)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None


def _source(file_path: Path | None) -> JournalSource:
    from deconfliction.journal.source import ExportFileSource

    if file_path is None:
        raise click.UsageError("say where the journal is: --db DATABASE or --file EXPORT.jsonl")
    try:
        return ExportFileSource(file_path)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None


def _file_key(db_path: Database) -> str | None:
    """The public half of the key file next to the database, if there is one."""
    from deconfliction.journal.signing import key_id, load_hub_key, public_key_b64

    path = _key_path(db_path)
    if path is None or not path.exists():
        return None
    try:
        key = load_hub_key(path)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"checking against hub key {key_id(key)} from {path}", err=True)
    return public_key_b64(key)


def _sign_head(store: Store, key_path: Path | None) -> Checkpoint | None:
    """Sign the head with the hub's key before exporting, so that entries removed from the
    end of the export show; warn and go on if that cannot be done."""
    from deconfliction.clock import SystemClock
    from deconfliction.hub.journal import HubJournal
    from deconfliction.journal.signing import load_hub_key

    if key_path is None:
        click.echo(
            "warning: no hub key file named (--key-file); no checkpoint signed now", err=True
        )
        return None
    if not key_path.exists():
        click.echo(f"warning: no hub key file at {key_path}; no checkpoint signed now", err=True)
        return None
    try:
        return HubJournal(store, load_hub_key(key_path)).checkpoint(SystemClock().now())
    except DeconflictionError as error:
        click.echo(f"warning: {error.message}", err=True)
        return None


def _key(text: str, what: str) -> Ed25519PublicKey:
    from deconfliction.journal.signing import parse_public_key

    candidate = Path(text)
    if not text.strip().startswith("-----") and candidate.is_file():
        text = candidate.read_text(encoding="ascii", errors="replace")
    try:
        return parse_public_key(text, what)
    except DeconflictionError as error:
        raise click.BadParameter(error.message) from None


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[BinaryIO]:
    if out is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with out.open("wb") as handle:
            yield handle


@click.group()
def journal() -> None:
    """Verify the journal and export it for a neutral reviewer."""


@journal.command()
@_DB
@_FILE
@_ARCHIVE
@click.option(
    "--key",
    help="The hub's public key (base64 or a PEM file), obtained independently of the journal; "
    "without it, the key file next to the database (with --db), else the key the journal "
    "records, is used.",
)
@click.option(
    "--party-key",
    "party_keys",
    multiple=True,
    metavar="PARTY=KEY",
    help="A party's public key (base64 or PEM file) to check its signatures with; repeatable.",
)
def verify(
    db_path: Database | None,
    file_path: Path | None,
    archive: Path | None,
    key: str | None,
    party_keys: tuple[str, ...],
) -> None:
    """Check the whole chain, every checkpoint and every signature; name the first bad entry.

    Reads the hub's database (--db), the archived segments (--archive) then the database,
    or an export (--file). Exits 0 and prints OK with counts when everything verifies, 1
    otherwise. Progress goes to standard error.
    """
    from deconfliction.journal.source import verify_source

    database = _where(file_path, db_path, archive)
    trusted = None if key is None else _key(key, "--key")
    parties = {}
    for item in party_keys:
        party, sep, text = item.partition("=")
        if not sep or not party:
            raise click.BadParameter(f"{item!r}: write PARTY=KEY", param_hint="--party-key")
        parties[party] = _key(text, f"--party-key {party}")
    store = None
    try:
        if database is not None:
            store = _database(database)
        file_key = None if trusted or database is None else _file_key(database)
        source = _journal(store, file_path, archive, file_key)
        if source.first_seq > 1 and archive is None and database is not None:
            click.echo(
                f"entries before {source.first_seq} are archived: add --archive FOLDER to "
                "check them too",
                err=True,
            )
        report = verify_source(_Progress(source), public_key=trusted, party_keys=parties)
    except DeconflictionError as error:  # a line or an entry 1 that cannot be read at all
        click.echo(f"FAILED: {error.message}")
        sys.exit(1)
    finally:
        if store is not None:
            store.close()
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@journal.command()
@_DB
@_FILE
@_ARCHIVE
@_KEY_FILE
@click.option("--from", "from_seq", type=click.IntRange(min=1), help="First seq to export.")
@click.option("--to", "to_seq", type=click.IntRange(min=1), help="Last seq to export.")
@click.option(
    "--for-party",
    metavar="PARTY",
    help="Redact what PARTY may not see (its own entries and the key entries stay in full).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the export (default: standard output).",
)
def export(
    db_path: Database | None,
    file_path: Path | None,
    archive: Path | None,
    key_file: Path | None,
    from_seq: int | None,
    to_seq: int | None,
    for_party: str | None,
    out: Path | None,
) -> None:
    """Write entries and checkpoints as JSON lines that tools/verify_journal.py can check.

    From the database (--db), the hub first signs a checkpoint of the head (with the key
    file next to the database, or --key-file), so that an export of the whole journal ends
    with a signature over its last entry. Once old entries are archived, the database alone
    exports from the first entry still online; add --archive FOLDER for the whole journal.
    """
    from deconfliction.journal.source import export_source

    database = _where(file_path, db_path, archive)
    store = None
    try:
        if database is not None:
            store = _database(database)
            _sign_head(store, key_file or _key_path(database))
        source = _Progress(_journal(store, file_path, archive))
        with _output(out) as handle:
            counts = export_source(
                source, handle, from_seq=from_seq, to_seq=to_seq, for_party=for_party
            )
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    finally:
        if store is not None:
            store.close()
    click.echo(
        f"exported {counts.entries} entries ({counts.redacted} redacted) and "
        f"{counts.checkpoints} checkpoints",
        err=True,
    )


@journal.command()
@_DB
@_KEY_FILE
def checkpoint(db_path: Database | None, key_file: Path | None) -> None:
    """Sign a checkpoint of the journal's head now (works while the hub runs) and print it
    as JSON. If the head has not moved since the latest checkpoint, print that one."""
    import orjson

    from deconfliction.clock import SystemClock
    from deconfliction.hub.journal import HubJournal
    from deconfliction.journal.signing import load_hub_key
    from deconfliction.model.codec import dump

    if db_path is None:
        raise click.UsageError("say which database: --db DATABASE")
    store = _database(db_path)
    try:
        key = load_hub_key(key_file or key_path_for(db_path))
        signed = HubJournal(store, key).checkpoint(SystemClock().now())
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    finally:
        store.close()
    click.echo(orjson.dumps(dump(signed)).decode())


@journal.command()
@_DB
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The archive folder (default: setting journal_archive_dir, else next to an SQLite "
    "database: deconfliction.db -> deconfliction.archive).",
)
@click.option(
    "--older-than",
    "older_than",
    metavar="DURATION",
    help="Archive entries older than this, e.g. 30d or 12h (default: setting journal_online_s).",
)
def archive(db_path: Database | None, folder: Path | None, older_than: str | None) -> None:
    """Move old journal entries to compressed segment files, then delete them from the
    database (works while the hub runs; the hub does it by itself when journal_online_s is
    set).

    Only entries a signed checkpoint covers are archived, up to the newest such checkpoint
    older than DURATION. Each segment (journal-FROM-TO.jsonl.gz) is an export that ends with
    its checkpoint; `journal verify --archive FOLDER --db DATABASE` checks the whole chain.
    """
    from deconfliction.cli.common import archive_dir_for
    from deconfliction.clock import SystemClock
    from deconfliction.hub.archive import JournalArchiver
    from deconfliction.hub.journal import genesis_key
    from deconfliction.settings import Settings
    from deconfliction.units import parse_duration_s

    if db_path is None:
        raise click.UsageError("say which database: --db DATABASE")
    settings = Settings.from_sources()
    try:
        online_s = (
            settings.journal_online_s
            if older_than is None
            else parse_duration_s(older_than, "--older-than")
        )
    except DeconflictionError as error:
        raise click.BadParameter(error.message, param_hint="--older-than") from None
    if online_s <= 0:
        raise click.UsageError("say how old: --older-than DURATION (or set journal_online_s)")
    folder = folder or archive_dir_for(db_path, settings)
    if folder is None:
        raise click.UsageError("say where to: --to FOLDER (or set journal_archive_dir)")
    store = _database(db_path)
    try:
        key = genesis_key(store)
        if key is None:
            raise click.ClickException("the journal is empty: nothing to archive")
        archiver = JournalArchiver(store, folder, key, online_s=online_s)
        run = archiver.archive(SystemClock().now())
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    finally:
        store.close()
    click.echo(f"{run.summary()} ({folder})")
