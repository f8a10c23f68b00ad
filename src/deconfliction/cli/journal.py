"""``deconfliction journal``: verify the journal and export it for a neutral reviewer."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deconfliction.errors import DeconflictionError
from deconfliction.journal.signing import parse_public_key
from deconfliction.journal.source import (
    ExportFileSource,
    JournalSource,
    export_source,
    verify_source,
)

_FILE = click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON-lines export of the journal to read.",
)


def _source(file_path: Path | None) -> JournalSource:
    if file_path is None:
        raise click.UsageError("say where the journal is: --file EXPORT.jsonl")
    try:
        return ExportFileSource(file_path)
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None


def _key(text: str, what: str) -> Ed25519PublicKey:
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
@_FILE
@click.option(
    "--key",
    help="The hub's public key (base64 or a PEM file), obtained independently of the journal; "
    "without it the key the journal records is used.",
)
@click.option(
    "--party-key",
    "party_keys",
    multiple=True,
    metavar="PARTY=KEY",
    help="A party's public key (base64 or PEM file) to check its signatures with; repeatable.",
)
def verify(file_path: Path | None, key: str | None, party_keys: tuple[str, ...]) -> None:
    """Check the whole chain, every checkpoint and every signature; name the first bad entry.

    Exits 0 and prints OK with counts when everything verifies, 1 otherwise.
    """
    source = _source(file_path)
    trusted = None if key is None else _key(key, "--key")
    parties = {}
    for item in party_keys:
        party, sep, text = item.partition("=")
        if not sep or not party:
            raise click.BadParameter(f"{item!r}: write PARTY=KEY", param_hint="--party-key")
        parties[party] = _key(text, f"--party-key {party}")
    try:
        report = verify_source(source, public_key=trusted, party_keys=parties)
    except DeconflictionError as error:  # a line that cannot be read at all
        click.echo(f"FAILED: {error.message}")
        sys.exit(1)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@journal.command()
@_FILE
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
    file_path: Path | None,
    from_seq: int | None,
    to_seq: int | None,
    for_party: str | None,
    out: Path | None,
) -> None:
    """Write entries and checkpoints as JSON lines that tools/verify_journal.py can check."""
    source = _source(file_path)
    try:
        with _output(out) as handle:
            counts = export_source(
                source, handle, from_seq=from_seq, to_seq=to_seq, for_party=for_party
            )
    except DeconflictionError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"exported {counts.entries} entries ({counts.redacted} redacted) and "
        f"{counts.checkpoints} checkpoints",
        err=True,
    )
