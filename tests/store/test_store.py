"""The Store protocol on both stores (each test runs on SQLite and on PostgreSQL)."""

from collections.abc import Callable

import pytest

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.model import Agreement, Party, validate_reports
from deconfliction.store import Event, Store, StoredObject
from tests.scenarios import T0, report


def batch(*items: dict) -> object:
    b, rejected = validate_reports("blue", list(items), now_s=T0, future_tolerance_s=60)
    assert not rejected
    return b


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    committed = []

    def failing_write() -> None:
        with store.transaction() as tx:
            tx.put_party(Party("blue", T0))
            tx.on_commit(lambda: committed.append(True))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_write()
    assert store.get_party("blue") is None
    assert committed == []


def test_report_batches_are_journal_entries_found_by_party_and_time(store: Store) -> None:
    entries = []
    previous = GENESIS_HASH
    for seq, (party, t) in enumerate([("blue", T0), ("red", T0), ("blue", T0 + 60)], start=1):
        entry = JournalEntry.make(previous, seq, t, party, "reports", {"n": seq})
        entries.append(entry)
        previous = entry.hash
        with store.transaction() as tx:
            tx.append_journal([entry])
            tx.index_report_batch(seq, party, t - 5, t, 1)
    assert [e.seq for e in store.report_batches(T0 - 1, T0 + 1)] == [1, 2]
    assert [e.seq for e in store.report_batches(T0 - 100, T0 + 100, party="blue")] == [1, 3]
    assert [e.seq for e in store.report_batches(T0 + 56, T0 + 57)] == [3]
    assert list(store.report_batches_after(1)) == entries[1:]


def test_tracks_checkpoint_keeps_the_latest(store: Store) -> None:
    with store.transaction() as tx:
        tx.upsert_tracks(batch(report("a", time=T0)))
    with store.transaction() as tx:
        tx.upsert_tracks(batch(report("a", time=T0 - 5, lat=1.0)))  # older: ignored
    [track] = store.latest_tracks()
    assert (track.time_s, track.lat) == (T0, 48.85)


def test_objects_events_agreements_and_journal(store: Store) -> None:
    entry = JournalEntry.make(GENESIS_HASH, 1, T0, "blue", "test", {"x": 1})
    with store.transaction() as tx:
        tx.put_object(StoredObject("zone", "z1", "blue", 1, "active", T0, {"name": "hq"}))
        assert tx.next_event_seq("blue") == 1
        tx.append_events([Event("blue", 1, T0, "k", {"a": 1}), Event("blue", 2, T0, "k", {})])
        tx.put_agreement(Agreement("red", "blue", share_tracks=True))
        tx.append_journal([entry])
        assert tx.journal_head() == (1, entry.hash)
    assert store.get_object("zone", "z1").doc == {"name": "hq"}  # type: ignore[union-attr]
    assert [o.id for o in store.list_objects("zone", owner="blue", states=["active"])] == ["z1"]
    assert store.list_objects("zone", owner="red") == []
    assert [e.seq for e in store.events_after("blue", 1, 10)] == [2]
    assert store.last_event_seq("blue") == 2
    assert store.list_agreements()[0].pair == ("blue", "red")
    assert list(store.journal_entries()) == [entry]


def test_events_by_kind_prefix(store: Store) -> None:
    kinds = ["reports.accepted", "message.sent", "alert.opened", "message.delivered", "messages"]
    with store.transaction() as tx:
        tx.append_events([Event("blue", n, T0, kind, {}) for n, kind in enumerate(kinds, 1)])
    found = store.events_after("blue", 0, 10, kind_prefix="message.")
    assert [(e.seq, e.kind) for e in found] == [(2, "message.sent"), (4, "message.delivered")]
    assert [e.seq for e in store.events_after("blue", 2, 10, kind_prefix="message.")] == [4]
    assert [e.seq for e in store.events_after("blue", 0, 1, kind_prefix="message.")] == [2]
    assert len(store.events_after("blue", 0, 10)) == 5


