"""Fixtures of the console's browser tests: Debian's chromium driven by Playwright, a real
hub served on a loopback port, and signed-in pages."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.live import LiveHub, serve

CHROMIUM = os.environ.get("DECONFLICTION_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    # Debian's chromium (`playwright install` cannot download here); WebGL in software.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"the console tests need chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        "executable_path": CHROMIUM,
        "args": ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"],
    }


@pytest.fixture(scope="module")
def browser(browser_type_launch_args: dict[str, Any]) -> Iterator[Any]:
    """One chromium per test module, its Playwright stopped after it: pytest-playwright's
    session-wide one keeps an event loop running that later tests' asyncio.run() refuse."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**browser_type_launch_args)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveHub]:
    """A hub with blue (English) and red (Russian) that have an agreement."""
    with serve(tmp_path, {"blue": "en", "red": "ru"}) as hub:
        yield hub


@pytest.fixture
def signed_in(browser: Any, live: LiveHub) -> Iterator[Callable[..., Any]]:
    """Factory: ``signed_in("blue")`` → a page of a fresh browser context signed in as blue,
    its stream open and its state loaded."""
    contexts = []

    def open_page(
        party: str, *, width: int = 1366, height: int = 768, language: str | None = None
    ) -> Any:
        # bypass_csp: the tests evaluate script in the page (the console itself needs none)
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        sign_in(page, live, party, language=language)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, live: LiveHub, party: str, *, language: str | None = None) -> None:
    """Sign in through the form; the console then speaks the party's language unless
    ``language`` is chosen on the form."""
    page.goto(f"{live.url}/")
    if language is not None:
        page.select_option("#signin-language", language)
    page.fill("#signin-token", live.tokens[party])
    page.click("#signin-form button[type=submit]")
    if party == "admin":
        page.wait_for_selector("#operator table")
    else:
        page.wait_for_selector("#link[data-state=live]")
        page.wait_for_function("window.__dcf.store.ready === true && !!window.__dcf.store.map")
