"""A snapshot: the state of many tracks at one time, as columns, and its extrapolation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deconfliction.detect.earth import Motion, bounded_speeds, level_off_s, surface_point_and_course
from deconfliction.errors import InvalidInput
from deconfliction.model.party import DOMAINS, Domain

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
_DOMAIN_CODES = {d.value: d.code for d in DOMAINS}
_FLOAT_COLUMNS = ("lat", "lon", "alt_m", "gs_mps", "course_deg", "vs_mps")


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Tracks at one moment, as columns of equal length.

    ``track`` holds the track ids (an object array of str), ``party`` codes into
    ``parties``, ``domain`` codes of :class:`deconfliction.model.Domain` (``Domain.AIR.code``…).
    A track is identified by ``(party, track)``; a snapshot holds each at most once.
    ``level_alt_m`` (optional) is, per track, the altitude where its vertical motion stops
    (a selected or cleared level; NaN: nowhere); ``None`` means NaN for every track.

    Examples
    --------
    >>> snap = Snapshot.from_columns(
    ...     1_633_608_005.0, party=["AFR", "EZY"], track=["398564", "4ca7b5"],
    ...     lat=[48.0, 48.1], lon=[2.0, 2.0], alt_m=[6000.0, 6000.0],
    ...     gs_mps=[200.0, 200.0], course_deg=[0.0, 180.0])
    >>> len(snap), snap.parties, snap.party.tolist(), snap.vs_mps.tolist()
    (2, ('AFR', 'EZY'), [0, 1], [0.0, 0.0])
    """

    time_s: float
    track: ObjectArray
    party: npt.NDArray[np.int32]
    parties: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    gs_mps: FloatArray
    course_deg: FloatArray
    vs_mps: FloatArray
    domain: npt.NDArray[np.int8]
    level_alt_m: FloatArray | None = None

    def __post_init__(self) -> None:
        n = self.track.shape[0]
        names: tuple[str, ...] = ("party", *_FLOAT_COLUMNS, "domain")
        if self.level_alt_m is not None:
            names += ("level_alt_m",)
        for name in names:
            if getattr(self, name).shape != (n,):
                raise InvalidInput(
                    f"snapshot: column {name} has shape {getattr(self, name).shape}, "
                    f"expected ({n},) like track"
                )
        # Every detector reads speeds from here: bounded once, no product overflows.
        gs, vs = bounded_speeds(self.gs_mps, self.vs_mps)
        object.__setattr__(self, "gs_mps", gs)
        object.__setattr__(self, "vs_mps", vs)

    def __len__(self) -> int:
        return int(self.track.shape[0])

    @classmethod
    def from_columns(
        cls,
        time_s: float,
        *,
        party: Sequence[str],
        track: Sequence[str],
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt_m: npt.ArrayLike,
        gs_mps: npt.ArrayLike,
        course_deg: npt.ArrayLike,
        vs_mps: npt.ArrayLike | None = None,
        domain: Sequence[str | Domain | int] | npt.NDArray[np.int8] | None = None,
        parties: Sequence[str] | None = None,
        level_alt_m: npt.ArrayLike | None = None,
    ) -> Snapshot:
        """A snapshot from plain sequences, validated (raises ``InvalidInput`` naming the row).

        ``vs_mps`` defaults to 0, ``domain`` to air, ``level_alt_m`` to none (NaN: none
        for that track); ``course_deg`` is brought into [0, 360).
        ``parties`` fixes the party codes (e.g. the same for every cycle of the hub); by
        default they follow the order of first appearance.
        """
        n = len(track)
        tracks = np.empty(n, dtype=object)
        tracks[:] = list(track)
        index: dict[str, int] = {}
        if parties is not None:
            index = {name: code for code, name in enumerate(parties)}
            unknown = set(party) - index.keys()
            if unknown:
                raise InvalidInput(f"snapshot: party {sorted(unknown)[0]!r} is not in parties")
        codes = np.fromiter(
            (index.setdefault(p, len(index)) for p in party), dtype=np.int32, count=len(party)
        )
        columns = {
            "lat": lat,
            "lon": lon,
            "alt_m": alt_m,
            "gs_mps": gs_mps,
            "course_deg": course_deg,
            "vs_mps": np.zeros(n) if vs_mps is None else vs_mps,
        }
        arrays = {k: np.array(v, dtype=np.float64).reshape(-1) for k, v in columns.items()}
        for name, values in arrays.items():
            if values.shape != (n,) or codes.shape != (n,):
                raise InvalidInput(
                    f"snapshot: column {name if values.shape != (n,) else 'party'} "
                    f"has {values.size if values.shape != (n,) else codes.size} values "
                    f"for {n} tracks"
                )
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise InvalidInput(
                    f"snapshot: {name} of track {tracks[bad[0]]!r} is {float(values[bad[0]])}, "
                    "not a finite number"
                )
        _check_range(arrays["lat"], -90.0, 90.0, "lat", tracks)
        _check_range(arrays["lon"], -180.0, 180.0, "lon", tracks)
        _check_range(arrays["gs_mps"], 0.0, np.inf, "gs_mps", tracks)
        arrays["course_deg"] = np.mod(arrays["course_deg"], 360.0)
        level = None
        if level_alt_m is not None:
            level = np.array(level_alt_m, dtype=np.float64).reshape(-1)
            if level.shape != (n,) or np.isinf(level).any():
                raise InvalidInput(f"snapshot: level_alt_m needs {n} finite values (NaN for none)")
        return cls(
            time_s=float(time_s),
            track=tracks,
            party=codes,
            parties=tuple(index),
            domain=_domain_codes(domain, n),
            level_alt_m=level,
            **arrays,
        )

    def take(self, index: npt.ArrayLike) -> Snapshot:
        """The tracks at ``index`` (indices or a boolean mask), in that order."""
        i = np.asarray(index)
        return Snapshot(
            time_s=self.time_s,
            track=self.track[i],
            party=self.party[i],
            parties=self.parties,
            lat=self.lat[i],
            lon=self.lon[i],
            alt_m=self.alt_m[i],
            gs_mps=self.gs_mps[i],
            course_deg=self.course_deg[i],
            vs_mps=self.vs_mps[i],
            domain=self.domain[i],
            level_alt_m=None if self.level_alt_m is None else self.level_alt_m[i],
        )

    def motion(self) -> Motion:
        """The horizontal motion of every track (see :mod:`deconfliction.detect.earth`)."""
        return Motion.from_arrays(self.lat, self.lon, self.gs_mps, self.course_deg)

    def party_names(self) -> list[str]:
        """The party name of each track."""
        return [self.parties[c] for c in self.party.tolist()]


