"""Zones: a party's declared region with a rule, an altitude band and a validity window.

A zone is a GeoJSON Feature. Its geometry is read by
:func:`deconfliction.geo.parse_geometry` (areas, circles, lines); its properties are:

=================  =====================================================================
``name``           free text (optional)
``rule``           ``no_entry``: no other party's track inside; ``notify_before_entry``:
                   another party may enter only after a crossing notice the owner has
                   acknowledged; ``protected``: a protected site or route, no other party's
                   track within it (requires ``valid_to``)
``radius_m``       radius of the disc around a Point (metres)
``buffer_m``       grows any geometry by this many metres; required for a LineString
``alt_lower_m``    bottom of the altitude band (default: the surface, i.e. no lower limit)
``alt_upper_m``    top of the altitude band (default: unlimited)
``valid_from``     RFC 3339 time or unix seconds (default: now, i.e. no start)
``valid_to``       RFC 3339 time or unix seconds (default: no end; required for protected)
``shared_with``    ``"all"`` or a list of party names that may see the zone
=================  =====================================================================

Other properties (styling from a map editor, notes) are kept and ignored, except one that
looks like a misspelling of a known property (``valid_untill``), which is refused.

DESIGN.md also lists an ``owner_only`` rule; it is the same as ``no_entry`` (only the
owner's tracks may be inside), so it is not a separate rule: a zone that says
``owner_only`` is refused with a message pointing to ``no_entry``.

**Round trip.** :meth:`Zone.to_feature` returns the Feature exactly as submitted (same
keys, same order, same values, times as the text given), so a FeatureCollection imported
with :func:`zones_from_collection` and exported with :func:`to_collection` is equal to the
original and serialises byte for byte the same with ``json.dumps(..., sort_keys=True)``.
Two things are not kept: members of the FeatureCollection other than ``type`` and
``features``, and, for a feature submitted without an ``id`` (its id given separately),
the absence of the id (``to_feature`` adds it).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shapely.geometry.base import BaseGeometry

from deconfliction.errors import InvalidInput
from deconfliction.geo import GeometryLimits, Region, RegionKind, parse_geometry
from deconfliction.model.ids import check_id
from deconfliction.model.party import check_party_name
from deconfliction.units import format_time, parse_time

MAX_ZONE_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
ZONE_PROPERTIES = (
    "name",
    "rule",
    "radius_m",
    "buffer_m",
    "alt_lower_m",
    "alt_upper_m",
    "valid_from",
    "valid_to",
    "shared_with",
)


class ZoneRule(StrEnum):
    """What a zone forbids to tracks of parties other than its owner."""

    NO_ENTRY = "no_entry"
    NOTIFY_BEFORE_ENTRY = "notify_before_entry"
    PROTECTED = "protected"


@dataclass(frozen=True)
class Zone:
    """A declared zone; build it with :meth:`from_feature`.

    ``alt_lower_m``/``alt_upper_m`` are ``-inf``/``inf`` when not given;
    ``valid_from_s``/``valid_to_s`` are unix seconds or None (no start, no end).
    ``feature_json`` is the Feature as submitted (see the module docs on the round trip).
    """

    id: str
    owner: str
    rule: ZoneRule
    region: Region = field(compare=False, repr=False)
    name: str | None = None
    alt_lower_m: float = -math.inf
    alt_upper_m: float = math.inf
    valid_from_s: float | None = None
    valid_to_s: float | None = None
    shared_with: frozenset[str] = frozenset()
    shared_with_all: bool = False
    feature_json: str = field(default="{}", repr=False)

    @property
    def kind(self) -> RegionKind:
        return self.region.kind

    @property
    def label(self) -> str:
        return f"zone {self.id!r}"

    def active_at(self, time_s: float) -> bool:
        """Whether the zone is in force at ``time_s`` (from ``valid_from``, until ``valid_to``)."""
        starts = self.valid_from_s is None or self.valid_from_s <= time_s
        return starts and (self.valid_to_s is None or time_s < self.valid_to_s)

    def visible_to(self, party: str) -> bool:
        """Whether ``party`` may see this zone (its owner, or a party it is shared with)."""
        return party == self.owner or self.shared_with_all or party in self.shared_with

    def to_feature(self) -> dict[str, Any]:
        """The Feature as submitted (with ``id`` added if it was given separately)."""
        feature: dict[str, Any] = json.loads(self.feature_json)
        if "id" not in feature:
            feature = {"id": self.id, **feature}
        return feature

    @classmethod
    def from_feature(
        cls,
        feature: Any,
        *,
        owner: str,
        limits: GeometryLimits | None = None,
        zone_id: str | None = None,
        now_s: float | None = None,
    ) -> Zone:
        """Validate a GeoJSON Feature and build the zone it declares for ``owner``.

        ``zone_id`` is the id when it comes from elsewhere (``PUT /v1/zones/{id}``); it
        must then match the feature's ``id`` if that is present. With ``now_s``, a zone
        whose ``valid_to`` has already passed is refused.

        >>> zone = Zone.from_feature(
        ...     {"type": "Feature", "id": "tanf",
        ...      "geometry": {"type": "Point", "coordinates": [38.66, 33.5]},
        ...      "properties": {"rule": "no_entry", "radius_m": 55000}}, owner="east")
        >>> zone.rule.value, zone.kind.value, zone.alt_upper_m
        ('no_entry', 'circle', inf)
        """
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            raise InvalidInput(
                f'a zone must be a GeoJSON Feature (with "type": "Feature"), got {got!r}'
            )
        zid = _zone_id(feature, zone_id)
        label = f"zone {zid!r}"
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise InvalidInput(
                f'{label}: the feature has no "properties" object; a zone needs at least "rule"'
            )
        _check_property_names(props, label)
        rule = _rule(props.get("rule"), label)
        name = props.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_LENGTH):
            raise InvalidInput(
                f"{label}: name must be text of at most {MAX_NAME_LENGTH} characters"
            )
        lower = _altitude(props, "alt_lower_m", -math.inf, label)
        upper = _altitude(props, "alt_upper_m", math.inf, label)
        if upper <= lower:
            raise InvalidInput(
                f"{label}: alt_upper_m ({upper:g} m) must be above alt_lower_m ({lower:g} m)"
            )
        valid_from = _time(props, "valid_from", label)
        valid_to = _time(props, "valid_to", label)
        if valid_from is not None and valid_to is not None and valid_to <= valid_from:
            raise InvalidInput(
                f"{label}: valid_to ({format_time(valid_to)}) is "
                f"{'before' if valid_to < valid_from else 'the same as'} valid_from "
                f"({format_time(valid_from)}); a zone must end after it starts"
            )
        if rule is ZoneRule.PROTECTED and valid_to is None:
            raise InvalidInput(
                f"{label}: a protected zone needs valid_to, the time its protection ends "
                "(protected zones expire, so a stale one cannot linger)"
            )
        if now_s is not None and valid_to is not None and valid_to <= now_s:
            raise InvalidInput(f"{label}: valid_to ({format_time(valid_to)}) has already passed")
        shared, shared_all = _shared_with(props.get("shared_with"), label)
        if "geometry" not in feature or feature["geometry"] is None:
            raise InvalidInput(f"{label}: the feature has no geometry")
        region = parse_geometry(
            feature["geometry"],
            radius_m=props.get("radius_m"),
            buffer_m=props.get("buffer_m"),
            limits=limits,
            label=label,
        )
        try:
            text = json.dumps(feature, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidInput(f"{label}: the feature is not plain JSON") from None
        return cls(
            id=zid,
            owner=check_party_name(owner),
            rule=rule,
            region=region,
            name=name,
            alt_lower_m=lower,
            alt_upper_m=upper,
            valid_from_s=valid_from,
            valid_to_s=valid_to,
            shared_with=shared,
            shared_with_all=shared_all,
            feature_json=text,
        )


def zones_from_collection(
    collection: Any,
    *,
    owner: str,
    limits: GeometryLimits | None = None,
    now_s: float | None = None,
) -> list[Zone]:
    """All the zones of a GeoJSON FeatureCollection, or an error listing every bad feature.

    The error's ``details`` hold one ``{"index", "id", "reason"}`` per refused feature.
    """
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("zones must come as a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise InvalidInput('the FeatureCollection has no "features" list')
    zones: list[Zone] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        fid = feature.get("id") if isinstance(feature, dict) else None
        try:
            zone = Zone.from_feature(feature, owner=owner, limits=limits, now_s=now_s)
        except InvalidInput as error:
            problems.append({"index": index, "id": fid, "reason": error.message})
            continue
        if zone.id in seen:
            problems.append(
                {"index": index, "id": fid, "reason": f"zone {zone.id!r}: the id is used twice"}
            )
            continue
        seen.add(zone.id)
        zones.append(zone)
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"{len(problems)} of {len(features)} zone features were refused; "
            f"feature {first['index']}: {first['reason']}",
            details=problems,
        )
    return zones


def to_collection(zones: Iterable[Zone]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the zones, each as submitted."""
    return {"type": "FeatureCollection", "features": [zone.to_feature() for zone in zones]}


