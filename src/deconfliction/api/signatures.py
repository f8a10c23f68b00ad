"""Party signatures on requests: checked here, journalled by the hub.

Once a party has registered a key (``PUT /v1/me/key``), each of its ``POST``, ``PUT``,
``PATCH`` and ``DELETE`` requests under ``/v1/`` (but the key registration itself) must carry
the header ``X-Deconfliction-Signature-Ed25519`` with its signature of exactly the bytes
:func:`deconfliction.journal.signing.submission_message` defines; a request without it, or
with a signature that does not verify, is refused with 401 before any route runs.

This is an ASGI middleware rather than a dependency of each route so that every write,
including routes added later, is covered without each remembering to ask. It reads the body
only for parties that have a key (and replays it to the route), and hands the verified
signature to the hub through :func:`deconfliction.hub.unit.signed_request`: the first
journal entry the request writes for the party carries it.
"""

from __future__ import annotations

from deconfliction.api.asgi import ASGIApp, Receive, Scope, Send, header, read_body, replay
from deconfliction.api.errors import send_error
from deconfliction.errors import AuthenticationFailed, DeconflictionError
from deconfliction.hub import Hub, PartyKey, SignedRequest, signed_request
from deconfliction.journal.entries import signed_write
from deconfliction.journal.signing import SIGNATURE_HEADER, check_submission_signature

SIGNED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNSIGNED_PATHS = frozenset({"/v1/me/key"})  # a party can always (re)register its key
_HEADER = SIGNATURE_HEADER.lower().encode("latin-1")


def request_path(scope: Scope) -> str:
    """The path as sent (``raw_path``, still percent-encoded), with its query string."""
    raw = scope.get("raw_path")
    path = bytes(raw).decode("latin-1") if raw else str(scope["path"])
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{path}?{query}" if query else path


def _signer(hub: Hub, authorization: str | None) -> PartyKey | None:
    """The calling party's key, if the caller is a party with a key (else let the route
    answer: it authenticates, and refuses what is not allowed)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        principal = hub.authenticate(authorization[7:].strip())
    except DeconflictionError:
        return None
    if principal.admin:
        return None
    key = hub.party_key(principal.name)
    return key if key.public_key is not None else None


class PartySignatures:
    """The middleware (install with ``app.add_middleware(PartySignatures)``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or scope["method"] not in SIGNED_METHODS
            or not path.startswith("/v1/")
            or path in UNSIGNED_PATHS
        ):
            await self.app(scope, receive, send)
            return
        hub: Hub = scope["app"].state.hub
        key = _signer(hub, header(scope, b"authorization"))
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive, hub.settings.max_batch_bytes, "max_batch_bytes")
            signed = _verify(scope, key, body)
        except DeconflictionError as error:
            await send_error(send, error)
            return
        with signed_request(signed):
            await self.app(scope, replay(body, receive), send)


def _verify(scope: Scope, key: PartyKey, body: bytes) -> SignedRequest:
    assert key.public_key is not None
    method, path = str(scope["method"]), request_path(scope)
    signature = header(scope, _HEADER)
    if signature is None:
        raise AuthenticationFailed(
            f"party {key.party!r} has registered a signing key ({key.key_id}): each of its "
            f"{method} requests must carry the header {SIGNATURE_HEADER} with its signature "
            "of the request (see docs/journal.md)"
        )
    check_submission_signature(key.public_key, key.party, method, path, body, signature)
    return SignedRequest(key.party, signed_write(method, path, body, signature))
