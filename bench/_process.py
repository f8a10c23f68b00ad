"""What the benchmarks that run a real `deconfliction serve` share: a free port, and the CLI
run as a user would (its standard output)."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit


def free_port() -> int:
    """A loopback TCP port free at the time of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> str:
    """``deconfliction ARGS`` in a subprocess with ``env``; its standard output, stripped."""
    return subprocess.run(
        [sys.executable, "-m", "deconfliction", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def wait_ready(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout_s: float = 60.0
) -> None:
    """Wait until the hub at ``url`` answers ``GET /v1/health``; RuntimeError if it has not
    within ``timeout_s``, or if ``process`` (the hub's) exited meanwhile."""
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=1)
            conn.request("GET", "/v1/health")
            conn.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise RuntimeError(f"the hub at {url} did not start") from None
            time.sleep(0.05)
