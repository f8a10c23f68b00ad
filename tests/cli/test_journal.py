"""``deconfliction journal verify`` and ``export`` on export files, via click's runner."""

from __future__ import annotations

import io
import sys

import orjson
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.cli import main
from deconfliction.journal.export import ExportFile, ExportHeader, write_export
from deconfliction.journal.signing import (
    load_hub_key,
    public_key_b64,
    public_key_pem,
    save_hub_key,
)
from tests.journal import tamper
from tests.journal.journals import build_journal

SIZE = 16


@pytest.fixture(scope="module")
def journal():
    return build_journal(SIZE)


@pytest.fixture
def export_path(tmp_path, journal):
    out = io.BytesIO()
    write_export(
        out, ExportHeader(public_key_b64(journal.hub_key)), journal.entries, journal.checkpoints
    )
    path = tmp_path / "journal.jsonl"
    path.write_bytes(out.getvalue())
    return path


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_verify_an_untouched_export(export_path):
    result = invoke("journal", "verify", "--file", str(export_path))

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {SIZE} entries (seq 1–{SIZE}, 0 redacted)")


def test_verify_names_the_first_altered_entry(export_path):
    lines = export_path.read_bytes().splitlines(keepends=True)
    item = orjson.loads(lines[8])
    assert item["type"] == "entry"
    item["content"] = item["content"].replace("2.0", "2.5")
    lines[8] = orjson.dumps(item) + b"\n"
    export_path.write_bytes(b"".join(lines))

    result = invoke("journal", "verify", "--file", str(export_path))

    assert result.exit_code == 1
    assert f"FAILED at entry {item['seq']}: altered" in result.output


def test_verify_against_a_trusted_key_given_as_base64_or_pem_file(export_path, journal, tmp_path):
    pem = tmp_path / "hub.pub"
    pem.write_bytes(public_key_pem(journal.hub_key))
    other = public_key_b64(Ed25519PrivateKey.generate())

    assert invoke("journal", "verify", "--file", str(export_path), "--key", str(pem)).exit_code == 0
    result = invoke("journal", "verify", "--file", str(export_path), "--key", other)
    assert result.exit_code == 1
    assert "FAILED at entry 1: key_replaced" in result.output


def test_verify_with_a_wrong_party_key_names_the_signed_entry(export_path, journal):
    wrong = public_key_b64(Ed25519PrivateKey.generate())
    first_signed = next(e.seq for e in journal.entries if b"party_signature" in e.content)

    result = invoke("journal", "verify", "--file", str(export_path), "--party-key", f"blue={wrong}")

    assert result.exit_code == 1
    assert f"FAILED at entry {first_signed}: bad_party_signature" in result.output


def test_verify_refuses_a_bad_key_option(export_path):
    result = CliRunner().invoke(
        main, ["journal", "verify", "--file", str(export_path), "--key", "xyz"]
    )
    assert result.exit_code == 2
    assert "--key" in result.output
    result = CliRunner().invoke(
        main, ["journal", "verify", "--file", str(export_path), "--party-key", "nokey"]
    )
    assert result.exit_code == 2
    assert "PARTY=KEY" in result.output


def test_verify_needs_a_source():
    result = CliRunner().invoke(main, ["journal", "verify"])
    assert result.exit_code == 2
    assert "--file" in result.output


def test_verify_reports_an_unreadable_line(export_path):
    with export_path.open("ab") as handle:
        handle.write(b"{broken\n")
    result = invoke("journal", "verify", "--file", str(export_path))
    assert result.exit_code == 1
    assert f"line {SIZE + 4 + 2}" in result.output  # header, entries, 4 checkpoints, then this


