"""The JSON-lines export of a journal, and reading it back.

One JSON object per line, UTF-8, in this order:

1. a header: ``{"type": "header", "format": "deconfliction-journal", "version": 1,
   "algorithm": "ed25519", "hub_public_key": "<base64>", "from_seq": 1, "to_seq": null,
   "redacted_for": null}`` (``to_seq`` null: up to the head; ``redacted_for``: the party a
   redacted view was made for);
2. entries in ``seq`` order: ``{"type": "entry", "seq", "time", "party", "kind", "content",
   "prev_hash", "hash"}`` where ``content`` is the entry's canonical JSON as a *string*,
   exactly the hashed bytes (a verifier hashes ``content.encode("utf-8")`` and never
   re-serialises it); a redacted entry is ``{"type": "entry", "seq", "time", "prev_hash",
   "hash", "redacted": true}``;
3. each checkpoint ``{"type": "checkpoint", "seq", "hash", "time", "signature", "key_id"}``
   right after the entry at its ``seq``.

``tools/verify_journal.py`` checks such a file with the standard library and
``cryptography`` only.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from deconfliction.errors import InvalidInput, MalformedPayload, StoreError
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.journal.redact import AnyEntry, RedactedEntry
from deconfliction.journal.signing import ALGORITHM
from deconfliction.model.codec import dump

FORMAT = "deconfliction-journal"
VERSION = 1
_ENTRY_TEXT = ("time", "party", "kind", "content", "prev_hash", "hash")
_REDACTED_TEXT = ("time", "prev_hash", "hash")


@dataclass(frozen=True)
class ExportHeader:
    """The first line of an export."""

    hub_public_key: str
    from_seq: int = 1
    to_seq: int | None = None
    redacted_for: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "algorithm": ALGORITHM,
            "hub_public_key": self.hub_public_key,
            "from_seq": self.from_seq,
            "to_seq": self.to_seq,
            "redacted_for": self.redacted_for,
        }


@dataclass(frozen=True)
class ExportCounts:
    """How much :func:`write_export` wrote, and the ``seq`` it started and ended at."""

    entries: int
    redacted: int
    checkpoints: int
    first_seq: int | None = None  # of the first entry written
    last_seq: int | None = None  # of the last entry written
    last_checkpoint_seq: int | None = None


def entry_json(entry: AnyEntry) -> dict[str, Any]:
    """An entry (full or redacted) as its export object."""
    if isinstance(entry, RedactedEntry):
        return {"type": "entry", **entry.to_json()}
    try:
        content = entry.content.decode("utf-8")
    except UnicodeDecodeError:
        raise StoreError(
            f"journal entry {entry.seq} has content that is not UTF-8: the journal is damaged; "
            "run 'deconfliction journal verify' to find out where"
        ) from None
    return {
        "type": "entry",
        "seq": entry.seq,
        "time": entry.time,
        "party": entry.party,
        "kind": entry.kind,
        "content": content,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _line(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value) + b"\n"


def write_export(
    out: BinaryIO,
    header: ExportHeader,
    entries: Iterable[AnyEntry],
    checkpoints: Iterable[Checkpoint],
) -> ExportCounts:
    """Write the export to ``out``, streaming; both iterables must be in ``seq`` order."""
    out.write(_line(header.to_json()))
    pending = iter(checkpoints)
    waiting = next(pending, None)
    written = redacted = signed = 0
    first = last = signed_at = None
    for entry in entries:
        out.write(_line(entry_json(entry)))
        written += 1
        redacted += isinstance(entry, RedactedEntry)
        first = entry.seq if first is None else first
        last = entry.seq
        while waiting is not None and waiting.seq <= entry.seq:
            out.write(_line({"type": "checkpoint", **dump(waiting)}))
            signed, signed_at = signed + 1, waiting.seq
            waiting = next(pending, None)
    while waiting is not None:  # a checkpoint past the last entry shows entries are missing
        out.write(_line({"type": "checkpoint", **dump(waiting)}))
        signed, signed_at = signed + 1, waiting.seq
        waiting = next(pending, None)
    return ExportCounts(written, redacted, signed, first, last, signed_at)


def _text_fields(data: dict[str, Any], names: tuple[str, ...], where: str) -> dict[str, str]:
    fields = {}
    for name in names:
        value = data.get(name)
        if not isinstance(value, str):
            raise MalformedPayload(f"{where}: {name} must be a string, got {value!r}")
        fields[name] = value
    return fields


def parse_line(line: bytes, where: str) -> ExportHeader | AnyEntry | Checkpoint:
    """One export line as what it holds; raise :class:`MalformedPayload` naming ``where``."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise MalformedPayload(f"{where}: not valid JSON") from None
    if not isinstance(data, dict):
        raise MalformedPayload(f"{where}: expected a JSON object")
    kind = data.get("type", "entry")
    if kind == "header":
        return _header(data, where)
    if kind == "checkpoint":
        try:
            return Checkpoint.from_json(data)
        except InvalidInput as error:
            raise MalformedPayload(f"{where}: {error.message}") from None
    if kind != "entry":
        raise MalformedPayload(f"{where}: unknown line type {kind!r}")
    seq = data.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise MalformedPayload(f"{where}: seq must be an integer, got {seq!r}")
    if data.get("redacted") is True:
        text = _text_fields(data, _REDACTED_TEXT, where)
        return RedactedEntry(seq, text["time"], text["prev_hash"], text["hash"])
    text = _text_fields(data, _ENTRY_TEXT, where)
    return JournalEntry(
        seq=seq,
        time=text["time"],
        party=text["party"],
        kind=text["kind"],
        content=text["content"].encode("utf-8"),
        prev_hash=text["prev_hash"],
        hash=text["hash"],
    )


