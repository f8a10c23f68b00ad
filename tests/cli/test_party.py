import json
from pathlib import Path

from click.testing import CliRunner

from deconfliction.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_add_list_token_revoke(tmp_path: Path) -> None:
    db = str(tmp_path / "hub.db")
    code, token = run(
        "party", "add", "blue", "--language", "ru", "--timezone", "Europe/Moscow", "--db", db
    )
    assert code == 0 and token.strip().startswith("dcf_")
    code, out = run("party", "list", "--json", "--db", db)
    [row] = json.loads(out)
    assert (row["name"], row["language"], row["timezone"], row["revoked"]) == (
        "blue",
        "ru",
        "Europe/Moscow",
        None,
    )
    code, new = run("party", "token", "blue", "--db", db)
    assert code == 0 and new != token
    code, out = run("party", "revoke", "blue", "--db", db)
    assert (code, out.strip()) == (0, "revoked blue")
    code, out = run("party", "list", "--db", db)
    assert out.splitlines()[1].split()[-1] != "-"  # the REVOKED column has a time


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    db = str(tmp_path / "hub.db")
    run("party", "add", "blue", "--db", db)
    code, out = run("party", "add", "blue", "--db", db)
    assert code == 1
    assert out.strip() == "Error: a party named 'blue' already exists"
    code, out = run("party", "add", "no way", "--db", db)
    assert code == 1 and "is not allowed" in out and "Traceback" not in out
    code, out = run("party", "revoke", "nobody", "--db", db)
    assert code == 1 and "no party named 'nobody'" in out


def test_agreements(tmp_path: Path) -> None:
    db = str(tmp_path / "hub.db")
    run("party", "add", "blue", "--db", db)
    run("party", "add", "red", "--db", db)
    code, _ = run(
        "agreement",
        "set",
        "red",
        "blue",
        "--share-tracks",
        "--share-operations",
        "--horizontal",
        "10nm",
        "--db",
        db,
    )
    assert code == 0
    code, out = run("agreement", "list", "--db", db)
    agreement = json.loads(out)
    assert agreement["parties"] == ["blue", "red"] and agreement["share_tracks"] is True
    assert agreement["share_operations"] is True
    assert agreement["minima"]["air"] == {
        "horizontal_m": 18520.0,
        "vertical_m": 304.8,
        "lookahead_s": 300.0,
    }
    code, out = run("agreement", "set", "red", "blue", "--horizontal", "far", "--db", db)
    assert code == 1 and "--horizontal: cannot read 'far'" in out
    assert run("agreement", "remove", "blue", "red", "--db", db)[0] == 0
    assert run("agreement", "remove", "blue", "red", "--db", db)[0] == 1


def test_settings_lists_the_registry() -> None:
    code, out = run("settings")
    assert code == 0
    assert "stale_after_s (default 30.0 s; env DECONFLICTION_STALE_AFTER_S)" in out


def test_version() -> None:
    from deconfliction import __version__

    assert run("version") == (0, f"{__version__}\n")


def test_a_leaked_admin_token_is_retired_by_a_new_one(tmp_path: Path) -> None:
    import pytest

    from deconfliction.errors import AuthenticationFailed
    from deconfliction.hub import Hub
    from deconfliction.journal.signing import load_hub_key
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    db = str(tmp_path / "hub.db")
    _, first = run("admin-token", "--db", db)
    _, second = run("admin-token", "--db", db)
    code, third = run("admin-token", "--retire-others", "--db", db)
    assert code == 0 and third.strip().startswith("dcf_")
    hub = Hub(Settings(), SQLiteStore(db), key=load_hub_key(tmp_path / "hub.key"))
    try:
        assert hub.authenticate(third.strip()).admin
        for old in (first, second):
            with pytest.raises(AuthenticationFailed):
                hub.authenticate(old.strip())
        kinds = [e.kind for e in hub._store.journal_entries()]
        assert kinds.count("credential.admin_retired") == 1
    finally:
        hub.close()
