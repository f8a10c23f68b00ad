"""Separation minima: how close two tracks may come, and how far ahead the hub looks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.units import FT_M, NM_M


@dataclass(frozen=True)
class Minima:
    """Two tracks conflict when, at the same moment within ``[0, lookahead_s]``, they are
    closer than ``horizontal_m`` horizontally *and* ``vertical_m`` vertically.

    ``vertical_m = math.inf`` ignores altitude (ground and sea traffic).
    """

    horizontal_m: float
    vertical_m: float
    lookahead_s: float

    def __post_init__(self) -> None:
        for name in ("horizontal_m", "vertical_m", "lookahead_s"):
            value = getattr(self, name)
            if not (value > 0) or math.isnan(value):
                raise InvalidInput(f"minima: {name} must be positive, got {value!r}")
        if math.isinf(self.horizontal_m) or math.isinf(self.lookahead_s):
            raise InvalidInput("minima: horizontal_m and lookahead_s must be finite")

    def to_json(self) -> dict[str, float | None]:
        return {
            "horizontal_m": self.horizontal_m,
            "vertical_m": None if math.isinf(self.vertical_m) else self.vertical_m,
            "lookahead_s": self.lookahead_s,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Minima:
        """From ``to_json``'s form; ``vertical_m`` null or absent means altitude is ignored."""
        try:
            vertical = data.get("vertical_m")
            return cls(
                horizontal_m=float(data["horizontal_m"]),
                vertical_m=math.inf if vertical is None else float(vertical),
                lookahead_s=float(data["lookahead_s"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(
                f"minima need horizontal_m, lookahead_s and optionally vertical_m: {error}"
            ) from None

    def at_least(self, other: Minima) -> Minima:
        """The larger of each minimum (agreements may only widen the defaults)."""
        return Minima(
            max(self.horizontal_m, other.horizontal_m),
            max(self.vertical_m, other.vertical_m),
            max(self.lookahead_s, other.lookahead_s),
        )


AIR_MINIMA = Minima(horizontal_m=5 * NM_M, vertical_m=1000 * FT_M, lookahead_s=300.0)
GROUND_MINIMA = Minima(horizontal_m=1000.0, vertical_m=math.inf, lookahead_s=600.0)
SEA_MINIMA = Minima(horizontal_m=1 * NM_M, vertical_m=math.inf, lookahead_s=600.0)


def domain_pair_key(domain_a: str, domain_b: str) -> str:
    """``"air"`` for two air tracks, ``"air-ground"`` for a mixed pair (sorted)."""
    if domain_a == domain_b:
        return domain_a
    first, second = sorted((domain_a, domain_b))
    return f"{first}-{second}"


# Pairs absent here are not checked (air-ground, air-sea, ground-sea by default).
DEFAULT_MINIMA: dict[str, Minima] = {
    "air": AIR_MINIMA,
    "ground": GROUND_MINIMA,
    "sea": SEA_MINIMA,
}
