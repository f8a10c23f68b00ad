"""Verification of a journal: the chain, the checkpoints, the hub's key, parties' signatures.

:func:`verify_chain` reads entries and checkpoints once, in ``seq`` order, holding only the
current entry and the next one (a million entries need no more memory than ten). It stops at
the first problem and names it in a :class:`Finding`: the entry where it starts, what is
wrong in plain language, and a :class:`Problem` kind:

- ``altered``: an entry's hash does not recompute from its fields, or the chain no longer
  matches a checkpoint the hub signed (an entry altered and the chain rehashed after it);
- ``removed``: a ``seq`` is missing, or the journal ends before a signed checkpoint;
- ``inserted``: a ``seq`` appears twice, or an entry sits between two that were chained
  directly to each other;
- ``reordered``: ``seq`` goes backwards, or an entry comes before the one it should follow;
- ``key_replaced``: a checkpoint is signed by another key than the journal's, the genesis key
  differs from the key the reviewer trusts, or a later entry announces another hub key;
- ``bad_checkpoint``: a checkpoint's signature fails although it names the journal's key;
- ``bad_party_signature``: a party's signature carried by an entry does not verify;
- ``malformed``: an entry the verifier must read (genesis, key entries) is not readable.

Redacted entries (:class:`~deconfliction.journal.redact.RedactedEntry`) are checked for
``seq`` continuity and links only: their hash cannot be recomputed, but it must be the one
the next entry (and any checkpoint at its ``seq``) records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.checkpoint import Checkpoint, verify_checkpoint
from deconfliction.journal.entries import (
    HUB_KEY_KIND,
    PARTY_KEY_KIND,
    key_in_entry,
    party_signature_in,
)
from deconfliction.journal.redact import AnyEntry, RedactedEntry
from deconfliction.journal.signing import (
    key_id,
    parse_public_key,
    public_key_b64,
    submission_signature_valid,
)

T = TypeVar("T")


class Problem(StrEnum):
    """What kind of tampering (or damage) a finding reports."""

    ALTERED = "altered"
    REMOVED = "removed"
    INSERTED = "inserted"
    REORDERED = "reordered"
    KEY_REPLACED = "key_replaced"
    BAD_CHECKPOINT = "bad_checkpoint"
    BAD_PARTY_SIGNATURE = "bad_party_signature"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Finding:
    """The first problem: it lies in entries ``seq`` to ``through_seq`` (often the same)."""

    seq: int
    problem: Problem
    message: str
    through_seq: int

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem.value}: {self.message}"


@dataclass(frozen=True)
class VerificationReport:
    """What :func:`verify_chain` checked, and the first problem if there is one."""

    finding: Finding | None
    entries: int  # entries read, full and redacted
    redacted: int
    checkpoints: int  # checkpoints whose signature and hash were checked
    party_signatures: int  # party signatures that verified
    unchecked_signatures: int  # signed entries whose party key is not known to the verifier
    first_seq: int | None
    last_seq: int | None
    head_hash: str | None
    hub_key: str | None  # base64 of the key checkpoints were checked with

    @property
    def ok(self) -> bool:
        return self.finding is None

    def summary(self) -> str:
        """One plain-language line for people."""
        if self.finding is not None:
            return f"FAILED at {self.finding}"
        span = "no entries" if self.first_seq is None else f"seq {self.first_seq}–{self.last_seq}"
        return (
            f"OK: {self.entries} entries ({span}, {self.redacted} redacted), "
            f"{self.checkpoints} checkpoints, {self.party_signatures} party signatures"
            + (f", {self.unchecked_signatures} unchecked" if self.unchecked_signatures else "")
        )


class _Peekable(Generic[T]):
    """An iterator that can show its next item without consuming it."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items: Iterator[T] = iter(items)
        self._next: list[T] = []

    def peek(self) -> T | None:
        if not self._next:
            try:
                self._next.append(next(self._items))
            except StopIteration:
                return None
        return self._next[0]

    def pop(self) -> T | None:
        item = self.peek()
        self._next.clear()
        return item


