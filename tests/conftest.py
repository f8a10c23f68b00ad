"""Fixtures shared by every test: a manual clock, a store on disk, hubs and API clients."""

from __future__ import annotations

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
from deconfliction.hub import Hub
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore
from tests.scenarios import T0, mgrs_by_hand


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


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db_path)
    yield s
    s.close()


@pytest.fixture
def hub_key() -> Ed25519PrivateKey:
    """The journal key of this test's hubs: one per test, so that a restarted hub accepts it."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hub(store: SQLiteStore, clock: ManualClock, hub_key: Ed25519PrivateKey) -> Hub:
    return Hub(Settings(), store, clock=clock, key=hub_key)


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
    tmp_path: Path, clock: ManualClock, hub_key: Ed25519PrivateKey
) -> Iterator[Callable[..., Deployment]]:
    """Factory: ``deploy("blue", "red", settings=...)`` → a Deployment with those parties."""
    made: list[Hub] = []

    def make(*parties: str, settings: Settings | None = None, **languages: str) -> Deployment:
        store = SQLiteStore(tmp_path / f"hub{len(made)}.db")
        hub = Hub(settings or Settings(), store, clock=clock, key=hub_key)
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
    """The project's shared data folder (``DECONFLICTION_SHARED_DATA`` or ``/work/shared/data``)."""
    for candidate in (
        os.environ.get("DECONFLICTION_SHARED_DATA"),
        str(Path(__file__).resolve().parents[2] / "shared" / "data"),
        "/work/shared/data",
    ):
        if candidate and (Path(candidate) / "quickstart.csv.gz").exists():
            return Path(candidate)
    pytest.skip("the shared data folder with quickstart.csv.gz is not on this machine")


@pytest.fixture
def by_hand() -> Callable[..., str]:
    """MGRS of a point worked out by hand (see ``tests.scenarios.mgrs_by_hand``)."""
    return mgrs_by_hand
