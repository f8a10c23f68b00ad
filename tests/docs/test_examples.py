"""Every example of the README and docs/ runs against a hub started by the test, and prints
what the page says it prints (conventions: tests/docs/blocks.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.blocks import blocks
from tests.docs.session import REPO, run_page

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
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


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda page: page.name)
def test_the_examples_of_the_page_run(page: Path, tmp_path: Path, cli_socket: str | None) -> None:
    run_page([block for block in blocks(page) if block.runs], tmp_path, cli_socket)
