"""``/docs``: Swagger UI, served with its files from the package, so that the API's
documentation works on a network with no internet (FastAPI's default page loads them from
a CDN). The files are refreshed with ``tools/refresh_swagger_ui.py``; ReDoc is not served
(its script would come from a CDN too)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "swagger_ui"
DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"


def install(app: FastAPI, title: str) -> None:
    """Serve Swagger UI at ``/docs`` for ``app``'s OpenAPI schema (create the app with
    ``docs_url=None, redoc_url=None``)."""

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon-32x32.png",
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="swagger-ui")
