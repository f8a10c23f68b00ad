"""Several writers on one database (threads with a store each, and processes): the journal
stays one chain, stream numbers neither repeat nor skip, a version check lets one of two
racing writers through, and a kept idempotent answer is seen inside the next write."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.cli import main as cli_main
from deconfliction.errors import AlreadyExists, VersionMismatch
from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.entries import genesis_entry
from deconfliction.journal.signing import save_hub_key
from deconfliction.journal.verify import verify_chain
from deconfliction.store import Event, IdempotentAnswer, Store, StoredObject
from tests.scenarios import T0

ROOT = Path(__file__).resolve().parents[2]


def _append_notes(store: Store, writer: str, count: int) -> None:
    for n in range(count):
        with store.transaction() as tx:
            seq, prev = tx.journal_head() or (0, GENESIS_HASH)
            tx.append_journal([JournalEntry.make(prev, seq + 1, T0 + n, writer, "note", {"n": n})])
            tx.append_events([Event("shared", tx.next_event_seq("shared"), T0, writer, {})])


def test_writers_in_threads_append_one_chain(make_store: Callable[..., Store]) -> None:
    key = Ed25519PrivateKey.generate()
    first = make_store()
    with first.transaction() as tx:
        tx.append_journal([genesis_entry(key, T0)])
    writers = [make_store() for _ in range(3)]
    threads = [
        threading.Thread(target=_append_notes, args=(store, f"w{i}", 60))
        for i, store in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list(first.journal_entries())
    assert [e.seq for e in entries] == list(range(1, 182))
    report = verify_chain(entries, [], public_key=key.public_key())
    assert report.ok, report.finding
    assert {e.party for e in entries[1:]} == {"w0", "w1", "w2"}
    events = first.events_after("shared", 0, 1000)
    assert [e.seq for e in events] == list(range(1, 181))


def test_writer_processes_append_one_chain_that_verifies(
    store_location: Callable[[str], str | Path], tmp_path: Path
) -> None:
    """Two hub processes submit reports at once; the CLI's journal verify passes after."""
    where = str(store_location("hub"))
    key_path = tmp_path / "hub.key"
    save_hub_key(Ed25519PrivateKey.generate(), key_path)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    command = [sys.executable, "-m", "tests.store.writer_process", where, str(key_path)]
    # The first process starts the journal alone; then two race.
    subprocess.run([*command, "blue", "1"], check=True, env=env, cwd=ROOT, timeout=120)
    racers = [
        subprocess.Popen([*command, party, "80"], env=env, cwd=ROOT, stdout=subprocess.PIPE)
        for party in ("blue", "red")
    ]
    for racer in racers:
        out, _ = racer.communicate(timeout=240)
        assert racer.returncode == 0 and out.strip() == b"80"
    result = CliRunner().invoke(
        cli_main, ["journal", "verify", "--db", where], env={"DECONFLICTION_KEY": str(key_path)}
    )
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    store = _open(where)
    try:
        batches = list(store.report_batches_after(0))
        assert len(batches) == 161
        assert sorted(e.seq for e in batches) == [e.seq for e in batches]
        for party in ("blue", "red"):
            seqs = [e.seq for e in store.events_after(party, 0, 10_000)]
            assert seqs == list(range(1, len(seqs) + 1))
    finally:
        store.close()


def _open(where: str) -> Store:
    from deconfliction.cli.common import database, open_store

    return open_store(database(where))


def test_of_two_racing_writers_with_one_version_one_wins(
    make_store: Callable[..., Store],
) -> None:
    base = StoredObject("operation", "op1", "blue", 1, "accepted", T0, {"v": 1})
    first = make_store()
    with first.transaction() as tx:
        tx.put_object(base, expected_version=0)
    with pytest.raises(AlreadyExists), first.transaction() as tx:
        tx.put_object(base, expected_version=0)
    stores = [make_store(), make_store()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(store: Store, name: str) -> None:
        barrier.wait()
        try:
            with store.transaction() as tx:
                tx.put_object(
                    StoredObject("operation", "op1", "blue", 2, "accepted", T0, {"by": name}),
                    expected_version=1,
                )
            outcomes.append("ok")
        except VersionMismatch:
            outcomes.append("mismatch")

    threads = [threading.Thread(target=write, args=(s, f"w{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["mismatch", "ok"]
    stored = first.get_object("operation", "op1")
    assert stored is not None and stored.version == 2


def test_a_kept_answer_is_seen_inside_the_next_write(make_store: Callable[..., Store]) -> None:
    one, other = make_store(), make_store()
    answer = IdempotentAnswer("blue", "k1", "h1", T0, {"status": 201})
    with one.transaction() as tx:
        assert tx.get_idempotent("blue", "k1") is None
        tx.put_idempotent(answer)
    with other.transaction() as tx:
        assert tx.get_idempotent("blue", "k1") == answer
        assert tx.get_idempotent("red", "k1") is None
