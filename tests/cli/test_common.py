"""The hub's key file next to the database: created with a new journal, required after."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.cli import main
from deconfliction.journal.signing import key_id, load_hub_key, public_key_b64, save_hub_key


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_new_database_gets_a_private_key_file_beside_it(tmp_path: Path) -> None:
    db = tmp_path / "deconfliction.db"

    assert invoke("party", "add", "blue", "--db", str(db)).exit_code == 0

    key_file = tmp_path / "deconfliction.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    served = invoke("serve", "--db", str(db), "--get", "/v1/journal/key")
    body = json.loads(served.output.splitlines()[-1])
    assert body["public_key"] == public_key_b64(load_hub_key(key_file))


def test_another_key_file_is_refused_naming_both_keys(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    invoke("party", "add", "blue", "--db", str(db))
    key_file = tmp_path / "hub.key"
    original = load_hub_key(key_file)
    key_file.unlink()
    other = Ed25519PrivateKey.generate()
    save_hub_key(other, key_file)

    result = invoke("party", "list", "--db", str(db))

    assert result.exit_code == 1
    assert key_id(original) in result.output and key_id(other) in result.output
    assert "Traceback" not in result.output


def test_a_missing_key_file_is_not_silently_replaced(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    invoke("party", "add", "blue", "--db", str(db))
    (tmp_path / "hub.key").unlink()

    result = invoke("party", "list", "--db", str(db))

    assert result.exit_code == 1
    assert "hub.key is missing" in result.output
    assert not (tmp_path / "hub.key").exists()


def test_serve_takes_the_key_file_from_key(tmp_path: Path) -> None:
    db, key_file = tmp_path / "hub.db", tmp_path / "keys" / "journal.pem"
    key_file.parent.mkdir()

    result = invoke("serve", "--db", str(db), "--key", str(key_file), "--get", "/v1/journal/key")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["key_id"] == key_id(load_hub_key(key_file))
    assert not (tmp_path / "hub.key").exists()
