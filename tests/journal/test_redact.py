"""A party's view of the journal: its own entries in full, the rest redacted but linked."""

from __future__ import annotations

import dataclasses

import pytest

from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.redact import RedactedEntry, redact, view_for
from deconfliction.journal.verify import Problem, verify_chain
from tests.journal.journals import build_journal


@pytest.fixture(scope="module")
def journal():
    return build_journal(20)


def test_a_party_sees_its_own_entries_and_the_keys_in_full(journal):
    view = list(view_for(journal.entries, "red"))

    full = {e.seq for e in view if isinstance(e, JournalEntry)}
    expected = {e.seq for e in journal.entries if e.party == "red"} | {1, 2}  # hub and blue keys
    assert full == expected
    hidden = [e for e in view if isinstance(e, RedactedEntry)]
    assert len(hidden) == len(journal.entries) - len(expected)
    assert hidden[0].to_json() == {
        "seq": hidden[0].seq,
        "time": hidden[0].time,
        "prev_hash": hidden[0].prev_hash,
        "hash": hidden[0].hash,
        "redacted": True,
    }


@pytest.mark.parametrize("party", ["red", "blue", "nobody"])
def test_a_redacted_view_verifies_with_every_checkpoint(journal, party):
    report = verify_chain(view_for(journal.entries, party), journal.checkpoints)

    assert report.ok, report.summary()
    assert report.checkpoints == len(journal.checkpoints)
    assert report.redacted == sum(1 for e in journal.entries if e.party != party and e.seq > 2)
    signed_by_blue = sum(1 for e in journal.entries if b"party_signature" in e.content)
    assert report.party_signatures == (signed_by_blue if party == "blue" else 0)


@pytest.mark.parametrize("seq", [4, 5])  # 5 has a checkpoint, 4 has none
def test_an_altered_hash_of_a_redacted_entry_is_named(journal, seq):
    view = list(view_for(journal.entries, "nobody"))
    old = view[seq - 1].hash
    view[seq - 1] = dataclasses.replace(
        view[seq - 1], hash=("e" if old[0] == "f" else "f") + old[1:]
    )

    report = verify_chain(view, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (seq, Problem.ALTERED)


def test_a_removed_redacted_entry_is_named(journal):
    view = [e for e in view_for(journal.entries, "nobody") if e.seq != 6]

    report = verify_chain(view, journal.checkpoints)

    assert (report.finding.seq, report.finding.problem) == (6, Problem.REMOVED)


def test_redact_keeps_only_the_place_in_the_chain(journal):
    entry = journal.entries[4]
    assert redact(entry) == RedactedEntry(entry.seq, entry.time, entry.prev_hash, entry.hash)
