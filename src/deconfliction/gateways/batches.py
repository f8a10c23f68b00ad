"""Files of recorded traffic as a stream of Arrow record batches, with line numbers.

CSV (plain or gzip) is parsed by ``pyarrow.csv`` in blocks on every core; Parquet is read
one record batch at a time. Either way memory holds a few batches, whatever the file's size.

CSV numbers are parsed as numbers by the reader; a column where one value is not a number
is read again from there as text and checked value by value, so that a malformed row can
be named (see :mod:`deconfliction.gateways.rows`). A row with the wrong number of fields
is counted and skipped, or stops the read naming its line.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deconfliction.errors import InvalidInput

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK_BYTES = 1 << 20
PARQUET_BATCH_ROWS = 65_536
_COLUMN = re.compile(r"In CSV column #(\d+)")


@dataclass(frozen=True)
class Batch:
    """Rows of a file: ``first`` is the line (CSV) or row (Parquet) number of the first."""

    first: int
    data: pa.RecordBatch


class BadLine(Exception):
    """A line that cannot be a row (wrong number of fields), met in a strict read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def is_parquet(path: Path) -> bool:
    """By the suffix, or by the magic bytes of a file named otherwise."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as raw:
        return raw.read(4) == b"PAR1"


class Source:
    """A file of recorded traffic: its header, then its batches (``__iter__``).

    ``done``/``total`` say how far the read has come (bytes of the file as stored, or rows
    of a Parquet file); ``unit`` is what a position in it is called (``line`` or ``row``).
    """

    unit = "line"
    header: list[str]
    done: int
    total: int

    def batches(self, columns: list[str], text: set[str], skip_bad: bool) -> Iterator[Batch]:
        """The rows of ``columns`` (those in ``text`` as text, if the file has types)."""
        raise NotImplementedError

    @property
    def dropped(self) -> int:
        """Rows the file had but the batches do not (skipped rows of a wrong width)."""
        return 0


def open_source(path: Path) -> Source:
    """The source for ``path``: Parquet by suffix or content, else CSV (``.gz`` is gzip)."""
    try:
        parquet = is_parquet(path)
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read: {error}") from None
    return ParquetSource(path) if parquet else CsvSource(path)


class CsvSource(Source):
    """A CSV file, plain or gzip-compressed (``.gz``), header on its first line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = path.stat().st_size
        self.done = 0
        self._dropped = 0
        try:
            with _open_text(path) as text:
                first = text.readline()
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise self._unreadable(error) from None
        self.header = [name.strip() for name in next(csv.reader([first]), [])] if first else []

    @property
    def dropped(self) -> int:
        return self._dropped

    def _unreadable(self, error: Exception) -> InvalidInput:
        return InvalidInput(f"{self.path}: cannot be read as CSV: {error}")

    def batches(self, columns: list[str], text: set[str], skip_bad: bool) -> Iterator[Batch]:
        """The rows of ``columns``: those in ``text`` as text, the others as float64 where
        every value is a number, else as text."""
        if not self.header:
            return
        text_columns = set(text)
        delivered = 0
        while True:
            try:
                for batch in self._read(columns, text_columns, skip_bad, delivered):
                    delivered += batch.data.num_rows
                    yield batch
                self.done = self.total
                return
            except _NotANumber as retry:
                # Read again from the first row not delivered, with that column as text.
                text_columns |= retry.columns
            except _WrongWidth:
                yield from self._strict_tail(columns, delivered)
                raise AssertionError("unreachable: the tail raises") from None

    def _read(
        self, columns: list[str], text_columns: set[str], skip_bad: bool, skip: int
    ) -> Iterator[Batch]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        self._dropped = 0  # each read parses the file from its start

        def wrong_width(row: Any) -> str:
            if skip_bad:
                self._dropped += 1
                return "skip"
            return "error"

        number_type = pa.float64()
        types = {c: pa.string() if c in text_columns else number_type for c in columns}
        raw = pa.OSFile(str(self.path))
        stream = pa.CompressedInputStream(raw, "gzip") if _gzipped(self.path) else raw
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    block_size=BLOCK_BYTES, skip_rows=1, column_names=self.header
                ),
                parse_options=pacsv.ParseOptions(
                    ignore_empty_lines=False, invalid_row_handler=wrong_width
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=types,
                    include_columns=columns,
                    null_values=[""],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as error:
            raw.close()
            self._raise(error, columns)
            return
        except (OSError, pa.ArrowException) as error:
            raw.close()
            raise self._unreadable(error) from None
        line = 2 + skip  # lines before the first row delivered: the header and `skip` rows
        with raw:
            while True:
                try:
                    data = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as error:
                    self._raise(error, columns)
                except (OSError, pa.ArrowException) as error:
                    raise self._unreadable(error) from None
                self.done = min(raw.tell(), self.total)
                if skip:
                    cut = min(skip, data.num_rows)
                    data, skip = data.slice(cut), skip - cut
                    if not data.num_rows:
                        continue
                yield Batch(line, data)
                line += data.num_rows

    def _raise(self, error: Exception, columns: list[str]) -> None:
        text = str(error)
        if "CSV conversion error" in text:
            match = _COLUMN.search(text)
            index = int(match.group(1)) if match else -1
            name = self.header[index] if 0 <= index < len(self.header) else None
            raise _NotANumber({name} if name in columns else set(columns)) from None
        if "Expected" in text and "columns" in text:
            raise _WrongWidth() from None
        raise self._unreadable(error) from None

    def _strict_tail(self, columns: list[str], delivered: int) -> Iterator[Batch]:
        """After a row of the wrong width stopped a strict read: the rows before it (from
        the first not delivered) as one batch of text, then :class:`BadLine` for it."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        width = len(self.header)
        first = 2 + delivered
        kept: list[str] = []
        with _open_text(self.path) as text:
            for number, row_text in enumerate(text, start=1):
                if number < first:
                    continue
                fields = next(csv.reader([row_text]), [])
                if row_text.strip("\r\n") and len(fields) != width:
                    if kept:
                        table = pacsv.read_csv(
                            io.BytesIO(("".join([",".join(self.header) + "\n", *kept])).encode()),
                            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
                            convert_options=pacsv.ConvertOptions(
                                column_types={c: pa.string() for c in self.header},
                                include_columns=columns,
                                strings_can_be_null=False,
                            ),
                        )
                        for data in table.to_batches():
                            yield Batch(first, data)
                            first += data.num_rows
                    raise BadLine(number, f"row: expected {width} fields, got {len(fields)}")
                kept.append(row_text if row_text.endswith("\n") else row_text + "\n")
        raise self._unreadable(ValueError("a row of the wrong width could not be found again"))


class _NotANumber(Exception):
    def __init__(self, columns: set[str | None]) -> None:
        super().__init__()
        self.columns = {c for c in columns if c is not None}


class _WrongWidth(Exception):
    pass


def _gzipped(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def _open_text(path: Path) -> io.TextIOWrapper:
    # utf-8-sig: a byte-order mark (as spreadsheets write) is not part of the first name.
    if _gzipped(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


class ParquetSource(Source):
    """A Parquet file, read one record batch at a time; positions are row numbers."""

    unit = "row"

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        try:
            # Column chunks are streamed through a small buffer rather than read (and
            # pre-buffered) whole: memory stays flat however large the row groups.
            self._file = pq.ParquetFile(str(path), buffer_size=BLOCK_BYTES, pre_buffer=False)
        except (OSError, pa.ArrowException) as error:
            raise InvalidInput(f"{path}: cannot be read as Parquet: {error}") from None
        self.header = list(self._file.schema_arrow.names)
        self.total = self._file.metadata.num_rows
        self.done = 0

    def batches(self, columns: list[str], text: set[str], skip_bad: bool) -> Iterator[Batch]:
        import pyarrow as pa

        first = 1
        try:
            for data in self._file.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
                self.done = first - 1 + data.num_rows
                yield Batch(first, data)
                first += data.num_rows
        except (OSError, pa.ArrowException) as error:
            raise InvalidInput(f"{self.path}: cannot be read as Parquet: {error}") from None
        finally:
            self._file.close()
