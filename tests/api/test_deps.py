"""How a route calls the hub: on the event loop when the hub's lock is free, else on a
worker thread, so that the loop never waits for a long detection cycle."""

import asyncio
import threading

from deconfliction.api.deps import call_hub
from deconfliction.hub import Hub


def test_a_call_runs_on_the_loop_when_the_lock_is_free(hub: Hub) -> None:
    ran_on: list[threading.Thread] = []

    async def main() -> int:
        return await call_hub(hub, lambda: ran_on.append(threading.current_thread()) or 7)

    assert asyncio.run(main()) == 7
    assert ran_on == [threading.main_thread()]


def test_a_call_goes_to_a_thread_while_the_lock_is_held_and_the_loop_stays_free(
    hub: Hub,
) -> None:
    held, release = threading.Event(), threading.Event()

    def cycle() -> None:  # a long detection cycle
        with hub._lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=cycle)
    holder.start()
    held.wait(5)
    ran_on: list[threading.Thread] = []
    ticks = 0

    def write() -> None:  # as the hub's methods do, it takes the lock itself
        with hub._lock:
            ran_on.append(threading.current_thread())

    async def main() -> None:
        nonlocal ticks

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        call = asyncio.create_task(call_hub(hub, write))
        await asyncio.sleep(0.2)
        assert not call.done() and not ran_on  # waiting for the lock, on a worker thread
        release.set()
        await call
        task.cancel()

    asyncio.run(main())
    holder.join()
    assert ticks >= 10  # the loop kept running meanwhile
    assert ran_on and ran_on[0] is not threading.main_thread()
