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
from deconfliction.gateways.columns import Columns, TrackTexts
from deconfliction.gateways.layouts import choose_layout
from deconfliction.gateways.rows import Rows, check

if TYPE_CHECKING:
    import pyarrow as pa

    from deconfliction.detect.snapshot import Snapshot
    from deconfliction.gateways.resample import Resampler


_MERGE_KEYS = 1 << 18  # keys gathered before they are merged with those known


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
        arrow.import_compute_soon()
        batches = source.batches(
            layout.columns(source.header), text, self.skip_bad, runs_of=layout.source["time"]
        )
        try:
            for batch in batches:
                rows = check(batch, layout)
                self.rows += len(rows)
                self.rfc3339 |= rows.timed_as_text
                yield from grouper.add(rows)
        except BadLine as bad:
            grouper.check_pending()
            raise self.error(bad.line, bad.message) from None
        finally:
            batches.close()  # what was read ahead is not parsed for nothing
            self.rows += source.dropped
            self.skipped += source.dropped
        yield from grouper.finish()

    @property
    def unit(self) -> str:
        """What a position in the file is called in messages: ``line`` or ``row``."""
        return self._source.unit

    def error(self, at: int, message: str) -> InvalidInput:
        return InvalidInput(f"{self.path}: {self._source.unit} {at}: {message}")

    def note_keys(self, keys: pa.Array) -> None:
        """Count distinct ``party<US>track`` keys among those seen."""
        self._keys.append(keys)
        self._pending += len(keys)
        if self._pending > max(_MERGE_KEYS, self._known_count):
            self._merge_keys()

    def _merge_keys(self) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._keys:
            self._known = pc.unique(pa.concat_arrays(self._keys))
            self._keys, self._pending = [self._known], 0
            self._known_count = len(self._known)


class _Grouper:
    """Good rows into snapshots: the time-order and one-row-per-track checks.

    The rows of a batch are handled together: the times that are complete (a later time
    follows them) are checked and become snapshots at once (those of the pending time
    first, then the others of the batch); the rows of the latest time wait for the next
    batch, which may have more of them.
    """

    def __init__(self, reader: SnapshotReader, resampler: Resampler | None) -> None:
        self.reader = reader
        self.resampler = resampler
        self.pending: list[Columns] = []  # good rows of the latest time
        self.time_s = -np.inf  # the latest time of a good row
        self.texts = TrackTexts()

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
        self.reader.note_keys(good.names())
        changes = np.flatnonzero(good.time_s[1:] != good.time_s[:-1]) + 1
        first_end = int(changes[0]) if changes.size else len(good)
        if float(good.time_s[0]) == self.time_s:  # more rows of the pending time
            self.pending.append(good.take(slice(0, first_end)) if changes.size else good)
            if not changes.size:
                return
            start = first_end
        else:
            start = 0
        last = int(changes[-1]) if changes.size else 0
        if self.pending:  # complete, now that a later time follows
            yield from self._emit(Columns.join(self.pending))
        if last > start:
            yield from self._emit(good.take(slice(start, last)))
        self.pending = [good.take(slice(last, len(good)))]
        self.time_s = float(good.time_s[last])

    def finish(self) -> Iterator[Snapshot]:
        if self.pending:
            yield from self._emit(Columns.join(self.pending))
            self.pending = []
        if self.resampler is not None:
            yield from self.resampler.finish()

    def check_pending(self) -> None:
        """Raise for a repeated track among the pending rows (strict reads)."""
        self._check_group(self.pending)

    def _emit(self, rows: Columns) -> Iterator[Snapshot]:
        """Complete times (in order): checked for repeated tracks, handed on."""
        bounds = _bounds(rows.time_s)
        repeated = rows.repeats(bounds)
        if repeated is not None:
            if not self.reader.skip_bad:
                self._raise_repeated(rows, int(np.argmax(repeated)))
            self.reader.skipped += int(np.count_nonzero(repeated))
            rows = rows.take(np.flatnonzero(~repeated))
            bounds = _bounds(rows.time_s)
        if self.resampler is not None:
            yield from self.resampler.add(rows)
        else:
            yield from rows.snapshots(bounds, self.texts)

    def _raise_first(self, rows: Rows, first: int, before: np.ndarray) -> None:
        """Raise for the first bad row in file order: a repeated track among the good rows
        before ``first``, else row ``first`` itself."""
        good = np.flatnonzero(~rows.bad[:first])
        groups = list(self.pending)
        if good.size:
            part = Columns.of(rows, good)
            bounds = _bounds(part.time_s)
            for start, stop in itertools.pairwise(bounds):
                piece = part.take(slice(start, stop))
                if start == 0 and float(part.time_s[0]) == self.time_s:
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
        raise self.reader.error(
            int(group.line[i]),
            f"{self.reader.track_column}: {track!r} of party {party!r} appears twice at this time",
        )


def _bounds(times: np.ndarray) -> list[int]:
    """Where each run of one time starts, and the end."""
    changes = np.flatnonzero(times[1:] != times[:-1]) + 1
    return [0, *changes.tolist(), len(times)]
