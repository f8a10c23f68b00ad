"""Ed25519 keys and signatures: the hub's key, parties' keys, signed submissions.

The hub holds one Ed25519 private key, created on first start and kept as an unencrypted
PKCS#8 PEM file readable by its owner only (mode 0600). Its public key is published as the
base64 of the 32 raw key bytes (``GET /v1/journal/key``) and recorded in the first journal
entry (see :mod:`deconfliction.journal.genesis`). A key is named by its *key id*: the first
16 hex digits of the SHA-256 of those 32 bytes.

A party may register its own Ed25519 public key (base64 of the 32 raw bytes, or a PEM
``PUBLIC KEY`` block). From then on it may sign a submission: it sends the base64 of the
64-byte signature in the header :data:`SIGNATURE_HEADER` over exactly these bytes
(:func:`submission_message`)::

    deconfliction-submission \\n party \\n METHOD \\n path \\n body

``party`` is the party's name, ``METHOD`` the HTTP method in upper case, ``path`` the
request path from ``/v1/`` on with its query string (``?…``) if any, exactly as sent, and
``body`` the request body bytes exactly as sent (empty for a request without a body). The
method and path are signed so that the same body cannot be presented as another request
(``PUT /v1/zones/a`` and ``PUT /v1/zones/b`` carry the same kind of body).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deconfliction.errors import AuthenticationFailed, InvalidInput, StoreError

ALGORITHM = "ed25519"
SIGNATURE_HEADER = "X-Deconfliction-Signature-Ed25519"
SUBMISSION_DOMAIN = b"deconfliction-submission"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def generate_hub_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_key_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of a public key (of a private key's public half)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key as base64 of its 32 raw bytes, the form published and journaled."""
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The short name of a key: the first 16 hex digits of SHA-256 over its raw bytes."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def parse_public_key(text: str | bytes, what: str = "public key") -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of its 32 raw bytes or from a PEM ``PUBLIC KEY``."""
    raw_text = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    stripped = raw_text.strip()
    if stripped.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(stripped.encode("ascii"))
        except (ValueError, TypeError):
            raise InvalidInput(f"{what}: the PEM block is not a readable public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(
                f"{what}: the PEM block holds a {type(key).__name__}; an Ed25519 key is needed"
            )
        return key
    raw = _b64decode(stripped)
    if raw is None or len(raw) != PUBLIC_KEY_BYTES:
        raise InvalidInput(
            f"{what}: expected base64 of the {PUBLIC_KEY_BYTES} raw bytes of an Ed25519 key "
            "or a PEM 'PUBLIC KEY' block"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def _b64decode(text: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional; None if it is not base64."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The public key as a PEM ``PUBLIC KEY`` block (SubjectPublicKeyInfo)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def save_hub_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the key to a new file readable by its owner only; never overwrite one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StoreError(
            f"hub key file {path} already exists; refusing to overwrite a journal's key"
        ) from None
    except OSError as error:
        raise StoreError(f"cannot create hub key file {path}: {error.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_pem(key))
        handle.flush()
        os.fsync(handle.fileno())


def load_hub_key(path: Path) -> Ed25519PrivateKey:
    """Read the hub's key; refuse a file that others may read or that holds another key."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise StoreError(f"cannot read hub key file {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreError(
            f"hub key file {path} is accessible to other users (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise StoreError(f"hub key file {path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StoreError(f"hub key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_or_create_hub_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The hub's key from ``path``, created there first if missing; and whether it was created."""
    if path.exists():
        return load_hub_key(path), False
    key = generate_hub_key()
    save_hub_key(key, path)
    return key, True


def submission_message(party: str, method: str, path: str, body: bytes) -> bytes:
    """The exact bytes a party signs for one request (see the module docstring)."""
    head = b"\n".join(
        (SUBMISSION_DOMAIN, party.encode("utf-8"), method.upper().encode("ascii"), path.encode())
    )
    return head + b"\n" + body


def sign_submission(key: Ed25519PrivateKey, party: str, method: str, path: str, body: bytes) -> str:
    """The base64 signature a party sends in :data:`SIGNATURE_HEADER`."""
    signature = key.sign(submission_message(party, method, path, body))
    return base64.b64encode(signature).decode("ascii")


def submission_signature_valid(
    key: Ed25519PublicKey, party: str, method: str, path: str, body: bytes, signature_b64: str
) -> bool:
    """Whether ``signature_b64`` is ``party``'s signature of this request under ``key``."""
    signature = _b64decode(signature_b64) if isinstance(signature_b64, str) else None
    if signature is None or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(signature, submission_message(party, method, path, body))
    except InvalidSignature:
        return False
    return True


def check_submission_signature(
    key: Ed25519PublicKey, party: str, method: str, path: str, body: bytes, signature_b64: str
) -> None:
    """Raise :class:`AuthenticationFailed` unless the signature proves ``party`` sent this."""
    if not submission_signature_valid(key, party, method, path, body, signature_b64):
        raise AuthenticationFailed(
            f"the {SIGNATURE_HEADER} header does not hold a valid signature by party "
            f"{party!r} (key {key_id(key)}) of this request; sign the bytes "
            f"'deconfliction-submission\\n{party}\\n{method.upper()}\\n{path}\\n' followed by "
            "the exact body, and send the base64 of the 64-byte signature"
        )
