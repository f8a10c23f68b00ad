"""Ingest of reports into the store and the live picture, and what each party may read of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deconfliction.hub.parties import Parties
from deconfliction.hub.picture import LivePicture
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry
from deconfliction.model import REPORT_COLUMNS, Rejection, Report, ReportBatch
from deconfliction.store import Store
from deconfliction.units import format_time


@dataclass(frozen=True)
class IngestResult:
    """What became of a batch: stored, already stored before, or rejected (and why)."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]
    entry: JournalEntry | None  # the journal entry recording the stored reports

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.to_json() for r in self.rejected],
        }


def _split_duplicates(
    batch: ReportBatch, latest: np.ndarray, store: Store
) -> tuple[list[int], int]:
    """Indices of the reports in ``batch`` not stored yet, and how many were duplicates.

    A report newer than its track's latest is new for sure; only older ones (late or
    repeated) are looked up in the store. Repeats inside the batch count as duplicates.
    """
    seen: set[tuple[str, float]] = set()
    fresh: list[int] = []
    maybe: list[int] = []
    duplicates = 0
    times = batch.time_s.tolist()
    for i, (track, time_s) in enumerate(zip(batch.track, times, strict=True)):
        key = (track, time_s)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        (fresh if time_s > latest[i] else maybe).append(i)
    if maybe:
        stored = store.existing_reports(batch.party, ((batch.track[i], times[i]) for i in maybe))
        for i in maybe:
            if (batch.track[i], times[i]) in stored:
                duplicates += 1
            else:
                fresh.append(i)
        fresh.sort()
    return fresh, duplicates


def _latest_per_track(batch: ReportBatch) -> ReportBatch:
    newest: dict[str, int] = {}
    times = batch.time_s
    for i, track in enumerate(batch.track):
        j = newest.get(track)
        if j is None or times[i] > times[j]:
            newest[track] = i
    return batch.take(sorted(newest.values()))


def journal_content(batch: ReportBatch) -> dict[str, Any]:
    """How a batch of reports is recorded in the journal (columns named once)."""
    return {"columns": list(REPORT_COLUMNS), "rows": [list(row) for row in batch.rows()]}


class Tracks:
    """Reports in, the live picture out."""

    def __init__(self, store: Store, parties: Parties, picture: LivePicture) -> None:
        self._store = store
        self._parties = parties
        self.picture = picture

    def ingest(
        self, unit: WriteUnit, batch: ReportBatch, rejected: list[Rejection]
    ) -> IngestResult:
        """Store the new reports of a validated batch (inside ``unit``)."""
        fresh, duplicates = _split_duplicates(batch, self.picture.latest_times(batch), self._store)
        if not fresh:
            return IngestResult(0, duplicates, rejected, None)
        new = batch if len(fresh) == len(batch) else batch.take(fresh)
        unit.tx.insert_reports(new)
        unit.tx.upsert_tracks(_latest_per_track(new))
        entry = unit.journal(batch.party, "reports", journal_content(new))
        unit.emit(
            batch.party,
            "reports.accepted",
            {
                "count": len(new),
                "tracks": len(set(new.track)),
                "first_time": format_time(float(new.time_s.min())),
                "last_time": format_time(float(new.time_s.max())),
                "journal_seq": entry.seq,
            },
        )
        unit.after_commit(lambda: self.picture.update(new))
        return IngestResult(len(new), duplicates, rejected, entry)

    def visible_to(self, viewer: str) -> list[Report]:
        """The latest report of every track ``viewer`` may see: its own, and those of parties
        that agreed to share their picture with it."""
        owners = [
            p.name for p in self._parties.all() if self._parties.shares_tracks(viewer, p.name)
        ]
        if viewer not in owners:
            owners.append(viewer)
        return sorted(self.picture.reports_of(owners), key=lambda r: (r.party, r.track))
