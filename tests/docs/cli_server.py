"""A fork server for the ``deconfliction`` command, for the docs test only.

The docs call ``.venv/bin/deconfliction`` dozens of times; each start imports the hub (about
1.5 s). This server imports the command line once, then forks a child per call that runs
``deconfliction.cli.main`` with the caller's arguments, working directory, environment and
standard streams (passed over a Unix socket), and sends back the exit code. The client is
:mod:`tests.docs.cli_client`. ``DOCS_REAL_CLI=1`` makes the docs test use the real command.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys


def serve(path: str) -> None:
    from deconfliction.cli import main  # the import the calls would each pay for

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
        if os.fork() == 0:
            listener.close()
            _child(connection, json.loads(message), fds, main)
        for fd in fds:
            os.close(fd)
        connection.close()


def _child(connection: socket.socket, request: dict, fds: list[int], main: object) -> None:
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = os.fdopen(0, "r", closefd=False)
        sys.stdout = os.fdopen(1, "w", closefd=False)
        sys.stderr = os.fdopen(2, "w", closefd=False)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        try:
            main.main(args=request["argv"], prog_name="deconfliction")  # type: ignore[attr-defined]
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe: nothing left to say
                stream.flush()
        connection.sendall(code.to_bytes(4, "big", signed=True))
        os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1])
