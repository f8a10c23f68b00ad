"""Conflict detection and evidence: pure functions over arrays and geometries, returning
dataclasses (the hot path).

Track–track conflicts: build a :class:`Snapshot`, a :class:`MinimaTable`, and call
:func:`detect_conflicts`. The motion model and the Earth geometry every detector shares are
in :mod:`deconfliction.detect.earth`.
"""

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
