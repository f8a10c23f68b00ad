"""Journal retention: old entries archived to compressed segment files, then pruned from
the database.

An archive run finds the latest signed checkpoint older than the retention time
(``journal_online_s``) and not beyond the live picture's checkpoint (the reports a restart
replays stay online), writes the entries up to it as segments
(:mod:`deconfliction.journal.archive`; cut at checkpoints, each at most ``segment_entries``
entries unless one checkpoint interval holds more), records in the database how far the
archives reach (meta ``journal_archived_seq``) and deletes the archived entries, a few
thousand per transaction so that writers are never held up for long.

The database keeps the last archived entry and its checkpoint: the journal left online
starts with an entry whose hash the hub signed, and its head never disappears.

One run at a time: a run holds an exclusive lock on ``FOLDER/.lock`` throughout, and moves
the recorded mark only from where it found it (checked in the transaction that moves it),
so two runs — the hub's and ``journal archive``, or two hub processes — never undo each
other. The order of the steps makes a crash at any point harmless: a segment is renamed into
place only once it is on disk; the database records it after that; entries are deleted only
up to what it records. A later run finishes a deletion that was cut short; a segment that
was written but never recorded is deleted if the database holds the same entries (its last
hash matches), and otherwise moved aside to ``FOLDER/unrecorded/`` — it may be the only copy
of entries a database restored from an older backup no longer has — never destroyed.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deconfliction.errors import DeconflictionError, StoreError
from deconfliction.hub.journal import ARCHIVED_SEQ, HUB_KEY, archived_seq
from deconfliction.hub.live.tracks import TRACKS_SEQ
from deconfliction.journal.archive import Segment, last_entry, segments, write_segment
from deconfliction.journal.chain import journal_time
from deconfliction.store import Store

log = logging.getLogger(__name__)

SEGMENT_ENTRIES = 100_000
PRUNE_STEP = 5_000  # entries deleted per transaction


@dataclass
class ArchiveRun:
    """What one run archived and pruned."""

    segments: list[Segment] = field(default_factory=list)
    entries: int = 0  # entries written to segments
    checkpoints: int = 0
    pruned: int = 0  # entries deleted from the database
    bytes: int = 0  # compressed size of the segments written
    archived_seq: int = 0  # the last entry archived, after the run

    def summary(self) -> str:
        if not self.segments:
            return (
                f"nothing old enough to archive (archived up to entry {self.archived_seq}); "
                f"{self.pruned} entries pruned"
            )
        first, last = self.segments[0].from_seq, self.segments[-1].to_seq
        return (
            f"archived entries {first}–{last} ({self.entries} entries, {self.checkpoints} "
            f"checkpoints) in {len(self.segments)} segment(s), {self.bytes / 1e6:.1f} MB; "
            f"{self.pruned} entries pruned from the database"
        )


class JournalArchiver:
    """Archives and prunes the journal in ``store`` into ``folder``."""

    def __init__(
        self,
        store: Store,
        folder: Path,
        hub_public_key: str,
        *,
        online_s: float,
        every_s: float = 3600.0,
        segment_entries: int = SEGMENT_ENTRIES,
        prune_step: int = PRUNE_STEP,
    ) -> None:
        self._store = store
        self.folder = folder
        self._key = hub_public_key
        self.online_s = online_s
        self.every_s = every_s
        self.segment_entries = segment_entries
        self.prune_step = prune_step
        self._next_s: float | None = None

    def tick(self, now_s: float) -> ArchiveRun | None:
        """Archive if a run is due (every ``every_s``; the first at the first tick)."""
        if self._next_s is not None and now_s < self._next_s:
            return None
        self._next_s = now_s + self.every_s
        try:
            run = self.archive(now_s)
        except ArchiveBusy as busy:
            log.info("journal: %s", busy.message)
            return None
        if run.segments:
            log.info("journal: %s", run.summary())
        return run

    def archive(self, now_s: float, online_s: float | None = None) -> ArchiveRun:
        """Archive every entry older than ``online_s`` (default: the archiver's) that a
        signed checkpoint covers, and prune it from the database. Raise
        :class:`ArchiveBusy` if another run holds the folder."""
        online_s = self.online_s if online_s is None else online_s
        with self._exclusive():
            done = archived_seq(self._store)
            self._check_folder(done)
            run = ArchiveRun(archived_seq=done, pruned=self._prune(done))
            for start, end in self._bounds(done, journal_time(now_s - online_s)):
                segment, counts = write_segment(
                    self.folder,
                    self._key,
                    self._store.journal_entries(start - 1, end),
                    self._store.checkpoints(start, end),
                    from_seq=start,
                    to_seq=end,
                )
                self._record(start, end)
                run.segments.append(segment)
                run.entries += counts.entries
                run.checkpoints += counts.checkpoints
                run.bytes += segment.path.stat().st_size
                run.archived_seq = end
                run.pruned += self._prune(end)
        return run

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ArchiveBusy(
                    f"another archive run holds {self.folder / '.lock'}; try again later"
                ) from None
            yield
        finally:
            os.close(handle)  # (releases the lock)

    def _record(self, start: int, end: int) -> None:
        """Record that the segments reach ``end``, if the mark is still where this run found
        it (``start - 1``)."""
        with self._store.transaction() as tx:
            found = int(tx.get_meta(ARCHIVED_SEQ) or 0)
            if found != start - 1:
                raise ArchiveBusy(
                    f"another run archived the journal up to entry {found} meanwhile; this "
                    "run stops (the next one goes on from there)"
                )
            tx.set_meta(HUB_KEY, self._key)
            tx.set_meta(ARCHIVED_SEQ, str(end))

    def _bounds(self, done: int, cutoff: str) -> list[tuple[int, int]]:
        """The segments to write: (first, last) entries, each ending at a checkpoint signed
        before ``cutoff`` (RFC 3339) and not after the live picture's checkpoint."""
        limit = int(self._store.get_meta(TRACKS_SEQ) or 0)
        ends = [
            c.seq
            for c in self._store.checkpoints(done + 1, limit)
            if c.time <= cutoff  # the entries up to c.seq are no later than c.time
        ]
        bounds: list[tuple[int, int]] = []
        start, candidate = done + 1, None
        for end in ends:
            if candidate is not None and end - start + 1 > self.segment_entries:
                bounds.append((start, candidate))
                start = candidate + 1
            candidate = end
        if candidate is not None:
            bounds.append((start, candidate))
        return bounds

    def _prune(self, upto: int) -> int:
        """Delete the entries before ``upto`` still in the database, a step at a time."""
        pruned = 0
        while True:
            with self._store.transaction() as tx:
                deleted = tx.prune_journal(upto, self.prune_step)
            if not deleted:
                return pruned
            pruned += deleted

    def _check_folder(self, done: int) -> None:
        """Deal with segments a run wrote but never recorded (see the module's docstring);
        refuse a folder whose segments do not reach what the database says was archived
        (before anything is pruned: a folder that is not mounted is not a reason to delete)."""
        kept = []
        for segment in segments(self.folder):
            if segment.from_seq <= done:
                kept.append(segment)
            elif self._holds_the_same(segment):
                log.warning("journal: removing unrecorded segment %s", segment.path)
                segment.path.unlink()
            else:
                aside = self.folder / "unrecorded"
                aside.mkdir(exist_ok=True)
                log.warning(
                    "journal: segment %s holds entries the database does not have as they "
                    "are (a database restored from an older backup?): moved to %s",
                    segment.path,
                    aside,
                )
                segment.path.rename(aside / segment.path.name)
        reach = kept[-1].to_seq if kept else 0
        if reach != done:
            raise StoreError(
                f"the archive folder {self.folder} holds the journal up to entry {reach}, but "
                f"the database says entries up to {done} were archived: put the missing "
                "segments back, or name the folder they are in (journal_archive_dir)"
            )

    def _holds_the_same(self, segment: Segment) -> bool:
        """Whether the segment's last entry is, hash for hash, the database's entry."""
        try:
            last = last_entry(segment.path)
        except DeconflictionError:
            return False
        online = next(iter(self._store.journal_entries(segment.to_seq - 1, segment.to_seq)), None)
        return last is not None and online is not None and online.hash == last.hash


class ArchiveBusy(StoreError):
    """Another archive run holds the folder, or moved the mark meanwhile."""