def _check_range(
    values: FloatArray, low: float, high: float, name: str, tracks: ObjectArray
) -> None:
    bad = np.flatnonzero((values < low) | (values > high))
    if bad.size:
        raise InvalidInput(
            f"snapshot: {name} of track {tracks[bad[0]]!r} is {float(values[bad[0]])}, "
            f"outside [{low:g}, {high:g}]"
        )


def _domain_codes(
    domain: Sequence[str | Domain | int] | npt.NDArray[np.int8] | None, n: int
) -> npt.NDArray[np.int8]:
    if domain is None:
        return np.full(n, Domain.AIR.code, dtype=np.int8)
    if isinstance(domain, np.ndarray) and domain.dtype.kind in "iu":
        codes = domain.astype(np.int8)
    else:
        try:
            codes = np.array(
                [d if isinstance(d, int) else _DOMAIN_CODES[str(d)] for d in domain], dtype=np.int8
            )
        except KeyError as error:
            raise InvalidInput(
                f"snapshot: unknown domain {error.args[0]!r}; use one of "
                + ", ".join(_DOMAIN_CODES)
            ) from None
    if codes.shape != (n,) or ((codes < 0) | (codes >= len(DOMAINS))).any():
        raise InvalidInput(f"snapshot: domain needs {n} codes in [0, {len(DOMAINS)})")
    return codes


