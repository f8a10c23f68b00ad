"""``create_app(hub)``: the HTTP and WebSocket API of one hub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from deconfliction import __version__
from deconfliction.api import docs, errors, openapi, web
from deconfliction.api.edge import Edge
from deconfliction.api.routes import (
    alerts,
    incidents,
    journal,
    messages,
    meta,
    operations,
    parties,
    party_keys,
    presence,
    reports,
    stream,
    tracks,
    webhooks,
    zones,
)
from deconfliction.api.signatures import PartySignatures
from deconfliction.hub import Hub, Runner

DESCRIPTION = """
A self-hosted deconfliction hub. Parties stream the positions of their tracks, declare zones
and file planned operations; the hub predicts conflicts between them and tells only the
parties involved the minimum each needs to know.

Every request carries a party's bearer token (`Authorization: Bearer …`); every answer holds
only what that party may see. Units: WGS84 degrees, metres, metres per second, degrees
true; times are RFC 3339 (input also takes unix seconds). Errors are
`{"error": {"type", "message", "details"}}`.
"""


class Service(Protocol):
    """Something served beside the API on its event loop (the gateways)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_app(hub: Hub, *, run_cycle: bool = True, services: Sequence[Service] = ()) -> FastAPI:
    """The API of ``hub``. With ``run_cycle`` the hub's timers (detection cycle, deadlines)
    run in a background thread, and webhook deliveries in worker threads, while the app is
    served; tests pass False, tick by hand and drain webhooks by hand. ``services`` are
    started with the app and stopped before it ends."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = Runner(hub) if run_cycle else None
        if runner is not None:
            runner.start()
            hub.start()
        for service in services:
            await service.start()
        try:
            yield
        finally:
            for service in reversed(services):
                await service.stop()
            if runner is not None:
                hub.stop()
                runner.stop()

    app = FastAPI(
        title="deconfliction hub",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.docs with its files from the package
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.hub = hub
    errors.install(app)
    docs.install(app, "deconfliction hub")
    routers = (
        meta,
        parties,
        party_keys,
        reports,
        tracks,
        alerts,
        operations,
        messages,
        presence,
        webhooks,
        incidents,
        journal,
        zones,
        stream,
    )
    for module in routers:
        app.include_router(module.router, prefix="/v1")
    openapi.install(app)
    web.install(app, hub)  # the console at `/`: after the API, whose routes come first
    app.add_middleware(PartySignatures)
    app.add_middleware(Edge)  # added last: runs first, before any body is read
    return app
