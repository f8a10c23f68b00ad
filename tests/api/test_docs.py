"""The API's documentation page works on a network with no internet: Swagger UI's files are
served by the hub itself, from the package."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import Deployment

MAX_ASSET_BYTES = 2 * 1024 * 1024


def test_docs_load_nothing_from_elsewhere(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    page = d.app_client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url: ?["']([^"']+)["']""", page.text)
    assert urls, page.text
    assert not [u for u in urls if "://" in u or u.startswith("//")], urls
    for url in urls:
        asset = d.app_client.get(url)
        assert asset.status_code == 200, url
        assert 0 < len(asset.content) < MAX_ASSET_BYTES, url
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts and "SwaggerUIBundle" in d.app_client.get(scripts[0]).text


def test_redoc_is_not_served(deploy: Callable[..., Deployment]) -> None:
    """ReDoc would load its script from a CDN: the hub serves Swagger UI only."""
    d = deploy()
    assert d.app_client.get("/redoc").status_code == 404


def test_the_docs_follow_the_root_path_of_a_proxy(deploy: Callable[..., Deployment]) -> None:
    from fastapi.testclient import TestClient

    d = deploy()
    behind = TestClient(d.app_client.app, root_path="/hub")
    text = behind.get("/docs").text
    assert "/hub/openapi.json" in text and "/hub/docs/assets/" in text
