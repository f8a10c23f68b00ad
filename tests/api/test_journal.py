"""The journal over HTTP: the hub's key, receipts, checkpoints on demand, a party's view that
the standalone verifier accepts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson

from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import TrackPair
from deconfliction.journal.checkpoint import Checkpoint, verify_checkpoint
from deconfliction.journal.signing import parse_public_key
from deconfliction.model.alert import AlertKind, Severity
from tests.conftest import Deployment
from tests.scenarios import report, track_conflict_views

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_journal.py"


def run_tool(path: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(TOOL), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_hub_key_is_public(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    body = d.app_client.get("/v1/journal/key").json()  # no credential
    assert body["public_key"] == d.hub.journal.public_key_b64
    assert body["key_id"] == d.hub.journal.key_id and body["algorithm"] == "ed25519"
    assert (
        parse_public_key(body["pem"]).public_bytes_raw()
        == d.hub.journal.public_key.public_bytes_raw()
    )


def test_receipts_carry_the_latest_checkpoint_and_one_can_be_had_on_demand(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    blue = d.client("blue")
    first = blue.post("/v1/reports", json=[report("a")]).json()["receipt"]
    assert first["checkpoint"] is None

    signed = blue.post("/v1/journal/checkpoints").json()
    second = blue.post("/v1/reports", json=[report("b")]).json()["receipt"]

    assert (signed["seq"], signed["hash"]) == (first["seq"], first["hash"])
    checkpoint = Checkpoint.from_json(signed)
    assert verify_checkpoint(checkpoint, d.hub.journal.public_key)
    assert second["checkpoint"] == signed  # the latest one precedes the entry...
    covering = d.client("admin").post("/v1/journal/checkpoints").json()
    assert covering["seq"] == second["seq"]  # ...and a covering one is there on demand
    assert blue.post("/v1/journal/checkpoints").json() == covering  # the head did not move


def test_a_party_reads_its_view_and_the_standalone_script_verifies_it(
    deploy: Callable[..., Deployment], tmp_path: Path
) -> None:
    d = deploy("blue", "red")
    d.client("blue").post("/v1/reports", json=[report("blue-track")])
    d.client("red").post("/v1/reports", json=[report("r1")])
    d.client("blue").post("/v1/journal/checkpoints")

    response = d.client("red").get("/v1/journal", params={"after": 0})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    # the hub key, the admin token, two parties, two batches
    assert response.headers["x-deconfliction-journal-head"] == "6"
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert lines[0]["redacted_for"] == "red" and lines[0]["latest_checkpoint"]["seq"] == 6
    entries = [line for line in lines if line["type"] == "entry"]
    assert [e.get("kind") for e in entries] == ["hub.key", None, None, None, None, "reports"]
    assert b"blue-track" not in response.content  # blue's report is not in red's view
    path = tmp_path / "red.jsonl"
    path.write_bytes(response.content)
    code, output = run_tool(path, "--key", d.hub.journal.public_key_b64)
    assert code == 0, output
    assert output.startswith("OK: 6 entries, 4 redacted, 1 checkpoints")


def test_the_journal_is_read_page_by_page(
    deploy: Callable[..., Deployment], tmp_path: Path
) -> None:
    d = deploy("blue")
    for track in ("a", "b", "c"):
        d.client("blue").post("/v1/reports", json=[report(track)])
    blue = d.client("blue")

    first = blue.get("/v1/journal", params={"after": 0, "limit": 2}).content.splitlines()
    header = orjson.loads(first[0])
    assert (header["from_seq"], header["to_seq"], header["head_seq"]) == (1, 2, 6)
    rest = blue.get("/v1/journal", params={"after": header["to_seq"]}).content
    assert orjson.loads(rest.splitlines()[0])["to_seq"] == 6
    path = tmp_path / "rest.jsonl"
    path.write_bytes(rest)
    code, output = run_tool(path, "--key", d.hub.journal.public_key_b64)
    assert code == 0, output


def test_the_admin_reads_it_in_full_and_a_stranger_not_at_all(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue")
    d.client("blue").post("/v1/reports", json=[report("a")])
    full = d.client("admin").get("/v1/journal").content.splitlines()
    assert not any(orjson.loads(line).get("redacted") for line in full)
    assert d.app_client.get("/v1/journal").status_code == 401


def test_acknowledging_an_alert_returns_a_receipt(deploy: Callable[..., Deployment]) -> None:
    d = deploy("blue", "red")
    views = Lazy.of(track_conflict_views())
    finding = Finding(TrackPair("blue", "b1", "red", "r1"), Severity.PREDICTED, views)
    with d.hub.write() as unit:
        d.hub._alerts.reconcile(unit, {AlertKind.TRACK_TRACK}, [finding], lambda key: True)
    [alert] = d.client("blue").get("/v1/alerts").json()

    body = d.client("blue").post(f"/v1/alerts/{alert['id']}/ack").json()

    entries = {e.seq: e for e in d.hub._store.journal_entries()}
    receipt = body["receipt"]
    assert entries[receipt["seq"]].hash == receipt["hash"]
    assert (entries[receipt["seq"]].party, entries[receipt["seq"]].kind) == (
        "blue",
        "alert.acknowledged",
    )
