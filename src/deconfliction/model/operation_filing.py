"""An operation as filed: the request read and checked, its volumes as :class:`Volume` values.

A filed volume is a GeoJSON geometry read exactly as zones read theirs
(:func:`deconfliction.geo.parse_geometry`: a polygon, a point with ``radius_m``, or a line
with ``buffer_m`` for a route corridor), an altitude band and a time window. What the hub
keeps and gives back is the request *as accepted*: the geometry as submitted, the sizes in
metres and the times as RFC 3339 text, so a GET returns what was filed, not the hub's
polygonal approximation of a circle.

>>> filed = read_volumes([{"geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
...                        "radius_m": 500, "alt_lower_m": 0, "alt_upper_m": 120,
...                        "start": "2026-11-23T10:00:00Z", "end": "2026-11-23T11:00:00Z"}],
...                      label="operation 'survey-1'", max_volumes=20)
>>> filed.volumes[0].footprint.geom_type, filed.accepted[0]["end"]
('Polygon', '2026-11-23T11:00:00Z')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput, PayloadTooLarge
from deconfliction.geo import GeometryLimits, parse_geometry
from deconfliction.model.operation import (
    MAX_PRIORITY,
    Operation,
    OperationLimits,
    Volume,
    check_object_id,
    check_volumes,
)
from deconfliction.model.party import Domain
from deconfliction.model.states import OperationState
from deconfliction.units import format_time, parse_time

VOLUME_FIELDS = ("geometry", "radius_m", "buffer_m", "alt_lower_m", "alt_upper_m", "start", "end")


@dataclass(frozen=True)
class FiledVolumes:
    """The volumes of one request: as values (``volumes``) and as accepted (``accepted``)."""

    volumes: tuple[Volume, ...]
    accepted: tuple[dict[str, Any], ...]
    areas_m2: tuple[float, ...]  # geodesic area of each footprint


def read_volumes(
    raw: Any,
    *,
    label: str,
    max_volumes: int,
    limits: GeometryLimits | None = None,
    max_total_vertices: int | None = None,
) -> FiledVolumes:
    """Read the ``volumes`` of a request, or raise naming the volume and the problem.

    Raises :class:`~deconfliction.errors.InvalidInput` (an empty list, a missing or unknown
    field, an unknown geometry type, an inverted band, an end before the start, ...) and
    :class:`~deconfliction.errors.PayloadTooLarge` (more than ``max_volumes``: checked
    before any geometry is read; more than ``max_total_vertices`` positions in all: checked
    as each volume is read, so the work of one request stays bounded). Checks that depend
    on the moment of filing are :func:`deconfliction.model.operation.check_volumes`'s.
    """
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidInput(f"{label}: volumes must be a list of volumes")
    if not raw:
        raise InvalidInput(f"{label}: an operation needs at least one volume")
    if len(raw) > max_volumes:
        raise PayloadTooLarge(
            f"{label} has {len(raw)} volumes; at most {max_volumes} are allowed "
            "(setting operation_max_volumes): split it into several operations"
        )
    volumes: list[Volume] = []
    accepted: list[dict[str, Any]] = []
    areas: list[float] = []
    vertices = 0
    for index, item in enumerate(raw):
        volume, shown, area_m2, count = _read_volume(item, f"{label} volumes[{index}]", limits)
        vertices += count
        if max_total_vertices is not None and vertices > max_total_vertices:
            raise PayloadTooLarge(
                f"{label}: its volumes hold more than {max_total_vertices:,} positions in all "
                "(setting operation_max_total_vertices): simplify them or split the operation"
            )
        volumes.append(volume)
        accepted.append(shown)
        areas.append(area_m2)
    return FiledVolumes(tuple(volumes), tuple(accepted), tuple(areas))


def _read_volume(
    item: Any, where: str, limits: GeometryLimits | None
) -> tuple[Volume, dict[str, Any], float, int]:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"{where}: a volume must be an object, got {type(item).__name__}")
    unknown = sorted(set(item) - set(VOLUME_FIELDS))
    if unknown:
        raise InvalidInput(
            f"{where}: unknown field {unknown[0]!r}; a volume has " + ", ".join(VOLUME_FIELDS)
        )
    for name in ("geometry", "alt_lower_m", "alt_upper_m", "start", "end"):
        if item.get(name) is None:
            raise InvalidInput(f"{where}: {name} is required")
    radius_m, buffer_m = item.get("radius_m"), item.get("buffer_m")
    region = parse_geometry(
        item["geometry"], radius_m=radius_m, buffer_m=buffer_m, limits=limits, label=where
    )
    lower = _altitude(item["alt_lower_m"], "alt_lower_m", where)
    upper = _altitude(item["alt_upper_m"], "alt_upper_m", where)
    start_s = parse_time(item["start"], f"{where}: start")
    end_s = parse_time(item["end"], f"{where}: end")
    try:
        volume = Volume(region.shape, lower, upper, start_s, end_s)
    except InvalidInput as error:
        # Volume says "volume: <reason>"; name which one.
        raise InvalidInput(f"{where}: {error.message.removeprefix('volume: ')}") from None
    shown = {
        "geometry": item["geometry"],
        "radius_m": None if radius_m is None else float(radius_m),
        "buffer_m": None if buffer_m is None else float(buffer_m),
        "alt_lower_m": lower,
        "alt_upper_m": upper,
        "start": format_time(start_s),
        "end": format_time(end_s),
    }
    return volume, shown, region.area_m2, region.vertex_count


def _altitude(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{where}: {name} must be a finite number of metres, got {value!r}")
    return float(value)


REQUEST_FIELDS = ("volumes", "priority", "domain", "key", "version")
MAX_KEY_ENTRIES = 10_000


@dataclass(frozen=True)
class Filing:
    """A request to file or replace an operation, read and checked.

    ``operation`` carries a placeholder version and the filing time (the hub sets both when
    it writes); ``accepted`` is the request as accepted (what the journal records).
    """

    operation: Operation
    volumes: FiledVolumes
    key: dict[str, str]
    version: str | None
    accepted: dict[str, Any]


def read_filing(
    owner: str,
    operation_id: str,
    request: Any,
    *,
    now_s: float,
    limits: OperationLimits,
    geometry_limits: GeometryLimits | None = None,
) -> Filing:
    """Read ``PUT /v1/operations/{id}``'s body, or raise naming the field and the problem.

    Every check that does not depend on the hub's state is made here: the volumes (see
    :func:`read_volumes`), the filing checks of
    :func:`~deconfliction.model.operation.check_volumes` (an end in the past, an area above
    the limit), the priority, the domain, the shape of ``key`` and ``version``.

    >>> volume = {"geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "radius_m": 500,
    ...           "alt_lower_m": 0, "alt_upper_m": 120, "start": 1000, "end": 4600}
    >>> read_filing("red-cross", "medevac-7", {"volumes": [volume], "priority": 90},
    ...             now_s=0.0, limits=OperationLimits()).operation.priority
    90
    >>> read_filing("red-cross", "medevac-7", {"volumes": []}, now_s=0.0,
    ...             limits=OperationLimits())
    Traceback (most recent call last):
    ...
    deconfliction.errors.InvalidInput: operation 'medevac-7': an operation needs at least one volume
    """
    check_object_id(operation_id)
    label = f"operation {operation_id!r}"
    if not isinstance(request, Mapping):
        raise InvalidInput(f"{label}: the body must be a JSON object")
    unknown = sorted(set(request) - set(REQUEST_FIELDS))
    if unknown:
        raise InvalidInput(
            f"{label}: unknown field {unknown[0]!r}; an operation has " + ", ".join(REQUEST_FIELDS)
        )
    if request.get("volumes") is None:
        raise InvalidInput(f"{label}: volumes is required (a list of at least one volume)")
    filed = read_volumes(
        request["volumes"],
        label=label,
        max_volumes=limits.max_volumes,
        limits=geometry_limits,
        max_total_vertices=limits.max_total_vertices,
    )
    try:
        volumes = check_volumes(filed.volumes, now_s=now_s, limits=limits, areas_m2=filed.areas_m2)
    except InvalidInput as error:
        raise InvalidInput(f"{label}: {error.message}", details=error.details) from None
    priority = request.get("priority", 0)
    if (
        isinstance(priority, bool)
        or not isinstance(priority, int)
        or not 0 <= priority <= MAX_PRIORITY
    ):
        raise InvalidInput(
            f"{label}: priority must be a whole number from 0 to {MAX_PRIORITY}, got {priority!r}"
        )
    domain_name = request.get("domain", Domain.AIR.value)
    try:
        domain = Domain(domain_name)
    except ValueError:
        raise InvalidInput(
            f"{label}: unknown domain {domain_name!r}; use air, ground or sea"
        ) from None
    key = _read_key(request.get("key"), label)
    version = request.get("version")
    if version is not None and not isinstance(version, str):
        raise InvalidInput(f"{label}: version must be the text of the operation's current version")
    operation = Operation(
        id=operation_id,
        owner=owner,
        version="-",
        state=OperationState.ACCEPTED,
        priority=priority,
        domain=domain,
        volumes=volumes,
        created_s=now_s,
        updated_s=now_s,
    )
    accepted = {
        "volumes": list(filed.accepted),
        "priority": priority,
        "domain": domain.value,
        "version": version,
        "key": key,
    }
    return Filing(operation, filed, key, version, accepted)


def _read_key(raw: Any, label: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput(
            f"{label}: key must be an object mapping the id of each overlapping operation or "
            "zone to its current version"
        )
    if len(raw) > MAX_KEY_ENTRIES:
        raise InvalidInput(f"{label}: key has {len(raw)} entries; at most {MAX_KEY_ENTRIES}")
    for object_id, version in raw.items():
        if not isinstance(object_id, str) or not isinstance(version, str):
            raise InvalidInput(
                f"{label}: key entry {object_id!r}: a version is text, got {version!r}"
            )
    return dict(raw)
