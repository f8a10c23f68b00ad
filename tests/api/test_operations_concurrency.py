"""Filing plans over HTTP while other requests are served (issue 18).

A plan's geometry is read on a worker thread, off the event loop and without the hub's lock
(:meth:`~deconfliction.hub.Operations.prepare`); only its commit takes the lock, and the
owner's version is checked there, so two writes naming the same version cannot both win.

Each test makes the reading of a plan's volumes wait on an event (``read_volumes`` patched)
instead of relying on its duration: what is asserted meanwhile holds or fails whatever the
speed of the machine.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from deconfliction.model import operation_filing
from tests.conftest import Deployment
from tests.scenarios import op_volume, report, shifted


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    return deploy("blue", "red")


def disc(positions: int, lon: float = 2.31, lat: float = 48.81) -> dict[str, Any]:
    """A GeoJSON polygon of ``positions`` positions (the closing one included) around a
    circle of 0.01 degrees."""
    n = positions - 1
    ring = [
        [lon + 0.01 * math.cos(2 * math.pi * i / n), lat + 0.01 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def auth(d: Deployment, party: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {d.tokens[party]}"}


def test_a_large_filing_reads_its_geometry_off_the_event_loop_and_off_the_hub_lock(
    d: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, release = threading.Event(), threading.Event()
    read_volumes = operation_filing.read_volumes

    def held(*args: Any, **kwargs: Any) -> operation_filing.FiledVolumes:
        reading.set()
        assert release.wait(30)
        return read_volumes(*args, **kwargs)

    monkeypatch.setattr(operation_filing, "read_volumes", held)
    # 19,998 positions: just under operation_max_total_vertices (20,000).
    plan = {"volumes": [op_volume(disc(9_999, lon=2.31 + 1e-4 * k)) for k in range(2)]}
    answers: dict[str, Any] = {}
    with TestClient(d.app_client.app) as client:  # one event loop serves every request

        def send(name: str, method: str, url: str, party: str, body: Any) -> None:
            answers[name] = client.request(method, url, json=body, headers=auth(d, party))

        filing = threading.Thread(
            target=send, args=("filing", "PUT", "/v1/operations/survey-big", "blue", plan)
        )
        filing.start()
        try:
            assert reading.wait(30), "the filing never read its volumes"
            # The hub's lock is free while the filing's geometry is read...
            assert d.hub.call_if_free(lambda: "free", 0.0) == "free"
            # ... and the event loop serves another party's write, which takes that lock.
            other = threading.Thread(
                target=send, args=("report", "POST", "/v1/reports", "red", [report("r1")])
            )
            other.start()
            other.join(30)
            assert "report" in answers, "the event loop waited for the filing's geometry"
            assert "filing" not in answers
        finally:
            release.set()
            filing.join(30)
    assert answers["report"].status_code == 200
    assert answers["report"].json()["accepted"] == 1
    filed = answers["filing"]
    assert filed.status_code == 201, filed.text
    assert len(filed.json()["volumes"][0]["geometry"]["coordinates"][0]) == 9_999


def test_two_concurrent_replacements_naming_the_same_version_one_wins_one_gets_409(
    d: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "/v1/operations/survey-1"
    first = d.client("blue").put(url, json={"volumes": [op_volume()]})
    assert first.status_code == 201, first.text
    version = first.json()["version"]
    both_reading = threading.Barrier(2, timeout=30)
    read_volumes = operation_filing.read_volumes

    def together(*args: Any, **kwargs: Any) -> operation_filing.FiledVolumes:
        both_reading.wait()  # both requests are read at once: neither has committed yet
        return read_volumes(*args, **kwargs)

    monkeypatch.setattr(operation_filing, "read_volumes", together)
    answers: list[Any] = []
    with TestClient(d.app_client.app) as client:

        def replace(dlon: float) -> None:
            body = {"volumes": [shifted(dlon)], "version": version}
            answers.append(client.put(url, json=body, headers=auth(d, "blue")))

        writers = [threading.Thread(target=replace, args=(dlon,)) for dlon in (0.001, 0.002)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(60)
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 200).json()
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["error"]["type"] == "version_mismatch"
    assert d.client("blue").get(url).json()["version"] == won["version"] != version
    updated = [e for e in d.hub._store.journal_entries() if e.kind == "operation.updated"]
    assert [orjson.loads(e.content)["revision"] for e in updated] == [2]  # one replacement
