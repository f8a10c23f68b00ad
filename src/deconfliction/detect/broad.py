"""The broad phase: every pair of tracks whose swept boxes overlap, found on a hash grid.

A pair the exact phase keeps always has overlapping swept boxes
(:mod:`deconfliction.detect.boxes` says why), so the pairs returned here are a superset of
the conflicts, usually a small one: a few candidates per track in dense traffic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from deconfliction.detect.boxes import SweptBoxes
from deconfliction.detect.grid import grid_pairs

IntArray = npt.NDArray[np.intp]

# Below this many tracks every pair is tested directly (cheaper than building a grid).
_BRUTE_FORCE_MAX = 48


def all_pairs(n: int) -> tuple[IntArray, IntArray]:
    """Every pair ``(a, b)`` with ``a < b < n``."""
    after = np.arange(n - 1, -1, -1, dtype=np.intp)  # how many partners follow each index
    a = np.repeat(np.arange(n, dtype=np.intp), after)
    offsets = np.cumsum(after) - after
    b = np.arange(a.size, dtype=np.intp) - offsets[a] + a + 1
    return a, b


def candidate_pairs(
    boxes: SweptBoxes, *, cell_m: float | None = None, cell_alt_m: float | None = None
) -> tuple[IntArray, IntArray]:
    """Every pair ``a < b`` whose boxes and altitude bands overlap, each exactly once.

    ``cell_m`` (horizontal axes) and ``cell_alt_m`` (altitude) size the grid; by default
    they are chosen from the boxes. The result is the same for any cell size.

    Examples
    --------
    >>> import numpy as np
    >>> from deconfliction.detect.boxes import swept_boxes
    >>> from deconfliction.detect.earth import Motion
    >>> m = Motion.from_arrays(np.array([0.0, 0.0, 10.0]), np.array([0.0, 0.05, 0.0]),
    ...                        np.full(3, 200.0), np.zeros(3))
    >>> boxes = swept_boxes(m, np.full(3, 9000.0), np.zeros(3), horizontal_m=np.full(3, 9260.0),
    ...                     vertical_m=np.full(3, 304.8), lookahead_s=np.full(3, 300.0))
    >>> [p.tolist() for p in candidate_pairs(boxes)]
    [[0], [1]]
    """
    n = len(boxes)
    if n < 2:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    if n <= _BRUTE_FORCE_MAX and cell_m is None:
        a, b = all_pairs(n)
        keep = boxes.overlap(a, b)
        return a[keep], b[keep]
    return grid_pairs(boxes, cell_m=cell_m, cell_alt_m=cell_alt_m)
