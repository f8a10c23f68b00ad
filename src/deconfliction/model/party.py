"""Parties, the agreements between them, and the domains their tracks move in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.model.minima import Minima

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # as JSON Schema writes it
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
LANGUAGES = ("en", "ru", "ar", "fr")  # those the hotline has catalogues for (a test checks)


class Domain(StrEnum):
    """Where a track moves; the order gives each domain its small integer code."""

    AIR = "air"
    GROUND = "ground"
    SEA = "sea"

    @property
    def code(self) -> int:
        return _DOMAIN_CODES[self]


_DOMAIN_CODES = {domain: index for index, domain in enumerate(Domain)}
DOMAINS: tuple[Domain, ...] = tuple(Domain)


def check_party_name(name: str) -> str:
    """The name itself if it can name a party; raise with the rule otherwise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInput(
            f"party name {name!r} is not allowed: use 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Party:
    """An organisation connected to the hub."""

    name: str
    created_s: float
    language: str = "en"
    timezone: str = "UTC"
    revoked_s: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_s is None


@dataclass(frozen=True)
class Agreement:
    """What two parties agreed between themselves.

    ``share_tracks``: each sees the other's whole live picture (otherwise only what alerts
    carry). ``minima``: larger separation minima for pairs of their tracks, by domain pair
    key (see :func:`deconfliction.model.minima.domain_pair_key`). ``share_operations``: each
    sees the other's planned operations in full (and must then carry their versions in the
    key of its own overlapping writes); otherwise only the overlaps its alerts carry.
    """

    party_a: str
    party_b: str
    share_tracks: bool = False
    minima: dict[str, Minima] = field(default_factory=dict)
    share_operations: bool = False

    def __post_init__(self) -> None:
        if self.party_a == self.party_b:
            raise InvalidInput("an agreement needs two different parties")
        if self.party_a > self.party_b:  # one canonical order, so a pair has one key
            first, second = self.party_b, self.party_a
            object.__setattr__(self, "party_a", first)
            object.__setattr__(self, "party_b", second)

    def to_json(self) -> dict[str, Any]:
        return {
            "parties": [self.party_a, self.party_b],
            "share_tracks": self.share_tracks,
            "share_operations": self.share_operations,
            "minima": {key: m.to_json() for key, m in sorted(self.minima.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Agreement:
        party_a, party_b = data["parties"]
        minima = {key: Minima.from_json(m) for key, m in (data.get("minima") or {}).items()}
        return cls(
            party_a,
            party_b,
            bool(data.get("share_tracks", False)),
            minima,
            share_operations=bool(data.get("share_operations", False)),
        )

    @property
    def pair(self) -> tuple[str, str]:
        return (self.party_a, self.party_b)

    def involves(self, party: str) -> bool:
        return party in (self.party_a, self.party_b)

    def other(self, party: str) -> str:
        return self.party_b if party == self.party_a else self.party_a
