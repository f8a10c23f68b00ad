"""Broad phase: exactly the (track, part) pairs whose boxes overlap, in any chunking."""

from __future__ import annotations

import numpy as np
import pytest

from deconfliction.detect import zone_broad
from deconfliction.detect.zone_broad import boxes_overlap, candidate_pairs
from deconfliction.detect.zone_index import BOX_SLACK_DEG, ZoneIndex
from deconfliction.detect.zones import track_paths
from tests.detect.test_zone_index import MIXED
from tests.detect.test_zones import random_zones
from tests.scenarios import ZONE_PARTY_CODES


def all_pairs(index: ZoneIndex, box: np.ndarray, grow: float = 0.0) -> set[tuple[int, int]]:
    n, m = len(box), len(index.prims)
    track = np.repeat(np.arange(n), m)
    part = np.tile(np.arange(m), n)
    grown = box.copy()
    grown[:, 2:] += grow
    keep = boxes_overlap(index.prim_box[part], grown[track])
    return set(zip(track[keep].tolist(), part[keep].tolist(), strict=True))


def found(index: ZoneIndex, box: np.ndarray) -> list[tuple[int, int]]:
    pairs = []
    for track, part in candidate_pairs(index, box):
        pairs.extend(zip(track.tolist(), part.tolist(), strict=True))
    return pairs


@pytest.fixture(scope="module")
def index() -> ZoneIndex:
    zones = random_zones(np.random.default_rng(5), 30) + MIXED
    return ZoneIndex.build(zones, ZONE_PARTY_CODES)


def tracks_box(rng: np.random.Generator, n: int) -> np.ndarray:
    lat = np.concatenate([rng.uniform(47.5, 48.5, n), [-5.0, -4.5, 89.9, 60.0, 35.0]])
    lon = np.concatenate([rng.uniform(9.3, 10.7, n), [179.95, -179.9, 10.0, 20.0, 41.1]])
    gs = np.concatenate([rng.uniform(0, 250, n), [200.0, 30.0, 250.0, 100.0, 10.0]])
    course = rng.uniform(0, 360, len(lat))
    return track_paths(lat, lon, gs, course, np.full(len(lat), 300.0)).box


def test_pairs_are_the_overlapping_boxes_once_each(index: ZoneIndex) -> None:
    box = tracks_box(np.random.default_rng(1), 400)
    pairs = found(index, box)
    assert len(pairs) == len(set(pairs))
    overlapping = all_pairs(index, box)
    # Every overlapping pair, and nothing beyond the single-precision slack on both boxes.
    assert overlapping <= set(pairs) <= all_pairs(index, box, grow=2 * BOX_SLACK_DEG + 1e-6)
    assert len(overlapping) > 500


def test_own_zones_are_left_out(index: ZoneIndex) -> None:
    box = tracks_box(np.random.default_rng(3), 100)
    party = np.full(len(box), ZONE_PARTY_CODES["aid"])
    pairs = []
    for track, part in candidate_pairs(index, box, party):
        pairs.extend(zip(track.tolist(), part.tolist(), strict=True))
    owners = {int(index.prim_owner[p]) for _, p in pairs}
    assert owners
    assert ZONE_PARTY_CODES["aid"] not in owners
    assert set(pairs) == {
        pair for pair in found(index, box) if index.prim_owner[pair[1]] != party[0]
    }


def test_chunking_does_not_change_the_pairs(
    index: ZoneIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = tracks_box(np.random.default_rng(2), 200)
    whole = sorted(found(index, box))
    monkeypatch.setattr(zone_broad, "PAIR_CHUNK", 7)
    assert sorted(found(index, box)) == whole


def test_boxes_overlap_across_the_antimeridian() -> None:
    a = np.array([[179.9, 0.0, 0.2, 0.1], [179.9, 0.0, 0.05, 0.1], [0.0, 0.0, 180.0, 0.1]])
    b = np.array([[-179.9, 0.05, 0.1, 0.1], [-179.9, 0.05, 0.1, 0.1], [123.0, 0.0, 0.0, 0.0]])
    assert boxes_overlap(a, b).tolist() == [True, False, True]
