"""The hub's journal: genesis and key check, checkpoints on a cadence and on demand,
receipts, refusal to sign a damaged tail, and pages as one party may see them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.cli.common import open_store
from deconfliction.clock import ManualClock
from deconfliction.errors import StoreError
from deconfliction.hub import Hub
from deconfliction.journal.checkpoint import verify_checkpoint
from deconfliction.journal.entries import HUB_KEY_KIND
from deconfliction.journal.export import parse_line
from deconfliction.journal.redact import RedactedEntry
from deconfliction.journal.signing import key_id, public_key_b64
from deconfliction.journal.source import verify_source
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.journal.tamper import delete_from, flip_byte
from tests.scenarios import report


def open_hub(store: Store, clock: ManualClock, key: Ed25519PrivateKey, **settings: float) -> Hub:
    return Hub(Settings(**settings), store, clock=clock, key=key)


def test_a_new_journal_starts_with_the_hub_key(hub: Hub, hub_key: Ed25519PrivateKey) -> None:
    [first] = list(hub._store.journal_entries(0, 1))
    assert first.kind == HUB_KEY_KIND and first.party == "-"
    assert orjson.loads(first.content)["public_key"] == public_key_b64(hub_key)
    assert hub.journal.key_id == key_id(hub_key)


def test_a_restart_with_the_same_key_continues_the_journal(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = open_hub(make_store(), clock, hub_key)
    hub.add_party("blue")
    hub.close()
    again = open_hub(make_store(), clock, hub_key)
    again.add_party("red")
    kinds = [e.kind for e in again._store.journal_entries()]
    assert kinds == ["hub.key", "party.added", "party.added"]
    assert verify_source(again.journal.source()).ok
    again.close()


def test_another_key_is_refused_naming_both(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    open_hub(make_store(), clock, hub_key).close()
    other = Ed25519PrivateKey.generate()
    store = make_store()
    with pytest.raises(StoreError) as raised:
        Hub(Settings(), store, clock=clock, key=other)
    assert key_id(hub_key) in raised.value.message and key_id(other) in raised.value.message
    store.close()


def test_a_journal_without_the_hub_key_first_is_refused(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    from deconfliction.journal.chain import GENESIS_HASH, JournalEntry

    store = make_store()
    with store.transaction() as tx:
        tx.append_journal([JournalEntry.make(GENESIS_HASH, 1, 0.0, "-", "party.added", {})])
    with pytest.raises(StoreError, match=r"starts with a 'party\.added' entry"):
        Hub(Settings(), store, clock=clock, key=hub_key)
    store.close()


def test_checkpoints_follow_the_cadence_only_when_the_head_moved(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = open_hub(make_store(), clock, hub_key, journal_checkpoint_s=60.0)
    hub.add_party("blue")
    clock.advance(59)
    hub.tick()
    assert hub.journal.latest_checkpoint() is None
    clock.advance(1)
    hub.tick()
    first = hub.journal.latest_checkpoint()
    assert first is not None and first.seq == 2
    assert verify_checkpoint(first, hub_key.public_key())
    clock.advance(60)
    hub.tick()  # nothing new: no second signature over the same head
    assert list(hub._store.checkpoints()) == [first]
    hub.submit_reports("blue", [report("a", time=clock.now())])
    clock.advance(60)
    hub.tick()
    assert [c.seq for c in hub._store.checkpoints()] == [2, 3]
    hub.close()


def test_a_checkpoint_on_demand_and_receipts(hub: Hub, clock: ManualClock) -> None:
    hub.add_party("blue")
    result = hub.submit_reports("blue", [report("a")])
    assert result.entry is not None
    before = hub.journal.receipt(result.entry)
    assert (before.seq, before.hash, before.checkpoint) == (3, result.entry.hash, None)
    checkpoint = hub.journal.checkpoint(clock.now())
    assert (checkpoint.seq, checkpoint.hash) == (3, result.entry.hash)
    assert hub.journal.checkpoint(clock.now() + 5) == checkpoint  # the head did not move
    assert hub.journal.receipt(result.entry).checkpoint == checkpoint


def test_closing_signs_the_head(
    make_store: Callable[..., Store], clock: ManualClock, hub_key
) -> None:
    hub = open_hub(make_store(), clock, hub_key)
    hub.add_party("blue")
    hub.close()
    store = make_store()
    assert store.latest_checkpoint().seq == store.journal_head()[0] == 2
    store.close()


def test_no_checkpoint_vouches_for_an_entry_altered_behind_the_hub(
    store_location: Callable[[str], Any], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = open_hub(open_store(store_location("hub")), clock, hub_key)
    hub.add_party("blue")
    hub.journal.checkpoint(clock.now())
    hub.add_party("red")
    hub.add_party("green")
    flip_byte(store_location("hub"), 4)
    with pytest.raises(StoreError, match="refusing to sign a checkpoint: entry 4: altered"):
        hub.journal.checkpoint(clock.now())
    assert hub.journal.latest_checkpoint().seq == 2
    hub.close()  # logs, does not raise


def test_no_checkpoint_after_entries_were_removed_from_the_end(
    store_location: Callable[[str], Any], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = open_hub(open_store(store_location("hub")), clock, hub_key)
    hub.add_party("blue")
    hub.add_party("red")
    hub.journal.checkpoint(clock.now())
    delete_from(store_location("hub"), 3)
    with pytest.raises(StoreError, match="ends at entry 2, but the hub signed a checkpoint at"):
        hub.journal.checkpoint(clock.now())
    hub.close()


def test_a_page_shows_a_party_its_own_entries_and_only_hashes_of_the_rest(
    hub: Hub, clock: ManualClock
) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    hub.submit_reports("blue", [report("b1")])
    hub.submit_reports("red", [report("r1")])
    hub.journal.checkpoint(clock.now())
    lines = list(hub.journal.page("blue", 0, 100).lines())
    header = orjson.loads(lines[0])
    items = [parse_line(line, "test") for line in lines[1:]]
    assert (header["from_seq"], header["to_seq"], header["head_seq"]) == (1, 5, 5)
    assert header["redacted_for"] == "blue"
    assert header["latest_checkpoint"]["seq"] == 5
    shown = [
        "redacted" if isinstance(item, RedactedEntry) else getattr(item, "kind", "checkpoint")
        for item in items
    ]
    assert shown == ["hub.key", "redacted", "redacted", "reports", "redacted", "checkpoint"]


def test_pages_split_the_journal_and_the_admin_reads_it_whole(hub: Hub) -> None:
    for name in ("a", "b", "c", "d"):
        hub.add_party(name)
    first = list(hub.journal.page("a", 0, 2).lines())
    assert orjson.loads(first[0])["to_seq"] == 2 and len(first) == 3
    rest = list(hub.journal.page(None, 2, 10).lines())
    header = orjson.loads(rest[0])
    assert (header["from_seq"], header["to_seq"], header["redacted_for"]) == (3, 5, None)
    assert [orjson.loads(line)["kind"] for line in rest[1:]] == ["party.added"] * 3
    empty = list(hub.journal.page("a", 5, 10).lines())
    assert len(empty) == 1 and orjson.loads(empty[0])["to_seq"] == 5
