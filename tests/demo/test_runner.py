"""The demo at high speed: each event of the scenario, checked through the API while the
demo's hub runs, and what the terminal shows (within the first minute of scenario time)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from deconfliction.demo import scenario as s
from deconfliction.demo.runner import Demo, DemoOptions

SPEED = 20.0


@dataclass
class Ran:
    demo: Demo
    lines: list[str]
    db_dir: Path

    def client(self, party: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.demo.url,
            headers={"Authorization": f"Bearer {self.demo.tokens[party]}"},
            timeout=30,
        )

    def get(self, party: str, path: str) -> Any:
        with self.client(party) as client:
            response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def ran() -> Iterator[Ran]:
    """One loop of the scenario at 20x; the hub keeps serving until the checks are done."""
    lines: list[str] = []
    demo = Demo(DemoOptions(port=0, speed=SPEED, loops=1, linger=True), out=lines.append)
    thread = threading.Thread(target=demo.run, daemon=True)
    thread.start()
    assert demo.ready.wait(60), "\n".join(lines)
    deadline = time.monotonic() + 120
    while demo.loops_done < 1:
        assert thread.is_alive() and time.monotonic() < deadline, "\n".join(lines)
        time.sleep(0.1)
    assert demo.hub is not None and demo.hub.db_path is not None
    db_dir = demo.hub.db_path.parent
    yield Ran(demo, lines, db_dir)
    demo.stop()
    thread.join(30)
    assert not thread.is_alive()


def _alerts(ran: Ran, party: str, kind: str) -> list[dict[str, Any]]:
    return [a for a in ran.get(party, "/v1/alerts?state=all") if a["kind"] == kind]


def test_it_prints_the_console_and_one_working_token_per_party(ran: Ran) -> None:
    text = "\n".join(ran.lines)
    assert f"console   {ran.demo.url}/" in text
    assert set(ran.demo.tokens) == {s.COALITION, s.FEDERATION, s.HUMANITARIAN}
    for party, token in ran.demo.tokens.items():
        assert re.search(rf"^    {party} +{re.escape(token)}$", text, re.M)
        assert ran.get(party, "/v1/me")["name"] == party
    assert "?token=" not in text  # tokens are never put in URLs


def test_the_pair_of_transports_was_predicted_then_lost_separation(ran: Ran) -> None:
    [alert] = _alerts(ran, s.COALITION, "track_track")
    assert alert["own"]["track"] == "COAL21" and alert["other"]["party"] == s.FEDERATION
    assert "track" not in alert["other"]  # never the other side's track id
    assert alert["severity"] == "loss"
    assert alert["geometry"]["d_cpa_m"] < 9260 and alert["geometry"]["dz_cpa_m"] < 304.8
    [theirs] = _alerts(ran, s.FEDERATION, "track_track")
    assert theirs["own"]["track"] == "FED14" and theirs["conflict"] == alert["conflict"]


def test_the_convoys_crossing_alert_ended_with_the_acknowledged_crossing_notice(ran: Ran) -> None:
    [alert] = _alerts(ran, s.HUMANITARIAN, "track_zone")
    assert alert["own"]["track"] == "convoy-1" and alert["severity"] == "predicted"
    assert alert["state"] == "resolved"
    [owners] = _alerts(ran, s.COALITION, "track_zone")
    assert owners["own"]["zone"]["id"] == s.LINE_ID and owners["conflict"] == alert["conflict"]
    [crossing] = ran.get(s.HUMANITARIAN, "/v1/hotline/crossings")
    assert "convoy-1" in str(crossing)
    [notice] = _messages(ran, s.COALITION, template="crossing_notice")
    assert notice["channel"] == "ground" and notice["state"] == "acknowledged"


def _messages(ran: Ran, party: str, **match: Any) -> list[dict[str, Any]]:
    page = ran.get(party, "/v1/messages?after=0")
    return [m for m in page["messages"] if all(m.get(k) == v for k, v in match.items())]


def test_the_unacknowledged_flash_message_escalated_to_command(ran: Ran) -> None:
    [flash] = _messages(ran, s.COALITION, priority="flash", to=s.FEDERATION)
    assert flash["channel"] == "air" and flash["current_channel"] == "command"
    steps = [(step["kind"], step["channel"]) for step in flash["history"]]
    assert ("escalated", "command") in steps
    assert steps[-1] == ("acknowledged", "command")


def test_the_protected_sites_were_acknowledged_by_one_and_the_hub_chased_the_other(
    ran: Ran,
) -> None:
    for zone_id in s.SITE_IDS:
        zone = ran.get(s.HUMANITARIAN, f"/v1/zones/{zone_id}")
        acks = {a["party"]: a["time"] for a in zone["deconfliction"]["acknowledgements"]}
        assert set(acks) == {s.COALITION, s.FEDERATION}
        assert acks[s.COALITION] < acks[s.FEDERATION]
    chased = _messages(ran, s.FEDERATION, template="zone_unacknowledged")
    assert {m["fields"]["zone"] for m in chased} == set(s.SITE_IDS)
    assert all(m["channel"] == "command" for m in chased)
    assert not _messages(ran, s.COALITION, template="zone_unacknowledged")


def test_the_drone_operations_were_advised_to_both_and_resolved(ran: Ran) -> None:
    [mine] = _alerts(ran, s.COALITION, "operation_operation")
    [theirs] = _alerts(ran, s.FEDERATION, "operation_operation")
    assert mine["conflict"] == theirs["conflict"]
    assert mine["resolve_by"] == theirs["resolve_by"] == s.FEDERATION
    assert mine["state"] == "resolved"
    assert "operation" not in mine["other"]  # the federation does not share its plans


def test_the_incident_carries_the_computed_evidence_and_the_other_account(ran: Ran) -> None:
    [incident] = ran.get(s.COALITION, "/v1/incidents")
    assert incident["kind"] == "unsafe_air_encounter" and incident["reporter"] == s.COALITION
    [encounter] = incident["evidence"]["encounters"]
    approach = encounter["closest_approach"]
    assert approach["horizontal_m"] < 9260 and approach["vertical_m"] < 304.8
    assert approach["loss_of_separation_s"] > 0
    assert [a["party"] for a in incident["accounts"]] == [s.FEDERATION]
    assert ran.get(s.FEDERATION, f"/v1/incidents/{incident['id']}")["id"] == incident["id"]
    with ran.client(s.HUMANITARIAN) as client:  # not involved: it does not exist for it
        assert client.get(f"/v1/incidents/{incident['id']}").status_code == 404


def _first_t(lines: list[str], pattern: str) -> float:
    for line in lines:
        match = re.match(r"T\+\s*(\d+)s\s+(.*)", line)
        if match and re.search(pattern, match.group(2)):
            return float(match.group(1))
    raise AssertionError(f"no line matches {pattern!r}")


def test_the_terminal_shows_the_four_key_events_within_the_first_minute(ran: Ran) -> None:
    """Times are the scenario's (hub) seconds, so this holds at speed 1 too."""
    loop = ran.lines[ran.lines.index(next(x for x in ran.lines if "--- loop 1 ---" in x)) :]
    assert _first_t(loop, r"coalition +hears +ALERT predicted loss of separation") < 60
    assert _first_t(loop, r"coalition +hears +ALERT a track of humanitarian enters") < 60
    assert _first_t(loop, r"federation +hears +ESCALATED to federation's command desk") < 60
    assert _first_t(ran.lines, r"hears +zone deir-hospital of humanitarian") < 60
    for line in loop:
        assert "Traceback" not in line


def test_stopping_closes_the_hub_and_removes_the_temporary_folder() -> None:
    lines: list[str] = []
    demo = Demo(DemoOptions(port=0, speed=SPEED), out=lines.append)
    thread = threading.Thread(target=demo.run, daemon=True)
    thread.start()
    assert demo.ready.wait(60)
    assert demo.hub is not None and demo.hub.db_path is not None
    folder, url = demo.hub.db_path.parent, demo.url
    assert folder.exists()
    demo.stop()
    thread.join(30)
    assert not thread.is_alive() and not folder.exists()
    assert lines[-1] == "demo stopped; hub closed, temporary database removed"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/health", timeout=5)


def test_a_database_given_is_kept_with_its_key(tmp_path: Path) -> None:
    lines: list[str] = []
    db = tmp_path / "kept.db"
    demo = Demo(DemoOptions(port=0, speed=SPEED, db_path=db), out=lines.append)
    thread = threading.Thread(target=demo.run, daemon=True)
    thread.start()
    assert demo.ready.wait(60)
    assert f"  database  {db} (kept)" in lines
    demo.stop()
    thread.join(30)
    assert lines[-1] == f"demo stopped; hub closed, database kept in {db}"
    assert db.exists() and db.with_suffix(".key").exists()
