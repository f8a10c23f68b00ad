"""What the benchmarks that run a real `deconfliction serve` share: a free port, and the CLI
run as a user would (its standard output)."""

from __future__ import annotations

import socket
import subprocess
import sys


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
