"""Version keys: a write proves it saw the current picture of everything it overlaps.

Every write of an operation or zone gets a new ``version``. A writer carries in its ``key``
the versions it holds of the other objects its plan overlaps; :func:`check_key` compares
them with the overlaps the index found and returns, per object, what is missing or stale,
with the current version and the overlapping volumes: the body of the 409.

Why versions are opaque strings, not integers
    A key is *proof* of a current picture (like the OVNs of the ASTM F3548 DSS). With
    counters, a writer could pass the check by guessing ``1`` for an object it never
    fetched, or by adding one to the last it saw. :func:`version_token` derives a version
    from a hub secret, the object and its revision number with HMAC-SHA256: unguessable
    without the secret, yet deterministic, so replaying the journal mints the same versions.
    The hub keeps the revision counter; clients only ever compare versions for equality.

>>> token = version_token(b"hub secret", "operation", "medevac-7", 3)
>>> len(token), token == version_token(b"hub secret", "operation", "medevac-7", 3)
(22, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deconfliction.detect.overlaps import ObjectKind, Overlap, Overlaps
from deconfliction.errors import StaleKey, VersionMismatch


class KeyProblem(StrEnum):
    """Why an object is listed in the 409."""

    MISSING = "missing"  # the key did not name it
    STALE = "stale"  # the key named an older version


@dataclass(frozen=True)
class StaleEntry:
    """One object the key did not prove the writer saw, ready for the 409 body.

    ``version`` is the current one; ``carried`` what the key held (None if missing);
    ``overlaps`` the overlapping volumes only, as :class:`~deconfliction.detect.overlaps.Overlap`.
    """

    kind: ObjectKind
    id: str
    owner: str
    version: str
    problem: KeyProblem
    carried: str | None
    overlaps: tuple[Overlap, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "id": self.id,
            "party": self.owner,
            "version": self.version,
            "problem": self.problem.value,
            "carried": self.carried,
            "overlaps": [
                {"volume_index": o.volume_index, **o.volume_json()} for o in self.overlaps
            ],
        }


def check_key(overlaps: Overlaps, key: Mapping[str, str]) -> tuple[StaleEntry, ...]:
    """The objects among ``overlaps`` whose current version ``key`` does not carry.

    Pass only the overlaps the writer may see (the hub applies visibility first). Entries in
    ``key`` for objects that do not overlap are ignored. Versions are compared exactly.

    Parameters
    ----------
    overlaps
        What the index found for the write (its own object excluded).
    key
        Object id → version, as the writer sent it.

    Returns
    -------
    tuple of StaleEntry
        Sorted by (kind, id); empty when the key is current. Overlap footprints are
        computed only for these entries.

    Examples
    --------
    >>> from shapely import box
    >>> from deconfliction.detect.overlaps import ObjectKind, Ref
    >>> from deconfliction.detect.volumes import VolumeIndex
    >>> from deconfliction.model.operation import Volume
    >>> index = VolumeIndex()
    >>> index.put(Ref(ObjectKind.OPERATION, "fire-3"), owner="firefighters", version="Xq2",
    ...           volumes=[Volume(box(0.0, 0.0, 2.0, 2.0), 0.0, 500.0, 0.0, 3600.0)])
    >>> found = index.query([Volume(box(1.0, 1.0, 3.0, 3.0), 0.0, 500.0, 0.0, 3600.0)])
    >>> [(e.id, e.problem.value, e.version) for e in check_key(found, {"fire-3": "Ab1"})]
    [('fire-3', 'stale', 'Xq2')]
    >>> check_key(found, {"fire-3": "Xq2"})
    ()
    """
    rows_of: dict[tuple[ObjectKind, str], list[int]] = {}
    for row, (kind, object_id, version) in enumerate(
        zip(overlaps.kinds, overlaps.ids, overlaps.versions, strict=True)
    ):
        if key.get(object_id) != version:
            rows_of.setdefault((kind, object_id), []).append(row)
    if not rows_of:
        return ()
    groups = sorted(rows_of.items())
    picked = overlaps.take([row for _, rows in groups for row in rows])
    entries: list[StaleEntry] = []
    position = 0
    for (kind, object_id), rows in groups:
        carried = key.get(object_id)
        entries.append(
            StaleEntry(
                kind=kind,
                id=object_id,
                owner=overlaps.owners[rows[0]],
                version=overlaps.versions[rows[0]],
                problem=KeyProblem.MISSING if carried is None else KeyProblem.STALE,
                carried=carried,
                overlaps=tuple(picked[i] for i in range(position, position + len(rows))),
            )
        )
        position += len(rows)
    return tuple(entries)


def raise_for_key(entries: Sequence[StaleEntry]) -> None:
    """Raise :class:`~deconfliction.errors.StaleKey` listing ``entries``, if there are any."""
    if not entries:
        return
    names = ", ".join(f"{e.kind.value} {e.id}" for e in entries[:5])
    more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    raise StaleKey(
        f"the key does not carry the current version of {names}{more}, which overlap this "
        "plan; fetch them and write again with their versions in key",
        details=[entry.to_json() for entry in entries],
    )


def check_own_version(object_id: str, current: str | None, named: str | None) -> None:
    """Optimistic concurrency for one object's own version; raise VersionMismatch if off.

    ``current`` is None when the object does not exist yet (then ``named`` must be None too);
    an update must name exactly the current version.

    >>> check_own_version("medevac-7", "Xq2", "Xq2")
    >>> check_own_version("medevac-7", "Xq2", "Ab1")
    Traceback (most recent call last):
    ...
    deconfliction.errors.VersionMismatch: medevac-7 is at version Xq2, not Ab1: ...
    """
    if current == named:
        return
    if current is None:
        raise VersionMismatch(
            f"{object_id} does not exist, so there is no version {named} to update; "
            "leave version out to create it",
            details=[{"id": object_id, "version": None, "named": named}],
        )
    if named is None:
        message = f"{object_id} already exists at version {current}; name that version to update it"
    else:
        message = (
            f"{object_id} is at version {current}, not {named}: it changed since you read it; "
            "fetch it and write again"
        )
    raise VersionMismatch(message, details=[{"id": object_id, "version": current, "named": named}])


def version_token(secret: bytes, kind: str, object_id: str, revision: int) -> str:
    """An opaque, unguessable, reproducible version: HMAC-SHA256, 128 bits, URL-safe base64."""
    message = f"{kind}\x1f{object_id}\x1f{revision}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
