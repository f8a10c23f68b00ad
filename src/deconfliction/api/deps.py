"""Dependencies shared by the routes: the hub, and who is calling; and how a route calls
the hub.

The dependencies are ``async`` so that FastAPI runs them on the event loop: they are cheap
(authentication is a dictionary lookup once a token has been seen), and a synchronous
dependency would cost a hop to a worker thread and back each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from deconfliction.errors import PermissionDenied
from deconfliction.hub import BUSY, Hub, Principal

_bearer = HTTPBearer(
    auto_error=False,
    description="The bearer token of a party (from `deconfliction party add`) or of the admin.",
)


T = TypeVar("T")
# How long the event loop may wait for the hub's lock before handing a call to a thread:
# writes arriving on the loop wait for each other here instead of piling up on threads.
INLINE_WAIT_S = 0.005


async def call_hub(hub: Hub, work: Callable[[], T]) -> T:
    """``work()`` on the event loop if the hub is free within a few milliseconds; else on a
    worker thread (a long detection cycle holds it: the loop must not wait).

    Handing a call to a thread and back costs about a millisecond of CPU under load (the GIL
    changing hands), more than most writes, while the hub serialises writes anyway."""
    done = hub.call_if_free(work, INLINE_WAIT_S)
    if done is BUSY:
        return await run_in_threadpool(work)
    return done  # type: ignore[return-value]


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def get_principal(
    hub: Annotated[Hub, Depends(get_hub)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return hub.authenticate(credentials.credentials if credentials else None)


def party_of(hub: Hub, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The calling party (not the admin) of a request, authenticated now."""
    return _party(hub.authenticate(credentials.credentials if credentials else None))


def _party(principal: Principal) -> Principal:
    if principal.admin:
        raise PermissionDenied("this needs a party's token; the admin token has no picture")
    return principal


async def get_party(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    return _party(principal)


async def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
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
