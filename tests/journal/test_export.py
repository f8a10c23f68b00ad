"""The JSON-lines export: written streaming, read back byte for byte."""

from __future__ import annotations

import io

import orjson
import pytest

from deconfliction.errors import MalformedPayload, StoreError
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.journal.export import ExportFile, ExportHeader, parse_line, write_export
from deconfliction.journal.redact import RedactedEntry, view_for
from deconfliction.journal.signing import public_key_b64
from deconfliction.model.codec import dump
from tests.journal.journals import build_journal, chain


@pytest.fixture(scope="module")
def journal():
    return build_journal(12)


def export_bytes(journal, entries=None, **header) -> bytes:
    out = io.BytesIO()
    head = ExportHeader(public_key_b64(journal.hub_key), **header)
    write_export(out, head, journal.entries if entries is None else entries, journal.checkpoints)
    return out.getvalue()


def test_the_export_reads_back_exactly(journal, tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_bytes(export_bytes(journal))

    exported = ExportFile(path)

    assert exported.header == ExportHeader(public_key_b64(journal.hub_key))
    assert list(exported.entries()) == journal.entries
    assert list(exported.checkpoints()) == journal.checkpoints


def test_each_checkpoint_follows_its_entry_and_content_is_a_string(journal):
    lines = [orjson.loads(line) for line in export_bytes(journal).splitlines()]

    assert lines[0]["type"] == "header"
    assert lines[0]["format"] == "deconfliction-journal"
    kinds = [(line["type"], line["seq"]) for line in lines[1:]]
    for index, (kind, seq) in enumerate(kinds):
        if kind == "checkpoint":
            assert kinds[index - 1][1] == seq
    assert all(isinstance(line["content"], str) for line in lines[1:] if line["type"] == "entry")


def test_content_bytes_survive_unicode_and_escapes(tmp_path, journal):
    tricky = {"name": "Hôpital d'Alep — شفاء", "ctl": "a\tb\u0001\u2028", "n": 1e-7}
    last = journal.entries[-1]
    entries = [*journal.entries, *chain([("red", "note", tricky)], last.seq + 1, last.hash)]
    path = tmp_path / "journal.jsonl"
    path.write_bytes(export_bytes(journal, entries))

    read = list(ExportFile(path).entries())

    assert read[-1].content == entries[-1].content
    assert read[-1].recomputed_hash() == entries[-1].hash


def test_a_redacted_view_exports_and_reads_back(journal, tmp_path):
    view = list(view_for(journal.entries, "red"))
    path = tmp_path / "red.jsonl"
    path.write_bytes(export_bytes(journal, view, redacted_for="red"))

    exported = ExportFile(path)

    assert exported.header.redacted_for == "red"
    assert list(exported.entries()) == view
    assert any(isinstance(e, RedactedEntry) for e in exported.entries())


def test_an_entry_that_is_not_utf8_cannot_be_exported(journal):
    broken = JournalEntry(2, "t", "red", "k", b"\xff", "0" * 64, "1" * 64)
    with pytest.raises(StoreError, match="entry 2"):
        export_bytes(journal, [journal.entries[0], broken])


@pytest.mark.parametrize(
    ("line", "word"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"type": "entry", "seq": "3"}', "seq"),
        (b'{"type": "entry", "seq": 3, "time": "t"}', "party"),
        (b'{"type": "checkpoint", "seq": 3}', "hash"),
        (b'{"type": "other"}', "unknown line type"),
        (b'{"type": "header", "format": "x", "version": 1}', "not a deconfliction-journal"),
    ],
)
def test_a_malformed_line_is_named(line, word):
    with pytest.raises(MalformedPayload, match=word) as raised:
        parse_line(line, "export line 7")
    assert "line 7" in raised.value.message


def test_a_file_without_a_header_is_refused(tmp_path, journal):
    path = tmp_path / "no-header.jsonl"
    path.write_bytes(export_bytes(journal).split(b"\n", 1)[1])
    with pytest.raises(MalformedPayload, match="line 1"):
        ExportFile(path)


def test_a_second_header_is_refused(tmp_path, journal):
    data = export_bytes(journal)
    header = data.split(b"\n", 1)[0]
    path = tmp_path / "two-headers.jsonl"
    path.write_bytes(data + header + b"\n")
    with pytest.raises(MalformedPayload, match="second header"):
        list(ExportFile(path).items())


def test_parse_line_reads_a_checkpoint(journal):
    checkpoint = journal.checkpoints[0]
    line = orjson.dumps({"type": "checkpoint", **dump(checkpoint)})
    assert parse_line(line, "here") == checkpoint
    assert isinstance(parse_line(line, "here"), Checkpoint)
