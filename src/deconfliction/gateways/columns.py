"""Checked rows as columns (numpy, Arrow for ids): slicing, joining, and making snapshots.

Ids are Arrow dictionary arrays whose dictionary holds each distinct id once (as
:func:`deconfliction.gateways.rows.ids` makes them), so that two rows are of one track when
their codes are equal: tracks are told apart, counted and made Python strings per
distinct id, not per row.
"""

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

SEPARATOR = "\x1f"  # between party and track in the keys that count tracks
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Columns:
    """Good rows in file order: times, ids, SI numbers, domain codes, and where each was."""

    time_s: FloatArray
    line: IntArray
    party: pa.DictionaryArray
    track: pa.DictionaryArray
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
        """Rows ``index``: a slice is a view; an array of positions a copy whose ids'
        dictionaries keep only the ids of these rows (a state kept over a whole file does
        not grow with every track it ever had)."""
        if isinstance(index, slice):
            start, stop, _ = index.indices(len(self))
            party, track = (
                self.party.slice(start, stop - start),
                self.track.slice(start, stop - start),
            )
        else:
            take = arrow.from_numbers(index)
            party, track = _compact(self.party.take(take)), _compact(self.track.take(take))
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
        """These rows one after the other (the ids' dictionaries merged)."""
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
        tracks = max(1, len(self.track.dictionary))
        keys: IntArray = _codes(self.party).astype(np.int64) * tracks + _codes(self.track)
        return keys

    def names(self) -> pa.Array:
        """The distinct ``(party, track)`` of these rows as ``party<US>track`` strings."""
        import pyarrow.compute as pc

        distinct = _distinct(self.keys())
        tracks = max(1, len(self.track.dictionary))
        return pc.binary_join_element_wise(
            self.party.dictionary.take(arrow.from_numbers(distinct // tracks)),
            self.track.dictionary.take(arrow.from_numbers(distinct % tracks)),
            arrow.text(SEPARATOR),
        )

    def repeats(self, bounds: list[int]) -> npt.NDArray[np.bool_] | None:
        """Rows whose ``(party, track)`` came earlier in their run of rows (``bounds``: where
        each run starts, and the end), or None if none did."""
        import pyarrow.compute as pc

        run = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
        # The usual case: a track id at most once per run, whatever its party.
        if not _repeated(run * max(1, len(self.track.dictionary)) + _codes(self.track)):
            return None
        keys = arrow.from_numbers(self.keys())
        dense = arrow.numbers(pc.dictionary_encode(keys).indices, np.int32)
        key = run * len(self) + dense
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        if not same.any():
            return None
        repeated = np.zeros(len(self), dtype=bool)
        repeated[order[1:][same]] = True
        return repeated

    def duplicates(self) -> npt.NDArray[np.bool_] | None:
        """Rows whose ``(party, track)`` came earlier among these rows, or None if none did."""
        return self.repeats([0, len(self)])

    def snapshots(self, bounds: list[int], texts: TrackTexts) -> Iterator[Snapshot]:
        """One snapshot per run of rows (``bounds`` as in :meth:`repeats`), each at most
        one row per track; parties in the order of the party dictionary (that of their
        first row in the batch they were read in)."""
        times = [float(self.time_s[a]) for a in bounds[:-1]]
        return self._snapshots(bounds, times, texts)

    def snapshot(self, time_s: float, texts: TrackTexts) -> Snapshot:
        """These rows (at most one per track) as a snapshot, parties as in :meth:`snapshots`."""
        return next(self._snapshots([0, len(self)], [time_s], texts))

    def _snapshots(
        self, bounds: list[int], times: list[float], texts: TrackTexts
    ) -> Iterator[Snapshot]:
        tracks = texts.of(self.track.dictionary)[_codes(self.track)]
        codes = _codes(self.party).copy()  # the snapshots' own, writable
        names = self.party.dictionary.to_pylist()
        course = _course(self.numbers["course_deg"])
        numbers = self.numbers
        for (a, b), time_s in zip(itertools.pairwise(bounds), times, strict=True):
            local = codes[a:b]
            present = np.flatnonzero(np.bincount(local, minlength=len(names)))
            parties = names
            if present.size != len(names):
                remap = np.zeros(len(names), dtype=np.int32)
                remap[present] = np.arange(present.size, dtype=np.int32)
                local = remap[local]
                parties = [names[i] for i in present.tolist()]
            yield Snapshot(
                time_s=time_s,
                track=tracks[a:b],
                party=local,
                parties=tuple(parties),
                lat=numbers["lat"][a:b],
                lon=numbers["lon"][a:b],
                alt_m=numbers["alt_m"][a:b],
                gs_mps=numbers["gs_mps"][a:b],
                course_deg=course[a:b],
                vs_mps=numbers["vs_mps"][a:b],
                domain=self.domain[a:b],
            )


class TrackTexts:
    """Track ids as Python strings (as a snapshot holds them), made once per dictionary of
    ids: the last one is kept, for the rows of one batch are often handed on in two goes."""

    def __init__(self) -> None:
        self._dictionary: pa.Array | None = None
        self._texts: npt.NDArray[np.object_] = np.empty(0, dtype=object)

    def of(self, dictionary: pa.Array) -> npt.NDArray[np.object_]:
        """The strings of ``dictionary``, in its order."""
        if self._dictionary is None or not self._dictionary.equals(dictionary):
            self._dictionary, self._texts = dictionary, arrow.texts(dictionary)
        return self._texts


def _codes(ids: pa.DictionaryArray) -> npt.NDArray[np.int32]:
    return arrow.numbers(ids.indices, np.int32)


def _distinct(values: IntArray) -> IntArray:
    """The distinct values among these non-negative integers."""
    import pyarrow.compute as pc

    if values.size and int(values.max()) < 64 * values.size + (1 << 20):  # a flag each: fast
        seen = np.zeros(int(values.max()) + 1, dtype=bool)
        seen[values] = True
        return np.flatnonzero(seen)
    return arrow.numbers(pc.unique(arrow.from_numbers(values)), np.int64)


def _repeated(values: IntArray) -> bool:
    """Whether a value comes twice among these non-negative integers."""
    import pyarrow.compute as pc

    if values.size and int(values.max()) < 4 * values.size + 1024:  # a count each: fast
        return bool(np.bincount(values).max() > 1)
    return bool(pc.count_distinct(arrow.from_numbers(values)).as_py() < values.size)


def _compact(ids: pa.DictionaryArray) -> pa.DictionaryArray:
    """``ids`` with a dictionary of only the ids used, when it holds many more."""
    import pyarrow as pa

    if len(ids.dictionary) <= 2 * len(ids) + 64:
        return ids
    codes = arrow.numbers(ids.indices, np.int32)
    used = np.zeros(len(ids.dictionary), dtype=bool)
    used[codes] = True
    remap = (np.cumsum(used, dtype=np.int32) - 1).astype(np.int32)
    return pa.DictionaryArray.from_arrays(
        arrow.from_numbers(remap[codes]), ids.dictionary.filter(arrow.from_bools(used))
    )


def _course(values: FloatArray) -> FloatArray:
    """Courses in [0, 360), as ``np.mod(values, 360)``, computed only where it changes one."""
    inside = (values > 0.0) & (values < 360.0)
    if inside.all():
        return values
    return np.where(inside, values, np.mod(values, 360.0))
