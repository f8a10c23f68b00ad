"""``deconfliction`` through the docs test's fork server (see :mod:`tests.docs.cli_server`).
Standard library only: run with ``python -S``."""

import json
import os
import socket
import sys

with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
    connection.connect(os.environ["DOCS_CLI_SOCKET"])
    request = {"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}
    socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
    answer = b""
    while len(answer) < 4:
        chunk = connection.recv(4 - len(answer))
        if not chunk:
            sys.exit(1)
        answer += chunk
sys.exit(int.from_bytes(answer, "big", signed=True))
