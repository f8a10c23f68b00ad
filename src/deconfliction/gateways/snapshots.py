"""Snapshots from a file of recorded traffic: CSV (plain or gzip) or Parquet, in the
snapshot, ``traffic`` or OpenSky columns (see :mod:`deconfliction.gateways.layouts`).

Rows of one time form one snapshot; the rows must come in time order, so that a file of
any size is read one batch at a time. Data where each aircraft is reported at its own times
is resampled onto a grid instead (``every_s``, see :mod:`deconfliction.gateways.resample`).

A malformed row raises :class:`~deconfliction.errors.InvalidInput` naming its line (its
row, in Parquet) and field, unless the reader skips bad rows, in which case it counts them.
Besides each row's own checks (:mod:`deconfliction.gateways.rows`), a row earlier than the
one before it, and a track twice in one snapshot, are malformed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from deconfliction.errors import InvalidInput
from deconfliction.gateways import arrow
from deconfliction.gateways.batches import BadLine, open_source
from deconfliction.gateways.columns import Columns
from deconfliction.gateways.layouts import choose_layout
from deconfliction.gateways.rows import Rows, check

if TYPE_CHECKING:
    import pyarrow as pa

    from deconfliction.detect.snapshot import Snapshot
    from deconfliction.gateways.resample import Resampler


_SEPARATOR = "\x1f"  # between party and track in the keys that count distinct tracks
_MERGE_KEYS = 1 << 16  # keys gathered before they are merged with those known


class SnapshotReader:
    """Iterate the snapshots of a file of recorded traffic, in time order.

    Parameters
    ----------
    path
        A ``.csv``, ``.csv.gz`` or ``.parquet`` file.
    skip_bad
        Skip malformed rows (counted in :attr:`skipped`) instead of raising.
    columns
        ``auto`` (from the header), ``snapshot``, ``traffic`` or ``opensky``.
    every_s
        Resample onto a grid of this step (unix seconds multiple of it): at each grid time,
        every track reported within ``max_age_s`` before it, moved to that time from its
        latest report. None: each distinct time of the file is one snapshot.

    Attributes ``rows`` (data rows read), ``skipped``, ``tracks`` (distinct
    ``(party, track)``), ``done``/``total`` (how far the read has come, in bytes of the file
    as stored, or rows of a Parquet file), ``layout`` (its name, once reading has started)
    and ``rfc3339`` (whether times were written as RFC 3339) are updated as the iteration
    goes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        skip_bad: bool = False,
        columns: str = "auto",
        every_s: float | None = None,
        max_age_s: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.columns = columns
        self.every_s = every_s
        self.max_age_s = max_age_s
        self.rows = 0
        self.skipped = 0
        self.rfc3339 = False
        self.layout = columns
        self.track_column = "track"
        self._source = open_source(self.path)
        self.total = self._source.total
        # Distinct "party<US>track" keys: those merged so far, and those gathered since.
        self._keys: list[pa.Array] = []
        self._known: pa.Array | None = None
        self._known_count = 0
        self._pending = 0

    @property
    def done(self) -> int:
        return self._source.done

    @property
    def progress_unit(self) -> str:
        """What :attr:`done` and :attr:`total` count: ``byte`` or ``row``."""
        return "byte" if self._source.unit == "line" else "row"

    @property
    def tracks(self) -> int:
        self._merge_keys()
        return self._known_count

    def __iter__(self) -> Iterator[Snapshot]:
        source = self._source
        if not source.header:
            return
        where = f"{self.path}: line 1" if source.unit == "line" else str(self.path)
        layout = choose_layout(source.header, self.columns, where)
        self.layout = layout.name
        self.track_column = layout.source["track"]
        text = {
            layout.source[f] for f in ("time", "party", "track", "domain") if f in layout.source
        }
        if layout.callsign:
            text.add(layout.callsign)
        resampler = None
        if self.every_s is not None:
            from deconfliction.gateways.resample import Resampler

            resampler = Resampler(self.every_s, self.max_age_s)
        grouper = _Grouper(self, resampler)
        try:
            for batch in source.batches(layout.columns(source.header), text, self.skip_bad):
                rows = check(batch, layout)
                self.rows += len(rows)
                self.rfc3339 |= rows.timed_as_text
                yield from grouper.add(rows)
        except BadLine as bad:
            grouper.check_pending()
            raise self.error(bad.line, bad.message) from None
        finally:
            self.rows += source.dropped
            self.skipped += source.dropped
        yield from grouper.finish()

    @property
    def unit(self) -> str:
        """What a position in the file is called in messages: ``line`` or ``row``."""
        return self._source.unit

    def error(self, at: int, message: str) -> InvalidInput:
        return InvalidInput(f"{self.path}: {self._source.unit} {at}: {message}")

    def note_tracks(self, group: Columns) -> bool:
        """Count the group's tracks among those seen; False (and nothing counted) if a
        track is in it twice."""
        import pyarrow.compute as pc

        separator = arrow.text(_SEPARATOR)
        keys = pc.unique(pc.binary_join_element_wise(group.party, group.track, separator))
        if len(keys) != len(group):
            return False
        # A party named with the separator could make two keys alike: then check exactly.
        if group.party_has(_SEPARATOR) and group.duplicates() is not None:
            return False
        self._keys.append(keys)
        self._pending += len(keys)
        if self._pending > max(_MERGE_KEYS, self._known_count):
            self._merge_keys()
        return True

    def _merge_keys(self) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._keys:
            self._known = pc.unique(pa.concat_arrays(self._keys))
            self._keys, self._pending = [self._known], 0
            self._known_count = len(self._known)


