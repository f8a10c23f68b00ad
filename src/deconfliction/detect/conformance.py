"""Conformance: is a track flying inside the volumes of the operation it names?

A position conforms when, for at least one volume, it lies in the footprint (boundary
included), in the altitude band (bounds included) and the report's time is in the window
(bounds included). The comparisons are closed, the opposite choice to overlap detection:
a track exactly on the edge of its own plan is inside it, not a reason to flag it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import shapely

from deconfliction.model.operation import Volume

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def conforming(
    volumes: Sequence[Volume],
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    time_s: npt.ArrayLike,
) -> BoolArray:
    """For each position, whether it lies inside some volume at its time.

    Parameters
    ----------
    volumes
        The volumes of one operation.
    lat, lon, alt_m, time_s
        Positions (degrees, metres, unix seconds), arrays of one length or scalars.

    Returns
    -------
    numpy.ndarray of bool
        True where the position conforms.

    Examples
    --------
    >>> from shapely import box
    >>> plan = [Volume(box(2.0, 48.0, 2.1, 48.1), 0.0, 120.0, 0.0, 3600.0)]
    >>> conforming(plan, [48.05, 48.05, 48.5], [2.05, 2.05, 2.05], [100.0, 150.0, 100.0],
    ...            [60.0, 60.0, 60.0]).tolist()
    [True, False, False]
    """
    lat_a, lon_a, alt_a, time_a = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (lat, lon, alt_m, time_s))
    )
    inside = np.zeros(lat_a.shape, dtype=bool)
    for volume in volumes:
        candidate = (
            ~inside
            & (alt_a >= volume.alt_lower_m)
            & (alt_a <= volume.alt_upper_m)
            & (time_a >= volume.start_s)
            & (time_a <= volume.end_s)
        )
        rows = np.flatnonzero(candidate)
        if len(rows) == 0:
            continue
        footprint = volume.footprint
        if len(rows) > 8 and not shapely.is_prepared(footprint):
            shapely.prepare(footprint)
        inside.flat[rows] = shapely.intersects_xy(footprint, lon_a.flat[rows], lat_a.flat[rows])
    return inside


def conforms(
    volumes: Sequence[Volume], lat: float, lon: float, alt_m: float, time_s: float
) -> bool:
    """Whether one position lies inside some volume at its time (see :func:`conforming`).

    >>> from shapely import box
    >>> plan = [Volume(box(2.0, 48.0, 2.1, 48.1), 0.0, 120.0, 0.0, 3600.0)]
    >>> conforms(plan, 48.1, 2.1, 120.0, 3600.0)
    True
    """
    return bool(conforming(volumes, lat, lon, alt_m, time_s).item())


def conforming_by_operation(
    plans: Mapping[str, Sequence[Volume]],
    operation: Sequence[str | None],
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    time_s: npt.ArrayLike,
) -> BoolArray:
    """For reports that each name an operation (or None), whether they conform to it.

    Reports naming no operation, or one not in ``plans`` (e.g. not activated), are True:
    there is nothing for them to conform to here.

    >>> from shapely import box
    >>> plans = {"survey-1": [Volume(box(2.0, 48.0, 2.1, 48.1), 0.0, 120.0, 0.0, 3600.0)]}
    >>> conforming_by_operation(plans, ["survey-1", None, "survey-1"], [48.05, 0.0, 49.0],
    ...                         [2.05, 0.0, 2.05], [50.0, 0.0, 50.0], [10.0, 10.0, 10.0]).tolist()
    [True, True, False]
    """
    lat_a, lon_a, alt_a, time_a = (
        np.asarray(x, dtype=np.float64) for x in (lat, lon, alt_m, time_s)
    )
    result = np.ones(len(operation), dtype=bool)
    rows_of: dict[str, list[int]] = {}
    for row, name in enumerate(operation):
        if name is not None and name in plans:
            rows_of.setdefault(name, []).append(row)
    for name, rows in rows_of.items():
        picked = np.array(rows, dtype=np.intp)
        result[picked] = conforming(
            plans[name], lat_a[picked], lon_a[picked], alt_a[picked], time_a[picked]
        )
    return result
