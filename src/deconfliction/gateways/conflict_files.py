"""Writing track–track conflicts: CSV (``.gz`` compresses) or Parquet, by the file's suffix.

Columns (:data:`CONFLICT_COLUMNS`): the snapshot's time, the two tracks (``track_a <
track_b``) and their parties, the times the loss of separation starts and ends and the time
and distance of the closest approach. In CSV the time is written as it was read (unix
seconds or RFC 3339); in Parquet it is a UTC timestamp.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

import numpy as np

from deconfliction.detect.tracks import Conflicts
from deconfliction.gateways import arrow
from deconfliction.units import format_time

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

CONFLICT_COLUMNS = (
    "time",
    "track_a",
    "track_b",
    "party_a",
    "party_b",
    "t_in_s",
    "t_out_s",
    "t_cpa_s",
    "d_cpa_m",
)


def format_seconds(time_s: float, rfc3339: bool) -> str:
    """A snapshot time for output: RFC 3339, or unix seconds without a needless ``.0``."""
    if rfc3339:
        return format_time(time_s)
    return f"{time_s:.6f}".rstrip("0").rstrip(".")


class Writer(Protocol):
    """Where conflicts go, snapshot after snapshot; ``rows`` counts them."""

    rows: int

    def write(self, time_s: float, conflicts: Conflicts) -> None: ...


class ConflictWriter:
    """Writes conflicts as CSV rows (:data:`CONFLICT_COLUMNS`) to a text stream, times
    as RFC 3339 if ``rfc3339()`` says so when they are written, else as unix seconds."""

    def __init__(self, stream: TextIO, rfc3339: Callable[[], bool] = lambda: False) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(CONFLICT_COLUMNS)
        self._rfc3339 = rfc3339
        self.rows = 0

    def write(self, time_s: float, conflicts: Conflicts) -> None:
        """One row per conflict, in the order of ``conflicts``."""
        if not len(conflicts):
            return
        time_text = format_seconds(time_s, self._rfc3339())
        self._writer.writerows(
            (
                time_text,
                c.track_a,
                c.track_b,
                c.party_a,
                c.party_b,
                f"{c.t_in_s:.3f}",
                f"{c.t_out_s:.3f}",
                f"{c.t_cpa_s:.3f}",
                f"{c.d_cpa_m:.1f}",
            )
            for c in conflicts
        )
        self.rows += len(conflicts)


def open_output(path: str | os.PathLike[str]) -> TextIO:
    """A text stream writing to ``path`` (gzip-compressed when it ends in ``.gz``)."""
    target = Path(path)
    if target.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(target, "wb"), encoding="utf-8", newline="")
    return open(target, "w", encoding="utf-8", newline="")


class ParquetConflictWriter:
    """Writes conflicts to a Parquet file, in row groups of about :data:`ROW_GROUP_ROWS`."""

    ROW_GROUP_ROWS = 1 << 17

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self.schema = pa.schema(
            [
                ("time", pa.timestamp("us", tz="UTC")),
                *((name, pa.string()) for name in CONFLICT_COLUMNS[1:5]),
                *((name, pa.float64()) for name in CONFLICT_COLUMNS[5:]),
            ]
        )
        self._writer: pq.ParquetWriter = pq.ParquetWriter(str(path), self.schema)
        self._batches: list[pa.RecordBatch] = []
        self._buffered = 0
        self.rows = 0

    def write(self, time_s: float, conflicts: Conflicts) -> None:
        if not len(conflicts):
            return
        pa = self._pa
        snap = conflicts.snapshot
        parties = arrow.from_texts(snap.parties)
        n = len(conflicts)
        times = np.full(n, round(time_s * 1e6), dtype=np.int64)
        columns = [
            arrow.from_numbers(times).cast(self.schema.field(0).type),
            arrow.from_texts(snap.track[conflicts.index_a]),
            arrow.from_texts(snap.track[conflicts.index_b]),
            parties.take(arrow.from_numbers(snap.party[conflicts.index_a])),
            parties.take(arrow.from_numbers(snap.party[conflicts.index_b])),
            arrow.from_numbers(conflicts.t_in_s),
            arrow.from_numbers(conflicts.t_out_s),
            arrow.from_numbers(conflicts.t_cpa_s),
            arrow.from_numbers(conflicts.d_cpa_m),
        ]
        self._batches.append(pa.record_batch(columns, schema=self.schema))
        self._buffered += n
        self.rows += n
        if self._buffered >= self.ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._batches:
            table = self._pa.Table.from_batches(self._batches, schema=self.schema)
            self._writer.write_table(table, row_group_size=max(1, self._buffered))
            self._batches, self._buffered = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


def is_parquet_name(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in (".parquet", ".pq")
