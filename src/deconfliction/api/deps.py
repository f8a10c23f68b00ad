"""Dependencies shared by the routes: the hub, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from deconfliction.errors import PermissionDenied
from deconfliction.hub import Hub, Principal

_bearer = HTTPBearer(
    auto_error=False,
    description="The bearer token of a party (from `deconfliction party add`) or of the admin.",
)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def get_principal(
    hub: Annotated[Hub, Depends(get_hub)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return hub.authenticate(credentials.credentials if credentials else None)


def party_of(hub: Hub, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The calling party (not the admin) of a request, authenticated now."""
    return get_party(hub.authenticate(credentials.credentials if credentials else None))


def get_party(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.admin:
        raise PermissionDenied("this needs a party's token; the admin token has no picture")
    return principal


def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.admin:
        raise PermissionDenied("this needs the admin token")
    return principal


# The bearer credentials without authenticating them: for routes that authenticate inside
# the one worker-thread call that serves them (no thread hop per dependency).
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
HubDep = Annotated[Hub, Depends(get_hub)]
CallerDep = Annotated[Principal, Depends(get_principal)]
PartyDep = Annotated[Principal, Depends(get_party)]
AdminDep = Annotated[Principal, Depends(get_admin)]
