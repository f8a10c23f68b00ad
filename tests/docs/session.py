"""Running a page's examples as a reader would: in a folder laid out like the repository
(``.venv/bin``, ``data/``, ``tools/``), against ``make run``'s hub (the same ``Hub`` and app,
served by uvicorn on a free port, database ``./deconfliction.db``), in one bash session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.docs.blocks import Block, unmatched
from tests.served import serving

REPO = Path(__file__).resolve().parents[2]
MARK = "@@docs-block@@"
UNTIL_CTRL_C = "# until Ctrl-C"


@dataclass
class Hub:
    url: str
    port: int
    admin_token: str


@contextmanager
def running_hub(folder: Path) -> Iterator[Hub]:
    """``deconfliction serve --db ./deconfliction.db --setting webhook_allowed_internal
    127.0.0.1`` in ``folder``, in this process (the pages' webhooks point to this machine;
    docs/api.md says so where it sets one)."""
    from deconfliction.api import create_app
    from deconfliction.hub import Hub as HubObject
    from deconfliction.hub import hub_key_for, key_path_for
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    db = folder / "deconfliction.db"
    store = SQLiteStore(db)
    hub = HubObject(
        Settings(webhook_allowed_internal="127.0.0.1"),
        store,
        key=hub_key_for(store, key_path_for(db)),
    )
    admin = hub.issue_admin_token(only_first=True) or ""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        with serving(create_app(hub), listener) as port:
            yield Hub(f"http://127.0.0.1:{port}", port, admin)
    finally:
        hub.close()


def layout(folder: Path, cli_socket: str | None) -> None:
    """The repository as a reader has it after ``make run``: ``.venv/bin/python`` and
    ``.venv/bin/deconfliction`` (through the fork server when ``cli_socket`` is given)."""
    venv = Path(sys.prefix)
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    if (venv / "pyvenv.cfg").exists():  # the same environment, seen from this .venv
        shutil.copy(venv / "pyvenv.cfg", folder / ".venv" / "pyvenv.cfg")
        (folder / ".venv" / "lib").symlink_to(venv / "lib")
    real = Path(sys.executable).parent / "deconfliction"
    command = bin_dir / "deconfliction"
    if cli_socket is None:
        command.symlink_to(real)
    else:
        client = REPO / "tests" / "docs" / "cli_client.py"
        command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "{client}" "$@"\n')
        command.chmod(0o755)
    for name in ("data", "tools"):
        (folder / name).symlink_to(REPO / name)


def script(blocks: list[Block], port: int) -> str:
    """One bash script for a page: each example, then a marker line to split the output."""
    parts = ["set -e -a", UNTIL_CTRL_C_FUNCTION]
    for block in blocks:
        text = block.text.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        if block.language == "python":
            parts.append(f".venv/bin/python - <<'DOCS_PYTHON_EOF'\n{text}DOCS_PYTHON_EOF")
        else:
            parts.append("\n".join(_interruptible(line) for line in text.splitlines()))
        parts.append(f"echo '{MARK}'")
    return "\n".join(parts) + "\n"


def _interruptible(line: str) -> str:
    if not line.rstrip().endswith(UNTIL_CTRL_C):
        return line
    return "docs_until_ctrl_c " + line.rstrip()[: -len(UNTIL_CTRL_C)].rstrip()


# Runs a follower (a stream client) with its input kept open, until it has printed two lines
# (or 20 s), then stops it as Ctrl-C would, and shows what it printed. A line that is only a
# prompt (the websockets client's "> ") does not count: the first event may come after it.
UNTIL_CTRL_C_FUNCTION = """
docs_until_ctrl_c() {
  local out i=0
  out=$(mktemp)
  "$@" < <(exec sleep 60 2>/dev/null) > "$out" 2>&1 &
  local pid=$!
  while [ $i -lt 200 ] && [ "$(grep -c '[^> ]' "$out")" -lt 2 ] && kill -0 $pid 2>/dev/null; do
    sleep 0.1; i=$((i + 1))
  done
  sleep 0.3
  kill -TERM $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  cat "$out"; rm -f "$out"
}
"""


def environment(hub: Hub, cli_socket: str | None) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DECONFLICTION_", "VIRTUAL_ENV", "PYTEST", "PYTHON"))
    }
    env.update(PATH=os.pathsep.join(path), ADMIN=hub.admin_token, PYTHONUNBUFFERED="1")
    if cli_socket is not None:
        env["DOCS_CLI_SOCKET"] = cli_socket
    return env


def run_page(blocks: list[Block], folder: Path, cli_socket: str | None) -> None:
    """Run the page's examples in ``folder``; fail with the block that went wrong."""
    layout(folder, cli_socket)
    with running_hub(folder) as hub:
        port = hub.port
        result = subprocess.run(
            ["bash", "-c", script(blocks, hub.port)],
            cwd=folder,
            env=environment(hub, cli_socket),
            capture_output=True,
            text=True,
            timeout=300,
        )
    outputs = result.stdout.split(MARK + "\n")
    for block, output in zip(blocks, outputs, strict=False):
        expected = [
            text.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for text in block.expectations()
        ]
        missing = unmatched(output, expected)
        if missing is not None:
            raise AssertionError(
                f"{block.where}: the example does not print {missing!r}.\n"
                f"--- example\n{block.text}--- it printed\n{output}\n--- stderr\n{result.stderr}"
            )
    if result.returncode != 0:
        block = blocks[min(len(outputs) - 1, len(blocks) - 1)]
        raise AssertionError(
            f"{block.where}: the example failed (exit {result.returncode}).\n"
            f"--- example\n{block.text}--- it printed\n{outputs[-1]}\n--- stderr\n{result.stderr}"
        )
