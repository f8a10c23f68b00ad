"""The hub's side of the journal: its key, the genesis entry, signed checkpoints, receipts,
and the journal read back from the store (whole, or as one party may see it).

The key is given to the hub (the CLI keeps it in a file next to the database). On a new
journal the first entry records its public key (``hub.key``); on an existing one the key
given must be that one, or the hub refuses to start. Checkpoints of the head are signed on
a cadence (``journal_checkpoint_s``, from :meth:`HubJournal.tick`), on demand, and when the
hub closes; never twice for the same head. Before signing, the hub checks the entries
since the last checkpoint (they must chain to it and their hashes recompute), so that a
checkpoint never vouches for entries altered in the database behind the hub's back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deconfliction.errors import InvalidInput, StoreError
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint, Receipt, sign_checkpoint
from deconfliction.journal.entries import HUB_KEY_KIND, genesis_entry, key_in_entry
from deconfliction.journal.export import ExportHeader, entry_json
from deconfliction.journal.redact import AnyEntry, view_for
from deconfliction.journal.signing import (
    key_id,
    load_hub_key,
    load_or_create_hub_key,
    parse_public_key,
    public_key_b64,
)
from deconfliction.journal.verify import verify_chain
from deconfliction.model.codec import dump
from deconfliction.store import Store

log = logging.getLogger(__name__)

ARCHIVED_SEQ = "journal_archived_seq"  # meta: the last entry archived to files (hub.archive)
HUB_KEY = "hub_public_key"  # meta: the hub key, kept once entry 1 is archived


def archived_seq(store: Store) -> int:
    """The last entry archived to files (0: none); the database holds the journal from it."""
    return int(store.get_meta(ARCHIVED_SEQ) or 0)


def genesis_key(store: Store) -> str | None:
    """The hub key (base64) entry 1 of the store's journal records; None if it is empty.

    Raise :class:`StoreError` if entry 1 is not a readable ``hub.key`` entry.
    """
    first = next(iter(store.journal_entries(0, 1)), None)
    if first is None:
        # Entry 1 archived (hub.archive), or an empty journal.
        return store.get_meta(HUB_KEY) if archived_seq(store) else None
    if first.kind != HUB_KEY_KIND:
        raise StoreError(
            f"the journal in this database starts with a {first.kind!r} entry, not the hub's "
            "key: it was written before journals were signed and cannot be continued; start "
            "the hub on a new database"
        )
    try:
        key = key_in_entry(first)
    except InvalidInput as error:
        raise StoreError(f"the journal's first entry is damaged: {error.message}") from None
    if key is None:
        raise StoreError("the journal's first entry records no hub key: the journal is damaged")
    return key


def unpruned(
    store: Store, entries: Iterable[JournalEntry], from_seq: int
) -> Iterator[JournalEntry]:
    """``entries`` (read from ``from_seq`` on), stopping with :class:`StoreError` where
    archiving deleted entries while they were being read (entries are read a page at a time):
    a gap the archive mark has moved past is not a removal to report as tampering."""
    expected = from_seq
    for entry in entries:
        if entry.seq > expected and archived_seq(store) >= expected:
            raise StoreError(
                f"the journal was archived up to entry {archived_seq(store)} while it was "
                f"being read (at entry {expected}): read it again, or with the archive"
            )
        expected = entry.seq + 1
        yield entry


class StoreJournalSource:
    """The journal in a store as a :class:`~deconfliction.journal.source.JournalSource`.

    ``hub_public_key`` is the key (base64) the reader trusts, e.g. from the key file next to
    the database; without it the key entry 1 records is used.
    """

    def __init__(self, store: Store, hub_public_key: str | None = None) -> None:
        self._store = store
        self._key = hub_public_key

    @property
    def hub_public_key(self) -> str | None:
        if self._key is None:
            self._key = genesis_key(self._store)
        return self._key

    @property
    def first_seq(self) -> int:
        """1, or the last archived entry once older ones were archived and pruned (the
        database keeps that one, and the checkpoint that signs it)."""
        return max(1, archived_seq(self._store))

    def entries(self, from_seq: int, to_seq: int | None) -> Iterator[JournalEntry]:
        return unpruned(self._store, self._store.journal_entries(from_seq - 1, to_seq), from_seq)

    def checkpoints(self, from_seq: int, to_seq: int | None) -> Iterator[Checkpoint]:
        return self._store.checkpoints(from_seq, to_seq)


class HubJournal:
    """The hub's key and checkpoints over the journal in ``store``."""

    def __init__(
        self, store: Store, key: Ed25519PrivateKey, *, checkpoint_every_s: float = 60.0
    ) -> None:
        self._store = store
        self._key = key
        self.public_key: Ed25519PublicKey = key.public_key()
        self.public_key_b64 = public_key_b64(key)
        self.key_id = key_id(key)
        self.checkpoint_every_s = checkpoint_every_s
        self._next_checkpoint_s: float | None = None

    # -- start -------------------------------------------------------------------------

    def open(self, now_s: float) -> None:
        """Start a new journal with the genesis entry, or check that an existing one was
        started with this hub's key; raise :class:`StoreError` naming both keys if not."""
        with self._store.transaction() as tx:
            if tx.journal_head() is None:
                tx.append_journal([genesis_entry(self._key, now_s)])
        recorded = genesis_key(self._store)
        if recorded != self.public_key_b64:
            other = key_id(parse_public_key(recorded or "", "the journal's hub key"))
            raise StoreError(
                f"the journal in this database was started with hub key {other}, but this hub "
                f"was given key {self.key_id}; start it with the key file the journal was "
                "created with (by default the .key file next to the database)"
            )
        self._next_checkpoint_s = now_s + self.checkpoint_every_s

    # -- checkpoints -------------------------------------------------------------------

    def latest_checkpoint(self) -> Checkpoint | None:
        return self._store.latest_checkpoint()

    def checkpoint(self, now_s: float) -> Checkpoint:
        """Sign the head now, unless the latest checkpoint already covers it; the checkpoint.

        Raise :class:`StoreError` (and sign nothing) if the entries since the last
        checkpoint do not chain to it. They are checked before the write transaction, so
        that writers are not held up while a minute of entries is hashed.
        """
        head = self._store.journal_head()
        latest = self._store.latest_checkpoint()
        if head is None:
            raise StoreError("the journal is empty: the hub has not started on it yet")
        if latest is not None and (latest.seq, latest.hash) == head:
            return latest
        if latest is not None and latest.seq > head[0]:
            raise StoreError(
                f"refusing to sign a checkpoint: the journal ends at entry {head[0]}, but the hub "
                f"signed a checkpoint at entry {latest.seq}: entries were removed; run "
                "'deconfliction journal verify --db …'"
            )
        start = 1 if latest is None else latest.seq
        self._check_unsigned(self._store.journal_entries(start - 1, head[0]), latest, start)
        with self._store.transaction() as tx:
            newest = tx.latest_checkpoint()
            if newest is not None and newest.seq >= head[0]:
                return newest  # another process signed meanwhile
            if newest != latest:
                raise StoreError(
                    "refusing to sign a checkpoint: the checkpoints changed while the journal "
                    "was being checked; try again"
                )
            current = next(iter(tx.journal_entries_from(head[0])), None)
            if current is None or current.hash != head[1]:
                raise StoreError(
                    f"refusing to sign a checkpoint: entry {head[0]} changed while the journal "
                    "was being checked; run 'deconfliction journal verify --db …'"
                )
            checkpoint = sign_checkpoint(self._key, head[0], head[1], now_s)
            tx.append_checkpoint(checkpoint)
        return checkpoint

    def _check_unsigned(
        self, entries: Iterable[JournalEntry], latest: Checkpoint | None, start: int
    ) -> None:
        report = verify_chain(
            entries, [] if latest is None else [latest], public_key=self.public_key, first_seq=start
        )
        if report.finding is not None:
            raise StoreError(
                f"refusing to sign a checkpoint: {report.finding}; run "
                "'deconfliction journal verify --db …' to see what happened to the journal"
            )

    def tick(self, now_s: float) -> Checkpoint | None:
        """Sign the head if a checkpoint is due and the head moved; the new checkpoint."""
        if self._next_checkpoint_s is None or now_s < self._next_checkpoint_s:
            return None
        self._next_checkpoint_s = now_s + self.checkpoint_every_s
        before = self.latest_checkpoint()
        checkpoint = self.checkpoint(now_s)
        return None if checkpoint == before else checkpoint

    def close(self, now_s: float) -> None:
        """Sign the head as the hub stops (so that entries removed from the end show); a
        journal that cannot be signed is logged, not raised, so the hub still closes."""
        try:
            self.checkpoint(now_s)
        except StoreError as error:
            log.error("journal: %s", error.message)

    # -- receipts and reading ----------------------------------------------------------

    def receipt(self, entry: JournalEntry) -> Receipt:
        """The receipt of ``entry``: its seq and hash, and the latest signed checkpoint
        (which may precede it; ``POST /v1/journal/checkpoints`` gets one that covers it)."""
        return Receipt(entry.seq, entry.hash, self.latest_checkpoint())

    def source(self) -> StoreJournalSource:
        return StoreJournalSource(self._store, self.public_key_b64)

    def page(self, party: str | None, after_seq: int, limit: int) -> JournalPage:
        """Entries ``after_seq + 1`` … ``after_seq + limit`` as ``party`` may see them
        (``None``: in full, for the admin), with the checkpoints among them."""
        head = self._store.journal_head()
        head_seq = 0 if head is None else head[0]
        online = archived_seq(self._store)  # the entries before it are archived to files
        after_seq = max(after_seq, online - 1)
        last = min(after_seq + limit, head_seq)
        return JournalPage(
            party=party,
            after_seq=after_seq,
            last_seq=last,
            head_seq=head_seq,
            hub_public_key=self.public_key_b64,
            latest_checkpoint=self.latest_checkpoint(),
            _store=self._store,
        )


