"""The snapshot CSV: reading snapshots from it, writing track–track conflicts.

Input columns (DESIGN.md): ``time,party,track,lat,lon,alt_m,gs_mps,course_deg,vs_mps`` in
any order, plus an optional ``domain`` (``air`` when absent or empty); other columns are
ignored. ``time`` is unix seconds or RFC 3339; an empty ``vs_mps`` is 0. The file may be
gzip-compressed (``.gz``). Rows of one time form one snapshot; the rows must come in time
order, so that a file of any size is read one snapshot at a time.

A malformed row raises :class:`~deconfliction.errors.InvalidInput` naming its line and
field, unless the reader skips bad rows, in which case it counts them.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

from deconfliction.detect.snapshot import Snapshot
from deconfliction.detect.tracks import Conflicts
from deconfliction.errors import InvalidInput
from deconfliction.model.party import DOMAINS
from deconfliction.units import format_time, parse_time

REQUIRED_COLUMNS = (
    "time",
    "party",
    "track",
    "lat",
    "lon",
    "alt_m",
    "gs_mps",
    "course_deg",
    "vs_mps",
)
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
_DOMAIN_NAMES = {d.value for d in DOMAINS}
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "gs_mps": (0.0, math.inf)}


class _BadRow(Exception):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")


def _open_text(path: Path) -> tuple[IO[bytes], TextIO]:
    raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the reader
    if path.suffix == ".gz":
        return raw, io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", newline="")
    return raw, io.TextIOWrapper(raw, encoding="utf-8", newline="")


@dataclass
class _Group:
    """The rows of one time being gathered into a snapshot."""

    time_s: float
    line: int
    keys: set[tuple[str, str]] = field(default_factory=set)
    party: list[str] = field(default_factory=list)
    track: list[str] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=lambda: [[] for _ in range(6)])
    domain: list[str] = field(default_factory=list)

    def snapshot(self) -> Snapshot:
        lat, lon, alt_m, gs_mps, course_deg, vs_mps = self.values
        return Snapshot.from_columns(
            self.time_s,
            party=self.party,
            track=self.track,
            lat=lat,
            lon=lon,
            alt_m=alt_m,
            gs_mps=gs_mps,
            course_deg=course_deg,
            vs_mps=vs_mps,
            domain=self.domain,
        )


class SnapshotReader:
    """Iterate the snapshots of a snapshot CSV file, one per distinct time, in file order.

    Parameters
    ----------
    path
        A ``.csv`` or ``.csv.gz`` file.
    skip_bad
        Skip malformed rows (counted in :attr:`skipped`) instead of raising.

    Attributes ``rows`` (data rows read), ``skipped``, ``tracks`` (distinct
    ``(party, track)``), ``bytes_read``/``total_bytes`` (of the file as stored, for
    progress) and ``rfc3339`` (whether times were written as RFC 3339) are updated as the
    iteration goes.
    """

    def __init__(self, path: str | os.PathLike[str], *, skip_bad: bool = False) -> None:
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.rows = 0
        self.skipped = 0
        self.rfc3339 = False
        self.total_bytes = self.path.stat().st_size
        self.bytes_read = 0
        self._tracks: set[tuple[str, str]] = set()

    @property
    def tracks(self) -> int:
        return len(self._tracks)

    def __iter__(self) -> Iterator[Snapshot]:
        raw, text = _open_text(self.path)
        with raw, text:
            try:
                yield from self._read(raw, text)
            except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
                raise InvalidInput(
                    f"{self.path}: cannot be read as a snapshot CSV: {error}"
                ) from None

    def _read(self, raw: IO[bytes], text: TextIO) -> Iterator[Snapshot]:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        columns = {name.strip(): i for i, name in enumerate(header)}
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise InvalidInput(
                f"{self.path}: line 1: missing column {missing[0]!r}; the header needs "
                + ",".join(REQUIRED_COLUMNS)
            )
        index = [columns[name] for name in REQUIRED_COLUMNS]
        domain_index = columns.get("domain")
        width = len(header)
        group: _Group | None = None
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            self.rows += 1
            try:
                if len(row) != width:
                    raise _BadRow("row", f"expected {width} fields, got {len(row)}")
                time_s, party, track, numbers, domain = self._parse(row, index, domain_index)
                if group is not None and time_s < group.time_s:
                    raise _BadRow(
                        "time",
                        f"{row[index[0]].strip()!r} is earlier than the time of line {group.line}; "
                        "rows must be in time order (sort the file by time)",
                    )
                if group is not None and time_s == group.time_s and (party, track) in group.keys:
                    raise _BadRow(
                        "track", f"{track!r} of party {party!r} appears twice at this time"
                    )
            except _BadRow as bad:
                if not self.skip_bad:
                    raise InvalidInput(f"{self.path}: line {line}: {bad}") from None
                self.skipped += 1
                continue
            if group is None or time_s != group.time_s:
                if group is not None:
                    self.bytes_read = raw.tell()
                    yield group.snapshot()
                group = _Group(time_s, line)
            group.keys.add((party, track))
            self._tracks.add((party, track))
            group.party.append(party)
            group.track.append(track)
            for values, number in zip(group.values, numbers, strict=True):
                values.append(number)
            group.domain.append(domain)
        if group is not None:
            self.bytes_read = self.total_bytes
            yield group.snapshot()

    def _parse(
        self, row: list[str], index: list[int], domain_index: int | None
    ) -> tuple[float, str, str, list[float], str]:
        time_text = row[index[0]].strip()
        try:
            time_s = parse_time(time_text)
        except InvalidInput as error:
            raise _BadRow("time", error.message.removeprefix("time: ")) from None
        if not self.rfc3339 and not _is_number(time_text):
            self.rfc3339 = True
        party = row[index[1]].strip()
        track = row[index[2]].strip()
        if not party:
            raise _BadRow("party", "is empty")
        if not track:
            raise _BadRow("track", "is empty")
        domain = "air"
        if domain_index is not None:
            domain = row[domain_index].strip() or "air"
            if domain not in _DOMAIN_NAMES:
                raise _BadRow(
                    "domain", f"{domain!r} is not one of {', '.join(sorted(_DOMAIN_NAMES))}"
                )
        numbers = []
        for name, position in zip(REQUIRED_COLUMNS[3:], index[3:], strict=True):
            numbers.append(_number(name, row[position], domain))
        return time_s, party, track, numbers, domain


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(name: str, text: str, domain: str) -> float:
    text = text.strip()
    if not text and (name == "vs_mps" or (name == "alt_m" and domain != "air")):
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(name, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _BadRow(name, f"{text!r} is not a finite number")
    low, high = _RANGES.get(name, (-math.inf, math.inf))
    if not low <= value <= high:
        raise _BadRow(name, f"{value:g} is outside [{low:g}, {high:g}]")
    return value


def format_seconds(time_s: float, rfc3339: bool) -> str:
    """A snapshot time for output: RFC 3339, or unix seconds without a needless ``.0``."""
    if rfc3339:
        return format_time(time_s)
    return f"{time_s:.6f}".rstrip("0").rstrip(".")


class ConflictWriter:
    """Writes conflicts as CSV rows (:data:`CONFLICT_COLUMNS`) to a text stream."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(CONFLICT_COLUMNS)
        self.rows = 0

    def write(self, time_text: str, conflicts: Conflicts) -> None:
        """One row per conflict, in the order of ``conflicts``."""
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
