"""``deconfliction zones``: import → export round trip, refused imports, listing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from deconfliction.cli import main
from tests.scenarios import EUPHRATES_ZONES, protected_site

# The Euphrates zones, still valid whenever the test runs (the CLI uses the wall clock).
STILL_VALID = "2099-01-01T00:00:00Z"


def collection() -> dict[str, Any]:
    zones = copy.deepcopy(EUPHRATES_ZONES)
    zones["features"][1]["properties"]["valid_to"] = STILL_VALID
    zones["features"].append(
        protected_site("well", centre=(39.3, 35.2), valid_to=STILL_VALID, shared_with="all")
    )
    return zones


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def setup(tmp_path: Path) -> tuple[str, Path]:
    db = str(tmp_path / "hub.db")
    for name in ("east", "west", "aid"):
        assert run("party", "add", name, "--db", db)[0] == 0
    source = tmp_path / "zones.geojson"
    source.write_text(json.dumps(collection(), indent=2), encoding="utf-8")
    return db, source


def test_import_then_export_gives_back_the_same_feature_collection(tmp_path: Path) -> None:
    db, source = setup(tmp_path)
    code, out = run("zones", "import", str(source), "--party", "east", "--db", db)
    assert (code, out.strip()) == (0, "east: 3 declared, 0 updated, 0 unchanged")
    exported = tmp_path / "out.geojson"
    code, _ = run("zones", "export", "--party", "east", "--db", db, "-o", str(exported))
    assert code == 0
    back = json.loads(exported.read_text(encoding="utf-8"))
    assert back == collection()
    assert json.dumps(back, sort_keys=True) == json.dumps(collection(), sort_keys=True)
    code, printed = run("zones", "export", "--db", db)
    assert json.loads(printed) == collection()
    code, out = run("zones", "import", str(source), "--party", "east", "--db", db)
    assert out.strip() == "east: 0 declared, 0 updated, 3 unchanged"
    assert json.loads(run("zones", "export", "--party", "west", "--db", db)[1])["features"] == []


def test_a_changed_file_updates_what_changed(tmp_path: Path) -> None:
    db, source = setup(tmp_path)
    run("zones", "import", str(source), "--party", "east", "--db", db)
    changed = collection()
    changed["features"][0]["properties"]["buffer_m"] = 6000.0
    source.write_text(json.dumps(changed), encoding="utf-8")
    code, out = run("zones", "import", str(source), "--party", "east", "--db", db)
    assert (code, out.strip()) == (0, "east: 0 declared, 1 updated, 2 unchanged")
    code, out = run("zones", "list", "--db", db)
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["euphrates-line"][1:5] == ["east", "no_entry", "active", "2"]
    assert rows["well"][1:5] == ["east", "protected", "active", "1"]


def test_every_bad_feature_is_listed_and_nothing_is_imported(tmp_path: Path) -> None:
    db, source = setup(tmp_path)
    bad = collection()
    bad["features"][0]["properties"]["rule"] = "closed"
    del bad["features"][2]["properties"]["valid_to"]
    source.write_text(json.dumps(bad), encoding="utf-8")
    code, out = run("zones", "import", str(source), "--party", "east", "--db", db)
    assert code == 1
    assert "2 zone features were refused; nothing was imported:" in out
    assert (
        "feature 0 'Euphrates deconfliction line': zone 'euphrates-line': unknown rule "
        "'closed'; use one of no_entry, notify_before_entry, protected"
    ) in out
    assert "feature 2 'well site': zone 'well': a protected zone needs valid_to" in out
    assert "southern-circle" not in out
    assert json.loads(run("zones", "export", "--db", db)[1])["features"] == []


def test_an_id_another_party_holds_refuses_the_whole_import(tmp_path: Path) -> None:
    db, source = setup(tmp_path)
    single = {"type": "FeatureCollection", "features": [collection()["features"][0]]}
    (tmp_path / "one.geojson").write_text(json.dumps(single), encoding="utf-8")
    run("zones", "import", str(tmp_path / "one.geojson"), "--party", "west", "--db", db)
    code, out = run("zones", "import", str(source), "--party", "east", "--db", db)
    assert code == 1
    assert "zone id 'euphrates-line' is taken; choose another" in out
    assert [f["id"] for f in json.loads(run("zones", "export", "--db", db)[1])["features"]] == [
        "euphrates-line"
    ]


def test_unknown_party_and_unreadable_file(tmp_path: Path) -> None:
    db, source = setup(tmp_path)
    code, out = run("zones", "import", str(source), "--party", "nobody", "--db", db)
    assert code == 1 and "no party named 'nobody'" in out
    broken = tmp_path / "broken.geojson"
    broken.write_text("{", encoding="utf-8")
    code, out = run("zones", "import", str(broken), "--party", "east", "--db", db)
    assert code == 1 and "is not a JSON file" in out
    code, out = run("zones", "list", "--db", db)
    assert code == 0 and out.startswith("no zones")
