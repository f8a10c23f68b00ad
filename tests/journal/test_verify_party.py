"""Parties' signatures carried by journal entries: good ones count, forged ones are named."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.journal.checkpoint import sign_checkpoint
from deconfliction.journal.entries import PARTY_KEY_KIND, party_key_content, signed_write
from deconfliction.journal.signing import sign_submission
from deconfliction.journal.verify import Problem, verify_chain
from tests.journal.journals import build_journal, chain, rechain

BODY = b'[{"track":"g1","time":0,"lat":48.0,"lon":2.0,"alt_m":900.0}]'


def signed_content(key, party="green", body=BODY, path="/v1/reports"):
    signature = sign_submission(key, party, "POST", path, body)
    return {"n": len(body), "party_signature": signed_write("POST", path, body, signature)}


def extended(journal, rows):
    """The journal with ``rows`` appended and a checkpoint at the new head."""
    last = journal.entries[-1]
    entries = [*journal.entries, *chain(rows, last.seq + 1, last.hash)]
    head = entries[-1]
    checkpoints = [*journal.checkpoints, sign_checkpoint(journal.hub_key, head.seq, head.hash, 0)]
    return entries, checkpoints


@pytest.fixture(scope="module")
def journal():
    return build_journal(10)


def test_a_registered_party_key_checks_later_signatures(journal):
    green = Ed25519PrivateKey.generate()
    entries, checkpoints = extended(
        journal,
        [
            ("green", PARTY_KEY_KIND, party_key_content(green.public_key())),
            ("green", "reports", signed_content(green)),
        ],
    )

    report = verify_chain(entries, checkpoints)

    assert report.ok, report.summary()
    assert report.party_signatures == verify_chain(journal.entries, []).party_signatures + 1


def test_a_signature_by_another_key_is_named(journal):
    green, forger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entries, checkpoints = extended(
        journal,
        [
            ("green", PARTY_KEY_KIND, party_key_content(green.public_key())),
            ("green", "reports", signed_content(forger)),
        ],
    )

    report = verify_chain(entries, checkpoints)

    assert (report.finding.seq, report.finding.problem) == (12, Problem.BAD_PARTY_SIGNATURE)
    assert "'green'" in report.finding.message


def test_a_signed_body_altered_by_the_hub_is_named_even_when_rehashed(journal):
    entries = list(journal.entries)
    signed = next(e for e in entries if b"party_signature" in e.content)
    content = orjson.loads(signed.content)
    content["party_signature"]["body"] = content["party_signature"]["body"].replace("48.", "47.")
    entries[signed.seq - 1] = dataclasses.replace(
        signed, content=orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    )

    report = verify_chain(rechain(entries), [])

    assert (report.finding.seq, report.finding.problem) == (
        signed.seq,
        Problem.BAD_PARTY_SIGNATURE,
    )


def test_a_signature_by_a_party_without_a_known_key_is_counted_unchecked(journal):
    stranger = Ed25519PrivateKey.generate()
    entries, checkpoints = extended(journal, [("green", "reports", signed_content(stranger))])

    report = verify_chain(entries, checkpoints)

    assert report.ok
    assert report.unchecked_signatures == 1
    assert "1 unchecked" in report.summary()
    given = verify_chain(entries, checkpoints, party_keys={"green": stranger.public_key()})
    assert given.unchecked_signatures == 0


def test_keys_given_to_the_verifier_take_precedence_over_the_journals(journal):
    wrong = Ed25519PrivateKey.generate().public_key()

    report = verify_chain(journal.entries, journal.checkpoints, party_keys={"blue": wrong})

    first_signed = next(e.seq for e in journal.entries if b"party_signature" in e.content)
    assert (report.finding.seq, report.finding.problem) == (
        first_signed,
        Problem.BAD_PARTY_SIGNATURE,
    )


def test_a_withdrawn_key_leaves_later_signatures_unchecked(journal):
    green = Ed25519PrivateKey.generate()
    entries, checkpoints = extended(
        journal,
        [
            ("green", PARTY_KEY_KIND, party_key_content(green.public_key())),
            ("green", PARTY_KEY_KIND, party_key_content(None)),
            ("green", "reports", signed_content(green)),
        ],
    )

    report = verify_chain(entries, checkpoints)

    assert report.ok
    assert report.unchecked_signatures == 1


def test_a_malformed_signature_carrier_is_named(journal):
    entries, checkpoints = extended(
        journal, [("green", "reports", {"party_signature": {"algorithm": "rsa"}})]
    )

    report = verify_chain(entries, checkpoints)

    assert (report.finding.seq, report.finding.problem) == (11, Problem.BAD_PARTY_SIGNATURE)


def test_a_party_key_entry_with_a_bad_key_is_malformed(journal):
    entries, checkpoints = extended(
        journal, [("green", PARTY_KEY_KIND, {"algorithm": "ed25519", "public_key": "AAAA"})]
    )

    report = verify_chain(entries, checkpoints)

    assert (report.finding.seq, report.finding.problem) == (11, Problem.MALFORMED)
