"""A database written by an earlier hub opens, serves the same answers and verifies.

``tests/fixtures/golden`` was written by ``tests/fixtures/make_golden.py`` with the code of
commit 698f6b4 (before the hub was restructured): every kind of object and alert, and what
each party read from the API then. Today's code must read it back the same way, so that a
restructure or a change of serialisation cannot silently change a stored document, the
wire format, or the journal's bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from deconfliction.cli import main
from tests.fixtures.make_golden import answers, open_hub

GOLDEN = Path(__file__).parent / "fixtures" / "golden"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "golden"
    shutil.copytree(GOLDEN, folder)
    (folder / "hub.key").chmod(0o600)  # git keeps no modes; the hub refuses a readable key
    return folder


def test_an_old_database_serves_what_it_served(copy: Path) -> None:
    tokens = orjson.loads((copy / "tokens.json").read_bytes())
    expected: dict[str, Any] = orjson.loads((GOLDEN / "answers.json").read_bytes())
    hub = open_hub(copy)
    try:
        found = orjson.loads(orjson.dumps(answers(hub, tokens)))
    finally:
        hub.close()
    assert sorted(found) == sorted(expected)
    for name, answer in expected.items():
        assert _as_now(name, found[name]) == _as_now(name, _as_typed(name, answer)), name


def _as_now(name: str, answer: Any) -> Any:
    """A change made on purpose since the fixture (the audit of issue 18): a party sees, of
    a partner's hotline figures, only the messages it sent that partner; its own figures
    are compared as they were."""
    party, _, path = name.partition(" ")
    if path != "/v1/hotline/stats" or party == "admin":
        return answer
    status, rows = answer
    return [status, [row for row in rows if row["party"] == party]]


def _as_typed(name: str, answer: Any) -> Any:
    """A change made on purpose since the fixture (issue 11): an alert's REST answer carries
    the members of its typed view only, as its stream events always did; the loose model of
    before added ``other`` and ``geometry`` as null where a view has none (nonconformance)."""
    if "/v1/alerts" not in name:
        return answer
    status, body = answer
    alerts = body if isinstance(body, list) else [body]
    for alert in alerts:
        for member in ("other", "geometry"):
            if member in alert and alert[member] is None:
                del alert[member]
    return [status, body]


def test_an_old_database_verifies_before_and_after_serving(copy: Path) -> None:
    db = str(copy / "hub.db")
    before = CliRunner().invoke(main, ["journal", "verify", "--db", db])
    assert before.exit_code == 0, before.output
    hub = open_hub(copy)
    hub.close()  # a restart signs a checkpoint and writes the tracks again
    after = CliRunner().invoke(main, ["journal", "verify", "--db", db])
    assert after.exit_code == 0, after.output
    assert "OK: " in after.output