def test_checkpoints_are_kept_and_read_back_by_range(store: Store) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from deconfliction.journal.checkpoint import sign_checkpoint

    key = Ed25519PrivateKey.generate()
    signed = [sign_checkpoint(key, seq, f"{seq:064x}", T0 + seq) for seq in (3, 7, 12)]
    with store.transaction() as tx:
        assert tx.latest_checkpoint() is None
        for checkpoint in signed:
            tx.append_checkpoint(checkpoint)
        assert tx.latest_checkpoint() == signed[-1]
    assert list(store.checkpoints()) == signed
    assert [c.seq for c in store.checkpoints(4, 12)] == [7, 12]
    assert [c.seq for c in store.checkpoints(1, 6)] == [3]
    assert store.latest_checkpoint() == signed[-1]


def test_the_journal_head_and_entries_from_a_seq_inside_a_transaction(store: Store) -> None:
    assert store.journal_head() is None
    entries, prev = [], GENESIS_HASH
    for seq in range(1, 5):
        entry = JournalEntry.make(prev, seq, T0, "blue", "note", {"n": seq})
        entries.append(entry)
        prev = entry.hash
    with store.transaction() as tx:
        tx.append_journal(entries)
        assert [e.seq for e in tx.journal_entries_from(3)] == [3, 4]
    assert store.journal_head() == (4, entries[-1].hash)


def test_idempotent_answers_are_kept_per_party_replaced_and_pruned(store: Store) -> None:
    from deconfliction.store import IdempotentAnswer

    first = IdempotentAnswer("blue", "k1", "h1", T0, {"body": {"version": "a"}})
    with store.transaction() as tx:
        tx.put_idempotent(first)
        tx.put_idempotent(IdempotentAnswer("blue", "k2", "h2", T0 + 100, {}))
    assert store.get_idempotent("blue", "k1") == first
    assert store.get_idempotent("red", "k1") is None
    with store.transaction() as tx:
        # An expired answer not yet pruned gives way to a new one with the same key.
        tx.put_idempotent(IdempotentAnswer("blue", "k1", "h3", T0 + 200, {}))
        assert tx.prune_idempotent(T0 + 150) == 1
    assert store.get_idempotent("blue", "k2") is None
    kept = store.get_idempotent("blue", "k1")
    assert kept is not None and kept.request_hash == "h3"


def test_the_ends_of_the_tables_are_read_again_after_another_process_wrote(
    make_store: Callable[..., Store],
) -> None:
    """The writer remembers the journal's head, the latest checkpoint and each party's last
    event; a write by another connection (the CLI while the hub runs) makes it read them
    afresh, and a rolled-back transaction leaves what it remembers as it was."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from deconfliction.journal.checkpoint import sign_checkpoint

    hub, cli = make_store(), make_store()

    def append(store: Store, seq: int, prev: str) -> JournalEntry:
        entry = JournalEntry.make(prev, seq, T0, "blue", "note", {"n": seq})
        with store.transaction() as tx:
            assert tx.journal_head() == (None if seq == 1 else (seq - 1, prev))
            assert tx.next_event_seq("blue") == seq
            tx.append_journal([entry])
            tx.append_events([Event("blue", seq, T0, "note", {})])
        return entry

    first = append(hub, 1, GENESIS_HASH)
    second = append(hub, 2, first.hash)  # from memory
    third = append(cli, 3, second.hash)  # the other process
    append(hub, 4, third.hash)  # read again

    def failing_write() -> None:
        with hub.transaction() as tx:
            tx.append_events([Event("blue", 5, T0, "note", {})])
            raise RuntimeError("fails")

    with pytest.raises(RuntimeError):
        failing_write()
    with hub.transaction() as tx:
        assert tx.next_event_seq("blue") == 5  # the rolled-back event is not counted
    key = Ed25519PrivateKey.generate()
    assert hub.latest_checkpoint() is None
    checkpoint = sign_checkpoint(key, 4, f"{4:064x}", T0)
    with cli.transaction() as tx:
        tx.append_checkpoint(checkpoint)
    assert hub.latest_checkpoint() == checkpoint
