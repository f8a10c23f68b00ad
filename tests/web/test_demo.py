"""``deconfliction demo`` as a newcomer runs it, at high speed: the command in a subprocess,
the URL and the tokens read from what it prints; then the four events the README promises
within the first minute — the predicted loss of separation, the convoy's crossing alert, the
escalated flash message and the protected sites — checked on the terminal, through the API
as each party, and on the console in chromium signed in as the coalition (screenshot: in
the test's tmp_path and ``artifacts/console/demo.png``, and the README's
``docs/images/demo.png`` when ``DECONFLICTION_SCREENSHOTS=docs/images``).

The tests run in this order against one demo: the console's must see the moment when all
four are on the page together (from the escalation, 26 s into the loop, until the convoy's
alert resolves, about 75 s): 16 s of real time at 3x.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from deconfliction.demo import scenario as s
from tests.web.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
SPEED = 3.0
SIZE = {"width": 1280, "height": 800}
ARMED = (s.COALITION, s.FEDERATION)
# What the terminal prints for each of the four events, as each party involved hears it.
PRINTED = {
    "loss of separation": [
        r"coalition +hears +ALERT predicted loss of separation: COAL21 and federation's",
        r"federation +hears +ALERT predicted loss of separation: FED14 and coalition's",
    ],
    "crossing alert": [
        r"humanitarian +hears +ALERT its convoy-1 enters in \d+ min: zone euphrates-line",
        r"coalition +hears +ALERT a track of humanitarian enters in \d+ min: zone euphrates-line",
    ],
    "escalation": [
        r"federation +hears +ESCALATED to federation's command desk: flash message \S+ from "
        r"coalition",
        r"coalition +hears +ESCALATED to federation's command desk: flash message",
    ],
    "protected sites": [
        rf"{party} +hears +zone {site} of humanitarian: .* \(protected\)"
        for party in ARMED
        for site in s.SITE_IDS
    ],
}


@dataclass
class RunningDemo:
    """``deconfliction demo`` in a subprocess and every line it printed so far."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout_s: float = 60) -> re.Match[str]:
        """The first printed line matching ``pattern`` (waiting for it)."""
        deadline = time.monotonic() + timeout_s
        while True:
            for line in list(self.lines):
                match = re.search(pattern, line)
                if match:
                    return match
            assert self.process.poll() is None, f"the demo ended:\n{self.text()}"
            assert time.monotonic() < deadline, f"no line matches {pattern!r}:\n{self.text()}"
            time.sleep(0.05)

    def get(self, party: str, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[party]}"}
        response = httpx.get(f"{self.url}{path}", headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def hub_time(self) -> datetime:
        """The hub's clock, which runs SPEED times faster than the machine's."""
        answer = httpx.get(f"{self.url}/v1/health", timeout=30).json()
        return datetime.fromisoformat(answer["time"].replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningDemo]:
    """``deconfliction demo --port 0 --speed 3``, as the README's ``make demo`` runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "deconfliction", "demo", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--speed", f"{SPEED:g}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    running = RunningDemo(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        running.url = running.wait_for(r"^  console   (http://\S+)/ ").group(1)
        for party, _, _ in s.PARTIES:
            running.tokens[party] = running.wait_for(rf"^    {party} +(\S+)$").group(1)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        reader.join(10)


# Whether every site given is drawn on the map, in view (a symbol, or a line).
SITES_DRAWN = """(sites) => {
  const drawn = window.__dcf.store.map.queryRenderedFeatures({layers: ["zone-site", "zone-line"]});
  const zones = new Set(drawn.map((f) => f.properties.zone));
  return sites.every((site) => zones.has(site));
}"""
# Whether the coalition's console shows, at this moment, the four events.
ALL_FOUR = f"""(sites) => !!(
  document.querySelector("#alerts li.card.alert[data-kind=track_track]") &&
  document.querySelector("#alerts li.card.alert[data-kind=track_zone]") &&
  document.querySelector("#panel-hotline li.card.message.outgoing[data-state=escalated]") &&
  ({SITES_DRAWN})(sites)
)"""


def test_the_console_shows_the_four_events_together(
    browser: Any, demo: RunningDemo, tmp_path: Path
) -> None:
    # The newcomer opens the printed URL once the demo has started, as the README says.
    demo.wait_for(r"coalition +hears +ALERT predicted loss of separation")
    demo.wait_for(r"coalition +hears +ALERT a track of humanitarian enters")
    context = browser.new_context(viewport=SIZE, bypass_csp=True)  # the tests evaluate script
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{demo.url}/")
    page.fill("#signin-token", demo.tokens[s.COALITION])
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#link[data-state=live]")
    page.wait_for_function("window.__dcf.store.ready === true && !!window.__dcf.store.map")

    # The predicted loss of separation: the coalition's COAL21 and the federation's traffic
    # (never the federation's track id).
    pair = page.locator("#alerts li.card.alert[data-kind=track_track]")
    expect(pair).to_contain_text("COAL21")
    expect(pair).to_contain_text("federation")
    expect(pair).not_to_contain_text("FED14")
    # The convoy's crossing alert: a track of the humanitarian organisation bound for the
    # coalition's deconfliction line.
    crossing = page.locator("#alerts li.card.alert[data-kind=track_zone]")
    expect(crossing).to_contain_text("humanitarian")
    expect(crossing).to_contain_text("Euphrates deconfliction line")
    # The flash call, escalated to the federation's command desk: on the command channel.
    page.click("#panel-hotline [data-channel=command]")
    flash = page.locator("#panel-hotline li.card.message.outgoing", has_text="east of Mayadin")
    expect(flash).to_have_attribute("data-state", "escalated", timeout=30_000)
    expect(flash.locator(".badge.priority")).to_contain_text("Flash")
    expect(flash.locator(".badge.state")).to_contain_text("Escalated")
    expect(flash.locator("li.step-escalated")).to_contain_text("Command ×1")
    expect(flash).to_contain_text("To federation")
    # The humanitarian organisation's protected sites, drawn on the map in view: signed in
    # after the alerts opened, the map shows the coalition's situation (not the world).
    page.wait_for_function(SITES_DRAWN, arg=list(s.SITE_IDS))
    view = page.evaluate(
        "(p) => { const map = window.__dcf.store.map;"
        " return [map.getZoom(), map.getBounds().contains(p)]; }",
        [s.ENCOUNTER[1], s.ENCOUNTER[0]],
    )
    assert view[0] >= 6 and view[1], view
    # All four on the page at once, as the README's picture shows them.
    assert page.evaluate(ALL_FOUR, list(s.SITE_IDS)), demo.text()

    # The console keeps the hub's time (which runs 3x), not the browser's: its countdowns
    # and deadlines read as they do at normal speed.
    console_now = page.evaluate("window.__dcf.hubNow()") / 1000
    assert abs(console_now - demo.hub_time().timestamp()) < 10
    page.evaluate("document.activeElement?.blur()")
    shot = page.screenshot(path=tmp_path / "demo.png")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "demo.png").write_bytes(shot)
    if os.environ.get("DECONFLICTION_SCREENSHOTS"):  # e.g. docs/images, the README's picture
        folder = ROOT / os.environ["DECONFLICTION_SCREENSHOTS"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "demo.png").write_bytes(shot)
    # Still all four: none of them comes back once gone, so the picture shows them all.
    assert page.evaluate(ALL_FOUR, list(s.SITE_IDS)), demo.text()

    # The zones panel lists the three sites, of the humanitarian organisation, protected.
    page.click("#tab-zones")
    for zone_id, feature in s.protected_sites("").items():
        card = page.locator(f"#panel-zones [data-zone='{zone_id}']")
        expect(card).to_contain_text(feature["properties"]["name"])
        expect(card).to_have_class(re.compile(r"\brule-protected\b"))
    assert not errors
    context.close()


def _alerts(demo: RunningDemo, party: str, kind: str) -> list[dict[str, Any]]:
    """The party's alerts of that kind, in the first loop's (on a slow machine, the demo may
    be in its second loop already)."""
    alerts = [a for a in demo.get(party, "/v1/alerts?state=all") if a["kind"] == kind]
    return sorted(alerts, key=lambda a: str(a["opened"]))[:1]


def _messages(demo: RunningDemo, party: str, **match: Any) -> list[dict[str, Any]]:
    """The party's messages that match, the first loop's."""
    page = demo.get(party, "/v1/messages?after=0")
    found = [m for m in page["messages"] if all(m.get(k) == v for k, v in match.items())]
    return sorted(found, key=lambda m: str(m["created"]))[:1]


def test_the_api_tells_each_party_its_part_of_the_four_events(demo: RunningDemo) -> None:
    demo.wait_for(r"federation +hears +ESCALATED", timeout_s=120)
    # The pair of transports: each side its own track, the other only as a party; the
    # predicted closest approach inside the minima (5 NM, 1,000 ft).
    [coal] = _alerts(demo, s.COALITION, "track_track")
    [fed] = _alerts(demo, s.FEDERATION, "track_track")
    assert coal["conflict"] == fed["conflict"]
    assert coal["own"]["track"] == "COAL21" and coal["other"]["party"] == s.FEDERATION
    assert fed["own"]["track"] == "FED14" and fed["other"]["party"] == s.COALITION
    assert "track" not in coal["other"] and "track" not in fed["other"]
    assert coal["geometry"]["d_cpa_m"] < 9260 and coal["geometry"]["dz_cpa_m"] < 304.8
    assert not _alerts(demo, s.HUMANITARIAN, "track_track")
    # The convoy's crossing alert: to the convoy's party and to the line's owner.
    [convoy] = _alerts(demo, s.HUMANITARIAN, "track_zone")
    [line] = _alerts(demo, s.COALITION, "track_zone")
    assert convoy["conflict"] == line["conflict"]
    assert convoy["own"]["track"] == "convoy-1" and convoy["other"]["party"] == s.COALITION
    assert line["own"]["zone"]["id"] == s.LINE_ID and line["other"]["party"] == s.HUMANITARIAN
    assert not _alerts(demo, s.FEDERATION, "track_zone")
    # The flash call on air, escalated to the federation's command channel: both see it.
    for party in (s.COALITION, s.FEDERATION):
        [flash] = _messages(demo, party, priority="flash", to=s.FEDERATION)
        assert flash["from"] == s.COALITION and flash["channel"] == "air"
        assert flash["current_channel"] == "command" and flash["escalations"] >= 1
        steps = [(step["kind"], step["channel"]) for step in flash["history"]]
        assert ("escalated", "command") in steps
    # The protected sites: the humanitarian organisation's, seen by both armed parties.
    for party in ARMED:
        zones = {z["id"]: z for z in demo.get(party, "/v1/zones")["features"]}
        for site in s.SITE_IDS:
            assert zones[site]["properties"]["rule"] == "protected"
            assert zones[site]["deconfliction"]["owner"] == s.HUMANITARIAN


def _first_t(lines: list[str], pattern: str) -> float:
    for line in lines:
        match = re.match(r"T\+\s*(\d+)s\s+(.*)", line)
        if match and re.search(pattern, match.group(2)):
            return float(match.group(1))
    raise AssertionError(f"no line matches {pattern!r}")


def test_the_terminal_printed_the_same_events_within_the_first_minute(
    demo: RunningDemo,
) -> None:
    for patterns in PRINTED.values():
        for pattern in patterns:
            demo.wait_for(pattern, timeout_s=120)
    start = next(i for i, line in enumerate(demo.lines) if "--- loop 1 ---" in line)
    loop = demo.lines[start:]
    for event, patterns in PRINTED.items():
        lines = demo.lines if event == "protected sites" else loop  # declared at set-up
        for pattern in patterns:
            assert _first_t(lines, pattern) < 60, (event, pattern)
    assert "Traceback" not in demo.text()


def test_ctrl_c_stops_the_demo_and_removes_its_files(demo: RunningDemo) -> None:
    folder = Path(demo.wait_for(r"^  database  (\S+) \(removed at exit\)").group(1)).parent
    assert folder.exists()
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(30) == 0, demo.text()
    demo.wait_for(r"^demo stopped; hub closed, temporary database removed$", timeout_s=5)
    assert not folder.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{demo.url}/v1/health", timeout=5)
