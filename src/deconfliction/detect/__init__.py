"""Conflict detection and evidence: pure functions over arrays and geometries, returning
dataclasses (the hot path).

Track–track conflicts: build a :class:`Snapshot`, a :class:`MinimaTable`, and call
:func:`detect_conflicts`. The motion model and the Earth geometry every detector shares are
in :mod:`deconfliction.detect.earth`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deconfliction.detect.boxes import SweptBoxes, curvature_margin_m, swept_boxes
    from deconfliction.detect.broad import all_pairs, candidate_pairs
    from deconfliction.detect.earth import (
        Motion,
        course_from_vector,
        from_ecef,
        horizontal_separation_m,
        level_off_s,
        local_frame,
        midpoint_up,
        surface_point_and_course,
        to_ecef,
    )
    from deconfliction.detect.exact import VERTICAL_TOLERANCE_M, PairConflicts, exact_conflicts
    from deconfliction.detect.minima import MinimaTable, PairMinima, TrackBounds
    from deconfliction.detect.snapshot import Snapshot, extrapolate
    from deconfliction.detect.tracks import Conflicts, TrackConflict, candidates, detect_conflicts

# Each name is imported when first used, so that importing one module of the package
# (the command line, a gateway) does not import all of them.
_MODULES = {
    "SweptBoxes": "deconfliction.detect.boxes",
    "curvature_margin_m": "deconfliction.detect.boxes",
    "swept_boxes": "deconfliction.detect.boxes",
    "all_pairs": "deconfliction.detect.broad",
    "candidate_pairs": "deconfliction.detect.broad",
    "Motion": "deconfliction.detect.earth",
    "course_from_vector": "deconfliction.detect.earth",
    "from_ecef": "deconfliction.detect.earth",
    "horizontal_separation_m": "deconfliction.detect.earth",
    "level_off_s": "deconfliction.detect.earth",
    "local_frame": "deconfliction.detect.earth",
    "midpoint_up": "deconfliction.detect.earth",
    "surface_point_and_course": "deconfliction.detect.earth",
    "to_ecef": "deconfliction.detect.earth",
    "VERTICAL_TOLERANCE_M": "deconfliction.detect.exact",
    "PairConflicts": "deconfliction.detect.exact",
    "exact_conflicts": "deconfliction.detect.exact",
    "MinimaTable": "deconfliction.detect.minima",
    "PairMinima": "deconfliction.detect.minima",
    "TrackBounds": "deconfliction.detect.minima",
    "Snapshot": "deconfliction.detect.snapshot",
    "extrapolate": "deconfliction.detect.snapshot",
    "Conflicts": "deconfliction.detect.tracks",
    "TrackConflict": "deconfliction.detect.tracks",
    "candidates": "deconfliction.detect.tracks",
    "detect_conflicts": "deconfliction.detect.tracks",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "VERTICAL_TOLERANCE_M",
    "Conflicts",
    "MinimaTable",
    "Motion",
    "PairConflicts",
    "PairMinima",
    "Snapshot",
    "SweptBoxes",
    "TrackBounds",
    "TrackConflict",
    "all_pairs",
    "candidate_pairs",
    "candidates",
    "course_from_vector",
    "curvature_margin_m",
    "detect_conflicts",
    "exact_conflicts",
    "extrapolate",
    "from_ecef",
    "horizontal_separation_m",
    "level_off_s",
    "local_frame",
    "midpoint_up",
    "surface_point_and_course",
    "swept_boxes",
    "to_ecef",
]
