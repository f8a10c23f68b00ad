"""``deconfliction journal verify`` and ``export`` on export files, via click's runner."""

from __future__ import annotations

import io

import orjson
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.cli import main
from deconfliction.journal.export import ExportFile, ExportHeader, write_export
from deconfliction.journal.signing import public_key_b64, public_key_pem
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