class _Grouper:
    """Good rows into snapshots: the time-order and one-row-per-track checks."""

    def __init__(self, reader: SnapshotReader, resampler: Resampler | None) -> None:
        self.reader = reader
        self.resampler = resampler
        self.pending: list[Columns] = []  # good rows of the latest time
        self.time_s = -np.inf  # the latest time of a good row

    def add(self, rows: Rows) -> Iterator[Snapshot]:
        n = len(rows)
        if not n:
            return
        kept = ~rows.bad
        times = rows.time_s
        latest = np.maximum.accumulate(
            np.concatenate(([self.time_s], np.where(kept, times, -np.inf)))
        )
        before = latest[:-1]  # the latest good time before each row
        earlier = kept & (times < before)
        kept &= ~earlier
        if not kept.all():
            if not self.reader.skip_bad:
                self._raise_first(rows, int(np.argmin(kept)), before)
            self.reader.skipped += int(n - np.count_nonzero(kept))
        index = np.flatnonzero(kept)
        if not index.size:
            return
        good = Columns.of(rows, index)
        starts = np.flatnonzero(good.time_s[1:] != good.time_s[:-1]) + 1
        bounds = [0, *starts.tolist(), len(good)]
        for start, stop in itertools.pairwise(bounds):
            part = good.take(slice(start, stop))
            if float(part.time_s[0]) != self.time_s:
                yield from self._flush()
                self.time_s = float(part.time_s[0])
            self.pending.append(part)

    def finish(self) -> Iterator[Snapshot]:
        yield from self._flush()
        if self.resampler is not None:
            yield from self.resampler.finish()

    def check_pending(self) -> None:
        """Raise for a repeated track among the pending rows (strict reads)."""
        if self.pending:
            group = Columns.join(self.pending)
            repeated = group.duplicates()
            if repeated is not None:
                self._raise_repeated(group, int(np.argmax(repeated)))

    def _flush(self) -> Iterator[Snapshot]:
        if not self.pending:
            return
        group = Columns.join(self.pending)
        self.pending = []
        if not self.reader.note_tracks(group):
            repeated = group.duplicates()
            assert repeated is not None
            if not self.reader.skip_bad:
                self._raise_repeated(group, int(np.argmax(repeated)))
            self.reader.skipped += int(np.count_nonzero(repeated))
            group = group.take(np.flatnonzero(~repeated))
            self.reader.note_tracks(group)
        if self.resampler is None:
            yield group.snapshot(self.time_s)
        else:
            yield from self.resampler.add(group)

    def _raise_first(self, rows: Rows, first: int, before: np.ndarray) -> None:
        """Raise for the first bad row in file order: a repeated track among the good rows
        before ``first``, else row ``first`` itself."""
        good = np.flatnonzero(~rows.bad[:first])
        groups = list(self.pending)
        if good.size:
            part = Columns.of(rows, good)
            starts = np.flatnonzero(part.time_s[1:] != part.time_s[:-1]) + 1
            bounds = [0, *starts.tolist(), len(part)]
            first_time = float(part.time_s[0])
            for start, stop in itertools.pairwise(bounds):
                piece = part.take(slice(start, stop))
                if start == 0 and first_time == self.time_s:
                    groups.append(piece)
                    continue
                self._check_group(groups)
                groups = [piece]
        self._check_group(groups)
        if rows.bad[first]:
            raise self.reader.error(rows.line(first), rows.problem(first))
        latest = float(before[first])
        if self.pending and self.time_s == latest:
            line = int(self.pending[0].line[0])
        else:
            line = rows.line(int(good[rows.time_s[good] == latest][0]))
        name, text = rows.layout.source["time"], rows.text(first, "time")
        raise self.reader.error(
            rows.line(first),
            f"{name}: {text!r} is earlier than the time of {self.reader.unit} {line}; "
            "rows must be in time order (sort the file by time)",
        )

    def _check_group(self, groups: list[Columns]) -> None:
        if groups:
            group = Columns.join(groups)
            repeated = group.duplicates()
            if repeated is not None:
                self._raise_repeated(group, int(np.argmax(repeated)))

    def _raise_repeated(self, group: Columns, i: int) -> None:
        track = group.track[i].as_py()
        party = group.party[i].as_py()
        name = self.reader.track_column
        raise self.reader.error(
            int(group.line[i]), f"{name}: {track!r} of party {party!r} appears twice at this time"
        )
