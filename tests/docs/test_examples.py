"""Every example of the README and docs/ runs against a hub started by the test, and prints
what the page says it prints (conventions: tests/docs/blocks.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.docs.blocks import blocks
from tests.docs.session import REPO, run_page

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PARALLEL_PAGES = 4
RUNNABLE = [page for page in PAGES if any(block.runs for block in blocks(page))]


@pytest.fixture(scope="module")
def cli_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """The fork server that runs ``deconfliction`` for the examples (or None: the real one)."""
    if os.environ.get("DOCS_REAL_CLI") == "1" or not sys.platform.startswith("linux"):
        yield None
        return
    path = str(tmp_path_factory.mktemp("cli") / "cli.sock")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.docs.cli_server", path],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    yield path
    server.kill()
    server.wait()


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    cli_socket: str | None,
) -> dict[Path, BaseException | None]:
    """Run the selected pages at once, a few at a time (each with its own hub and folder):
    most of a page's time is spent waiting on its examples' processes and pauses."""
    selected = {
        item.callspec.params["page"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }

    def run(page: Path) -> BaseException | None:
        folder = tmp_path_factory.mktemp(page.stem)
        try:
            run_page([block for block in blocks(page) if block.runs], folder, cli_socket)
        except BaseException as error:  # reported by the page's own test
            return error
        return None

    with ThreadPoolExecutor(max_workers=PARALLEL_PAGES) as pool:
        return dict(zip(sorted(selected), pool.map(run, sorted(selected)), strict=True))


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda page: page.name)
def test_the_examples_of_the_page_run(
    page: Path, outcomes: dict[Path, BaseException | None]
) -> None:
    error = outcomes[page]
    if error is not None:
        raise error
