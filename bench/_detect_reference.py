"""The straightforward script `bench.read` times `deconfliction detect` against.

    python -m bench._detect_reference IN.csv OUT.csv

``pandas.read_csv``, then for each snapshot scipy's ``cKDTree.query_pairs`` on the surface
ECEF points with the largest closing distance and the same vectorised exact test as the
detector (as ``bench.detect``'s reference), conflicts written with ``DataFrame.to_csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main(argv: list[str]) -> int:
    import numpy as np
    import pandas as pd
    from scipy.spatial import cKDTree

    from deconfliction.detect.boxes import curvature_margin_m
    from deconfliction.detect.exact import exact_conflicts
    from deconfliction.detect.minima import MinimaTable
    from deconfliction.detect.snapshot import Snapshot

    source, target = argv
    frame = pd.read_csv(source, dtype={"party": str, "track": str})
    minima = MinimaTable()
    largest = minima.largest
    assert largest is not None
    parts = []
    for time_s, group in frame.groupby("time", sort=False):
        snap = Snapshot.from_columns(
            float(time_s),  # type: ignore[arg-type]
            party=group["party"].tolist(),
            track=group["track"].tolist(),
            lat=group["lat"].to_numpy(),
            lon=group["lon"].to_numpy(),
            alt_m=group["alt_m"].to_numpy(),
            gs_mps=group["gs_mps"].to_numpy(),
            course_deg=group["course_deg"].to_numpy(),
            vs_mps=group["vs_mps"].to_numpy(),
        )
        motion = snap.motion()
        fastest = float(snap.gs_mps.max())
        margin = 2.0 * float(
            curvature_margin_m(
                np.array([fastest]),
                np.array([largest.horizontal_m]),
                np.array([largest.lookahead_s]),
            )[0]
        )
        reach = largest.horizontal_m + 2.0 * fastest * largest.lookahead_s + margin + 1.0
        pairs = cKDTree(motion.position_m.T).query_pairs(reach, output_type="ndarray")
        a, b = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
        differ = snap.party[a] != snap.party[b]
        a, b = a[differ], b[differ]
        pm = minima.resolve(
            snap.parties, snap.party[a], snap.party[b], snap.domain[a], snap.domain[b]
        )
        a, b = a[pm.checked], b[pm.checked]
        found = exact_conflicts(
            motion,
            snap.alt_m,
            snap.vs_mps,
            a,
            b,
            pm.horizontal_m[pm.checked],
            pm.vertical_m[pm.checked],
            pm.lookahead_s[pm.checked],
        )
        a, b = a[found.pair], b[found.pair]
        swap = snap.track[a] > snap.track[b]
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        names = np.array(snap.parties, dtype=object)
        part = pd.DataFrame(
            {
                "time": time_s,
                "track_a": snap.track[a],
                "track_b": snap.track[b],
                "party_a": names[snap.party[a]],
                "party_b": names[snap.party[b]],
                "t_in_s": found.t_in_s,
                "t_out_s": found.t_out_s,
                "t_cpa_s": found.t_cpa_s,
                "d_cpa_m": found.d_cpa_m,
            }
        )
        parts.append(part.sort_values(["track_a", "track_b"]))
    out = pd.concat(parts) if parts else pd.DataFrame()
    out.to_csv(target, index=False, float_format="%.3f")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
