"""``deconfliction demo --real``: recorded ADS-B traffic around Paris (``data/
quickstart.csv.gz``) replayed through the hub, each airline a party with its own client.

The data's times are moved to the hub's clock (the first snapshot is "now"), so the hub sees
live traffic; each airline's client posts its aircraft's reports over HTTP when their time
comes and prints the alerts its stream brings.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from deconfliction.demo.clients import PartyClient
from deconfliction.demo.narrate import describe

if TYPE_CHECKING:
    from deconfliction.demo.runner import Demo, DemoHub

LATE_S = 10.0  # a replay this far behind the hub's clock says so
GAP_S = 45.0  # between two passes over the data: tracks go stale, alerts expire


def load(path: Any) -> tuple[list[tuple[float, dict[str, list[dict[str, Any]]]]], list[str]]:
    """The snapshots as (time, report items by party), and the parties busiest first."""
    from deconfliction.gateways.replay import reports_by_party
    from deconfliction.gateways.snapshots import SnapshotReader

    snapshots = []
    counts: dict[str, int] = {}
    for snapshot in SnapshotReader(path, skip_bad=True):
        by_party = reports_by_party(snapshot, snapshot.time_s)
        for party, items in by_party.items():
            counts[party] = counts.get(party, 0) + len(items)
        snapshots.append((snapshot.time_s, by_party))
    return snapshots, sorted(counts, key=lambda p: (-counts[p], p))


async def play_real(demo: Demo, hub: DemoHub) -> None:
    snapshots, parties = load(demo.options.data)
    if not snapshots:
        demo.out(f"{demo.options.data} holds no traffic")
        return
    tokens = {party: hub.add_party(party) for party in parties}
    clients = {party: PartyClient(demo.url, party, token) for party, token in tokens.items()}
    first, last = snapshots[0][0], snapshots[-1][0]
    start = demo.clock.now()

    def listener(party: str) -> Any:
        async def hear(event: dict[str, Any]) -> None:
            line = describe(party, event)
            if line:
                demo.out(f"T+{demo.clock.now() - start:6.0f}s  {line}")

        return hear

    try:
        for party, client in clients.items():
            client.follow(listener(party), after=hub.last_event_seq(party))
        demo.announce(
            tokens,
            f"{len(snapshots)} snapshots of recorded ADS-B traffic around Paris, "
            f"{len(parties)} airlines as parties",
        )
        passes, warned = 0, False
        while not demo.options.loops or passes < demo.options.loops:
            offset = start - first + passes * (last - first + GAP_S)
            for time_s, by_party in snapshots:
                stamp = time_s + offset
                delay = demo.clock.real_s(stamp - demo.clock.now())
                if delay > 0:
                    await asyncio.sleep(delay)
                elif -delay * demo.clock.speed > LATE_S and not warned:
                    warned = True
                    demo.out(
                        f"the replay is {-delay * demo.clock.speed:.0f} s behind the hub's "
                        "clock: its tracks go stale; try a lower --speed"
                    )
                await asyncio.gather(
                    *(clients[p].report(_stamped(items, stamp)) for p, items in by_party.items())
                )
            passes += 1
            demo.loops_done = passes
            demo.out(f"pass {passes} over the data done")
            end = last + offset + GAP_S
            await asyncio.sleep(max(0.0, demo.clock.real_s(end - demo.clock.now())))
    finally:
        for client in clients.values():
            await client.close()


def _stamped(items: list[dict[str, Any]], time_s: float) -> list[dict[str, Any]]:
    return [{**item, "time": round(time_s, 3)} for item in items]
