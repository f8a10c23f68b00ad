"""The console: the static files of ``deconfliction/web`` served at ``/``, and its settings.

The console is a client of ``/v1`` like any other; it needs no build step and loads nothing
from any host but the hub (the Content-Security-Policy below says so to the browser too,
allowing one more origin only when the operator set ``basemap_url``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from deconfliction.hub import Hub

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".geojson": "application/json"}


def content_security_policy(basemap_url: str) -> str:
    """Only the hub itself (and the configured basemap's origin, if any)."""
    extra = ""
    if basemap_url:
        parts = urlsplit(basemap_url)
        extra = f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; connect-src 'self'{extra}; img-src 'self' data: blob:{extra}; "
        "worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


class ConsoleFiles(StaticFiles):
    """Static files with the console's headers: no cross-origin loads, no referrer."""

    def __init__(self, *, directory: Path, policy: str) -> None:
        super().__init__(directory=directory, html=True)
        self._policy = policy

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        media_type = _TYPES.get(Path(path).suffix)
        if media_type is not None:
            response.headers["content-type"] = media_type
        response.headers["content-security-policy"] = self._policy
        response.headers["referrer-policy"] = "no-referrer"
        response.headers["x-content-type-options"] = "nosniff"
        # A stale copy of the console must not outlive an upgrade of the hub.
        response.headers["cache-control"] = "no-cache"
        return response


def install(app: FastAPI, hub: Hub) -> None:
    """Serve the console at ``/`` (call after every API route: the mount takes the rest)."""

    @app.get("/console.json", include_in_schema=False)
    async def console_settings() -> JSONResponse:
        return JSONResponse({"basemap_url": hub.settings.basemap_url})

    policy = content_security_policy(hub.settings.basemap_url)
    app.mount("/", ConsoleFiles(directory=WEB_DIR, policy=policy), name="console")
