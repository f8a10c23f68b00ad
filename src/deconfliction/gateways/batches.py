"""Files of recorded traffic as a stream of Arrow record batches, with line numbers.

CSV (plain or gzip) is cut at line ends into pieces of about :data:`PIECE_BYTES`, parsed
by ``pyarrow.csv`` two at a time in background threads while the caller works on the one
before; each piece is one batch. Parquet is read one record batch at a time. Either way
memory holds a few pieces or batches, whatever the file's size.

CSV numbers are parsed as numbers by the reader; a column where one value is not a number
is parsed again as text, in that piece and the pieces after it, and checked value by value,
so that a malformed row can be named (see :mod:`deconfliction.gateways.rows`). A row with
the wrong number of fields is counted and skipped, or stops the read naming its line.
Values hold no line end (as ``pyarrow.csv`` assumes by default). Pieces are cut after a
``\\n`` (``\\r\\n`` too): a file whose lines end with ``\\r`` alone is one piece.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import queue
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from deconfliction.errors import InvalidInput
from deconfliction.gateways.parallel import in_order

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

PIECE_BYTES = 8 << 20  # CSV is parsed in pieces of about this size, cut at line ends
PARSERS = 2  # CSV pieces parsed at once
PIECES_AHEAD = 2  # CSV pieces read and parsed ahead of the one in use
PARQUET_BATCH_ROWS = 65_536
PARQUET_BUFFER_BYTES = 1 << 20
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

    def batches(
        self, columns: list[str], text: set[str], skip_bad: bool, runs_of: str | None = None
    ) -> Generator[Batch, None, None]:
        """The rows of ``columns`` (those in ``text`` as text, if the file has types).

        ``runs_of`` names a column whose runs of one value (the times of a file in time
        order) a batch should end with rather than split, where it can.
        """
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


@dataclass(frozen=True)
class _Piece:
    """Whole lines of a CSV file, the bytes of the file as stored read once they were, and
    the buffer they are in, to be used again once they are parsed (None: their own)."""

    data: memoryview | bytes
    done: int
    buffer: bytearray | None = None


@dataclass(frozen=True)
class _Parsed:
    """A piece parsed: its rows (None if it had none), the rows of a wrong width skipped,
    where the read of the file is once they are in, and when a strict read stops in the
    piece, the line that stops it (its offset among the piece's lines) and why."""

    data: pa.RecordBatch | None
    dropped: int
    done: int
    bad_line: tuple[int, str] | None = None


class CsvSource(Source):
    """A CSV file, plain or gzip-compressed (``.gz``), header on its first line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = path.stat().st_size
        self.done = 0
        self._dropped = 0
        self._text: frozenset[str] = frozenset()  # columns parsed as text
        try:
            with open(path, "rb") as raw, self._decompressed(raw) as stream:
                first = stream.readline()
            # utf-8-sig: a byte-order mark (as spreadsheets write) is not part of the first name.
            names = first.decode("utf-8-sig")
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise self._unreadable(error) from None
        self.header = [name.strip() for name in next(csv.reader([names]), [])] if names else []

    @property
    def dropped(self) -> int:
        return self._dropped

    def _unreadable(self, error: Exception) -> InvalidInput:
        return InvalidInput(f"{self.path}: cannot be read as CSV: {error}")

    def _decompressed(self, raw: io.BufferedReader) -> io.BufferedReader | gzip.GzipFile:
        """The bytes of the file open as ``raw``: decompressed if it is gzip (``.gz``)."""
        if self.path.suffix.lower() == ".gz":
            return gzip.GzipFile(fileobj=raw)
        return raw

    def batches(
        self, columns: list[str], text: set[str], skip_bad: bool, runs_of: str | None = None
    ) -> Generator[Batch, None, None]:
        """The rows of ``columns``: those in ``text`` as text, the others as float64 where
        every value is a number, else as text; a piece ends where the value of ``runs_of``
        changes, if it changes in its last half."""
        if not self.header:
            return
        self._text = frozenset(text)
        self._dropped = 0

        buffers = _Buffers()

        def parse(piece: _Piece) -> _Parsed:
            try:
                return self._parse(piece, columns, skip_bad)
            finally:
                if piece.buffer is not None:
                    buffers.give(piece.buffer)

        pieces = self._pieces(
            buffers, self.header.index(runs_of) if runs_of in self.header else None
        )
        line = 2  # of the next row: each line is a row (a blank one too) or a row skipped
        for parsed in in_order(parse, pieces, workers=PARSERS, ahead=PIECES_AHEAD):
            self.done = parsed.done
            self._dropped += parsed.dropped
            if parsed.data is not None:
                yield Batch(line, parsed.data)
            if parsed.bad_line is not None:
                offset, message = parsed.bad_line
                raise BadLine(line + offset, message)
            line += (parsed.data.num_rows if parsed.data is not None else 0) + parsed.dropped
        self.done = self.total

    def _pieces(self, buffers: _Buffers, runs_of: int | None) -> Iterator[_Piece]:
        """The lines after the header, in pieces of about :data:`PIECE_BYTES`, each read
        into a buffer taken from ``buffers``; a piece ends before its last run of lines of
        one value in column ``runs_of``, if that run starts in its last half."""
        rest = b""  # the start of a line the piece before did not end
        try:
            with open(self.path, "rb") as raw, self._decompressed(raw) as stream:
                taken = len(stream.readline())  # the header
                while stream.peek(1):
                    # No larger than what a plain file has left; a gzip file's first pieces
                    # grow from a mebibyte: a small file does not fill a piece's memory.
                    left = self.total - raw.tell() if stream is raw else max(taken, 1 << 20)
                    size = min(PIECE_BYTES, max(left, 1 << 16))
                    buffer = buffers.take(len(rest) + size)
                    buffer[: len(rest)] = rest
                    read = stream.readinto(memoryview(buffer)[len(rest) : len(rest) + size])
                    taken += read
                    end = len(rest) + read
                    cut = buffer.rfind(b"\n", 0, end) + 1
                    if not cut:  # a line longer than a piece goes on
                        rest = bytes(buffer[:end])
                        buffers.give(buffer)
                        continue
                    if runs_of is not None and stream.peek(1):  # more lines follow
                        run = _last_run_start(buffer, cut, runs_of)
                        cut = run if run >= cut // 2 else cut
                    if stream is raw:  # a plain file: its last line is read again, not copied
                        raw.seek(cut - end, os.SEEK_CUR)
                        rest = b""
                    else:
                        rest = bytes(buffer[cut:end])
                    yield _Piece(memoryview(buffer)[:cut], min(raw.tell(), self.total), buffer)
        except (OSError, EOFError) as error:
            raise self._unreadable(error) from None
        if rest:
            yield _Piece(rest, self.total)

    def _parse(self, piece: _Piece, columns: list[str], skip_bad: bool) -> _Parsed:
        """Parse ``piece`` (in a background thread): a column with a value that is not a
        number is parsed again as text, from this piece on."""
        import pyarrow as pa

        while True:
            try:
                data, dropped = self._read(piece, columns, self._text, skip_bad)
            except pa.ArrowInvalid as error:
                message = str(error)
                if "CSV conversion error" in message:
                    self._text = self._text | self._failed_columns(message, columns)
                    continue
                if "Expected" in message and "columns" in message:
                    return self._parse_to_bad_line(piece, columns)
                raise self._unreadable(error) from None
            except pa.ArrowException as error:
                raise self._unreadable(error) from None
            return _Parsed(data, dropped, piece.done)

    def _read(
        self, piece: _Piece, columns: list[str], text: frozenset[str], skip_bad: bool
    ) -> tuple[pa.RecordBatch | None, int]:
        """The rows of ``piece`` (None if it has none), and how many were skipped for
        having the wrong number of fields (``skip_bad``; else they raise)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        skipped = 0

        def wrong_width(row: object) -> str:
            nonlocal skipped
            if skip_bad:
                skipped += 1
                return "skip"
            return "error"

        table = pacsv.read_csv(
            pa.py_buffer(piece.data),
            read_options=pacsv.ReadOptions(
                # The piece in one block: one batch, its ids in one dictionary.
                column_names=self.header,
                use_threads=False,
                block_size=len(piece.data) + 1,
            ),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, invalid_row_handler=wrong_width
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() if c in text else pa.float64() for c in columns},
                include_columns=columns,
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        data = table.combine_chunks().to_batches() if table.num_rows else [None]
        return data[0], skipped

    def _failed_columns(self, message: str, columns: list[str]) -> frozenset[str]:
        """The column a conversion error names (every column if it names none of them)."""
        match = _COLUMN.search(message)
        index = int(match.group(1)) if match else -1
        name = self.header[index] if 0 <= index < len(self.header) else None
        return frozenset([name] if name in columns else columns)

    def _parse_to_bad_line(self, piece: _Piece, columns: list[str]) -> _Parsed:
        """A strict read met a row of the wrong width in ``piece``: the rows before it, and
        the line of that row."""
        width = len(self.header)
        at = 0
        # Lines end as pyarrow.csv ends them: \n, \r\n or \r.
        for offset, line in enumerate(bytes(piece.data).splitlines(keepends=True)):
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            fields = next(csv.reader([text]), [])
            if text and len(fields) != width:
                bad_line = (offset, f"row: expected {width} fields, got {len(fields)}")
                if not at:
                    return _Parsed(None, 0, piece.done, bad_line)
                before = self._parse(_Piece(piece.data[:at], piece.done), columns, skip_bad=False)
                return _Parsed(before.data, 0, piece.done, bad_line)
            at += len(line)
        raise self._unreadable(ValueError("a row of the wrong width could not be found again"))


class _Buffers:
    """Buffers for pieces, made as they are first needed and then used again: memory the
    system does not map afresh for each piece (there are as many as pieces in flight)."""

    def __init__(self) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()

    def take(self, size: int) -> bytearray:
        """A buffer of at least ``size`` bytes."""
        try:
            buffer = self._free.get_nowait()
        except queue.Empty:
            return bytearray(size)
        return buffer if len(buffer) >= size else bytearray(size)

    def give(self, buffer: bytearray) -> None:
        """``buffer`` back, once what it holds is no longer needed."""
        self._free.put(buffer)


def _last_run_start(data: bytearray, end: int, column: int) -> int:
    """Where the last run of lines with one value in ``column`` starts among the lines of
    ``data[:end]`` (0: they all have it), found by halving as in a file sorted by that
    column; in another file, the start of some line."""

    def value(start: int) -> str | None:
        text = data[start : data.find(b"\n", start, end)].decode("utf-8", "replace")
        fields = next(csv.reader([text]), [])
        return fields[column].strip() if column < len(fields) else None

    low, high = 0, data.rfind(b"\n", 0, end - 1) + 1  # line starts; line `high` is in the run
    wanted = value(high)
    if value(low) == wanted:
        return 0
    while True:  # line `low` is before the run
        middle = data.rfind(b"\n", 0, (low + high) // 2) + 1
        if middle <= low:
            middle = data.find(b"\n", low, end) + 1
        if middle >= high:
            return high
        if value(middle) == wanted:
            high = middle
        else:
            low = middle


class ParquetSource(Source):
    """A Parquet file, read one record batch at a time; positions are row numbers."""

    unit = "row"

    def __init__(self, path: Path) -> None:
        import pyarrow as pa

        self.path = path
        try:
            self._file = self._open()
        except (OSError, pa.ArrowException) as error:
            raise InvalidInput(f"{path}: cannot be read as Parquet: {error}") from None
        self.header = list(self._file.schema_arrow.names)
        self.total = self._file.metadata.num_rows
        self.done = 0

    def _open(self, read_dictionary: list[str] | None = None) -> pq.ParquetFile:
        import pyarrow.parquet as pq

        # Column chunks are streamed through a small buffer rather than read (and
        # pre-buffered) whole: memory stays flat however large the row groups.
        return pq.ParquetFile(
            str(self.path),
            buffer_size=PARQUET_BUFFER_BYTES,
            pre_buffer=False,
            read_dictionary=read_dictionary,
        )

    def batches(
        self, columns: list[str], text: set[str], skip_bad: bool, runs_of: str | None = None
    ) -> Generator[Batch, None, None]:
        """The rows of ``columns``; those in ``text`` stored as strings come dictionary-
        encoded as the file has them (each distinct value once, often for many batches)."""
        import pyarrow as pa

        schema = self._file.schema_arrow
        encoded = [c for c in columns if c in text and pa.types.is_string(schema.field(c).type)]
        first = 1
        try:
            with self._open(read_dictionary=encoded) as file:
                for data in file.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
                    self.done = first - 1 + data.num_rows
                    yield Batch(first, data)
                    first += data.num_rows
        except (OSError, pa.ArrowException) as error:
            raise InvalidInput(f"{self.path}: cannot be read as Parquet: {error}") from None
        finally:
            self._file.close()
