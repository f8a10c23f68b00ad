"""Benchmark: streaming journal verification against a straightforward in-memory reference.

Run: ``python -m bench.journal_verify [--entries N] [--repeats R]``. The workload is seeded:
a genesis entry, then N report-batch entries from three parties (every 7th signed by its
party), a checkpoint every 1,000 entries. The reference does the same checks the plain way:
the whole chain in a list, every content parsed, checkpoints looked up in a dict of all
hashes; it only answers yes or no, where the streaming verifier names the first problem.
Peak RSS is measured in a fresh process for each, so that one does not hide the other.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.journal.chain import GENESIS_HASH, JournalEntry, canonical_json
from deconfliction.journal.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from deconfliction.journal.entries import (
    PARTY_KEY_KIND,
    genesis_entry,
    party_key_content,
    signed_write,
)
from deconfliction.journal.signing import (
    parse_public_key,
    sign_submission,
    submission_signature_valid,
)
from deconfliction.journal.verify import verify_chain

PARTIES = ("blue", "red", "green")
CHECKPOINT_EVERY = 1000
START_S = 1_700_000_000.0


def workload(entries: int, seed: int = 7) -> tuple[Iterator[JournalEntry], list[Checkpoint]]:
    """A lazily built journal and its checkpoints (built in a first pass, kept: few)."""
    hub = Ed25519PrivateKey.from_private_bytes(random.Random(seed).randbytes(32))
    keys = {
        p: Ed25519PrivateKey.from_private_bytes(random.Random(p).randbytes(32)) for p in PARTIES
    }

    def generate() -> Iterator[JournalEntry]:
        rng = random.Random(seed)
        entry = genesis_entry(hub, START_S)
        yield entry
        for seq in range(2, entries + 1):
            party = PARTIES[seq % 3]
            if seq <= 1 + len(PARTIES):
                kind, content = PARTY_KEY_KIND, party_key_content(keys[party].public_key())
            else:
                kind = "reports"
                reports = [
                    {
                        "track": f"{party}{rng.randrange(50)}",
                        "lat": rng.uniform(48, 49),
                        "lon": rng.uniform(2, 3),
                        "alt_m": rng.uniform(0, 10000),
                    }
                    for _ in range(4)
                ]
                content = {"reports": reports}
                if seq % 7 == 0:
                    body = canonical_json(reports)
                    signature = sign_submission(keys[party], party, "POST", "/v1/reports", body)
                    content["party_signature"] = signed_write(
                        "POST", "/v1/reports", body, signature
                    )
            entry = JournalEntry.make(entry.hash, seq, START_S + seq, party, kind, content)
            yield entry

    checkpoints = [
        sign_checkpoint(hub, e.seq, e.hash, START_S + e.seq)
        for e in generate()
        if e.seq % CHECKPOINT_EVERY == 0 or e.seq == entries
    ]
    return generate(), checkpoints


def reference(entries: list[JournalEntry], checkpoints: list[Checkpoint]) -> bool:
    """The plain approach to the same checks: everything in memory, one simple loop each."""
    hashes = {}
    prev = GENESIS_HASH
    hub_key = None
    party_keys = {}
    for expected, entry in enumerate(entries, start=1):
        if (
            entry.seq != expected
            or entry.prev_hash != prev
            or entry.recomputed_hash() != entry.hash
        ):
            return False
        content = json.loads(entry.content)
        if entry.kind in ("hub.key", "party.key"):
            key = parse_public_key(content["public_key"])
            if entry.kind == "hub.key":
                hub_key = key
            else:
                party_keys[entry.party] = key
        carried = content.get("party_signature")
        if carried is not None and not submission_signature_valid(
            party_keys[entry.party],
            entry.party,
            carried["method"],
            carried["path"],
            carried["body"].encode(),
            carried["signature"],
        ):
            return False
        hashes[entry.seq] = entry.hash
        prev = entry.hash
    assert hub_key is not None
    return all(hashes.get(c.seq) == c.hash and verify_checkpoint(c, hub_key) for c in checkpoints)


def _peak_rss_mib(mode: str, entries: int) -> float:
    code = (
        "import sys, resource; sys.argv = ['x']; import bench.journal_verify as b; "
        f"b._one({mode!r}, {entries}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    return int(done.stdout.split()[-1]) / 1024.0


def _one(mode: str, entries: int) -> None:
    stream, checkpoints = workload(entries)
    if mode == "stream":
        assert verify_chain(stream, checkpoints).ok
    elif mode == "reference":
        assert reference(list(stream), checkpoints)
    # "baseline": build the workload only


def _times(run: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak RSS measurement")
    args = parser.parse_args(argv)
    n = args.entries
    rss = ""
    if not args.no_rss:  # first, while this process is small: a child's peak counts its fork
        baseline = _peak_rss_mib("baseline", n)
        rss = (
            f"peak RSS, fresh process: workload only {baseline:.0f} MiB, "
            f"streaming verify {_peak_rss_mib('stream', n):.0f} MiB, "
            f"reference (list) {_peak_rss_mib('reference', n):.0f} MiB"
        )
    # Materialise once so both timings measure verification, not generation.
    stream, checkpoints = workload(n)
    journal = list(stream)
    streaming = _times(lambda: verify_chain(iter(journal), checkpoints), args.repeats)
    plain = _times(lambda: reference(journal, checkpoints), args.repeats)
    report = verify_chain(iter(journal), checkpoints)
    assert report.ok, report.summary()

    def row(name: str, times: list[float]) -> str:
        p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        return (
            f"{name:<22} median {statistics.median(times):7.3f} s  p95 {p95:7.3f} s  "
            f"{n / statistics.median(times):10,.0f} entries/s"
        )

    print(
        f"journal verify: {n:,} entries, {report.checkpoints} checkpoints, "
        f"{report.party_signatures} party signatures, {args.repeats} repeats"
    )
    print(row("verify_chain (all)", streaming))
    print(row("reference (in memory)", plain))
    ratio = statistics.median(streaming) / statistics.median(plain)
    print(f"ratio verify_chain / reference: {ratio:.2f}")
    if rss:
        print(rss)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
