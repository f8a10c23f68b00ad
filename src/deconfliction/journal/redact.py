"""The view of the journal one party is entitled to.

A party reads in full the entries it submitted or that were addressed to it (the entry's
``party`` is that party) and the entries of :data:`~deconfliction.journal.entries.PUBLIC_KINDS`
(the hub's and parties' keys). Every other entry is shipped as a :class:`RedactedEntry`:
its ``seq``, ``time``, ``prev_hash`` and ``hash`` only, so the chain still links and every
checkpoint can still be checked, without revealing who did what.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.entries import PUBLIC_KINDS


@dataclass(frozen=True)
class RedactedEntry:
    """An entry the reader may not see: enough to link the chain, nothing more."""

    seq: int
    time: str
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "redacted": True,
        }


AnyEntry = JournalEntry | RedactedEntry


def redact(entry: JournalEntry) -> RedactedEntry:
    """The entry with everything but its place in the chain removed."""
    return RedactedEntry(entry.seq, entry.time, entry.prev_hash, entry.hash)


def entitled(entry: JournalEntry, party: str) -> bool:
    """Whether ``party`` may read ``entry`` in full."""
    return entry.party == party or entry.kind in PUBLIC_KINDS


def view_for(entries: Iterable[JournalEntry], party: str) -> Iterator[AnyEntry]:
    """The entries as ``party`` may see them, in order (lazy)."""
    for entry in entries:
        yield entry if entitled(entry, party) else redact(entry)
