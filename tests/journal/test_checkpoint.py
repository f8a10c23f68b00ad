"""Checkpoints: the signed message, signing and verifying; receipts."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.errors import InvalidInput
from deconfliction.journal.checkpoint import (
    Checkpoint,
    Receipt,
    checkpoint_message,
    sign_checkpoint,
    verify_checkpoint,
)
from deconfliction.journal.signing import key_id
from deconfliction.model.codec import dump

HEAD = "ab" * 32


def test_the_signed_message_is_documented_text():
    assert checkpoint_message(42, HEAD, "2021-10-07T12:00:05.000Z") == (
        f"deconfliction-checkpoint\n42\n{HEAD}\n2021-10-07T12:00:05.000Z".encode()
    )


def test_a_checkpoint_verifies_with_its_key_only():
    key = Ed25519PrivateKey.generate()
    checkpoint = sign_checkpoint(key, 42, HEAD, 1_633_608_005.0)

    assert checkpoint.time == "2021-10-07T12:00:05.000Z"
    assert checkpoint.key_id == key_id(key)
    assert verify_checkpoint(checkpoint, key.public_key())
    assert not verify_checkpoint(checkpoint, Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    "change",
    [{"seq": 43}, {"hash": "cd" * 32}, {"time": "2021-10-07T12:00:06.000Z"}, {"signature": "x"}],
)
def test_a_changed_checkpoint_does_not_verify(change):
    key = Ed25519PrivateKey.generate()
    checkpoint = dataclasses.replace(sign_checkpoint(key, 42, HEAD, 1_633_608_005.0), **change)
    assert not verify_checkpoint(checkpoint, key.public_key())


def test_checkpoint_and_receipt_round_trip_through_json():
    checkpoint = sign_checkpoint(Ed25519PrivateKey.generate(), 42, HEAD, 1_633_608_005.0)
    receipt = Receipt(seq=45, hash="cd" * 32, checkpoint=checkpoint)

    assert Checkpoint.from_json(dump(checkpoint)) == checkpoint
    assert dump(receipt)["checkpoint"]["seq"] == 42
    assert Receipt.from_json(dump(receipt)) == receipt
    assert Receipt.from_json(dump(Receipt(1, HEAD, None))) == Receipt(1, HEAD, None)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ([], "object"),
        ({"seq": 0, "hash": HEAD}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": 3, "hash": HEAD, "time": "t", "signature": 5, "key_id": "k"}, "signature"),
    ],
)
def test_a_malformed_checkpoint_is_refused_naming_the_field(data, word):
    with pytest.raises(InvalidInput, match=word):
        Checkpoint.from_json(data)
