"""A throwaway PostgreSQL server for the tests and benchmarks: Debian's binaries, a data
directory in a temporary folder, listening on 127.0.0.1 (and a unix socket in that folder)
only, with trust authentication for the ``postgres`` role.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` system
user (or ``nobody``), which owns the folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

# Settings for a test server: nothing needs to survive a crash of the machine.
FAST = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "64MB",
}
TEMPLATE = "deconfliction_template"


def find_bindir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian puts them in
    /usr/lib/postgresql/<major>/bin), or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: int(re.sub(r"\D", "", Path(p).parts[-3]) or 0))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(Path(stat).parent.name))
    return found


def _server_user() -> str | None:
    """Who runs the server when we are root (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL")


class PostgresServer:
    """One PostgreSQL server (a primary, or a standby made from one) in ``root``."""

    def __init__(
        self,
        bindir: Path,
        root: Path | None = None,
        *,
        settings: dict[str, str] | None = None,
        name: str = "primary",
    ) -> None:
        self.bindir = bindir
        self.user = _server_user()
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="dpg"))  # short: a socket path has a limit
            self._owns_root = True
        else:
            root.mkdir(parents=True, exist_ok=True)
            self._owns_root = False
        self.root = root
        self.data = root / name
        self.log = root / f"{name}.log"
        self.port = free_port()
        self.settings = settings or {}
        if self.user is not None:
            shutil.chown(root, self.user)
            root.chmod(0o700)

    # -- running its commands -----------------------------------------------------------

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr or result.stdout}"
                + self._log_tail()
            )
        return result

    def _log_tail(self) -> str:
        try:
            return "\nserver log:\n" + self.log.read_text()[-3000:]
        except OSError:
            return ""

    def _configure(self, settings: dict[str, str]) -> None:
        lines = [f"{key} = '{value}'" for key, value in settings.items()]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# deconfliction tests\n" + "\n".join(lines) + "\n")

    # -- lifecycle ----------------------------------------------------------------------

    def init(self) -> PostgresServer:
        """A new cluster (superuser ``postgres``, trust on loopback and the socket)."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._configure(
            {
                "listen_addresses": "127.0.0.1",
                "unix_socket_directories": str(self.root),
                "wal_level": "replica",
                "max_wal_senders": "5",
                **self.settings,
            }
        )
        return self

    def init_standby(self, primary: PostgresServer) -> PostgresServer:
        """A streaming standby of ``primary``: ``pg_basebackup -R`` (it writes
        ``standby.signal`` and ``primary_conninfo``)."""
        self._run(
            "pg_basebackup",
            "-D",
            str(self.data),
            "-d",
            f"host=127.0.0.1 port={primary.port} user=postgres application_name={self.data.name}",
            "-X",
            "stream",
            "-c",
            "fast",
            "-R",
        )
        if self.settings:
            self._configure(self.settings)
        return self

    def start(self) -> PostgresServer:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def kill(self) -> None:
        """SIGKILL the postmaster and its children at once: a crash, as when the machine is
        lost (no backend lingers on to answer a client)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        for victim in [pid, *_children(pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.02)

    def promote(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "promote")

    def remove(self) -> None:
        self.stop("immediate")
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ----------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str, params: Any = None, *, dbname: str = "postgres") -> list[Any]:
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template``, if given); its URL."""
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