def _zone_id(feature: dict[str, Any], given: str | None) -> str:
    fid = feature.get("id")
    name = (
        feature.get("properties", {}).get("name")
        if isinstance(feature.get("properties"), dict)
        else None
    )
    if fid is None and given is None:
        called = f" (named {name!r})" if isinstance(name, str) else ""
        raise InvalidInput(f'a zone feature{called} has no "id"; give every zone an id')
    if fid is not None and given is not None and fid != given:
        raise InvalidInput(f"zone {given!r}: the feature's id is {fid!r}; they must be the same")
    zid = given if given is not None else fid
    return check_id(zid, "zone id")


def _check_property_names(props: dict[str, Any], label: str) -> None:
    for key in props:
        if key in ZONE_PROPERTIES:
            continue
        if key.startswith("valid"):
            close = ["valid_from", "valid_to"]
        elif key.startswith("alt"):
            close = ["alt_lower_m", "alt_upper_m"]
        else:
            close = difflib.get_close_matches(key, ZONE_PROPERTIES, n=1, cutoff=0.75)
        if close:
            meant = " or ".join(repr(name) for name in close)
            raise InvalidInput(f"{label}: unknown property {key!r}; did you mean {meant}?")


def _rule(value: Any, label: str) -> ZoneRule:
    rules = ", ".join(rule.value for rule in ZoneRule)
    if value is None:
        raise InvalidInput(f'{label}: the property "rule" is missing; use one of {rules}')
    if value == "owner_only":
        raise InvalidInput(
            f"{label}: rule 'owner_only' is written 'no_entry' (no track of another party "
            "inside the zone)"
        )
    try:
        return ZoneRule(value)
    except ValueError:
        raise InvalidInput(f"{label}: unknown rule {value!r}; use one of {rules}") from None


def _altitude(props: dict[str, Any], name: str, default: float, label: str) -> float:
    value = props.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{label}: {name} must be a number of metres, got {value!r}")
    return float(value)


def _time(props: dict[str, Any], name: str, label: str) -> float | None:
    value = props.get(name)
    if value is None:
        return None
    return parse_time(value, what=f"{label}: {name}")


def _shared_with(value: Any, label: str) -> tuple[frozenset[str], bool]:
    if value is None:
        return frozenset(), False
    if value == "all":
        return frozenset(), True
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            f'{label}: shared_with must be "all" or a list of party names, got {value!r}'
        )
    for party in value:
        try:
            check_party_name(party)
        except InvalidInput as error:
            raise InvalidInput(f"{label}: shared_with: {error.message}") from None
    return frozenset(value), False


@dataclass(frozen=True)
class ZoneOutline:
    """A zone as it stood during the incident (geometry in lon/lat degrees)."""

    name: str
    geometry: BaseGeometry
    rule: str = ""
    owner: str = ""
    state: str = "active"  # e.g. active, not yet valid, expired, deleted
