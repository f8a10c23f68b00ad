"""Checked rows as columns (numpy, Arrow for ids): slicing, joining, and making snapshots."""

from __future__ import annotations

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