def _header(data: dict[str, Any], where: str) -> ExportHeader:
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise MalformedPayload(
            f"{where}: not a {FORMAT} export of version {VERSION} "
            f"(format {data.get('format')!r}, version {data.get('version')!r})"
        )
    key, from_seq, to_seq = data.get("hub_public_key"), data.get("from_seq", 1), data.get("to_seq")
    party = data.get("redacted_for")
    if (
        not isinstance(key, str)
        or not isinstance(from_seq, int)
        or not (to_seq is None or isinstance(to_seq, int))
        or not (party is None or isinstance(party, str))
    ):
        raise MalformedPayload(
            f"{where}: the header needs hub_public_key (text), from_seq (integer), to_seq "
            "(integer or null) and redacted_for (text or null)"
        )
    return ExportHeader(key, from_seq, to_seq, party)


class ExportFile:
    """An export on disk (plain, or gzip-compressed when its name ends in ``.gz``), read
    lazily: each iteration reads the file again from the start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header = self._read_header()

    def _read_header(self) -> ExportHeader:
        try:
            with self._open() as handle:
                first = handle.readline()
        except (OSError, EOFError, zlib.error) as error:
            reason = getattr(error, "strerror", None) or error
            raise MalformedPayload(f"cannot read {self.path}: {reason}") from None
        item = parse_line(first, f"{self.path} line 1") if first.strip() else None
        if not isinstance(item, ExportHeader):
            raise MalformedPayload(f"{self.path} line 1: expected the export header")
        return item

    def _open(self) -> BinaryIO:
        """The file's bytes (decompressed, for a ``.gz`` file such as an archived segment)."""
        if self.path.suffix == ".gz":
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return self.path.open("rb")

    def items(self) -> Iterator[AnyEntry | Checkpoint]:
        """Every entry and checkpoint after the header, in file order."""
        number = 1
        try:
            with self._open() as handle:
                handle.readline()
                for number, line in enumerate(handle, start=2):
                    if not line.strip():
                        continue
                    item = parse_line(line, f"{self.path} line {number}")
                    if isinstance(item, ExportHeader):
                        raise MalformedPayload(f"{self.path} line {number}: a second header")
                    yield item
        except (OSError, EOFError, zlib.error) as error:  # a damaged compressed file
            raise MalformedPayload(f"{self.path} after line {number}: {error}") from None

    def entries(self) -> Iterator[AnyEntry]:
        return (item for item in self.items() if not isinstance(item, Checkpoint))

    def checkpoints(self) -> Iterator[Checkpoint]:
        return (item for item in self.items() if isinstance(item, Checkpoint))
