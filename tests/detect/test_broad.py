"""The broad phase never drops a pair the exact phase keeps."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deconfliction.detect.tracks as tracks_module
from deconfliction.detect import Snapshot, all_pairs, candidate_pairs, candidates
from deconfliction.detect.boxes import SweptBoxes
from tests.detect.encounters import TABLES, cluster
from tests.detect.reference import all_pairs_conflicts, pair_key


@pytest.fixture(autouse=True, scope="module")
def _always_prune() -> Iterator[None]:
    """Send even small snapshots through the broad phase, which is what these tests test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tracks_module, "_SMALL", 0)
        yield


def test_all_pairs() -> None:
    assert [p.tolist() for p in all_pairs(4)] == [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]
    assert all(p.size == 0 for p in all_pairs(1))
    assert all(p.size == 0 for p in all_pairs(0))


def test_candidate_pairs_small_and_large_agree_with_overlap() -> None:
    rng = np.random.default_rng(5)
    for n in (0, 1, 2, 30, 200):
        lo = rng.uniform(-1e5, 1e5, (3, n))
        alt = rng.uniform(0, 1e4, n)
        boxes = SweptBoxes(lo, lo + 2e4, alt - 500, alt + 500, np.eye(3))
        a, b = candidate_pairs(boxes)
        ref_a, ref_b = all_pairs(n)
        keep = boxes.overlap(ref_a, ref_b)
        assert set(zip(a.tolist(), b.tolist(), strict=True)) == set(
            zip(ref_a[keep].tolist(), ref_b[keep].tolist(), strict=True)
        )


@settings(max_examples=300, deadline=None)
@given(cluster(max_tracks=120), st.sampled_from(sorted(TABLES)), st.booleans())
def test_candidates_include_every_conflict(snap: Snapshot, table: str, same_party: bool) -> None:
    minima = TABLES[table]
    a, b = candidates(snap, minima, same_party=same_party)
    kept = {pair_key(snap, int(i), int(j)) for i, j in zip(a, b, strict=True)}
    assert set(all_pairs_conflicts(snap, minima, same_party=same_party)) <= kept
    # And the pruning is real: candidate pairs are unique and never pair a track with itself.
    assert len(kept) == a.size
    assert (a != b).all()
