"""Version keys: what a 409 lists, optimistic concurrency on one's own object, tokens."""

from __future__ import annotations

import base64

import pytest
import shapely

from deconfliction.detect.overlaps import ObjectKind, Overlaps, Ref
from deconfliction.detect.version_keys import (
    KeyProblem,
    check_key,
    check_own_version,
    raise_for_key,
    version_token,
)
from deconfliction.detect.volumes import VolumeIndex
from deconfliction.errors import StaleKey, VersionMismatch
from deconfliction.model import Volume
from tests.scenarios import HOUR_S, NOW_S

SQUARE = shapely.box(2.0, 48.0, 2.2, 48.2)


def vol(footprint: shapely.Geometry = SQUARE) -> Volume:
    return Volume(footprint, 0.0, 500.0, NOW_S, NOW_S + HOUR_S)


@pytest.fixture
def found() -> Overlaps:
    index = VolumeIndex()
    index.put(
        Ref(ObjectKind.OPERATION, "fire-3"),
        owner="firefighters",
        version="F2",
        volumes=[vol(shapely.box(2.1, 48.1, 2.3, 48.3)), vol(shapely.box(9, 9, 9.5, 9.5)), vol()],
    )
    index.put(
        Ref(ObjectKind.ZONE, "camp"), owner="ngo", version="C1", volumes=[vol()], rule="protected"
    )
    index.put(
        Ref(ObjectKind.OPERATION, "apart"),
        owner="x",
        version="A1",
        volumes=[vol(shapely.box(5, 5, 6, 6))],
    )
    return index.query([vol()])


def test_a_current_key_passes_and_extra_entries_are_ignored(found: Overlaps) -> None:
    assert check_key(found, {"fire-3": "F2", "camp": "C1", "apart": "old", "gone": "?"}) == ()


def test_missing_and_stale_objects_are_listed_with_their_overlaps(found: Overlaps) -> None:
    entries = check_key(found, {"fire-3": "F1"})
    assert [(e.kind, e.id, e.owner, e.version, e.problem, e.carried) for e in entries] == [
        (ObjectKind.OPERATION, "fire-3", "firefighters", "F2", KeyProblem.STALE, "F1"),
        (ObjectKind.ZONE, "camp", "ngo", "C1", KeyProblem.MISSING, None),
    ]
    fire = entries[0]
    assert [(o.volume_index, o.other_volume_index) for o in fire.overlaps] == [(0, 0), (0, 2)]
    assert shapely.equals(fire.overlaps[0].footprint, shapely.box(2.1, 48.1, 2.2, 48.2))


def test_only_the_entries_the_key_lacks_are_listed(found: Overlaps) -> None:
    (entry,) = check_key(found, {"fire-3": "F2"})
    assert entry.id == "camp"


def test_the_409_body(found: Overlaps) -> None:
    with pytest.raises(StaleKey) as raised:
        raise_for_key(check_key(found, {"camp": "C0"}))
    assert raised.value.message == (
        "the key does not carry the current version of operation fire-3, zone camp, which "
        "overlap this plan; fetch them and write again with their versions in key"
    )
    fire, camp = raised.value.details
    assert (fire["id"], fire["version"], fire["problem"], fire["party"]) == (
        "fire-3", "F2", "missing", "firefighters",
    )  # fmt: skip
    assert (camp["problem"], camp["carried"]) == ("stale", "C0")
    first = fire["overlaps"][0]
    assert set(first) == {"volume_index", "footprint", "alt_lower_m", "alt_upper_m", "start", "end"}
    assert first["footprint"]["type"] == "Polygon"
    assert (first["alt_lower_m"], first["alt_upper_m"]) == (0.0, 500.0)
    assert (first["start"], first["end"]) == ("2025-06-15T15:06:40Z", "2025-06-15T16:06:40Z")
    assert "9.5" not in repr(raised.value.details)  # the non-overlapping volume stays hidden


def test_nothing_to_raise_for_a_current_key() -> None:
    raise_for_key(())


@pytest.mark.parametrize(
    ("current", "named", "message"),
    [
        (None, "X", "fire-3 does not exist, so there is no version X to update; leave version out"),
        ("F2", None, "fire-3 already exists at version F2; name that version to update it"),
        ("F2", "F1", "fire-3 is at version F2, not F1: it changed since you read it"),
    ],
)
def test_own_version_must_match(current: str | None, named: str | None, message: str) -> None:
    with pytest.raises(VersionMismatch) as raised:
        check_own_version("fire-3", current, named)
    assert raised.value.message.startswith(message)
    assert raised.value.details == [{"id": "fire-3", "version": current, "named": named}]


def test_own_version_matches() -> None:
    check_own_version("fire-3", None, None)
    check_own_version("fire-3", "F2", "F2")


def test_version_tokens_are_opaque_and_reproducible() -> None:
    token = version_token(b"s1", "operation", "fire-3", 1)
    assert token == version_token(b"s1", "operation", "fire-3", 1)
    others = {
        version_token(b"s2", "operation", "fire-3", 1),
        version_token(b"s1", "zone", "fire-3", 1),
        version_token(b"s1", "operation", "fire-4", 1),
        version_token(b"s1", "operation", "fire-3", 2),
        version_token(b"s1", "operation", "fire-31", 1),
    }
    assert token not in others
    assert len(others) == 5
    assert len(base64.urlsafe_b64decode(token + "==")) == 16