class _Failed(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding


def _fail(seq: int, problem: Problem, message: str, through_seq: int | None = None) -> _Failed:
    return _Failed(Finding(seq, problem, message, seq if through_seq is None else through_seq))


class _Verifier:
    """The state of one streaming verification (a helper of :func:`verify_chain`)."""

    def __init__(
        self,
        checkpoints: Iterable[Checkpoint],
        public_key: Ed25519PublicKey | None,
        party_keys: Mapping[str, Ed25519PublicKey],
        first_seq: int | None,
        prev_hash: str | None,
    ) -> None:
        self.checkpoints = _Peekable(checkpoints)
        self.trusted_key = public_key
        self.hub_key = public_key
        self.given_party_keys = party_keys
        self.journal_party_keys: dict[str, Ed25519PublicKey] = {}
        self.expected_seq = first_seq
        if prev_hash is None and first_seq == 1:
            prev_hash = GENESIS_HASH
        self.link = prev_hash  # the hash the next entry must chain to, if known
        self.link_before: str | None = None  # the hash before that, to recognise insertions
        self.prev_seq: int | None = None
        self.last_checkpoint_seq = 0
        self.entries = self.redacted = self.checked_checkpoints = 0
        self.signatures = self.unchecked = 0
        self.first_seq: int | None = None

    def entry(self, entry: AnyEntry, following: AnyEntry | None) -> None:
        full = isinstance(entry, JournalEntry)
        if self.first_seq is None:
            self.first_seq = entry.seq
            if entry.seq == 1 and self.link is None:
                self.link = GENESIS_HASH
        expected = entry.seq if self.expected_seq is None else self.expected_seq
        if isinstance(entry, JournalEntry) and entry.recomputed_hash() != entry.hash:
            self._unrecomputable(entry, expected)
        self._sequence(entry, expected, following)
        self._linked(entry)
        if isinstance(entry, JournalEntry):
            self._meaning(entry)
        self._checkpoints_through(entry)
        self.entries += 1
        self.redacted += not full
        self.link_before, self.link = self.link, entry.hash
        self.prev_seq, self.expected_seq = entry.seq, entry.seq + 1

    def _unrecomputable(self, entry: JournalEntry, expected: int) -> None:
        if self.prev_seq is not None and entry.prev_hash == self.link_before != self.link:
            raise _fail(
                self.prev_seq,
                Problem.INSERTED,
                f"entry {self.prev_seq} was inserted: the entry after it is chained directly "
                f"to entry {self.prev_seq - 1} (and its own hash no longer recomputes)",
            )
        claimed = "" if entry.seq == expected else f" (it now says seq {entry.seq})"
        raise _fail(
            expected,
            Problem.ALTERED,
            f"entry {expected}{claimed} was altered: its hash does not recompute from its "
            "seq, time, party, kind, content and prev_hash",
        )

    def _sequence(self, entry: AnyEntry, expected: int, following: AnyEntry | None) -> None:
        if entry.seq == expected:
            return
        if entry.seq < expected:
            if entry.seq == self.prev_seq:
                raise _fail(
                    entry.seq,
                    Problem.INSERTED,
                    f"seq {entry.seq} appears twice: an entry was inserted next to entry "
                    f"{entry.seq}",
                )
            raise _fail(
                entry.seq,
                Problem.REORDERED,
                f"entry {entry.seq} comes after entry {self.prev_seq}: entries were reordered",
            )
        if following is not None and following.seq < entry.seq:  # it jumped the queue
            raise _fail(
                expected,
                Problem.REORDERED,
                f"entry {entry.seq} comes where entry {expected} belongs: entries were reordered",
                through_seq=entry.seq,
            )
        missing = (
            f"entry {expected} is"
            if entry.seq == expected + 1
            else (f"entries {expected}–{entry.seq - 1} are")
        )
        after = "at the start" if self.prev_seq is None else f"after entry {self.prev_seq}"
        raise _fail(
            expected,
            Problem.REMOVED,
            f"{missing} missing: {after} comes entry {entry.seq}",
            through_seq=entry.seq - 1,
        )

    def _linked(self, entry: AnyEntry) -> None:
        if self.link is None or entry.prev_hash == self.link:
            return
        if self.prev_seq is None:
            raise _fail(
                entry.seq,
                Problem.ALTERED,
                f"entry {entry.seq} is not chained to the hash expected before it "
                f"({self.link[:16]}…): it was replaced, or the journal before it differs",
            )
        if entry.prev_hash == self.link_before:
            raise _fail(
                self.prev_seq,
                Problem.INSERTED,
                f"entry {self.prev_seq} was inserted: entry {entry.seq} is chained directly to "
                f"entry {self.prev_seq - 1}",
            )
        raise _fail(
            self.prev_seq,
            Problem.ALTERED,
            f"entry {entry.seq} is not chained to entry {self.prev_seq} as it stands: entry "
            f"{self.prev_seq} was altered and its hash recomputed, or entry {entry.seq} was "
            "replaced",
            through_seq=entry.seq,
        )

    def _meaning(self, entry: JournalEntry) -> None:
        if entry.seq == 1:
            self._genesis(entry)
        elif entry.kind == HUB_KEY_KIND:
            raise _fail(
                entry.seq,
                Problem.KEY_REPLACED,
                f"entry {entry.seq} announces another hub key; a journal has one key, "
                "recorded in entry 1",
            )
        elif entry.kind == PARTY_KEY_KIND:
            text = self._read_key(entry)
            if text is None:
                self.journal_party_keys.pop(entry.party, None)
            else:
                self.journal_party_keys[entry.party] = self._parse_key(entry, text)
        try:
            carried = party_signature_in(entry)
        except InvalidInput as error:
            raise _fail(entry.seq, Problem.BAD_PARTY_SIGNATURE, error.message) from None
        if carried is None:
            return
        key = self.given_party_keys.get(entry.party) or self.journal_party_keys.get(entry.party)
        if key is None:
            self.unchecked += 1
            return
        if not submission_signature_valid(
            key, entry.party, carried.method, carried.path, carried.body, carried.signature
        ):
            raise _fail(
                entry.seq,
                Problem.BAD_PARTY_SIGNATURE,
                f"the signature of party {entry.party!r} carried by entry {entry.seq} does not "
                f"verify with its key {key_id(key)}: the signed request was altered or forged",
            )
        self.signatures += 1

    def _genesis(self, entry: JournalEntry) -> None:
        if entry.kind != HUB_KEY_KIND:
            raise _fail(
                1,
                Problem.MALFORMED,
                f"entry 1 has kind {entry.kind!r}; a journal starts with the hub's key "
                f"(kind {HUB_KEY_KIND!r})",
            )
        text = self._read_key(entry)
        if text is None:
            raise _fail(1, Problem.MALFORMED, "entry 1 records no hub key")
        key = self._parse_key(entry, text)
        if self.trusted_key is not None and public_key_b64(self.trusted_key) != text:
            raise _fail(
                1,
                Problem.KEY_REPLACED,
                f"entry 1 records hub key {key_id(key)}, not the expected hub key "
                f"{key_id(self.trusted_key)}: the hub key was replaced",
            )
        self.hub_key = key

    def _read_key(self, entry: JournalEntry) -> str | None:
        try:
            return key_in_entry(entry)
        except InvalidInput as error:
            raise _fail(entry.seq, Problem.MALFORMED, error.message) from None

    def _parse_key(self, entry: JournalEntry, text: str) -> Ed25519PublicKey:
        try:
            return parse_public_key(text, f"entry {entry.seq} ({entry.kind})")
        except InvalidInput as error:
            raise _fail(entry.seq, Problem.MALFORMED, error.message) from None

    def _checkpoints_through(self, entry: AnyEntry) -> None:
        while (checkpoint := self.checkpoints.peek()) is not None and checkpoint.seq <= entry.seq:
            self.checkpoints.pop()
            self._signed(checkpoint)
            if checkpoint.seq == entry.seq:
                self._matches(checkpoint, entry)
            elif self.prev_seq is not None:
                raise _fail(
                    checkpoint.seq,
                    Problem.BAD_CHECKPOINT,
                    f"the checkpoint at seq {checkpoint.seq} comes after entry {self.prev_seq}: "
                    "checkpoints must be in seq order (the export was rearranged)",
                )
            elif checkpoint.seq == entry.seq - 1 and checkpoint.hash != entry.prev_hash:
                raise _fail(
                    entry.seq,
                    Problem.ALTERED,
                    f"entry {entry.seq} is not chained to the hash the hub signed for entry "
                    f"{checkpoint.seq}: it was replaced, or the journal before it differs",
                )

    def finish(self) -> None:
        while (checkpoint := self.checkpoints.pop()) is not None:
            self._signed(checkpoint)
            if self.prev_seq is not None and checkpoint.seq <= self.prev_seq:
                raise _fail(
                    checkpoint.seq,
                    Problem.BAD_CHECKPOINT,
                    f"the checkpoint at seq {checkpoint.seq} comes after the last entry: "
                    "checkpoints must be in seq order (the export was rearranged)",
                )
            last = self.prev_seq or 0
            if self.prev_seq is not None or self.expected_seq == 1:
                raise _fail(
                    last + 1,
                    Problem.REMOVED,
                    f"the journal ends at entry {last}, but the hub signed a checkpoint at seq "
                    f"{checkpoint.seq}: entries {last + 1}–{checkpoint.seq} were removed",
                    through_seq=checkpoint.seq,
                )
        if self.prev_seq is None and self.expected_seq == 1:
            raise _fail(
                1, Problem.REMOVED, "the journal is empty: entry 1 (the hub key) is missing"
            )

    def _signed(self, checkpoint: Checkpoint) -> None:
        key = self.hub_key
        if key is None:
            raise _fail(
                checkpoint.seq,
                Problem.MALFORMED,
                f"cannot check the checkpoint at seq {checkpoint.seq}: no hub key is known "
                "(entry 1 is not in this export; give the hub's public key)",
            )
        if verify_checkpoint(checkpoint, key):
            self.checked_checkpoints += 1
            return
        if checkpoint.key_id != key_id(key):
            raise _fail(
                checkpoint.seq,
                Problem.KEY_REPLACED,
                f"the checkpoint at seq {checkpoint.seq} is signed by key {checkpoint.key_id}, "
                f"not the journal's key {key_id(key)}: the hub key was replaced",
            )
        raise _fail(
            checkpoint.seq,
            Problem.BAD_CHECKPOINT,
            f"the signature of the checkpoint at seq {checkpoint.seq} does not verify with the "
            f"journal's key {key_id(key)}: the checkpoint was altered",
        )

    def _matches(self, checkpoint: Checkpoint, entry: AnyEntry) -> None:
        if checkpoint.hash == entry.hash:
            self.last_checkpoint_seq = checkpoint.seq
            return
        if isinstance(entry, RedactedEntry):  # its hash was never recomputed: suspect it first
            raise _fail(
                entry.seq,
                Problem.ALTERED,
                f"entry {entry.seq} (redacted) does not have the hash the hub signed for it at "
                f"{checkpoint.time}: it was altered",
            )
        start = max(self.last_checkpoint_seq + 1, self.first_seq or 1)
        raise _fail(
            start,
            Problem.ALTERED,
            f"the chain's hash at seq {checkpoint.seq} is not the one the hub signed at "
            f"{checkpoint.time}: an entry from {start} to {checkpoint.seq} was altered, "
            "inserted or removed and the chain rehashed after it",
            through_seq=checkpoint.seq,
        )


def verify_chain(
    entries: Iterable[JournalEntry | RedactedEntry],
    checkpoints: Iterable[Checkpoint],
    *,
    public_key: Ed25519PublicKey | None = None,
    party_keys: Mapping[str, Ed25519PublicKey] | None = None,
    first_seq: int | None = 1,
    prev_hash: str | None = None,
) -> VerificationReport:
    """Check a journal (or a contiguous part of one) and name the first problem.

    ``entries`` and ``checkpoints`` must each be in ``seq`` order; they are read once.
    ``public_key`` is the hub key the reviewer trusts (obtained out of band); without it the
    key recorded in entry 1 is used. For an export that does not start at entry 1,
    ``first_seq`` is its first ``seq`` (``None``: whatever the first entry says) and
    ``public_key`` is required to check checkpoints; ``prev_hash``, if known, is the hash
    the first entry must chain to. ``party_keys`` take precedence over keys registered in the
    journal (``party.key`` entries); a signed entry whose party has neither is counted as
    unchecked, not as a failure.
    """
    verifier = _Verifier(checkpoints, public_key, party_keys or {}, first_seq, prev_hash)
    stream = _Peekable(entries)
    try:
        while (entry := stream.pop()) is not None:
            verifier.entry(entry, stream.peek())
        verifier.finish()
        finding = None
    except _Failed as failed:
        finding = failed.finding
    return VerificationReport(
        finding=finding,
        entries=verifier.entries,
        redacted=verifier.redacted,
        checkpoints=verifier.checked_checkpoints,
        party_signatures=verifier.signatures,
        unchecked_signatures=verifier.unchecked,
        first_seq=verifier.first_seq,
        last_seq=verifier.prev_seq,
        head_hash=verifier.link if verifier.prev_seq is not None else None,
        hub_key=None if verifier.hub_key is None else public_key_b64(verifier.hub_key),
    )
