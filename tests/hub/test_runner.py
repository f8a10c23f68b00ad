"""The runner: cycles at least every cycle_s, earlier when reports arrive."""

import time
from collections.abc import Callable

from deconfliction.hub import Hub, Runner
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import report


def test_reports_start_the_next_cycle_early(make_store: Callable[..., Store]) -> None:
    hub = Hub(Settings(cycle_s=30.0, cycle_min_s=0.05), make_store())
    hub.add_party("blue")
    runner = Runner(hub)
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while hub.last_cycle is None and time.monotonic() < deadline:
            time.sleep(0.01)
        first = hub.last_cycle
        assert first is not None
        hub.submit_reports("blue", [report("a", time=time.time())])
        while hub.last_cycle is first and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hub.last_cycle is not first  # long before the 30 s cadence
        assert hub.last_cycle.tracks == 1
    finally:
        runner.stop()
        hub.close()


def test_journal_checkpoints_are_signed_outside_the_cycle(make_store: Callable[..., Store]) -> None:
    """A cycle never signs (its checks can take a second); the housekeeping thread does."""
    settings = Settings(cycle_s=0.05, cycle_min_s=0.05, journal_checkpoint_s=0.1)
    hub = Hub(settings, make_store())
    hub.add_party("blue")
    time.sleep(0.15)
    hub.tick(housekeeping=False)
    assert hub.journal.latest_checkpoint() is None
    runner = Runner(hub)
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while hub.journal.latest_checkpoint() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        checkpoint = hub.journal.latest_checkpoint()
        assert checkpoint is not None and checkpoint.seq == hub._store.journal_head()[0]
    finally:
        runner.stop()
        hub.close()
