"""The timeline of the Euphrates scenario: what each simulated party does, and when.

Every step is a call a real party's client would make (see :mod:`.clients`); the desks also
acknowledge their alerts a few seconds after they hear them, as a duty officer would. The
federation's air desk misses the coalition's flash call, which escalates to its command
desk; and it leaves the protected sites unacknowledged until the hub has chased it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from deconfliction.demo import scenario as s
from deconfliction.demo.clients import HubError, PartyClient
from deconfliction.demo.narrate import describe
from deconfliction.units import format_time

if TYPE_CHECKING:
    from deconfliction.demo.runner import Demo, DemoHub

ACK_AFTER_S = {s.COALITION: 6.0, s.FEDERATION: 9.0, s.HUMANITARIAN: 5.0}


class Scenario:
    """One run of the scenario against the demo's hub, through one client per party."""

    def __init__(self, demo: Demo, clients: dict[str, PartyClient]) -> None:
        self.demo = demo
        self.clock = demo.clock
        self.clients = clients
        self.loop = 0
        self.t0 = self.clock.now()
        self.flash_id: str | None = None
        self.pending: list[asyncio.Task[None]] = []
        self.moving = False

    # -- time ---------------------------------------------------------------------------

    def t(self) -> float:
        """Seconds since the start of this loop, on the hub's clock."""
        return self.clock.now() - self.t0

    async def at(self, t_s: float) -> None:
        """Wait until ``t_s`` seconds into the loop."""
        delay = self.clock.real_s(t_s - self.t())
        if delay > 0:
            await asyncio.sleep(delay)

    async def _sleep_until(self, t_s: float) -> None:
        """Like :meth:`at`, but wake up soon when the loop is stopping."""
        while self.moving and self.t() < t_s:
            await asyncio.sleep(min(0.1, self.clock.real_s(t_s - self.t())))

    def say(self, text: str) -> None:
        self.demo.out(f"T+{self.t():5.0f}s  {text}")

    def later(self, delay_s: float, action: Callable[[], Awaitable[Any]]) -> None:
        async def run() -> None:
            await asyncio.sleep(self.clock.real_s(delay_s))
            await action()

        self.pending.append(asyncio.create_task(run()))

    # -- what the desks hear ------------------------------------------------------------

    def listener(self, party: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def hear(event: dict[str, Any]) -> None:
            line = describe(party, event)
            if line:
                self.say(line)
            if event["kind"] == "alert.opened":
                alert_id = event["data"]["id"]
                self.later(ACK_AFTER_S[party], lambda: self._ack_alert(party, alert_id))

        return hear

    async def _ack_alert(self, party: str, alert_id: str) -> None:
        with contextlib.suppress(HubError):  # already closed or acknowledged: nothing to do
            await self.clients[party].acknowledge_alert(alert_id)

    # -- the timeline -------------------------------------------------------------------

    async def setup(self) -> None:
        """Zones and sites, declared once (again on a kept database: nothing changes)."""
        coalition, humanitarian = self.clients[s.COALITION], self.clients[s.HUMANITARIAN]
        for zone_id, feature in s.coalition_zones().items():
            await coalition.put_zone(zone_id, feature)
        self.say(
            "coalition declares the Euphrates deconfliction line (5 km, notify before "
            "entry) and the 55 km zone around at-Tanf"
        )
        valid_to = format_time(self.clock.now() + 30 * 86_400)
        for zone_id, feature in s.protected_sites(valid_to).items():
            await humanitarian.put_zone(zone_id, feature)
        self.say(
            "humanitarian declares a hospital, a camp and a convoy route as protected, "
            "shared with both"
        )

    async def run_loop(self) -> None:
        self.loop += 1
        self.t0 = self.clock.now()
        self.say(f"--- loop {self.loop} ---")
        self.moving = True
        movers = asyncio.create_task(self.move())
        try:
            await self.timeline()
        finally:
            for task in self.pending:
                task.cancel()
            self.pending = []
            # Let the report in flight finish (stopped or not): a request cut in the middle
            # of its body is an error on the hub's side.
            self.moving = False
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(movers, timeout=5)

    async def move(self) -> None:
        """Every party reports its movers every ``REPORT_EVERY_S``, until the loop ends."""
        while self.moving and self.t() < s.LOOP_S:
            t, now = self.t(), self.clock.now()
            for party, client in self.clients.items():
                items = [m.report(t, now) for m in s.MOVERS if m.party == party]
                if items:
                    await client.report(items)
            await self._sleep_until(t + s.REPORT_EVERY_S)

    async def timeline(self) -> None:
        c, f, h = (self.clients[p] for p in (s.COALITION, s.FEDERATION, s.HUMANITARIAN))
        survey, inspection = f"road-survey-{self.loop}", f"bridge-inspection-{self.loop}"
        await self.at(5)
        start, end = self.clock.now(), self.clock.now() + 3600
        await f.put_operation(survey, s.drone_operation(s.SURVEY_AREA, 40, start, end))
        self.say(f"federation files drone operation {survey} near al-Asharah (priority 40)")
        await self.at(s.FLASH_AT_S)
        flash = await c.send_message(
            {
                "to": s.FEDERATION,
                "channel": "air",
                "priority": "flash",
                "text": s.FLASH_TEXT,
                "text_language": "en",
                "ack_within_s": s.FLASH_ACK_WITHIN_S,
            }
        )
        self.flash_id = flash["id"]
        self.say(
            "coalition → federation, air, flash: converging traffic east of Mayadin "
            f"(acknowledge within {s.FLASH_ACK_WITHIN_S:.0f} s)"
        )
        if self.loop == 1:
            await self.at(8)
            for zone_id in s.SITE_IDS:
                await c.acknowledge_zone(zone_id)
            self.say("coalition acknowledges the three protected sites; the federation does not")
        await self.at(15)
        notice = await h.send_message(self._crossing_notice())
        self.say("humanitarian → coalition, ground: crossing notice for convoy-1 at the bridge")
        await self.at(25)
        await c.put_operation(
            inspection, s.drone_operation(s.INSPECTION_AREA, 60, self.clock.now(), end)
        )
        self.say(
            f"coalition files drone operation {inspection} over the same crossing (priority 60)"
        )
        await self.at(60)
        await self._move_survey(f, survey, start, end)
        # The ground desk answers the notice late, well after the flash call escalated: until
        # the convoy's alert resolves, a console shows the four events together.
        await self.at(s.CROSSING_ACK_AT_S)
        await c.acknowledge_message(notice["id"])
        self.say("coalition acknowledges the crossing notice: convoy-1's crossing is expected")
        await self.at(80)
        if self.flash_id is not None:
            await f.acknowledge_message(self.flash_id)
            self.say("federation's command desk acknowledges the escalated flash call")
        if self.loop == 1:
            await self.at(95)
            for zone_id in s.SITE_IDS:
                await f.acknowledge_zone(zone_id)
            self.say("federation acknowledges the protected sites after the hub's reminder")
        await self.at(110)
        incident = await c.report_incident(self._incident())
        self.say(f"coalition reports incident {incident['id']}; {_closest(incident)}")
        await self.at(120)
        await f.add_account(incident["id"], s.ACCOUNT_NARRATIVE)
        self.say("federation adds its account of the encounter")
        await self.at(s.LOOP_S)
        for client, operation in ((f, survey), (c, inspection)):
            await client.end_operation(operation)
        self.say("both drone operations end")

    async def _move_survey(self, f: PartyClient, survey: str, start: float, end: float) -> None:
        current = await f.call("GET", f"/v1/operations/{survey}")
        plan = s.drone_operation(s.SURVEY_MOVED, 40, start, end)
        plan["version"] = current["version"]
        await f.put_operation(survey, plan)
        self.say(f"federation moves {survey} downstream, clear of the inspection")

    def _crossing_notice(self) -> dict[str, Any]:
        return {
            "to": s.COALITION,
            "channel": "ground",
            "priority": "urgent",
            "template": "crossing_notice",
            "fields": {
                "who": "Relief convoy, 8 marked trucks",
                "tracks": [s.CONVOY.track],
                "route": s.CROSSING_PLACES,
                "start": format_time(self.clock.now()),
                "duration_s": "45min",
                "domain": "ground",
                "zones": [s.LINE_ID],
            },
        }

    def _incident(self) -> dict[str, Any]:
        return {
            "kind": "unsafe_air_encounter",
            "start": format_time(self.t0 + 40),
            "end": format_time(self.t0 + 105),
            "lat": s.ENCOUNTER[0],
            "lon": s.ENCOUNTER[1],
            "narrative": s.INCIDENT_NARRATIVE,
            "tracks": [s.COAL21.track, {"party": s.FEDERATION, "track": s.FED14.track}],
        }


def _closest(incident: dict[str, Any]) -> str:
    """The closest approach the hub computed from what it recorded, in words."""
    for encounter in incident.get("evidence", {}).get("encounters", []):
        approach = encounter.get("closest_approach")
        if approach:
            return (
                f"the hub's evidence: closest approach {approach['horizontal_m'] / 1000:.1f} km "
                f"and {approach['vertical_m']:.0f} m, separation lost for "
                f"{approach['loss_of_separation_s']:.0f} s"
            )
    return "the hub found no encounter in its records"


async def play_scenario(demo: Demo, hub: DemoHub) -> None:
    """Add the parties and agreements (the operator's side), then play the loops."""
    tokens = {name: hub.add_party(name, lang, tz) for name, lang, tz in s.PARTIES}
    for a, b in s.AGREEMENTS:
        hub.agree(a, b)
    clients = {name: PartyClient(demo.url, name, token) for name, token in tokens.items()}
    scenario = Scenario(demo, clients)
    try:
        for name, client in clients.items():
            client.follow(scenario.listener(name), after=hub.last_event_seq(name))
        demo.announce(tokens, "three parties along the Euphrates, Raqqa to Abu Kamal")
        scenario.say("--- set-up: zones and protected sites ---")
        await scenario.setup()
        while not demo.options.loops or scenario.loop < demo.options.loops:
            await scenario.run_loop()
            demo.loops_done = scenario.loop
            if not demo.options.loops or scenario.loop < demo.options.loops:
                scenario.say(f"pause: tracks go stale, alerts expire ({s.PAUSE_S:.0f} s)")
                await scenario.at(s.LOOP_S + s.PAUSE_S)
    finally:
        for client in clients.values():
            await client.close()