class JournalPage:
    """One page of the journal as one party may see it, written as an export (JSON lines).

    The lines are an export of entries ``after_seq + 1`` … ``last_seq`` (see
    :mod:`deconfliction.journal.export`): the header, which also names ``head_seq`` and the
    ``latest_checkpoint`` (fields a verifier ignores), then the entries, each checkpoint
    right after the entry at its seq. It is read from the store as it is iterated.
    """

    def __init__(
        self,
        *,
        party: str | None,
        after_seq: int,
        last_seq: int,
        head_seq: int,
        hub_public_key: str,
        latest_checkpoint: Checkpoint | None,
        _store: Store,
    ) -> None:
        self.party = party
        self.after_seq = after_seq
        self.last_seq = last_seq
        self.head_seq = head_seq
        self.hub_public_key = hub_public_key
        self.latest_checkpoint = latest_checkpoint
        self._store = _store

    def header(self) -> dict[str, object]:
        header = ExportHeader(
            self.hub_public_key, self.after_seq + 1, self.last_seq, self.party
        ).to_json()
        header["head_seq"] = self.head_seq
        header["latest_checkpoint"] = (
            None if self.latest_checkpoint is None else dump(self.latest_checkpoint)
        )
        return header

    def entries(self) -> Iterable[AnyEntry]:
        if self.last_seq <= self.after_seq:
            return iter(())
        full = unpruned(
            self._store,
            self._store.journal_entries(self.after_seq, self.last_seq),
            self.after_seq + 1,
        )
        return full if self.party is None else view_for(full, self.party)

    def lines(self) -> Iterator[bytes]:
        """The page as JSON lines (each ending in a newline)."""
        yield orjson.dumps(self.header()) + b"\n"
        if self.last_seq <= self.after_seq:
            return
        pending = iter(self._store.checkpoints(self.after_seq + 1, self.last_seq))
        waiting = next(pending, None)
        for entry in self.entries():
            yield orjson.dumps(entry_json(entry)) + b"\n"
            while waiting is not None and waiting.seq <= entry.seq:
                yield orjson.dumps({"type": "checkpoint", **dump(waiting)}) + b"\n"
                waiting = next(pending, None)


# -- the key file next to the database ------------------------------------------------


def key_path_for(db_path: Path) -> Path:
    """Where the hub's key is kept by default: ``deconfliction.db`` → ``deconfliction.key``."""
    return db_path.with_suffix(".key")


def hub_key_for(store: Store, key_path: Path) -> Ed25519PrivateKey:
    """The hub's key from ``key_path``; created there only if the journal is new (a missing
    key file for an existing journal is an error, not a reason to make another key)."""
    if key_path.exists():
        return load_hub_key(key_path)
    recorded = genesis_key(store)
    if recorded is not None:
        expected = key_id(parse_public_key(recorded, "the journal's hub key"))
        raise StoreError(
            f"the hub key file {key_path} is missing, but the journal in this database was "
            f"started with hub key {expected}: put that key file back (or name it with --key)"
        )
    key, _ = load_or_create_hub_key(key_path)
    return key
