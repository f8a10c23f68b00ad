"""A party's own signing key: once registered, the party's writes must be signed."""

from __future__ import annotations

from fastapi import APIRouter

from deconfliction.api.deps import HubDep, PartyDep
from deconfliction.api.schemas import ErrorOut, PartyKeyIn, PartyKeyOut, ReceiptOut
from deconfliction.hub import PartyKey
from deconfliction.units import format_time

router = APIRouter(tags=["journal"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


def _out(key: PartyKey, receipt: ReceiptOut | None = None) -> PartyKeyOut:
    return PartyKeyOut(
        party=key.party,
        algorithm="ed25519",
        public_key=key.public_key_b64,
        key_id=key.key_id,
        registered=None if key.registered_s is None else format_time(key.registered_s),
        receipt=receipt,
    )


@router.get("/me/key", response_model=PartyKeyOut)
def get_key(hub: HubDep, caller: PartyDep) -> PartyKeyOut:
    """The caller's registered signing key, if any."""
    return _out(hub.party_key(caller.name))


@router.put("/me/key", response_model=PartyKeyOut, responses={422: {"model": ErrorOut}})
def put_key(body: PartyKeyIn, hub: HubDep, caller: PartyDep) -> PartyKeyOut:
    """Register the caller's Ed25519 public key (null withdraws it). From then on each of the
    caller's POST, PUT and DELETE requests must carry the header
    `X-Deconfliction-Signature-Ed25519` (see docs/journal.md); the hub journals the
    signature with the write, so that the party cannot later deny what it sent. The
    registration is journalled (`party.key`, readable by every party) and needs no
    signature itself."""
    key, entry = hub.register_party_key(caller.name, body.public_key)
    return _out(key, ReceiptOut.of(hub.receipt(entry)))