def test_export_a_range_that_verifies_on_its_own(export_path, tmp_path, journal):
    part = tmp_path / "part.jsonl"

    result = invoke(
        "journal",
        "export",
        "--file",
        str(export_path),
        "--from",
        "6",
        "--to",
        "12",
        "--out",
        str(part),
    )

    assert result.exit_code == 0, result.output
    exported = ExportFile(part)
    assert (exported.header.from_seq, exported.header.to_seq) == (6, 12)
    assert [e.seq for e in exported.entries()] == list(range(6, 13))
    assert [c.seq for c in exported.checkpoints()] == [10]
    verified = invoke("journal", "verify", "--file", str(part))
    assert verified.exit_code == 0, verified.output
    assert "seq 6–12" in verified.output


def test_export_a_redacted_view_to_standard_output(export_path):
    result = CliRunner().invoke(
        main, ["journal", "export", "--file", str(export_path), "--for-party", "red"]
    )

    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert lines[0]["redacted_for"] == "red"
    redacted = [line for line in lines if line.get("redacted")]
    assert redacted
    assert all(line.get("party") != "red" for line in redacted)
    assert "redacted" in result.stderr


def test_export_refuses_an_inverted_range(export_path):
    result = CliRunner().invoke(
        main, ["journal", "export", "--file", str(export_path), "--from", "9", "--to", "3"]
    )
    assert result.exit_code == 1
    assert "ends at seq 3, before it starts at 9" in result.output


# -- from the hub's database ------------------------------------------------------------
#
# Entries of the database built below: 1 the hub's key, 2–3 parties blue and red, 4 blue's
# signing key, 5 blue's batch (signed), 6 red's batch — checkpoint — 7 blue's (signed),
# 8 red's, 9 blue's (unsigned: blue withdrew nothing, the hub was called directly) —
# checkpoint as the hub closes.

SIGNED = (5, 7)


def _signed_batch(hub, key, track, time_s):
    from deconfliction.hub.unit import SignedRequest, signed_request
    from deconfliction.journal.entries import signed_write
    from deconfliction.journal.signing import sign_submission
    from tests.scenarios import report

    items = [report(track, time=time_s)]
    body = orjson.dumps(items)
    signature = sign_submission(key, "blue", "POST", "/v1/reports", body)
    with signed_request(
        SignedRequest("blue", signed_write("POST", "/v1/reports", body, signature))
    ):
        return hub.submit_reports("blue", items)


@pytest.fixture
def database(tmp_path):
    from deconfliction.clock import ManualClock
    from deconfliction.hub import Hub, hub_key_for
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore
    from tests.scenarios import T0, report

    db = tmp_path / "hub.db"
    store = SQLiteStore(db)
    clock = ManualClock(T0)
    hub = Hub(Settings(), store, clock=clock, key=hub_key_for(store, tmp_path / "hub.key"))
    hub.add_party("blue")
    hub.add_party("red")
    blue_key = Ed25519PrivateKey.generate()
    hub.register_party_key("blue", public_key_b64(blue_key))
    assert _signed_batch(hub, blue_key, "b1", T0).entry.seq == 5
    hub.submit_reports("red", [report("r1")])
    hub.journal.checkpoint(clock.now())
    clock.advance(10)
    assert _signed_batch(hub, blue_key, "b1", T0 + 10).entry.seq == 7
    hub.submit_reports("red", [report("r1", time=T0 + 10)])
    hub.submit_reports("blue", [report("b2", time=T0 + 10)])
    hub.close()
    return db


def verify_db(db, *args):
    return CliRunner().invoke(main, ["journal", "verify", "--db", str(db), *args])


