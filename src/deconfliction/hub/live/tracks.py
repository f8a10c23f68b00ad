"""Reports in, the live picture out, and the history of reports read back.

A batch of new reports is stored once: as the content of the journal entry that records it
(kind ``reports``), indexed by party and time. The live picture is checkpointed into the
store every ``tracks_checkpoint_s``; at start the hub loads the checkpoint and replays the
batches journalled after it, so nothing acknowledged is missing after a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

import orjson

from deconfliction.hub.live.picture import LivePicture
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry
from deconfliction.model import Rejection, Report, ReportBatch
from deconfliction.model.codec import TRANSIENT
from deconfliction.store import REPORTS_KIND, Store
from deconfliction.units import format_time

TRACKS_SEQ = "tracks_seq"  # meta: journal seq up to which the tracks checkpoint is complete


@dataclass(frozen=True)
class IngestResult:
    """What became of a batch: stored, already stored before, or rejected (and why).

    Its document (``codec.dump``) is the API's answer, without ``entry``: the journal entry
    that stores the new reports, for the receipt the API adds.
    """

    accepted: int
    duplicates: int
    rejected: list[Rejection]
    entry: Annotated[JournalEntry | None, TRANSIENT]


def decode_batch(entry: JournalEntry) -> ReportBatch:
    """The reports a journal entry of kind ``reports`` holds."""
    return ReportBatch.from_journal(entry.party, orjson.loads(entry.content))


class Tracks:
    """Reports in, the live picture out."""

    def __init__(self, store: Store, parties: Parties, picture: LivePicture) -> None:
        self._store = store
        self._parties = parties
        self.picture = picture

    # -- ingest ------------------------------------------------------------------------

    def ingest(
        self, unit: WriteUnit, batch: ReportBatch, rejected: list[Rejection]
    ) -> IngestResult:
        """Store the new reports of a validated batch (inside ``unit``)."""
        fresh, duplicates = self._split_duplicates(batch)
        if not fresh:
            return IngestResult(0, duplicates, rejected, None)
        new = batch if len(fresh) == len(batch) else batch.take(fresh)
        entry = unit.journal(batch.party, REPORTS_KIND, new.to_journal())
        t_min, t_max = float(new.time_s.min()), float(new.time_s.max())
        unit.tx.index_report_batch(entry.seq, batch.party, t_min, t_max, len(new))
        unit.emit(
            batch.party,
            "reports.accepted",
            {
                "count": len(new),
                "tracks": len(set(new.track)),
                "first_time": format_time(t_min),
                "last_time": format_time(t_max),
                "journal_seq": entry.seq,
            },
        )
        unit.after_commit(lambda: self.picture.update(new))
        return IngestResult(len(new), duplicates, rejected, entry)

    def _split_duplicates(self, batch: ReportBatch) -> tuple[list[int], int]:
        """Indices of the reports in ``batch`` not stored yet, and how many were duplicates.

        A report newer than its track's latest is new for sure; only older ones (late, or
        sent again) are looked up in the history. Repeats inside the batch are duplicates.
        """
        latest = self.picture.latest_times(batch)
        seen: set[tuple[str, float]] = set()
        fresh: list[int] = []
        maybe: list[int] = []
        duplicates = 0
        times = batch.time_s.tolist()
        for i, key in enumerate(zip(batch.track, times, strict=True)):
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            (fresh if key[1] > latest[i] else maybe).append(i)
        if maybe:
            stored = self.stored_keys(batch.party, [(batch.track[i], times[i]) for i in maybe])
            for i in maybe:
                if (batch.track[i], times[i]) in stored:
                    duplicates += 1
                else:
                    fresh.append(i)
            fresh.sort()
        return fresh, duplicates

    def stored_keys(self, party: str, keys: Sequence[tuple[str, float]]) -> set[tuple[str, float]]:
        """Which (track, time_s) keys of ``party`` are in the history already."""
        wanted = set(keys)
        times = [t for _, t in keys]
        found: set[tuple[str, float]] = set()
        for entry in self._store.report_batches(min(times), max(times), party=party):
            stored = decode_batch(entry)
            found.update(
                k for k in zip(stored.track, stored.time_s.tolist(), strict=True) if k in wanted
            )
        return found

    # -- history -----------------------------------------------------------------------

    def history(
        self,
        start_s: float,
        end_s: float,
        *,
        party: str | None = None,
        tracks: Iterable[str] | None = None,
    ) -> list[Report]:
        """Recorded reports in [start_s, end_s] (of ``party``, of ``tracks``), ordered by
        party, track and time."""
        wanted = None if tracks is None else set(tracks)
        found: dict[tuple[str, str, float], Report] = {}
        for entry in self._store.report_batches(start_s, end_s, party=party):
            batch = decode_batch(entry)
            for i, (track, time_s) in enumerate(
                zip(batch.track, batch.time_s.tolist(), strict=True)
            ):
                if start_s <= time_s <= end_s and (wanted is None or track in wanted):
                    found.setdefault((batch.party, track, time_s), batch.report(i))
        return [found[k] for k in sorted(found)]

    # -- the picture -------------------------------------------------------------------

    def visible_to(self, viewer: str) -> list[Report]:
        """The latest report of every track ``viewer`` may see: its own, and those of parties
        that agreed to share their picture with it."""
        owners = {
            p.name for p in self._parties.all() if self._parties.shares_tracks(viewer, p.name)
        }
        owners.add(viewer)
        return sorted(self.picture.reports_of(owners), key=lambda r: (r.party, r.track))

    def checkpoint(self, unit: WriteUnit, applied_seq: int) -> int:
        """Write the tracks changed since the last checkpoint; how many. ``applied_seq``:
        every report batch up to it is in the picture (with other processes writing, the
        head may be further: a restart replays the batches after the lower of the two)."""
        rows = self.picture.take_dirty()
        for batch in self.picture.batches(rows).values():
            unit.tx.upsert_tracks(batch)
        head = unit.tx.journal_head()
        unit.tx.set_meta(TRACKS_SEQ, str(min(head[0] if head else 0, applied_seq)))
        unit.on_rollback(lambda _now: self.picture.mark_dirty(rows))
        return len(rows)

    def restore(self) -> None:
        """Fill the picture: the checkpoint, then the batches journalled after it."""
        self.picture.load(self._store.latest_tracks())
        watermark = int(self._store.get_meta(TRACKS_SEQ) or 0)
        for entry in self._store.report_batches_after(watermark):
            self.picture.update(decode_batch(entry))
