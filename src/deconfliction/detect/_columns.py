"""Growable numpy columns for the indexes: one row per item, capacity doubles."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# name -> (dtype, width); width 0 is a plain column, width k > 0 a (rows, k) block.
Spec = dict[str, tuple[Any, int]]


class Columns:
    """Named numpy arrays that grow together; rows ``[0, size)`` are in use."""

    def __init__(self, spec: Spec, capacity: int = 64) -> None:
        self.size = 0
        self.arrays: dict[str, npt.NDArray[Any]] = {
            name: np.empty((capacity, width) if width else capacity, dtype=dtype)
            for name, (dtype, width) in spec.items()
        }

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.arrays[name]

    def grow(self, extra: int) -> slice:
        """Room for ``extra`` more rows; returns the new rows as a slice."""
        start = self.size
        needed = start + extra
        capacity = len(next(iter(self.arrays.values())))
        if needed > capacity:
            capacity = max(needed, 2 * capacity)
            for name, array in self.arrays.items():
                bigger = np.empty((capacity, *array.shape[1:]), dtype=array.dtype)
                bigger[:start] = array[:start]
                self.arrays[name] = bigger
        self.size = needed
        return slice(start, needed)

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        """Only the rows where ``mask`` (of length ``size``) is true, in their order."""
        kept = int(mask.sum())
        for name, array in self.arrays.items():
            compacted = np.empty((max(64, 2 * kept), *array.shape[1:]), dtype=array.dtype)
            compacted[:kept] = array[: self.size][mask]
            self.arrays[name] = compacted
        self.size = kept
