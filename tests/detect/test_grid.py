"""The hash grid on its own: exactly the overlapping pairs of any boxes, each once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.detect import all_pairs
from deconfliction.detect.boxes import SweptBoxes
from deconfliction.detect.grid import choose_cells, grid_pairs


def brute_force(boxes: SweptBoxes) -> set[tuple[int, int]]:
    a, b = all_pairs(len(boxes))
    keep = boxes.overlap(a, b)
    return set(zip(a[keep].tolist(), b[keep].tolist(), strict=True))


@st.composite
def random_boxes(draw: st.DrawFn) -> SweptBoxes:
    n = draw(st.integers(2, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    spread = draw(st.sampled_from([1e3, 1e5, 1e6, 1.2e7]))
    size = draw(st.sampled_from([0.0, 1e3, 5e4, 3e5]))
    centre = rng.uniform(-spread, spread, (3, n))
    if draw(st.booleans()):  # clusters and exact duplicates
        centre[:, n // 2 :] = centre[:, : n - n // 2]
    half = rng.uniform(0.0, size, (3, n)) + (rng.random((3, n)) < 0.1) * size * 3
    lo, hi = centre - half, centre + half
    if draw(st.booleans()):  # boxes that only touch
        lo[0, 1] = hi[0, 0]
        hi[0, 1] = max(hi[0, 1], lo[0, 1])
    alt = rng.uniform(0.0, 12_000.0, n)
    band = rng.choice([0.0, 304.8, 3000.0, np.inf], n, p=[0.1, 0.5, 0.3, 0.1])
    return SweptBoxes(lo, hi, alt - band / 2, alt + band / 2, np.eye(3))


@settings(max_examples=300, deadline=None)
@given(
    random_boxes(),
    st.one_of(st.none(), st.floats(50.0, 2e6)),
    st.one_of(st.none(), st.just(np.inf), st.floats(10.0, 5000.0)),
)
def test_grid_finds_exactly_the_overlapping_pairs_once(
    boxes: SweptBoxes, cell: float | None, cell_alt: float | None
) -> None:
    a, b = grid_pairs(boxes, cell_m=cell, cell_alt_m=cell_alt)
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert all(i < j for i, j in pairs)
    assert set(pairs) == brute_force(boxes)


def test_cells_too_fine_to_pack_are_coarsened() -> None:
    rng = np.random.default_rng(3)
    lo = rng.uniform(-6e6, 6e6, (3, 500))
    boxes = SweptBoxes(lo, lo + 1e5, np.zeros(500), np.full(500, 300.0), np.eye(3))
    a, b = grid_pairs(boxes, cell_m=0.01, cell_alt_m=0.01)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == brute_force(boxes)


def test_chosen_cells_are_positive() -> None:
    rng = np.random.default_rng(4)
    lo = rng.uniform(-1e6, 1e6, (3, 1000))
    band = np.full(1000, np.inf)
    cell, cell_alt = choose_cells(SweptBoxes(lo, lo + 7e4, -band, band, np.eye(3)))
    assert 0 < cell < np.inf
    assert cell_alt == np.inf  # no bounded band: altitude is not a grid axis