def test_an_untouched_database_verifies_with_its_party_signatures(database):
    result = verify_db(database)

    assert result.exit_code == 0, result.output
    assert "OK: 9 entries (seq 1–9, 0 redacted), 2 checkpoints, 2 party signatures" in result.stdout
    assert "checking against hub key" in result.stderr


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda db: tamper.flip_byte(db, 7), "FAILED at entry 7: altered"),
        (lambda db: tamper.flip_byte(db, 2, offset=10), "FAILED at entry 2: altered"),
        (lambda db: tamper.delete_entry(db, 5), "FAILED at entry 5: removed"),
        (lambda db: tamper.delete_entry(db, 9), "FAILED at entry 9: removed"),
        (lambda db: tamper.delete_from(db, 8), "FAILED at entry 8: removed"),
        (lambda db: tamper.swap_entries(db, 7, 8), "FAILED at entry 7: altered"),
        (lambda db: tamper.swap_entries(db, 2, 3), "FAILED at entry 2: altered"),
    ],
    ids=["byte", "byte-early", "delete", "delete-last", "truncate", "swap", "swap-early"],
)
def test_tampering_with_the_rows_is_named(database, tamper, expected):
    tamper(database)

    result = verify_db(database)

    assert result.exit_code == 1
    assert expected in result.stdout


def test_a_replaced_key_file_is_named_at_entry_1(database):
    key_file = database.with_suffix(".key")
    key_file.unlink()
    save_hub_key(Ed25519PrivateKey.generate(), key_file)

    result = verify_db(database)

    assert result.exit_code == 1
    assert "FAILED at entry 1: key_replaced" in result.stdout


def test_a_journal_rewritten_under_another_key_fails_against_the_known_key(database):
    original = load_hub_key(database.with_suffix(".key"))
    forger = Ed25519PrivateKey.generate()
    tamper.rewrite_under(database, forger)
    database.with_suffix(".key").unlink()
    save_hub_key(forger, database.with_suffix(".key"))

    consistent = verify_db(database)  # consistent in itself: only an outside key tells
    against_known = verify_db(database, "--key", public_key_b64(original))

    assert consistent.exit_code == 0, consistent.output
    assert against_known.exit_code == 1
    assert "FAILED at entry 1: key_replaced" in against_known.stdout


def test_a_checkpoint_signed_with_another_key_is_named(database):
    tamper.resign_checkpoint(database, 6, Ed25519PrivateKey.generate())

    result = verify_db(database)

    assert result.exit_code == 1
    assert "FAILED at entry 6: key_replaced" in result.stdout


def test_even_the_hub_key_cannot_rewrite_what_a_party_signed(database):
    hub_key = load_hub_key(database.with_suffix(".key"))
    tamper.rewrite_under(
        database, hub_key, seq=5, change=lambda content: content.replace(b"48.85", b"48.95")
    )

    result = verify_db(database)

    assert result.exit_code == 1
    assert "FAILED at entry 5: bad_party_signature" in result.stdout


