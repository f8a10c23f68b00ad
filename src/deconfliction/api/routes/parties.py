"""Parties, their tokens and their agreements (mostly for the admin)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from deconfliction.api.deps import AdminDep, CallerDep, HubDep, PartyDep
from deconfliction.api.schemas import (
    AgreementIn,
    AgreementOut,
    ErrorOut,
    PartyCreatedOut,
    PartyIn,
    PartyOut,
    TokenOut,
)
from deconfliction.errors import NotFound

router = APIRouter(tags=["parties"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


@router.post("/parties", response_model=PartyCreatedOut, status_code=201)
def add_party(body: PartyIn, hub: HubDep, _: AdminDep) -> PartyCreatedOut:
    """Register a party (admin). The answer carries its token, shown only this once."""
    party, token = hub.add_party(body.name, language=body.language, timezone=body.timezone)
    return PartyCreatedOut(**PartyOut.of(party).model_dump(), token=token)


@router.get("/parties", response_model=list[PartyOut])
def list_parties(hub: HubDep, caller: CallerDep) -> list[PartyOut]:
    """All parties (admin), or the parties the caller has agreements with and itself."""
    parties = hub.parties()
    if not caller.admin:
        parties = [
            p
            for p in parties
            if p.name == caller.name or hub.agreement(caller.name, p.name) is not None
        ]
    return [PartyOut.of(p) for p in parties]


@router.delete("/parties/{name}", response_model=PartyOut)
def revoke_party(name: str, hub: HubDep, _: AdminDep) -> PartyOut:
    """Revoke a party (admin): its tokens stop working, its tracks leave the picture.
    Its records stay in the journal."""
    return PartyOut.of(hub.revoke_party(name))


@router.post("/parties/{name}/token", response_model=TokenOut)
def rotate_token(name: str, hub: HubDep, _: AdminDep) -> TokenOut:
    """Issue a new token for a party (admin); its earlier tokens stop working."""
    return TokenOut(token=hub.rotate_token(name))


@router.get("/me", response_model=PartyOut)
def me(hub: HubDep, caller: PartyDep) -> PartyOut:
    """The calling party."""
    return PartyOut.of(hub.party(caller.name))


@router.put("/agreements", response_model=AgreementOut)
def set_agreement(body: AgreementIn, hub: HubDep, _: AdminDep) -> AgreementOut:
    """Record what two parties agreed (admin): sharing of pictures, larger minima."""
    return AgreementOut.of(hub.set_agreement(body.to_agreement()))


@router.get("/agreements", response_model=list[AgreementOut])
def list_agreements(hub: HubDep, caller: CallerDep) -> list[AgreementOut]:
    """All agreements (admin), or those the calling party is in."""
    agreements = hub.agreements()
    if not caller.admin:
        agreements = [a for a in agreements if a.involves(caller.name)]
    return [AgreementOut.of(a) for a in sorted(agreements, key=lambda a: a.pair)]


@router.delete("/agreements/{party_a}/{party_b}", status_code=204)
def remove_agreement(party_a: str, party_b: str, hub: HubDep, _: AdminDep) -> Response:
    """End an agreement (admin)."""
    if hub.agreement(party_a, party_b) is None:
        raise NotFound(f"no agreement between {party_a!r} and {party_b!r}")
    hub.remove_agreement(party_a, party_b)
    return Response(status_code=204)
