"""Places in hotline messages: coordinates, an optional name, and their renderings.

Every place carries WGS84 coordinates; it is shown in decimal degrees
(``35.33000°N 40.14000°E``) and in MGRS at 1 m precision.

MGRS convention used here
-------------------------
``37S FV 03609 10235``: grid zone designator (zone number, two digits, and latitude band
letter), a space, the two letters of the 100 km square, a space, five digits of easting, a
space, five digits of northing. Digits are *truncated*, not rounded, as the MGRS standard
requires: the reference names the 1 m square that contains the point. The 100 km square
letters follow the WGS84 ("AA") lettering, with the Norway (32V) and Svalbard (31X-37X)
zone exceptions. :meth:`Place.mgrs_compact` gives the same reference without spaces.

MGRS in the polar regions (south of 80°S and north of 84°N) is built on the UPS
projection, which many field tools and printed maps do not carry; rather than hand a reader
a reference they may misread, :meth:`Place.mgrs` returns ``None`` there and renderings say
that MGRS is not given and the decimal degrees are the reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import mgrs

from deconfliction.errors import InvalidInput
from deconfliction.model.codec import OMIT_NONE
from deconfliction.model.text import check_text

MGRS_SOUTH_LIMIT_DEG = -80.0
MGRS_NORTH_LIMIT_DEG = 84.0
MAX_PLACE_NAME_LENGTH = 120
_PLACE_KEYS = frozenset({"lat", "lon", "name"})


@dataclass(frozen=True)
class Place:
    """A point: WGS84 ``lat``/``lon`` in degrees and an optional human name.

    Its document (:func:`deconfliction.model.codec.dump`) is ``{"lat", "lon", "name"}``, the
    name only when given; :meth:`from_json` reads one from a request, checking it.
    """

    lat: float
    lon: float
    name: Annotated[str | None, OMIT_NONE] = None

    def __post_init__(self) -> None:
        for axis, limit in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, axis)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInput(f"place: {axis} must be a number of degrees, got {value!r}")
            if not math.isfinite(value) or not -limit <= value <= limit:
                raise InvalidInput(
                    f"place: {axis} {value!r} is out of range [-{limit:g}, {limit:g}]"
                )
            object.__setattr__(self, axis, float(value) + 0.0)  # -0.0 becomes 0.0
        if self.name is not None:
            if not isinstance(self.name, str) or not self.name.strip():
                raise InvalidInput(f"place: name must be non-empty text, got {self.name!r}")
            if len(self.name) > MAX_PLACE_NAME_LENGTH:
                raise InvalidInput(f"place: name is longer than {MAX_PLACE_NAME_LENGTH} characters")
            object.__setattr__(self, "name", check_text(self.name.strip(), "place: name"))

    @classmethod
    def from_json(cls, value: Any, what: str = "place") -> Place:
        """A place from ``{"lat": ..., "lon": ..., "name": ...}`` (name optional)."""
        if isinstance(value, Place):
            return value
        if not isinstance(value, Mapping):
            raise InvalidInput(
                f"{what}: expected an object with lat, lon and an optional name, got {value!r}"
            )
        unknown = set(value) - _PLACE_KEYS
        if unknown:
            raise InvalidInput(
                f"{what}: unknown key {sorted(unknown)[0]!r}; a place has lat, lon and name"
            )
        for key in ("lat", "lon"):
            if value.get(key) is None:
                raise InvalidInput(f"{what}: {key} is missing")
        try:
            return cls(value["lat"], value["lon"], value.get("name"))
        except InvalidInput as error:
            raise InvalidInput(f"{what}: {error.message.removeprefix('place: ')}") from None

    def degrees(self, decimals: int = 5) -> str:
        """Decimal degrees with hemisphere letters: ``35.33000°N 40.14000°E``.

        Five decimals are about 1 m, the precision of the MGRS reference beside it.
        """
        lat = f"{abs(self.lat):.{decimals}f}°{'S' if self.lat < 0 else 'N'}"
        lon = f"{abs(self.lon):.{decimals}f}°{'W' if self.lon < 0 else 'E'}"
        return f"{lat} {lon}"

    @property
    def has_mgrs(self) -> bool:
        """Whether the place lies where MGRS is given (80°S to 84°N)."""
        return MGRS_SOUTH_LIMIT_DEG <= self.lat <= MGRS_NORTH_LIMIT_DEG

    def mgrs_compact(self) -> str | None:
        """MGRS at 1 m without spaces (``37SFV0360910235``); ``None`` in polar regions."""
        if not self.has_mgrs:
            return None
        # mgrs keeps no state between calls; a converter per call keeps this module global-free.
        text = mgrs.MGRS().toMGRS(self.lat, self.lon, MGRSPrecision=5)
        return text.decode("ascii") if isinstance(text, bytes) else str(text)

    def mgrs(self) -> str | None:
        """MGRS at 1 m in the spaced form ``37S FV 03609 10235``; ``None`` in polar regions."""
        compact = self.mgrs_compact()
        if compact is None:
            return None
        # Zone numbers 1-9 may come without a leading zero; the square letters and the ten
        # digits at the end are fixed-width, so split from the right.
        digits, square, zone = compact[-10:], compact[-12:-10], compact[:-12]
        return f"{zone.zfill(3)} {square} {digits[:5]} {digits[5:]}"
