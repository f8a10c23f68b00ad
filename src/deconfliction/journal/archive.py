"""Archived journal segments: exports of old entries, compressed, kept in a folder.

A segment is an export (:mod:`deconfliction.journal.export`) of entries ``from_seq`` to
``to_seq``, gzip-compressed, named ``journal-{from_seq:012d}-{to_seq:012d}.jsonl.gz``, with
every checkpoint in its range; it ends with the signed checkpoint at ``to_seq``, so that
each segment can be verified alone (``journal verify --file``) and none can be cut short
unnoticed. Segments follow each other without gap or overlap: the first starts at entry 1,
each next one where the previous ended, plus one.

:class:`ArchivedJournal` reads the segments of a folder, then (optionally) the journal still
in the database, as one :class:`~deconfliction.journal.source.JournalSource`: ``journal
verify`` checks the chain across them exactly as across one database.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.journal.export import ExportCounts, ExportFile, ExportHeader, write_export
from deconfliction.journal.redact import AnyEntry
from deconfliction.journal.source import ExportFileSource, JournalSource

SEGMENT_GLOB = "journal-*-*.jsonl.gz"
_NAME = re.compile(r"^journal-(\d{12})-(\d{12})\.jsonl\.gz$")
COMPRESS_LEVEL = 1  # report batches compress ~6x even at the fastest level


@dataclass(frozen=True, order=True)
class Segment:
    """An archived segment on disk: entries ``from_seq``–``to_seq``."""

    from_seq: int
    to_seq: int
    path: Path


def segment_name(from_seq: int, to_seq: int) -> str:
    return f"journal-{from_seq:012d}-{to_seq:012d}.jsonl.gz"


def segments(folder: Path) -> list[Segment]:
    """The segments in ``folder``, in ``seq`` order (an absent folder has none)."""
    found = []
    for path in folder.glob(SEGMENT_GLOB) if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match:
            found.append(Segment(int(match.group(1)), int(match.group(2)), path))
    return sorted(found)


def write_segment(
    folder: Path,
    hub_public_key: str,
    entries: Iterable[JournalEntry],
    checkpoints: Iterable[Checkpoint],
    *,
    from_seq: int,
    to_seq: int,
) -> tuple[Segment, ExportCounts]:
    """Write entries ``from_seq``–``to_seq`` and their checkpoints as a segment in
    ``folder``, durably (a temporary file, flushed to disk, then renamed into place), and
    check that it holds exactly that range and ends with a checkpoint at ``to_seq``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / segment_name(from_seq, to_seq)
    handle, name = tempfile.mkstemp(dir=folder, prefix=path.name + ".", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    header = ExportHeader(hub_public_key, from_seq, to_seq)
    with open(partial, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0) as out:
            counts = write_export(out, header, entries, checkpoints)  # type: ignore[arg-type]
        raw.flush()
        os.fsync(raw.fileno())
    # Entries come in seq order without repeats: starting and ending at the bounds with as
    # many entries as the range holds, they are the whole range.
    whole = (counts.first_seq, counts.last_seq) == (from_seq, to_seq)
    if not whole or counts.entries != to_seq - from_seq + 1:
        partial.unlink()
        raise InvalidInput(
            f"the journal to archive does not hold entries {from_seq}–{to_seq} without gaps"
        )
    if counts.last_checkpoint_seq != to_seq:
        partial.unlink()
        raise InvalidInput(f"no signed checkpoint at entry {to_seq} to end the segment with")
    os.replace(partial, path)
    _sync_folder(folder)
    return Segment(from_seq, to_seq, path), counts


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX: fsync the directory)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def last_entry(path: Path) -> AnyEntry | None:
    """The last entry of a segment (reads it whole)."""
    last = None
    for last in ExportFile(path).entries():  # noqa: B007
        pass
    return last


class ArchivedJournal:
    """The segments of a folder, then optionally the journal left in a database (``tail``,
    read from the entry after the last segment), as one journal source."""

    def __init__(self, folder: Path, tail: JournalSource | None = None) -> None:
        self.segments = segments(folder)
        if not self.segments and tail is None:
            raise InvalidInput(f"no archived journal segments ({SEGMENT_GLOB}) in {folder}")
        self._files = [ExportFileSource(s.path) for s in self.segments]
        self._tail = tail
        keys = {f.hub_public_key for f in self._files}
        if tail is not None and tail.hub_public_key is not None:
            keys.add(tail.hub_public_key)
        if len(keys) > 1:
            raise InvalidInput(
                f"the segments in {folder} (and the database) name different hub keys"
            )
        self._key = next(iter(keys), None)

    @property
    def hub_public_key(self) -> str | None:
        return self._key

    @property
    def first_seq(self) -> int:
        """1: the archive is the beginning of the journal, so that missing first segments
        (or a missing or empty folder) show as entries removed from its start."""
        return 1

    @property
    def archived_seq(self) -> int:
        """The last entry the segments hold (0 without segments)."""
        return self.segments[-1].to_seq if self.segments else 0

    def entries(self, from_seq: int, to_seq: int | None) -> Iterator[AnyEntry]:
        for source, start in self._parts(from_seq, to_seq):
            yield from source.entries(start, to_seq)

    def checkpoints(self, from_seq: int, to_seq: int | None) -> Iterator[Checkpoint]:
        for source, start in self._parts(from_seq, to_seq):
            yield from source.checkpoints(start, to_seq)

    def _parts(self, from_seq: int, to_seq: int | None) -> Iterator[tuple[JournalSource, int]]:
        """The segments holding some of ``from_seq``–``to_seq``, then the database from
        where it takes over (after the segments, and not before what it holds: entries
        neither holds are then missing, for the verifier to name); each with where to read
        it from."""
        for segment, source in zip(self.segments, self._files, strict=True):
            if segment.to_seq >= from_seq and (to_seq is None or segment.from_seq <= to_seq):
                yield source, from_seq
        if self._tail is not None:
            start = max(from_seq, self.archived_seq + 1, self._tail.first_seq)
            if to_seq is None or start <= to_seq:
                yield self._tail, start
