"""Keeping one hub process in step with the others that share its database.

Several processes of one hub (``serve`` started N times on one PostgreSQL) each hold the
working sets in memory — the live picture, open alerts, live operations and their index,
unacknowledged messages, zones, the registry — and each writes through the same store,
whose write transactions are serialised. Every change is journalled, so the journal is the
log each process follows:

- **Changes of state** (every entry but report batches): before a process decides anything
  in a write, the write reads, under the store's write lock, the entries committed by the
  others since it last looked (:meth:`Transaction.others_wrote` says whether there can be
  any) and applies them. A decision in a write (a version, a version key, an idempotent
  answer, an acknowledgement) is therefore made on the state every process sees. Between
  writes, :meth:`Hub.follow` applies them every ``follow_every_s`` for reads.
- **Report batches** are not needed to decide a write, so only :meth:`Hub.follow` applies
  them to the live picture (within ``follow_every_s``), outside the write lock.
- **Stream events** of the parties whose clients are connected to this process are read
  from the store and handed to them (:meth:`Streams.follow`).

A process skips its own entries (applied when it committed them). Handlers are registered
by kind prefix; each reads the objects it needs from the store as they are now, so
applying a change twice, or out of order with a later one, is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from deconfliction.journal.chain import JournalEntry

Handler = Callable[[list[JournalEntry]], None]


class Peers:
    """Which journal entries this process has applied, and who applies the others'."""

    def __init__(self, head_seq: int) -> None:
        # Every entry up to each cursor is applied (or was this process's own): non-report
        # entries up to changes_seq, report batches up to reports_seq.
        self.changes_seq = head_seq
        self.reports_seq = head_seq
        self._own: set[int] = set()  # own entries beyond a cursor (others wrote between)
        self._handlers: list[tuple[tuple[str, ...], Handler]] = []

    def on(self, prefixes: tuple[str, ...], handler: Handler) -> None:
        """Apply the others' entries whose kind starts with one of ``prefixes``."""
        self._handlers.append((prefixes, handler))

    def wrote(self, entries: Sequence[JournalEntry]) -> None:
        """This process committed ``entries`` (one write: consecutive seqs)."""
        if not entries:
            return
        first, last = entries[0].seq, entries[-1].seq
        if self.changes_seq == first - 1:
            self.changes_seq = last
        else:
            self._own.update(e.seq for e in entries if e.seq > self.changes_seq)
        if self.reports_seq == first - 1:
            self.reports_seq = last
        else:
            self._own.update(e.seq for e in entries if e.seq > self.reports_seq)

    def apply_changes(self, entries: Iterable[JournalEntry], head_seq: int | None = None) -> int:
        """Apply the others' changes among ``entries`` (non-report entries in seq order;
        call under the hub's lock); ``head_seq``: the journal's head read before them (every
        change up to it is among them), when known. How many were applied."""
        groups: dict[int, list[JournalEntry]] = {}
        last = self.changes_seq
        for entry in entries:
            if entry.seq <= self.changes_seq:
                continue
            last = entry.seq
            if entry.seq in self._own:
                continue
            for number, (prefixes, _) in enumerate(self._handlers):
                if entry.kind.startswith(prefixes):
                    groups.setdefault(number, []).append(entry)
                    break
        for number in sorted(groups):
            self._handlers[number][1](groups[number])
        self.changes_seq = max(last, head_seq or 0)
        self._forget_own()
        return sum(len(found) for found in groups.values())

    def take_reports(self, seqs: Iterable[int], head_seq: int) -> list[int]:
        """Of report batches read after ``reports_seq`` (in seq order), those to apply (not
        applied yet, not this process's own); ``head_seq``: the journal's head read before
        them (every batch up to it was among them). The cursor moves past both (call under
        the hub's lock)."""
        wanted = []
        for seq in seqs:
            if seq <= self.reports_seq:
                continue
            if seq not in self._own:
                wanted.append(seq)
            self.reports_seq = seq
        self.reports_seq = max(self.reports_seq, head_seq)
        self._forget_own()
        return wanted

    def _forget_own(self) -> None:
        if self._own:
            floor = min(self.changes_seq, self.reports_seq)
            self._own = {seq for seq in self._own if seq > floor}