def test_export_from_the_database_verifies_with_the_standalone_script(database, tmp_path):
    from tests.journal.test_verify_journal_tool import TOOL

    tamper.delete_checkpoint(database, 9)  # as if the hub died before signing its head
    out = tmp_path / "export.jsonl"

    result = CliRunner().invoke(
        main, ["journal", "export", "--db", str(database), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    exported = ExportFile(out)
    assert [c.seq for c in exported.checkpoints()] == [6, 9]  # the head was signed first
    key = public_key_b64(load_hub_key(database.with_suffix(".key")))
    done = _run([sys.executable, str(TOOL), str(out), "--key", key])
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("OK: 9 entries, 0 redacted, 2 checkpoints, 2 party signatures")


def test_a_redacted_range_from_the_database_verifies(database, tmp_path):
    from tests.journal.test_verify_journal_tool import TOOL

    out = tmp_path / "red.jsonl"
    args = ["--db", str(database), "--from", "4", "--to", "9", "--for-party", "red"]
    result = CliRunner().invoke(main, ["journal", "export", *args, "--out", str(out)])

    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    shown = [line.get("party") for line in lines if line["type"] == "entry"]
    assert shown == ["blue", None, "red", None, "red", None]  # blue's key entry is public
    key = public_key_b64(load_hub_key(database.with_suffix(".key")))
    done = _run([sys.executable, str(TOOL), str(out), "--key", key])
    assert done.returncode == 0, done.stdout


def test_checkpoint_signs_the_head_now(database):
    from deconfliction.journal.checkpoint import Checkpoint, verify_checkpoint

    tamper.delete_checkpoint(database, 9)

    result = CliRunner().invoke(main, ["journal", "checkpoint", "--db", str(database)])

    assert result.exit_code == 0, result.output
    checkpoint = Checkpoint.from_json(orjson.loads(result.stdout))
    assert checkpoint.seq == 9
    assert verify_checkpoint(checkpoint, load_hub_key(database.with_suffix(".key")).public_key())


def test_the_source_must_be_one_database_or_one_file(database, export_path, tmp_path):
    both = CliRunner().invoke(
        main, ["journal", "verify", "--db", str(database), "--file", str(export_path)]
    )
    assert both.exit_code == 2 and "not both" in both.output
    missing = verify_db(tmp_path / "nothing.db")
    assert missing.exit_code == 1 and "no database at" in missing.output
    assert not (tmp_path / "nothing.db").exists()


def _run(command):
    import subprocess

    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_long_journals_report_progress_on_standard_error(database, monkeypatch):
    import deconfliction.cli.journal as journal_cli

    monkeypatch.setattr(journal_cli, "PROGRESS_EVERY", 4)

    result = verify_db(database)

    assert result.exit_code == 0, result.output
    assert "… 4 entries (seq 4)" in result.stderr and "… 8 entries (seq 8)" in result.stderr
    assert "…" not in result.stdout


def test_archive_then_verify_and_export_across_archive_and_database(database, tmp_path):
    from tests.journal.test_verify_journal_tool import TOOL

    folder = database.with_suffix(".archive")  # the default: next to the database
    archived = CliRunner().invoke(
        main, ["journal", "archive", "--db", str(database), "--older-than", "1h"]
    )
    assert archived.exit_code == 0, archived.output
    assert "archived entries 1–9 (9 entries, 2 checkpoints) in 1 segment(s)" in archived.stdout
    assert [p.name for p in folder.glob("journal-*")] == [
        "journal-000000000001-000000000009.jsonl.gz"
    ]

    alone = verify_db(database)  # the database keeps the last archived entry, signed
    assert alone.exit_code == 0, alone.output
    assert "OK: 1 entries (seq 9–9, 0 redacted), 1 checkpoints" in alone.stdout
    assert "entries before 9 are archived: add --archive FOLDER" in alone.stderr
    across = verify_db(database, "--archive", str(folder))
    assert across.exit_code == 0, across.output
    assert "OK: 9 entries (seq 1–9, 0 redacted), 2 checkpoints, 2 party signatures" in (
        across.stdout
    )
    only_files = CliRunner().invoke(main, ["journal", "verify", "--archive", str(folder)])
    assert only_files.exit_code == 0 and "OK: 9 entries" in only_files.stdout

    out = tmp_path / "whole.jsonl"
    exported = CliRunner().invoke(
        main,
        ["journal", "export", "--db", str(database), "--archive", str(folder), "--out", str(out)],
    )
    assert exported.exit_code == 0, exported.output
    key = public_key_b64(load_hub_key(database.with_suffix(".key")))
    done = _run([sys.executable, str(TOOL), str(out), "--key", key])
    assert done.returncode == 0 and done.stdout.startswith("OK: 9 entries"), done.stdout

    again = CliRunner().invoke(
        main, ["journal", "archive", "--db", str(database), "--older-than", "1h"]
    )
    assert again.exit_code == 0 and "nothing old enough to archive" in again.stdout


def test_archive_needs_an_age(database):
    result = CliRunner().invoke(main, ["journal", "archive", "--db", str(database)])
    assert result.exit_code == 2 and "--older-than" in result.output
    bad = CliRunner().invoke(
        main, ["journal", "archive", "--db", str(database), "--older-than", "soon"]
    )
    assert bad.exit_code == 2 and "--older-than" in bad.output