def extrapolate(
    snapshot: Snapshot, dt_s: float | npt.ArrayLike, *, time_s: float | None = None
) -> Snapshot:
    """Move every track ``dt_s`` seconds along the detector's motion model.

    ``dt_s`` is a scalar or one value per track (e.g. cycle time minus each track's report
    time). Each surface point moves along its straight ECEF line (see
    :mod:`deconfliction.detect.earth`) and is brought back to the ellipsoid along the normal;
    the course becomes the line's direction in the new local horizontal plane; ground speed
    is kept; ``alt_m`` moves by ``vs_mps * dt_s``, except that a track whose
    ``level_alt_m`` lies ahead of its vertical motion stops there (and its ``vs_mps``
    becomes 0 once it has). Detecting on the result
    gives the conflicts of the original shifted by ``dt_s``, to within metres for shifts of
    a minute. The new ``time_s`` is ``time_s`` if given, else ``snapshot.time_s + dt_s`` for
    a scalar shift and ``snapshot.time_s`` for per-track shifts.

    Examples
    --------
    >>> snap = Snapshot.from_columns(0.0, party=["a"], track=["t"], lat=[0.0], lon=[179.999],
    ...                              alt_m=[1000.0], gs_mps=[100.0], course_deg=[90.0],
    ...                              vs_mps=[5.0])
    >>> moved = extrapolate(snap, 10.0)
    >>> moved.time_s, round(float(moved.lon[0]), 6), float(moved.alt_m[0])
    (10.0, -179.992017, 1050.0)
    >>> levelling = Snapshot.from_columns(0.0, party=["a"], track=["t"], lat=[0.0], lon=[0.0],
    ...                                   alt_m=[1000.0], gs_mps=[100.0], course_deg=[90.0],
    ...                                   vs_mps=[5.0], level_alt_m=[1030.0])
    >>> [(float(s.alt_m[0]), float(s.vs_mps[0])) for s in
    ...  (extrapolate(levelling, 4.0), extrapolate(levelling, 10.0))]
    [(1020.0, 5.0), (1030.0, 0.0)]
    """
    dt = np.asarray(dt_s, dtype=np.float64)
    scalar = dt.ndim == 0
    if not scalar and dt.shape != (len(snapshot),):
        raise InvalidInput(f"extrapolate: dt_s has shape {dt.shape}, expected ({len(snapshot)},)")
    if not np.isfinite(dt).all():
        raise InvalidInput("extrapolate: dt_s must be finite")
    new_time = time_s if time_s is not None else snapshot.time_s + (float(dt) if scalar else 0.0)
    motion = snapshot.motion()
    lat, lon, course = surface_point_and_course(motion.at(dt), motion.velocity_mps)
    still = (dt == 0.0) | (snapshot.gs_mps == 0.0)
    course = np.where(snapshot.gs_mps == 0.0, snapshot.course_deg, course)
    lat = np.where(still, snapshot.lat, np.clip(lat, -90.0, 90.0))
    lon = np.where(still, snapshot.lon, lon)
    alt_m = snapshot.alt_m + snapshot.vs_mps * dt
    vs_mps = snapshot.vs_mps
    if snapshot.level_alt_m is not None:
        level = snapshot.level_alt_m
        stop = level_off_s(snapshot.alt_m, vs_mps, level)
        reached = stop <= dt
        alt_m = np.where(reached, level, alt_m)
        vs_mps = np.where(reached, 0.0, vs_mps)
    return Snapshot(
        time_s=float(new_time),
        track=snapshot.track,
        party=snapshot.party,
        parties=snapshot.parties,
        lat=lat,
        lon=lon,
        alt_m=alt_m,
        gs_mps=snapshot.gs_mps,
        course_deg=np.where(dt == 0.0, snapshot.course_deg, course),
        vs_mps=vs_mps,
        domain=snapshot.domain,
        level_alt_m=snapshot.level_alt_m,
    )
