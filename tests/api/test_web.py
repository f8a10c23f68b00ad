"""The console served at `/` by the API app: its files, its settings, its headers."""

from collections.abc import Callable

from deconfliction.api.web import content_security_policy
from deconfliction.settings import Settings
from tests.conftest import Deployment


def test_the_console_is_served_at_the_root(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    page = d.app_client.get("/")
    assert page.status_code == 200 and "js/main.js" in page.text
    script = d.app_client.get("/js/main.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert d.app_client.get("/vendor/maplibre/maplibre-gl.mjs").status_code == 200
    # The API keeps its own paths.
    assert d.app_client.get("/v1/version").json()["api"] == "v1"
    assert d.app_client.get("/docs").status_code == 200


def test_the_console_loads_nothing_from_other_hosts(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue")
    policy = d.app_client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self';" in policy
    assert d.app_client.get("/console.json").json() == {"basemap_url": ""}


def test_a_basemap_server_is_the_one_other_origin(deploy: Callable[..., Deployment]) -> None:
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    d = deploy("blue", settings=Settings(basemap_url=url))
    assert d.app_client.get("/console.json").json() == {"basemap_url": url}
    assert "connect-src 'self' https://tiles.example.org;" in content_security_policy(url)
