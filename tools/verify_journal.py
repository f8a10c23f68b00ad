#!/usr/bin/env python3
"""Verify a deconfliction journal export on its own: Python 3.11+ and `cryptography` only.

    python verify_journal.py export.jsonl [--key BASE64]

Checks that every entry's SHA-256 recomputes and chains to the one before, that seq runs
without gaps, that every checkpoint is signed by the hub key recorded in entry 1 (or given
with --key, which a reviewer should obtain from the hub's operator independently) and
matches the chain, and that parties' signatures verify. Prints OK with counts, or the first
bad entry and exits 1. See docs/journal.md for the format.
"""

import argparse
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Bad(Exception):
    def __init__(self, seq, message):
        super().__init__(f"FAILED at entry {seq}: {message}")


def load_key(text, seq):
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except Exception:
        raise Bad(seq, "the recorded public key is not base64 of 32 raw Ed25519 bytes") from None


def signed(key, signature_b64, message):
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def verify(lines, trusted):
    header = json.loads(next(lines))
    if header.get("format") != "deconfliction-journal" or header.get("version") != 1:
        raise Bad(0, "line 1 is not a deconfliction-journal version 1 header")
    hub_key = load_key(trusted or header["hub_public_key"], 0)
    expected, link, last, parties = header.get("from_seq", 1), None, None, {}
    if expected == 1:
        link = "0" * 64
    counts = {"entries": 0, "redacted": 0, "checkpoints": 0, "party signatures": 0}
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise Bad(expected, f"line {number} is not valid JSON") from None
        if item.get("type") == "checkpoint":
            seq = item["seq"]
            message = f"deconfliction-checkpoint\n{seq}\n{item['hash']}\n{item['time']}"
            if not signed(hub_key, item["signature"], message.encode()):
                raise Bad(seq, f"checkpoint at seq {seq} is not signed by the hub key")
            if last is not None and seq < last:
                raise Bad(seq, f"checkpoint at seq {seq} comes after entry {last}")
            if seq == last and item["hash"] != link:
                raise Bad(seq, f"the chain at seq {seq} differs from the signed checkpoint")
            if last is None or seq > last:
                raise Bad((last or 0) + 1, f"entries up to {seq} (signed) are missing")
            counts["checkpoints"] += 1
            continue
        seq = item["seq"]
        if item.get("redacted") is not True:
            content = item["content"].encode("utf-8")
            head = f"{item['prev_hash']}\n{seq}\n{item['time']}\n{item['party']}\n{item['kind']}\n"
            if hashlib.sha256(head.encode() + content).hexdigest() != item["hash"]:
                raise Bad(expected, "altered: its hash does not recompute from its fields")
        if seq != expected:
            what = "inserted or reordered" if seq < expected else "removed or reordered"
            raise Bad(expected, f"{what}: entry {seq} comes where entry {expected} belongs")
        if link is not None and item["prev_hash"] != link:
            raise Bad(last or seq, f"entry {seq} is not chained to the entry before it")
        if item.get("redacted") is True:
            counts["redacted"] += 1
        else:
            check_meaning(item, json.loads(content), hub_key, trusted, parties, counts)
        expected, link, last = seq + 1, item["hash"], seq
        counts["entries"] += 1
    if last is None and expected == 1:
        raise Bad(1, "the journal is empty")
    return counts


def check_meaning(item, content, hub_key, trusted, parties, counts):
    seq, party, kind = item["seq"], item["party"], item["kind"]
    if seq == 1:
        if kind != "hub.key":
            raise Bad(1, "entry 1 is not the hub key")
        if content.get("public_key") != base64.b64encode(hub_key.public_bytes_raw()).decode():
            raise Bad(1, "key replaced: entry 1 records another hub key than the expected one")
    elif kind == "hub.key":
        raise Bad(seq, "key replaced: a second hub key was announced")
    elif kind == "party.key":
        key = content.get("public_key")
        parties[party] = None if key is None else load_key(key, seq)
    carried = content.get("party_signature") if isinstance(content, dict) else None
    if carried is None:
        return
    key = parties.get(party)
    if key is None:
        return  # the party's key is not in this export (e.g. redacted): cannot check
    message = "\n".join(
        (
            "deconfliction-submission",
            party,
            carried["method"].upper(),
            carried["path"],
            carried["body"],
        )
    ).encode("utf-8")
    if not signed(key, carried["signature"], message):
        raise Bad(seq, f"the signature of party {party!r} does not verify")
    counts["party signatures"] += 1


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", help="a JSON-lines export of the journal")
    parser.add_argument("--key", help="the hub's public key (base64), obtained independently")
    args = parser.parse_args(argv)
    try:
        with open(args.export, "rb") as handle:
            counts = verify(iter(handle), args.key)
    except Bad as bad:
        print(bad)
        return 1
    except (KeyError, TypeError, ValueError, StopIteration) as error:
        print(f"FAILED: the export is malformed ({type(error).__name__}: {error})")
        return 1
    print("OK: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
