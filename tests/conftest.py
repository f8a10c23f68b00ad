"""Fixtures shared by every test: a manual clock, a store on disk, hubs and API clients.

Stores, hubs and deployments run on SQLite and on PostgreSQL (the ``store_kind`` parameter,
``[sqlite]`` and ``[postgres]`` in test ids). The PostgreSQL server is real, started once per
session (``tests.postgres_server``); each test gets an empty database of its own. Both are
in the default run; ``-m "not postgres"`` runs SQLite only.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from deconfliction.api import create_app
from deconfliction.clock import ManualClock
from deconfliction.gateways.webhook import WebhookSender
from deconfliction.hub import Hub
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.postgres_server import FAST, TEMPLATE, PostgresServer, find_bindir
from tests.scenarios import T0, mgrs_by_hand


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the runs on PostgreSQL ``postgres``: ``-m "not postgres"`` leaves them out."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("store_kind") == "postgres":
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Report how many cases the fuzz tests made (tests/api/test_fuzz.py)."""
    from tests.api.test_fuzz import fuzz_summary

    for line in fuzz_summary(config):
        terminalreporter.write_line(line)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hub.db"


class PostgresDatabases:
    """Empty databases for tests on one server: made from a migrated template, emptied
    (every row deleted, every connection closed) and handed out again after each test."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._free: list[str] = []
        self._names = (f"test{n}" for n in itertools.count(1))
        server.create_database(TEMPLATE)
        from deconfliction.store.postgres import PostgresStore

        PostgresStore(server.url(TEMPLATE)).close()
        self._tables = [
            row[0]
            for row in server.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", dbname=TEMPLATE
            )
        ]

    def take(self) -> str:
        name = self._free.pop() if self._free else next(self._names)
        if name not in {row[0] for row in self.server.execute("SELECT datname FROM pg_database")}:
            self.server.create_database(name, template=TEMPLATE)
        return name

    def give_back(self, name: str) -> None:
        server = self.server
        server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        tables = {
            row[0]
            for row in server.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", dbname=name
            )
        }
        if tables != set(self._tables):
            server.drop_database(name)  # a test changed the schema: not reused
            return
        template_row = server.execute(
            "SELECT schema_version, last_write FROM deconfliction_store", dbname=TEMPLATE
        )[0]
        statements = [f"DELETE FROM {t}" for t in self._tables if t != "deconfliction_store"]
        server.execute(
            "; ".join(statements)
            + f"; UPDATE deconfliction_store SET schema_version = {int(template_row[0])}, "
            f"last_write = {int(template_row[1])}",
            dbname=name,
        )
        self._free.append(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this session (loopback only, in a temporary folder)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL's server binaries are not installed (apt-get install -y postgresql): "
            "the tests on PostgreSQL cannot run"
        )
    server = PostgresServer(bindir, settings=FAST).init().start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: PostgresServer) -> PostgresDatabases:
    return PostgresDatabases(postgres_server)


@pytest.fixture(params=["sqlite", "postgres"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store the test's hubs run on."""
    return str(request.param)


@pytest.fixture
def store_location(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], str | Path]]:
    """Factory: ``store_location("hub")`` → where this test's database named "hub" is (a
    file, or a PostgreSQL URL): the same place on each call."""
    made: dict[str, str | Path] = {}
    databases: PostgresDatabases | None = None

    def location(name: str = "hub") -> str | Path:
        nonlocal databases
        if name not in made:
            if store_kind == "sqlite":
                made[name] = tmp_path / f"{name}.db"
            else:
                if databases is None:
                    databases = request.getfixturevalue("postgres_databases")
                made[name] = databases.take()
        found = made[name]
        if isinstance(found, Path) or databases is None:
            return found
        return databases.server.url(found)

    yield location
    if databases is not None:
        for name in made.values():
            databases.give_back(str(name))


@pytest.fixture
def make_store(store_location: Callable[[str], str | Path]) -> Iterator[Callable[..., Store]]:
    """Factory: ``make_store("hub")`` opens this test's database "hub" (again, on a second
    call: what a restarted hub or a second process opens). Closed after the test unless a
    hub closed it."""
    from deconfliction.cli.common import open_store

    opened: list[Store] = []

    def make(name: str = "hub") -> Store:
        store = open_store(store_location(name))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()


@pytest.fixture
def hub_key() -> Ed25519PrivateKey:
    """The journal key of this test's hubs: one per test, so that a restarted hub accepts it."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hub(store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey) -> Hub:
    return Hub(Settings(), store, clock=clock, key=hub_key, webhook_sender=WebhookSender)


@dataclass
class Deployment:
    """A hub behind its API, with a client per party (and one for the admin)."""

    hub: Hub
    clock: ManualClock
    app_client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, party: str) -> TestClient:
        """A client that sends ``party``'s token (the admin's for ``"admin"``)."""
        client = TestClient(self.app_client.app)
        client.headers["Authorization"] = f"Bearer {self.tokens[party]}"
        return client


@pytest.fixture
def deploy(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> Iterator[Callable[..., Deployment]]:
    """Factory: ``deploy("blue", "red", settings=...)`` → a Deployment with those parties."""
    made: list[Hub] = []

    def make(*parties: str, settings: Settings | None = None, **languages: str) -> Deployment:
        store = make_store(f"hub{len(made)}")
        hub = Hub(
            settings or Settings(), store, clock=clock, key=hub_key, webhook_sender=WebhookSender
        )
        made.append(hub)
        deployment = Deployment(hub, clock, TestClient(create_app(hub, run_cycle=False)))
        deployment.tokens["admin"] = hub.issue_admin_token() or ""
        for name in parties:
            _, token = hub.add_party(name, language=languages.get(name, "en"))
            deployment.tokens[name] = token
        return deployment

    yield make
    for hub in made:
        hub.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder with ``quickstart.csv.gz``: the repository's ``data/`` (it ships with the
    project), else ``DECONFLICTION_SHARED_DATA`` or the project's shared data folder."""
    repository = Path(__file__).resolve().parents[1]
    for candidate in (
        str(repository / "data"),
        os.environ.get("DECONFLICTION_SHARED_DATA"),
        str(repository.parent / "shared" / "data"),
        "/work/shared/data",
    ):
        if candidate and (Path(candidate) / "quickstart.csv.gz").exists():
            return Path(candidate)
    pytest.skip("quickstart.csv.gz is neither in data/ nor in a shared data folder")


@pytest.fixture
def by_hand() -> Callable[..., str]:
    """MGRS of a point worked out by hand (see ``tests.scenarios.mgrs_by_hand``)."""
    return mgrs_by_hand
