"""A hub process that only writes: ``python -m tests.store.writer_process DB KEY PARTY N``
submits N batches of one report for PARTY through its own Hub on the database DB, then
prints how many it submitted. Two of them on one database race for the journal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deconfliction.cli.common import database, open_store
from deconfliction.hub import Hub
from deconfliction.journal.signing import load_hub_key
from deconfliction.settings import Settings
from tests.scenarios import T0, report


def main(argv: list[str]) -> int:
    where, key_path, party, count = argv[0], Path(argv[1]), argv[2], int(argv[3])
    hub = Hub(Settings(), open_store(database(where)), key=load_hub_key(key_path))
    try:
        if hub._store.get_party(party) is None:
            hub.add_party(party)
        for n in range(count):
            track = f"{party}-{os.getpid()}-{n % 7}"
            result = hub.submit_reports(party, [report(track, time=T0 + n)])
            assert result.accepted == 1, result
    finally:
        hub.close()
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
