"""Independent references for the detector: plain, slow and obviously right.

- :func:`all_pairs_conflicts`: the exact phase on every pair (O(N²)), no broad phase.
- :func:`sampled_encounter`: a pair moved along geodesics with pyproj (not the detector's
  ECEF lines), with distances measured by pyproj, sampled densely in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from deconfliction.detect import MinimaTable, Snapshot, all_pairs, exact_conflicts
from deconfliction.model.minima import Minima
from deconfliction.model.party import DOMAINS

GEOD = Geod(ellps="WGS84")

Pair = tuple[str, str, str, str]  # party_a, track_a, party_b, track_b (a sorts first)


def pair_key(snapshot: Snapshot, a: int, b: int) -> Pair:
    """The pair as names, in the detector's order (track, then party)."""
    first = (str(snapshot.track[a]), snapshot.parties[int(snapshot.party[a])])
    second = (str(snapshot.track[b]), snapshot.parties[int(snapshot.party[b])])
    (track_a, party_a), (track_b, party_b) = sorted((first, second))
    return party_a, track_a, party_b, track_b


def all_pairs_conflicts(
    snapshot: Snapshot, minima: MinimaTable, *, same_party: bool = False
) -> dict[Pair, tuple[float, float]]:
    """Every pair the exact phase finds in conflict, testing all N(N-1)/2 pairs."""
    a, b = all_pairs(len(snapshot))
    if not same_party:
        differ = snapshot.party[a] != snapshot.party[b]
        a, b = a[differ], b[differ]
    pm = minima.resolve(
        snapshot.parties,
        snapshot.party[a],
        snapshot.party[b],
        snapshot.domain[a],
        snapshot.domain[b],
    )
    a, b = a[pm.checked], b[pm.checked]
    found = exact_conflicts(
        snapshot.motion(),
        snapshot.alt_m,
        snapshot.vs_mps,
        a,
        b,
        pm.horizontal_m[pm.checked],
        pm.vertical_m[pm.checked],
        pm.lookahead_s[pm.checked],
    )
    return {
        pair_key(snapshot, int(a[k]), int(b[k])): (float(t_in), float(t_out))
        for k, t_in, t_out in zip(found.pair, found.t_in_s, found.t_out_s, strict=True)
    }


@dataclass(frozen=True)
class Encounter:
    """Geodesic horizontal and absolute vertical separation of a pair at sample times."""

    times_s: np.ndarray
    horizontal_m: np.ndarray
    vertical_m: np.ndarray


def geodesic_track(
    lat: float, lon: float, gs_mps: float, course_deg: float, times_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions along the geodesic leaving (lat, lon) at ``course_deg``, ``gs_mps * t`` on."""
    k = times_s.size
    lons, lats, _ = GEOD.fwd(
        np.full(k, lon), np.full(k, lat), np.full(k, course_deg), gs_mps * times_s
    )
    return np.asarray(lats), np.asarray(lons)


def sampled_encounter(
    snapshot: Snapshot,
    a: int,
    b: int,
    times_s: np.ndarray,
    cache: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Encounter:
    """Separations of tracks ``a`` and ``b`` of a snapshot at ``times_s``.

    ``cache`` keeps each track's sampled positions across pairs (same ``times_s`` only).
    """
    store = {} if cache is None else cache
    for i in (a, b):
        if i not in store:
            store[i] = geodesic_track(
                float(snapshot.lat[i]),
                float(snapshot.lon[i]),
                float(snapshot.gs_mps[i]),
                float(snapshot.course_deg[i]),
                times_s,
            )
    (lat_a, lon_a), (lat_b, lon_b) = store[a], store[b]
    _, _, distance = GEOD.inv(lon_a, lat_a, lon_b, lat_b)
    alt_a = snapshot.alt_m[a] + snapshot.vs_mps[a] * times_s
    alt_b = snapshot.alt_m[b] + snapshot.vs_mps[b] * times_s
    return Encounter(times_s, np.asarray(distance), np.abs(alt_b - alt_a))


def classify(encounter: Encounter, minima: Minima, band: float) -> str:
    """``"conflict"``, ``"clear"``, or ``"ambiguous"`` within ``band`` (relative) of a limit.

    A conflict has a sample inside the minima and lookahead all shrunk by ``band``; a clear
    pair has no sample inside them all grown by ``band``; anything else is too close to a
    limit for sampling and two motion models to agree on.
    """
    t, d, z = encounter.times_s, encounter.horizontal_m, encounter.vertical_m
    inner = (
        (t <= minima.lookahead_s * (1 - band))
        & (d < minima.horizontal_m * (1 - band))
        & (z < minima.vertical_m * (1 - band))
    )
    outer = (
        (t <= minima.lookahead_s * (1 + band))
        & (d < minima.horizontal_m * (1 + band))
        & (z < minima.vertical_m * (1 + band))
    )
    if inner.any():
        return "conflict"
    return "ambiguous" if outer.any() else "clear"


def reference_classes(
    snapshot: Snapshot, minima: MinimaTable, *, band: float, step_s: float = 0.5
) -> dict[Pair, str]:
    """The class (see :func:`classify`) of every pair of different parties that is not
    clear from afar: pairs further apart than their closing speed allows are left out.

    Half a second between samples is enough: a pair that dips inside the minima at all
    spends seconds within 1% of them (the chord through that band is 0.28 times the
    minimum long, over 5 s at 500 m/s), so it cannot pass unseen between samples.
    """
    result: dict[Pair, str] = {}
    samples: dict[float, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
    n = len(snapshot)
    for a in range(n):
        for b in range(a + 1, n):
            if snapshot.party[a] == snapshot.party[b]:
                continue
            pair_minima = minima.minima(
                snapshot.parties[int(snapshot.party[a])],
                snapshot.parties[int(snapshot.party[b])],
                DOMAINS[int(snapshot.domain[a])].value,
                DOMAINS[int(snapshot.domain[b])].value,
            )
            if pair_minima is None:
                continue
            horizon = pair_minima.lookahead_s * (1 + band)
            _, _, start = GEOD.inv(
                snapshot.lon[a], snapshot.lat[a], snapshot.lon[b], snapshot.lat[b]
            )
            reach = (snapshot.gs_mps[a] + snapshot.gs_mps[b]) * horizon
            if start > pair_minima.horizontal_m * (1 + band) + reach:
                continue
            dz = abs(snapshot.alt_m[b] - snapshot.alt_m[a])
            if (
                dz - abs(snapshot.vs_mps[b] - snapshot.vs_mps[a]) * horizon
                > pair_minima.vertical_m * 2
            ):
                continue
            times = np.arange(0.0, horizon + step_s, step_s)
            encounter = sampled_encounter(snapshot, a, b, times, samples.setdefault(horizon, {}))
            result[pair_key(snapshot, a, b)] = classify(encounter, pair_minima, band)
    return result
