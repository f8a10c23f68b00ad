"""Where a journal is read from (an export file now, the store later), and what is done with it.

A :class:`JournalSource` yields entries and checkpoints in ``seq`` order for a range; the
verbs ``journal verify`` and ``journal export`` only talk to this protocol, so reading from
the database is one more implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.journal.export import ExportCounts, ExportFile, ExportHeader, write_export
from deconfliction.journal.redact import AnyEntry, view_for
from deconfliction.journal.signing import parse_public_key
from deconfliction.journal.verify import VerificationReport, verify_chain


class JournalSource(Protocol):
    """A journal, or a contiguous part of one, readable more than once."""

    @property
    def hub_public_key(self) -> str | None:
        """The hub key (base64) the source claims; entry 1, when present, must agree."""
        ...

    @property
    def first_seq(self) -> int:
        """The first ``seq`` the source holds (1 for a whole journal)."""
        ...

    def entries(self, from_seq: int, to_seq: int | None) -> Iterable[AnyEntry]: ...

    def checkpoints(self, from_seq: int, to_seq: int | None) -> Iterable[Checkpoint]: ...


def _within(seq: int, from_seq: int, to_seq: int | None) -> bool:
    return seq >= from_seq and (to_seq is None or seq <= to_seq)


class ExportFileSource:
    """A JSON-lines export as a :class:`JournalSource`."""

    def __init__(self, path: Path) -> None:
        self.file = ExportFile(path)

    @property
    def hub_public_key(self) -> str | None:
        return self.file.header.hub_public_key

    @property
    def first_seq(self) -> int:
        return self.file.header.from_seq

    def entries(self, from_seq: int, to_seq: int | None) -> Iterator[AnyEntry]:
        for entry in self.file.entries():
            if to_seq is not None and entry.seq > to_seq:
                return
            if entry.seq >= from_seq:
                yield entry

    def checkpoints(self, from_seq: int, to_seq: int | None) -> Iterator[Checkpoint]:
        return (c for c in self.file.checkpoints() if _within(c.seq, from_seq, to_seq))


def verify_source(
    source: JournalSource,
    *,
    public_key: Ed25519PublicKey | None = None,
    party_keys: Mapping[str, Ed25519PublicKey] | None = None,
) -> VerificationReport:
    """Verify everything the source holds; ``public_key`` is the hub key the reviewer trusts."""
    if public_key is None and source.hub_public_key is not None:
        public_key = parse_public_key(source.hub_public_key, "the hub key named by the source")
    first = source.first_seq
    return verify_chain(
        source.entries(first, None),
        source.checkpoints(first, None),
        public_key=public_key,
        party_keys=party_keys,
        first_seq=first,
    )


def export_source(
    source: JournalSource,
    out: BinaryIO,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    for_party: str | None = None,
) -> ExportCounts:
    """Write entries ``from_seq``–``to_seq`` (and their checkpoints) as an export.

    ``for_party``: redact what that party may not see (see
    :mod:`deconfliction.journal.redact`).
    """
    start = source.first_seq if from_seq is None else from_seq
    if start < source.first_seq:
        raise InvalidInput(
            f"the source starts at seq {source.first_seq}; cannot export from {start}"
        )
    if to_seq is not None and to_seq < start:
        raise InvalidInput(f"the range to export ends at seq {to_seq}, before it starts at {start}")
    if source.hub_public_key is None:
        raise InvalidInput("the source does not name the hub's public key")
    entries: Iterable[AnyEntry] = source.entries(start, to_seq)
    if for_party is not None:
        entries = view_for(_full(entries, for_party), for_party)
    header = ExportHeader(source.hub_public_key, start, to_seq, for_party)
    return write_export(out, header, entries, source.checkpoints(start, to_seq))


def _full(entries: Iterable[AnyEntry], party: str) -> Iterator[JournalEntry]:
    for entry in entries:
        if not isinstance(entry, JournalEntry):
            raise InvalidInput(
                f"entry {entry.seq} is already redacted; a view for {party!r} needs a full journal"
            )
        yield entry
