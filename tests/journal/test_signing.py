"""Hub key files, public key parsing, and parties' signed submissions."""

from __future__ import annotations

import base64
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.errors import AuthenticationFailed, InvalidInput, StoreError
from deconfliction.journal.signing import (
    check_submission_signature,
    key_id,
    load_hub_key,
    load_or_create_hub_key,
    parse_public_key,
    public_key_b64,
    public_key_bytes,
    public_key_pem,
    save_hub_key,
    sign_submission,
    submission_message,
    submission_signature_valid,
)

BODY = b'[{"track":"b1","time":0,"lat":48.0,"lon":2.0,"alt_m":3000.0}]'


def test_a_saved_key_is_private_to_its_owner_and_loads_back(tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "hub.key"

    save_hub_key(key, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_b64(load_hub_key(path)) == public_key_b64(key)


def test_a_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "hub.key"
    save_hub_key(Ed25519PrivateKey.generate(), path)
    with pytest.raises(StoreError, match="already exists"):
        save_hub_key(Ed25519PrivateKey.generate(), path)


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "hub.key"
    save_hub_key(Ed25519PrivateKey.generate(), path)
    path.chmod(0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        load_hub_key(path)


@pytest.mark.parametrize(
    "content",
    [
        b"not a key",
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    ],
)
def test_a_key_file_without_an_ed25519_key_is_refused(tmp_path, content):
    path = tmp_path / "hub.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(StoreError, match=str(path)):
        load_hub_key(path)


def test_the_hub_key_is_created_on_first_start_then_reused(tmp_path):
    path = tmp_path / "hub.key"
    first, created = load_or_create_hub_key(path)
    again, created_again = load_or_create_hub_key(path)

    assert (created, created_again) == (True, False)
    assert public_key_b64(first) == public_key_b64(again)


def test_the_public_key_is_base64_of_32_raw_bytes():
    key = Ed25519PrivateKey.generate()
    raw = base64.b64decode(public_key_b64(key), validate=True)
    assert raw == public_key_bytes(key.public_key())
    assert len(raw) == 32
    assert len(key_id(key)) == 16
    assert key_id(key) == key_id(key.public_key())


def test_a_public_key_parses_from_base64_urlsafe_base64_and_pem():
    key = Ed25519PrivateKey.generate()
    raw = public_key_bytes(key)
    forms = [
        public_key_b64(key),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        public_key_pem(key).decode(),
    ]
    for form in forms:
        assert public_key_bytes(parse_public_key(form)) == raw


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64!",
        base64.b64encode(b"\x01" * 31).decode(),
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----",
    ],
)
def test_a_bad_public_key_is_refused_with_the_rule(text):
    with pytest.raises(InvalidInput, match="party key"):
        parse_public_key(text, "party key")


def test_the_signed_message_binds_party_method_path_and_body():
    assert submission_message("blue", "post", "/v1/reports", BODY) == (
        b"deconfliction-submission\nblue\nPOST\n/v1/reports\n" + BODY
    )


def test_a_signature_verifies_only_for_exactly_what_was_signed():
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    signature = sign_submission(key, "blue", "POST", "/v1/reports", BODY)

    assert submission_signature_valid(public, "blue", "POST", "/v1/reports", BODY, signature)
    changed = [
        ("red", "POST", "/v1/reports", BODY),
        ("blue", "PUT", "/v1/reports", BODY),
        ("blue", "POST", "/v1/zones/z1", BODY),
        ("blue", "POST", "/v1/reports", BODY.replace(b"48.0", b"48.1")),
    ]
    for party, method, path, body in changed:
        assert not submission_signature_valid(public, party, method, path, body, signature)
    other = Ed25519PrivateKey.generate().public_key()
    assert not submission_signature_valid(other, "blue", "POST", "/v1/reports", BODY, signature)
    assert not submission_signature_valid(public, "blue", "POST", "/v1/reports", BODY, "%%%")


def test_a_bad_signature_is_an_authentication_failure_that_says_what_to_sign():
    key = Ed25519PrivateKey.generate()
    signature = sign_submission(key, "blue", "POST", "/v1/reports", BODY)
    check_submission_signature(key.public_key(), "blue", "POST", "/v1/reports", BODY, signature)
    with pytest.raises(AuthenticationFailed, match="deconfliction-submission"):
        check_submission_signature(
            key.public_key(), "blue", "POST", "/v1/reports", BODY + b" ", signature
        )
