"""The hub for tests: its API served by uvicorn in a thread of the test process, on a given
socket; its command line run in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def serving(app: Any, listener: socket.socket) -> Iterator[int]:
    """Serve ``app`` on ``listener`` until the block ends; yields the port."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        thread.join(0.02)
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


def run_cli(env: dict[str, str], *args: str) -> str:
    """``deconfliction ARGS`` in a subprocess with ``env`` (from the repository's root);
    its standard output. Fails the test if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "deconfliction", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
