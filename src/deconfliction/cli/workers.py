"""``serve --workers N``: N hub processes on one port, acting as one hub.

The first process (the one started) listens on HOST:PORT with ``SO_REUSEPORT`` and starts
N - 1 more of itself (the same command line, marked by ``DECONFLICTION_WORKER``), which
listen on the same port the same way: the kernel spreads new connections over them. Each
is a whole hub process on the same database (see docs/scaling.md: one of them runs
detection and the timers, all follow each other's writes). The gateways (TAK, ADS-B) run
in the first only. A worker that dies is started again after a second; stopping the first
stops them all.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

WORKER_ENV = "DECONFLICTION_WORKER"


def is_worker() -> bool:
    """Whether this process was started by ``serve --workers`` (not the first one)."""
    return bool(os.environ.get(WORKER_ENV))


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on HOST:PORT that other processes of the hub may share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(False)
    return sock


class Workers:
    """The other N - 1 processes, started again when one dies, stopped with :meth:`stop`."""

    def __init__(self, count: int) -> None:
        self._command = [sys.executable, "-m", "deconfliction", *sys.argv[1:]]
        self._env = {**os.environ, WORKER_ENV: "1"}
        self._stop = threading.Event()
        self._children = [self._start() for _ in range(count)]
        self._watch = threading.Thread(target=self._supervise, name="workers", daemon=True)
        self._watch.start()

    def _start(self) -> subprocess.Popen[bytes]:
        # In a session of their own: Ctrl-C in a terminal reaches the first process only,
        # which stops the others itself (else they would be started again meanwhile).
        return subprocess.Popen(self._command, env=self._env, start_new_session=True)

    def _supervise(self) -> None:
        while not self._stop.wait(1.0):
            for k, child in enumerate(self._children):
                code = child.poll()
                if code is not None and not self._stop.is_set():
                    log.error("hub worker %d exited (%s); starting it again", child.pid, code)
                    self._children[k] = self._start()

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stop.set()
        self._watch.join(timeout_s)
        for child in self._children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self._children:
            try:
                child.wait(timeout_s)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
