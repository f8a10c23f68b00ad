"""Checked rows as columns (numpy, Arrow for ids): slicing, joining, and making snapshots."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from deconfliction.detect.snapshot import Snapshot
from deconfliction.gateways import arrow
from deconfliction.gateways.layouts import NUMBER_FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

    from deconfliction.gateways.rows import Rows

SEPARATOR = "\x1f"  # between party and track in the keys that tell tracks apart
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Columns:
    """Good rows in file order: times, ids, SI numbers, domain codes, and where each was."""

    time_s: FloatArray
    line: IntArray
    party: pa.Array
    track: pa.Array
    numbers: dict[str, FloatArray]
    domain: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @classmethod
    def of(cls, rows: Rows, index: IntArray) -> Columns:
        """Rows ``index`` of a checked batch."""

        if index.size == len(rows):  # every row (the usual case): no copies
            return cls(
                time_s=rows.time_s,
                line=rows.first + rows.position,
                party=rows.party,
                track=rows.track,
                numbers=rows.numbers,
                domain=rows.domain,
            )
        take = arrow.from_numbers(index)
        return cls(
            time_s=rows.time_s[index],
            line=rows.first + rows.position[index],
            party=rows.party.take(take),
            track=rows.track.take(take),
            numbers={name: values[index] for name, values in rows.numbers.items()},
            domain=rows.domain[index],
        )

    def take(self, index: IntArray | slice) -> Columns:

        if isinstance(index, slice):
            start, stop, _ = index.indices(len(self))
            party, track = (
                self.party.slice(start, stop - start),
                self.track.slice(start, stop - start),
            )
        else:
            take = arrow.from_numbers(index)
            party, track = self.party.take(take), self.track.take(take)
        return Columns(
            time_s=self.time_s[index],
            line=self.line[index],
            party=party,
            track=track,
            numbers={name: values[index] for name, values in self.numbers.items()},
            domain=self.domain[index],
        )

    @staticmethod
    def join(parts: list[Columns]) -> Columns:
        import pyarrow as pa

        if len(parts) == 1:
            return parts[0]
        return Columns(
            time_s=np.concatenate([p.time_s for p in parts]),
            line=np.concatenate([p.line for p in parts]),
            party=pa.concat_arrays([p.party for p in parts]),
            track=pa.concat_arrays([p.track for p in parts]),
            numbers={
                name: np.concatenate([p.numbers[name] for p in parts]) for name in NUMBER_FIELDS
            },
            domain=np.concatenate([p.domain for p in parts]),
        )

    def keys(self) -> IntArray:
        """One integer per distinct ``(party, track)`` among these rows."""
        import pyarrow.compute as pc

        party = pc.dictionary_encode(self.party)
        track = pc.dictionary_encode(self.track)
        party_code = arrow.numbers(party.indices, np.int64)
        track_code = arrow.numbers(track.indices, np.int64)
        keys: IntArray = party_code * max(1, len(track.dictionary)) + track_code
        return keys

    def repeats(self, bounds: list[int]) -> tuple[npt.NDArray[np.bool_] | None, pa.Array]:
        """Rows whose ``(party, track)`` came earlier in their run of rows (``bounds``: where
        each run starts, and the end), or None if none did; and the distinct
        ``party<US>track`` keys of these rows."""
        import pyarrow.compute as pc

        joined = pc.binary_join_element_wise(self.party, self.track, arrow.text(SEPARATOR))
        encoded = pc.dictionary_encode(joined)
        keys = encoded.dictionary
        if self.party_has(SEPARATOR):  # two keys may look alike: compare the columns
            parts = [self.take(slice(a, b)).duplicates() for a, b in itertools.pairwise(bounds)]
            if all(part is None for part in parts):
                return None, keys
            sizes = np.diff(bounds)
            return np.concatenate(
                [np.zeros(n, bool) if p is None else p for p, n in zip(parts, sizes, strict=True)]
            ), keys
        if len(keys) == len(self):
            return None, keys
        run = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
        key = run * len(keys) + arrow.numbers(encoded.indices, np.int64)
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        if not same.any():
            return None, keys
        repeated = np.zeros(len(self), dtype=bool)
        repeated[order[1:][same]] = True
        return repeated, keys

    def snapshots(self, bounds: list[int]) -> Iterator[Snapshot]:
        """One snapshot per run of rows (``bounds`` as in :meth:`repeats`), each at most
        one row per track; parties in order of their first row in all these rows."""
        import pyarrow.compute as pc

        tracks = arrow.texts(self.track)
        party = pc.dictionary_encode(self.party)
        codes = arrow.numbers(party.indices, np.int64)
        names = party.dictionary.to_pylist()
        course = np.mod(self.numbers["course_deg"], 360.0)
        numbers = self.numbers
        for a, b in itertools.pairwise(bounds):
            local = codes[a:b]
            present = np.flatnonzero(np.bincount(local, minlength=len(names)))
            parties = names
            if present.size != len(names):
                remap = np.zeros(len(names), dtype=np.int64)
                remap[present] = np.arange(present.size)
                local = remap[local]
                parties = [names[i] for i in present.tolist()]
            yield Snapshot(
                time_s=float(self.time_s[a]),
                track=tracks[a:b],
                party=local.astype(np.int32),
                parties=tuple(parties),
                lat=numbers["lat"][a:b],
                lon=numbers["lon"][a:b],
                alt_m=numbers["alt_m"][a:b],
                gs_mps=numbers["gs_mps"][a:b],
                course_deg=course[a:b],
                vs_mps=numbers["vs_mps"][a:b],
                domain=self.domain[a:b],
            )

    def party_has(self, text: str) -> bool:
        """Whether a party's name contains ``text``."""
        import pyarrow.compute as pc

        return bool(pc.any(pc.match_substring(self.party, text)).as_py())

    def duplicates(self) -> npt.NDArray[np.bool_] | None:
        """Rows whose ``(party, track)`` came earlier among these rows, or None if none did."""
        import pyarrow.compute as pc

        n = len(self)
        if pc.count_distinct(self.track).as_py() == n:
            return None
        _, first = np.unique(self.keys(), return_index=True)
        if first.size == n:
            return None
        repeated = np.ones(n, dtype=bool)
        repeated[first] = False
        return repeated

    def snapshot(self, time_s: float) -> Snapshot:
        """These rows (at most one per track) as a snapshot, parties in order of appearance."""
        import pyarrow.compute as pc

        party = pc.dictionary_encode(self.party)
        numbers = self.numbers
        return Snapshot(
            time_s=float(time_s),
            track=arrow.texts(self.track),
            party=arrow.numbers(party.indices, np.int64).astype(np.int32),
            parties=tuple(party.dictionary.to_pylist()),
            lat=numbers["lat"],
            lon=numbers["lon"],
            alt_m=numbers["alt_m"],
            gs_mps=numbers["gs_mps"],
            course_deg=np.mod(numbers["course_deg"], 360.0),
            vs_mps=numbers["vs_mps"],
            domain=self.domain,
        )
