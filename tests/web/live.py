"""A real hub for the browser tests: uvicorn serving ``create_app(hub)`` on a free loopback
port in a thread, with the detection cycle running on the system clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from deconfliction.api import create_app
from deconfliction.hub import Hub
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveHub:
    """A hub served over HTTP, with its parties' tokens and a client per party."""

    hub: Hub
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, party: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/v1",
            headers={"Authorization": f"Bearer {self.tokens[party]}"},
            timeout=10,
        )

    def post(self, party: str, path: str, body: Any) -> Any:
        with self.client(party) as client:
            answer = client.post(path, json=body)
            answer.raise_for_status()
            return answer.json()


@contextmanager
def serve(
    tmp: Path, parties: dict[str, str], *, agreements: bool = True, **settings: Any
) -> Iterator[LiveHub]:
    """A hub with ``parties`` ({name: language}), each pair agreed, served until the end."""
    hub = Hub(Settings().replace(**settings), SQLiteStore(tmp / "hub.db"))
    tokens = {"admin": hub.issue_admin_token() or ""}
    for name, language in parties.items():
        _, tokens[name] = hub.add_party(name, language=language)
    names = list(parties)
    if agreements:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                hub.set_agreement(Agreement(a, b))
    port = free_port()
    config = uvicorn.Config(
        create_app(hub), host="127.0.0.1", port=port, log_level="warning", ws="auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the hub did not start")
        time.sleep(0.02)
    try:
        yield LiveHub(hub, f"http://127.0.0.1:{port}", tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hub.close()
