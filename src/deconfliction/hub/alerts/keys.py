"""Conflict keys: what names one conflict, a type per kind of conflict.

A conflict is found again every cycle (or every write) by its key, and each involved party's
alert belongs to it while it lasts. The key names the objects in conflict: two tracks, a
track and a zone's version, two operations, an operation and a zone, two zones, a track and
the operation it flies or enters.

The store keeps a key in the alert's document as a list whose first element is the key's
tag (``["tt", party_a, track_a, party_b, track_b]``); the tags are the stored format and
never change. :func:`key_from_doc` reads one back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from deconfliction.model.alert import AlertKind


@dataclass(frozen=True, slots=True)
class _Key:
    TAG: ClassVar[str]
    KIND: ClassVar[AlertKind]

    @property
    def kind(self) -> AlertKind:
        return self.KIND

    def to_doc(self) -> list[str]:
        """The key as the store keeps it."""
        names: tuple[str, ...] = self.__slots__
        return [self.TAG, *(str(getattr(self, name)) for name in names)]

    @classmethod
    def from_values(cls, values: Sequence[str]) -> Self:
        return cls(*values)


@dataclass(frozen=True, slots=True)
class TrackPair(_Key):
    """Two tracks of different parties, in order: ``(party_a, track_a) < (party_b, track_b)``."""

    TAG = "tt"
    KIND = AlertKind.TRACK_TRACK
    party_a: str
    track_a: str
    party_b: str
    track_b: str

    @classmethod
    def of(cls, party_1: str, track_1: str, party_2: str, track_2: str) -> TrackPair:
        (party_a, track_a), (party_b, track_b) = sorted(((party_1, track_1), (party_2, track_2)))
        return cls(party_a, track_a, party_b, track_b)


@dataclass(frozen=True, slots=True)
class TrackInZone(_Key):
    """A track and one version of a zone (a changed zone is another conflict)."""

    TAG = "tz"
    KIND = AlertKind.TRACK_ZONE
    zone: str
    zone_version: int
    party: str
    track: str

    @classmethod
    def from_values(cls, values: Sequence[str]) -> TrackInZone:
        zone, version, party, track = values
        return cls(zone, int(version), party, track)


@dataclass(frozen=True, slots=True)
class OperationPair(_Key):
    """Two operations of different parties, by id in order."""

    TAG = "oo"
    KIND = AlertKind.OPERATION_OPERATION
    operation_a: str
    operation_b: str

    @classmethod
    def of(cls, one: str, other: str) -> OperationPair:
        first, second = sorted((one, other))
        return cls(first, second)

    @property
    def objects(self) -> tuple[str, str]:
        return (self.operation_a, self.operation_b)


@dataclass(frozen=True, slots=True)
class OperationInZone(_Key):
    """An operation and another party's ``no_entry`` zone or protected site."""

    TAG = "oz"
    KIND = AlertKind.OPERATION_ZONE
    operation: str
    zone: str

    @property
    def objects(self) -> tuple[str, str]:
        return (self.operation, self.zone)


@dataclass(frozen=True, slots=True)
class ZonePair(_Key):
    """A protected zone declared in or on another party's ``no_entry`` zone."""

    TAG = "zz"
    KIND = AlertKind.ZONE_ZONE
    protected_zone: str
    no_entry_zone: str


@dataclass(frozen=True, slots=True)
class Nonconforming(_Key):
    """A track flying its own party's activated operation outside its volumes."""

    TAG = "nc"
    KIND = AlertKind.NONCONFORMANCE
    party: str
    track: str
    operation: str


@dataclass(frozen=True, slots=True)
class Intruding(_Key):
    """A nonconforming track inside a volume of another party's live operation."""

    TAG = "nci"
    KIND = AlertKind.NONCONFORMANCE
    party: str
    track: str
    operation: str  # the other party's


ConflictKey = (
    TrackPair | TrackInZone | OperationPair | OperationInZone | ZonePair | Nonconforming | Intruding
)
_BY_TAG: dict[str, type[ConflictKey]] = {
    cls.TAG: cls
    for cls in (
        TrackPair,
        TrackInZone,
        OperationPair,
        OperationInZone,
        ZonePair,
        Nonconforming,
        Intruding,
    )
}


def key_from_doc(doc: Sequence[str]) -> ConflictKey:
    """The key a stored alert document holds (see :meth:`_Key.to_doc`)."""
    tag, *values = doc
    return _BY_TAG[tag].from_values(values)
