"""Every kind of tampering makes verification fail at the right entry; untouched passes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry
from deconfliction.journal.checkpoint import sign_checkpoint
from deconfliction.journal.entries import HUB_KEY_KIND, genesis_entry
from deconfliction.journal.signing import public_key_b64
from deconfliction.journal.verify import Problem, verify_chain
from tests.journal.journals import START_S, build_journal, chain, checkpoints_for, rechain

FIELDS = ("seq", "time", "party", "kind", "content", "prev_hash", "hash")
SIZE = 20


def one_byte_changed(value: Any) -> Any:
    """``value`` with one byte (one character, one decimal digit) changed."""
    if isinstance(value, int):
        text = str(value)
        return int(text[:-1] + str((int(text[-1]) + 1) % 10))
    raw = bytearray(value.encode() if isinstance(value, str) else value)
    raw[len(raw) // 2] ^= 0x01
    return raw.decode() if isinstance(value, str) else bytes(raw)


@pytest.fixture(scope="module")
def journal():
    return build_journal(SIZE)


def test_untouched_journal_verifies(journal):
    report = verify_chain(journal.entries, journal.checkpoints)

    assert report.ok, report.summary()
    assert (report.entries, report.first_seq, report.last_seq) == (SIZE, 1, SIZE)
    assert report.head_hash == journal.entries[-1].hash
    assert report.checkpoints == len(journal.checkpoints) == 4
    blue_signed = sum(1 for e in journal.entries if b"party_signature" in e.content)
    assert report.party_signatures == blue_signed > 0
    assert report.summary().startswith("OK: 20 entries")


def test_untouched_journal_verifies_with_the_trusted_key(journal):
    report = verify_chain(
        journal.entries, journal.checkpoints, public_key=journal.hub_key.public_key()
    )
    assert report.ok, report.summary()


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("seq", [1, 7, SIZE])
def test_one_changed_byte_in_any_field_is_named(journal, field, seq):
    entries = list(journal.entries)
    entries[seq - 1] = dataclasses.replace(
        entries[seq - 1], **{field: one_byte_changed(getattr(entries[seq - 1], field))}
    )

    report = verify_chain(entries, journal.checkpoints)

    assert not report.ok
    assert (report.finding.seq, report.finding.problem) == (seq, Problem.ALTERED)
    assert f"entry {seq}" in report.finding.message


@pytest.mark.parametrize("seq", [1, 2, 9, SIZE])
def test_a_deleted_entry_is_named(journal, seq):
    entries = [e for e in journal.entries if e.seq != seq]

    report = verify_chain(entries, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (seq, Problem.REMOVED)
    assert "missing" in report.finding.message or "removed" in report.finding.message


def test_a_deleted_tail_is_caught_by_the_head_checkpoint(journal):
    report = verify_chain(journal.entries[:-3], journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (SIZE - 2, Problem.REMOVED)
    assert report.finding.through_seq == SIZE


@pytest.mark.parametrize(("first", "second"), [(1, 2), (7, 8), (SIZE - 1, SIZE), (3, 11)])
def test_swapped_entries_are_named(journal, first, second):
    entries = list(journal.entries)
    entries[first - 1], entries[second - 1] = entries[second - 1], entries[first - 1]

    report = verify_chain(entries, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (first, Problem.REORDERED)


def test_a_duplicated_seq_is_an_insertion(journal):
    entries = list(journal.entries)
    forged = JournalEntry.make(entries[5].hash, 7, START_S + 7, "red", "reports", {"x": 1})
    entries.insert(6, forged)  # between 6 and 7, claiming seq 7 and chained to 6

    report = verify_chain(entries, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (7, Problem.INSERTED)


def test_an_insertion_with_the_rest_renumbered_names_the_inserted_entry(journal):
    entries = list(journal.entries[:6])
    entries.append(JournalEntry.make(entries[-1].hash, 7, START_S + 7, "red", "x", {"x": 1}))
    entries += [dataclasses.replace(e, seq=e.seq + 1) for e in journal.entries[6:]]

    report = verify_chain(entries, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (7, Problem.INSERTED)


def test_an_altered_entry_with_recomputed_hash_is_caught_by_the_next_link(journal):
    entries = list(journal.entries)
    old = entries[7]  # seq 8; no checkpoint there, so only entry 9's link can tell
    entries[7] = JournalEntry.make(old.prev_hash, 8, START_S + 8, old.party, old.kind, {"x": 2})

    report = verify_chain(entries, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (8, Problem.ALTERED)
    assert report.finding.through_seq == 9


def test_a_rehashed_chain_is_caught_by_the_next_checkpoint(journal):
    entries = list(journal.entries)
    entries[11] = dataclasses.replace(entries[11], content=b'{"forged":true}')  # seq 12

    report = verify_chain(rechain(entries), journal.checkpoints)

    assert report.finding.problem == Problem.ALTERED
    assert (report.finding.seq, report.finding.through_seq) == (11, 15)
    assert "signed" in report.finding.message


def test_checkpoints_signed_by_a_replaced_key_are_named(journal):
    intruder = Ed25519PrivateKey.generate()
    resigned = [sign_checkpoint(intruder, c.seq, c.hash, START_S) for c in journal.checkpoints]

    report = verify_chain(journal.entries, resigned)

    assert (report.finding.seq, report.finding.problem) == (5, Problem.KEY_REPLACED)
    assert "replaced" in report.finding.message


def test_a_rebuilt_journal_under_another_key_fails_against_the_trusted_key(journal):
    rebuilt = build_journal(SIZE)  # everything consistent, but under a different hub key

    assert verify_chain(rebuilt.entries, rebuilt.checkpoints).ok
    report = verify_chain(
        rebuilt.entries, rebuilt.checkpoints, public_key=journal.hub_key.public_key()
    )
    assert (report.finding.seq, report.finding.problem) == (1, Problem.KEY_REPLACED)


def test_a_second_hub_key_entry_is_a_replaced_key(journal):
    intruder = Ed25519PrivateKey.generate()
    content = {"algorithm": "ed25519", "public_key": public_key_b64(intruder)}
    last = journal.entries[-1]
    extra = JournalEntry.make(last.hash, SIZE + 1, START_S + 99, "-", HUB_KEY_KIND, content)

    report = verify_chain([*journal.entries, extra], journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (SIZE + 1, Problem.KEY_REPLACED)


def test_an_altered_checkpoint_is_named(journal):
    checkpoints = list(journal.checkpoints)
    checkpoints[1] = dataclasses.replace(checkpoints[1], time=one_byte_changed(checkpoints[1].time))

    report = verify_chain(journal.entries, checkpoints)

    assert (report.finding.seq, report.finding.problem) == (10, Problem.BAD_CHECKPOINT)


def test_checkpoints_out_of_order_fail(journal):
    checkpoints = list(journal.checkpoints)
    checkpoints[0], checkpoints[1] = checkpoints[1], checkpoints[0]

    report = verify_chain(journal.entries, checkpoints)

    assert report.finding.problem == Problem.BAD_CHECKPOINT
    assert report.finding.seq == 5


def test_a_journal_that_does_not_start_with_the_hub_key_is_malformed():
    entries = chain([("red", "reports", {"x": 1})], 1, GENESIS_HASH)

    report = verify_chain(entries, [])

    assert (report.finding.seq, report.finding.problem) == (1, Problem.MALFORMED)


def test_an_empty_journal_fails():
    report = verify_chain([], [])
    assert (report.finding.seq, report.finding.problem) == (1, Problem.REMOVED)


def test_a_partial_export_verifies_from_its_first_seq_with_the_hub_key(journal):
    part = journal.entries[8:]
    checkpoints = [c for c in journal.checkpoints if c.seq >= 9]
    key = journal.hub_key.public_key()

    assert verify_chain(part, checkpoints, public_key=key, first_seq=9).ok
    assert verify_chain(part, checkpoints, public_key=key, first_seq=None).ok
    linked = verify_chain(part, checkpoints, public_key=key, first_seq=9, prev_hash="f" * 64)
    assert (linked.finding.seq, linked.finding.problem) == (9, Problem.ALTERED)
    missing = verify_chain(part[1:], checkpoints, public_key=key, first_seq=9)
    assert (missing.finding.seq, missing.finding.problem) == (9, Problem.REMOVED)
    keyless = verify_chain(part, checkpoints, first_seq=9)
    assert (keyless.finding.seq, keyless.finding.problem) == (10, Problem.MALFORMED)


def test_a_partial_export_checks_a_checkpoint_just_before_it(journal):
    part = journal.entries[10:]  # from seq 11; the checkpoint at 10 covers entry 11's link
    checkpoints = [c for c in journal.checkpoints if c.seq >= 10]
    key = journal.hub_key.public_key()
    assert verify_chain(part, checkpoints, public_key=key, first_seq=11).ok

    forged = JournalEntry.make("e" * 64, 11, START_S, "red", "x", {})
    report = verify_chain([forged, *part[1:]], checkpoints, public_key=key, first_seq=11)
    assert (report.finding.seq, report.finding.problem) == (11, Problem.ALTERED)


def test_a_generated_stream_of_entries_is_read_once():
    key = Ed25519PrivateKey.generate()
    genesis = genesis_entry(key, START_S)
    consumed: list[int] = []

    def entries():
        prev = genesis
        yield genesis
        for seq in range(2, 5001):
            prev = JournalEntry.make(prev.hash, seq, START_S + seq, "red", "r", {"n": seq})
            consumed.append(seq)
            yield prev

    report = verify_chain(entries(), checkpoints_for(key, [genesis], 1))

    assert report.ok
    assert report.entries == 5000
    assert consumed[-1] == 5000
