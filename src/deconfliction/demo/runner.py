"""A hub for the demo: embedded store in a temporary folder (or ``--db``), a clock that runs at
the demo's speed, the API served by uvicorn in a thread; then the simulated parties play.

This is the operator's side (build the hub, add parties, record agreements, as
``deconfliction serve`` and ``party add`` do); everything a party does goes over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deconfliction.clock import ScaledClock
from deconfliction.settings import Settings

Output = Callable[[str], None]


class CannotServe(Exception):
    """The demo's hub cannot listen where it was asked to."""


@dataclass
class DemoOptions:
    """What ``deconfliction demo`` was asked for."""

    host: str = "127.0.0.1"
    port: int = 8000
    speed: float = 1.0
    db_path: Path | None = None
    loops: int = 0  # 0: until stopped
    linger: bool = False  # after the last loop, keep serving until stopped (tests, browsers)
    real: bool = False
    data: Path = Path("data/quickstart.csv.gz")
    settings: dict[str, str] = field(default_factory=dict)


def demo_settings(speed: float, overrides: dict[str, str]) -> Settings:
    """The hub's settings: its clock runs ``speed`` times faster, so the cycle (timed on the
    real clock) does too; a protected site is chased after 30 s instead of an hour, so that
    the chase shows within the first minute."""
    base = {
        "cycle_s": str(1.0 / speed),
        "cycle_min_s": str(0.2 / speed),
        "zone_ack_deadline_s": "30",
    }
    return Settings.from_sources({**base, **overrides})


class DemoHub:
    """The hub the demo's parties talk to, while inside ``with``."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.clock = ScaledClock(options.speed)
        self.settings = demo_settings(options.speed, options.settings)
        self._tmp: Path | None = None
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.hub: Any = None
        self.db_path: Path | None = None
        self.url = ""

    def __enter__(self) -> DemoHub:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        import uvicorn

        from deconfliction.api import create_app
        from deconfliction.gateways.webhook import WebhookSender
        from deconfliction.hub import Hub, hub_key_for, key_path_for
        from deconfliction.store import SQLiteStore

        if self.options.db_path is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="deconfliction-demo-"))
            self.db_path = self._tmp / "demo.db"
        else:
            self.db_path = self.options.db_path
        try:
            listener = socket.create_server((self.options.host, self.options.port))
        except OSError as error:
            raise CannotServe(
                f"cannot serve on {self.options.host}:{self.options.port}: {error.strerror} "
                "(is another hub running? choose another --port)"
            ) from None
        host, port = listener.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        store = SQLiteStore(self.db_path, synchronous=self.settings.sqlite_synchronous)
        self.clock = ScaledClock(self.options.speed, start_s=_resume_s(store))
        key = hub_key_for(store, key_path_for(self.db_path))
        self.hub = Hub(
            self.settings, store, clock=self.clock, key=key, webhook_sender=WebhookSender
        )
        config = uvicorn.Config(
            create_app(self.hub),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=300,  # quiet parties keep their connection
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="demo-hub", daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise CannotServe("the demo's hub did not start (see the log above)")
            self._thread.join(0.02)

    def add_party(self, name: str, language: str = "en", timezone: str = "UTC") -> str:
        """The party's token: a new party, or a new token for one the database has."""
        from deconfliction.errors import AlreadyExists

        try:
            _, token = self.hub.add_party(name, language=language, timezone=timezone)
        except AlreadyExists:
            token = self.hub.rotate_token(name)
        return str(token)

    def agree(self, party_a: str, party_b: str) -> None:
        from deconfliction.model import Agreement

        self.hub.set_agreement(Agreement(party_a, party_b))

    def last_event_seq(self, party: str) -> int:
        """The number of the party's latest event (its client follows from there)."""
        return int(self.hub.last_event_seq(party))

    def close(self) -> None:
        """Stop serving, close the hub, remove the temporary folder (not a ``--db``)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self.hub is not None:
            self.hub.close()
            self.hub = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _resume_s(store: Any) -> float:
    """Now, or just after the last checkpoint of a kept database whose clock ran ahead of
    ours at a higher speed: a hub's clock never goes back."""
    from deconfliction.units import parse_time

    checkpoint = store.latest_checkpoint()
    last = -math.inf if checkpoint is None else parse_time(checkpoint.time) + 1.0
    return max(time.time(), last)


class Demo:
    """``run()`` serves the hub and plays the scenario (or the ADS-B replay) until its loops
    are done, :meth:`stop` is called (from any thread) or Ctrl-C; then everything is closed
    and the temporary folder removed."""

    def __init__(self, options: DemoOptions, out: Output = print) -> None:
        self.options = options
        self.out = out
        self.clock = ScaledClock(options.speed)  # the hub's, once it runs
        self.ready = threading.Event()
        self.loops_done = 0
        self.url = ""
        self.tokens: dict[str, str] = {}
        self.hub: DemoHub | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def run(self) -> None:
        with DemoHub(self.options) as hub:
            self.hub, self.url, self.clock = hub, hub.url, hub.clock
            try:
                asyncio.run(self._main(hub))
            finally:
                self.ready.set()  # nobody waits for a demo that has ended
                self.out("demo stopped; hub closed" + self._kept())

    def _kept(self) -> str:
        if self.options.db_path is None:
            return ", temporary database removed"
        return f", database kept in {self.options.db_path}"

    def stop(self) -> None:
        self._stopped = True
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)

    async def _main(self, hub: DemoHub) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        if self._stopped:
            return
        with contextlib.suppress(asyncio.CancelledError):
            await self._play(hub)
            if self.options.linger:
                await asyncio.Event().wait()  # until stop() cancels this task

    def _play(self, hub: DemoHub) -> Coroutine[Any, Any, None]:
        if self.options.real:
            from deconfliction.demo.real import play_real

            return play_real(self, hub)
        from deconfliction.demo.play import play_scenario

        return play_scenario(self, hub)

    def announce(self, tokens: dict[str, str], what: str) -> None:
        """Print where to look and how to sign in, then say the demo is ready."""
        self.tokens = dict(tokens)
        self.out(f"deconfliction demo: {what}")
        self.out(f"  console   {self.url}/   (sign in with a party's token)")
        self.out(f"  API       {self.url}/docs")
        where = self.hub.db_path if self.hub is not None else None
        kept = "kept" if self.options.db_path is not None else "removed at exit"
        self.out(f"  database  {where} ({kept})")
        self.out(f"  speed     {self.options.speed:g}x; Ctrl-C stops")
        self.out("  tokens:")
        width = max(len(name) for name in tokens)
        for name, token in tokens.items():
            self.out(f"    {name:<{width}}  {token}")
        self.out("")
        self.ready.set()
