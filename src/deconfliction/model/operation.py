"""Planned operations: 4-D volumes, their input checks, and the operation lifecycle.

A :class:`Volume` is a footprint (a shapely geometry in lon/lat degrees, longitudes in
[-180, 180], already split at the antimeridian), an altitude band and a time window. Its
invariants (a band and a window that are not inverted or empty, finite where they must be)
hold from construction. Checks that depend on the moment of filing or on limits (an end in
the past, too many volumes, too large an area) are in :func:`check_volumes`, which
:meth:`Operation.create` and :meth:`Operation.update` call.

An :class:`Operation` is an immutable value; every change returns a new one carrying the new
``version`` the hub minted for the write. States follow
:class:`~deconfliction.model.states.OperationState`: ``accepted → activated ⇄ nonconforming``,
any live state ``→ ended`` or ``→ cancelled``.

>>> from shapely import box
>>> plan = Volume(box(2.0, 48.0, 2.1, 48.1), 0.0, 120.0, 1_000.0, 4_600.0)
>>> op = Operation.create("medevac-7", "red-cross", "v1", [plan], priority=90,
...                       domain=Domain.AIR, now_s=500.0, limits=OperationLimits())
>>> op.activate(version="v2", now_s=1_000.0).state
<OperationState.ACTIVATED: 'activated'>
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from deconfliction.errors import IllegalTransition, InvalidInput, PayloadTooLarge
from deconfliction.model.ids import check_id
from deconfliction.model.party import Domain, check_party_name
from deconfliction.model.states import OperationState
from deconfliction.units import format_time

# A constant ellipsoid, not state: building it reads nothing from disk.
_WGS84 = Geod(ellps="WGS84")
_AREAL = frozenset({"Polygon", "MultiPolygon"})
# Zones may be protected points; operations must plan an area.
_FOOTPRINT_TYPES = _AREAL | {"Point", "MultiPoint"}
MAX_PRIORITY = 100
LIVE_STATES = frozenset(
    {OperationState.ACCEPTED, OperationState.ACTIVATED, OperationState.NONCONFORMING}
)


def check_object_id(value: object, what: str = "operation id") -> str:
    """The id itself if it can name an operation or zone; raise with the rule otherwise."""
    return check_id(value, what)


def _altitude(value: float) -> str:
    return f"{value:g} m"


def _moment(value: float) -> str:
    return format_time(value) if math.isfinite(value) else f"{value}"


@dataclass(frozen=True)
class Volume:
    """A footprint, an altitude band ``[alt_lower_m, alt_upper_m]``, a window ``[start_s, end_s]``.

    Infinite ``alt_upper_m`` or ``end_s`` are allowed here (a zone may have no ceiling or no
    end); an operation's volumes must be finite (see :func:`check_volumes`).
    """

    footprint: BaseGeometry
    alt_lower_m: float
    alt_upper_m: float
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise InvalidInput(f"volume: {problem}")

    def problem(self) -> str | None:
        """Why this volume is not well formed, or None (used by ``__post_init__``)."""
        footprint = self.footprint
        if not isinstance(footprint, BaseGeometry):
            return f"footprint must be a geometry, got {type(footprint).__name__}"
        if footprint.geom_type not in _FOOTPRINT_TYPES:
            return (
                f"footprint of type {footprint.geom_type} is not supported; use a Polygon or "
                "MultiPolygon (a point needs radius_m, a line needs buffer_m)"
            )
        if footprint.is_empty:
            return "footprint is empty"
        min_lon, min_lat, max_lon, max_lat = footprint.bounds
        if not (min_lon >= -180.0 and max_lon <= 180.0 and min_lat >= -90.0 and max_lat <= 90.0):
            return (
                "footprint is outside lon [-180, 180] / lat [-90, 90] "
                f"(bounds {min_lon:g}, {min_lat:g}, {max_lon:g}, {max_lat:g}); "
                "split shapes that cross the antimeridian"
            )
        if not shapely.is_valid(footprint):
            return f"footprint is not a valid geometry: {shapely.is_valid_reason(footprint)}"
        for name in ("alt_lower_m", "alt_upper_m", "start_s", "end_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                return f"{name} must be a number, got {value!r}"
        if self.alt_lower_m > self.alt_upper_m:
            return (
                f"altitude band is inverted: alt_lower_m {_altitude(self.alt_lower_m)} is above "
                f"alt_upper_m {_altitude(self.alt_upper_m)}"
            )
        if self.alt_lower_m == self.alt_upper_m:
            return (
                f"altitude band is empty: alt_lower_m equals alt_upper_m "
                f"({_altitude(self.alt_lower_m)}); give the band a thickness"
            )
        if math.isinf(self.alt_lower_m) or math.isinf(self.start_s):
            return "alt_lower_m and start must be finite"
        if self.end_s < self.start_s:
            return f"end {_moment(self.end_s)} is before start {_moment(self.start_s)}"
        if self.end_s == self.start_s:
            return f"time window is empty: end equals start ({_moment(self.start_s)})"
        return None

    @property
    def areal(self) -> bool:
        """True when the footprint is a (multi)polygon rather than a protected point."""
        return self.footprint.geom_type in _AREAL

    def area_m2(self) -> float:
        """Geodesic area of the footprint on the WGS84 ellipsoid, in square metres."""
        area, _ = _WGS84.geometry_area_perimeter(self.footprint)
        return abs(float(area))


@dataclass(frozen=True)
class OperationLimits:
    """Limits on what one operation may file (the hub fills them from its settings)."""

    max_volumes: int = 20
    max_volume_area_m2: float = 1.0e11  # 100,000 km², a square of about 316 km
    max_total_vertices: int = 20_000  # positions over all the volumes of one operation

    def __post_init__(self) -> None:
        if self.max_volumes < 1:
            raise InvalidInput(f"max_volumes must be at least 1, got {self.max_volumes}")
        if not self.max_volume_area_m2 > 0:
            raise InvalidInput(
                f"max_volume_area_m2 must be positive, got {self.max_volume_area_m2}"
            )


def check_volumes(
    volumes: Sequence[Volume],
    *,
    now_s: float,
    limits: OperationLimits,
    areas_m2: Sequence[float] | None = None,
) -> tuple[Volume, ...]:
    """The volumes as a tuple if an operation may file them now; raise naming every problem.

    ``areas_m2``, if given, are the footprints' geodesic areas already computed (by
    :func:`deconfliction.geo.parse_geometry`), so they are not computed twice.

    Raises :class:`~deconfliction.errors.InvalidInput` (``details``: one ``{"index",
    "reason"}`` per problem) for no volumes, an areal footprint missing, a ceiling or end
    that is not finite, an end already past, or an area above the limit; and
    :class:`~deconfliction.errors.PayloadTooLarge` for more volumes than the limit.

    >>> from shapely import box
    >>> check_volumes([], now_s=0.0, limits=OperationLimits())
    Traceback (most recent call last):
    ...
    deconfliction.errors.InvalidInput: an operation needs at least one volume
    """
    if not volumes:
        raise InvalidInput("an operation needs at least one volume")
    if len(volumes) > limits.max_volumes:
        raise PayloadTooLarge(
            f"an operation has {len(volumes)} volumes; at most {limits.max_volumes} are allowed"
        )
    problems: list[dict[str, Any]] = []
    for index, volume in enumerate(volumes):
        area_m2 = None if areas_m2 is None else areas_m2[index]
        reason = _filing_problem(volume, now_s, limits, area_m2)
        if reason is not None:
            problems.append({"index": index, "reason": reason})
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(f"volumes[{first['index']}]: {first['reason']}{more}", details=problems)
    return tuple(volumes)


def _filing_problem(
    volume: Volume, now_s: float, limits: OperationLimits, area_m2: float | None = None
) -> str | None:
    if not isinstance(volume, Volume):
        return f"expected a Volume, got {type(volume).__name__}"
    if not volume.areal:
        return (
            f"footprint of type {volume.footprint.geom_type} has no area; "
            "give a point a radius_m or a line a buffer_m"
        )
    if math.isinf(volume.alt_upper_m):
        return "alt_upper_m must be finite: an operation plans a ceiling"
    if math.isinf(volume.end_s):
        return "end must be finite: an operation plans its end"
    if volume.end_s <= now_s:
        return f"end {_moment(volume.end_s)} is in the past (now is {_moment(now_s)})"
    if area_m2 is None:
        area_m2 = volume.area_m2()
    if area_m2 > limits.max_volume_area_m2:
        return (
            f"area {area_m2 / 1e6:,.0f} km² is larger than the limit of "
            f"{limits.max_volume_area_m2 / 1e6:,.0f} km²; split the plan or narrow it"
        )
    return None


@dataclass(frozen=True)
class Operation:
    """A planned activity of a party: volumes, priority, domain, and where it is in its life.

    ``version`` is the opaque string the hub minted for the last write (see
    :mod:`deconfliction.detect.version_keys`). ``priority`` is 0 to 100, higher is more
    urgent (medical evacuation, firefighting). Times are unix seconds.
    """

    id: str
    owner: str
    version: str
    state: OperationState
    priority: int
    domain: Domain
    volumes: tuple[Volume, ...]
    created_s: float
    updated_s: float

    def __post_init__(self) -> None:
        check_object_id(self.id)
        check_party_name(self.owner)
        if not isinstance(self.version, str) or not self.version:
            raise InvalidInput(f"operation {self.id}: version must be a non-empty string")
        if (
            isinstance(self.priority, bool)
            or not isinstance(self.priority, int)
            or not 0 <= self.priority <= MAX_PRIORITY
        ):
            raise InvalidInput(
                f"operation {self.id}: priority must be a whole number from 0 to "
                f"{MAX_PRIORITY}, got {self.priority!r}"
            )
        if not isinstance(self.domain, Domain):
            raise InvalidInput(f"operation {self.id}: unknown domain {self.domain!r}")
        if not self.volumes:
            raise InvalidInput(f"operation {self.id}: an operation needs at least one volume")

    @classmethod
    def create(
        cls,
        id: str,
        owner: str,
        version: str,
        volumes: Sequence[Volume],
        *,
        priority: int,
        domain: Domain,
        now_s: float,
        limits: OperationLimits,
    ) -> Operation:
        """A newly filed operation, ``accepted``, after every input check."""
        return cls(
            id=id,
            owner=owner,
            version=version,
            state=OperationState.ACCEPTED,
            priority=priority,
            domain=domain,
            volumes=check_volumes(volumes, now_s=now_s, limits=limits),
            created_s=now_s,
            updated_s=now_s,
        )

    @property
    def start_s(self) -> float:
        return min(v.start_s for v in self.volumes)

    @property
    def end_s(self) -> float:
        return max(v.end_s for v in self.volumes)

    @property
    def live(self) -> bool:
        """Accepted, activated or nonconforming: part of the active set (until it expires)."""
        return self.state in LIVE_STATES

    def expired(self, now_s: float) -> bool:
        """True once ``now_s`` has reached the end of the last volume."""
        return now_s >= self.end_s

    def update(
        self,
        volumes: Sequence[Volume],
        *,
        priority: int,
        domain: Domain,
        version: str,
        now_s: float,
        limits: OperationLimits,
    ) -> Operation:
        """The operation with a new plan; its state stays (an activated one stays activated)."""
        if not self.live:
            raise IllegalTransition(
                f"operation {self.id} is {self.state.value} and cannot be changed; "
                "file a new operation"
            )
        return dataclasses.replace(
            self,
            volumes=check_volumes(volumes, now_s=now_s, limits=limits),
            priority=priority,
            domain=domain,
            version=version,
            updated_s=now_s,
        )

    def to(self, state: OperationState, *, version: str, now_s: float) -> Operation:
        """The operation in ``state``; raise IllegalTransition if its lifecycle forbids it."""
        try:
            new_state = self.state.to(state)
        except IllegalTransition as error:
            raise IllegalTransition(f"operation {self.id}: {error.message}") from None
        return dataclasses.replace(self, state=new_state, version=version, updated_s=now_s)

    def activate(self, *, version: str, now_s: float) -> Operation:
        """Flying (or driving) its plan."""
        if self.expired(now_s):
            raise IllegalTransition(
                f"operation {self.id} ended at {_moment(self.end_s)} and cannot be activated"
            )
        return self.to(OperationState.ACTIVATED, version=version, now_s=now_s)

    def end(self, *, version: str, now_s: float) -> Operation:
        """Finished as planned (by its owner, or by expiry)."""
        return self.to(OperationState.ENDED, version=version, now_s=now_s)

    def cancel(self, *, version: str, now_s: float) -> Operation:
        """Called off by its owner."""
        return self.to(OperationState.CANCELLED, version=version, now_s=now_s)

    def mark_nonconforming(self, *, version: str, now_s: float) -> Operation:
        """A track of this activated operation left all of its volumes."""
        return self.to(OperationState.NONCONFORMING, version=version, now_s=now_s)

    def mark_conforming(self, *, version: str, now_s: float) -> Operation:
        """Back inside its volumes: activated again."""
        if self.state is not OperationState.NONCONFORMING:
            raise IllegalTransition(
                f"operation {self.id} is {self.state.value}, not nonconforming; "
                "only a nonconforming operation can become conforming again"
            )
        return self.to(OperationState.ACTIVATED, version=version, now_s=now_s)

    def expire(self, *, version: str, now_s: float) -> Operation:
        """Ended if its last volume is over, unchanged otherwise (also unchanged if final)."""
        if not self.live or not self.expired(now_s):
            return self
        return self.end(version=version, now_s=now_s)
