"""Checking rows of recorded traffic, a batch at a time, and converting them to SI.

Every check of a row is made on whole columns (Arrow and numpy kernels): ``time`` is unix
seconds or RFC 3339 (each distinct text parsed once), ``party`` and ``track`` are not
empty, ``domain`` is one of ours, each number is a finite number within its range (an empty
vertical rate is 0, an empty altitude is 0 off the air). Ids are dictionary-encoded, so
that trimming them and checking them is done once per distinct id, not per row. A row that
fails is marked bad; :meth:`Rows.problem` words its first problem as the row-by-row parser
did (``lat: 91 is outside [-90, 90]``), from the row's own text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from deconfliction.errors import InvalidInput
from deconfliction.gateways import arrow
from deconfliction.gateways.layouts import NUMBER_FIELDS, Layout
from deconfliction.model.party import DOMAINS, Domain
from deconfliction.units import MAX_UNIX_S, parse_time

if TYPE_CHECKING:
    import pyarrow as pa

    from deconfliction.gateways.batches import Batch

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_DOMAIN_CODES = {d.value: d.code for d in DOMAINS}
_AIR = Domain.AIR.code
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "gs_mps": (0.0, math.inf)}
_AIRLINE = "^[A-Z]{3}[0-9]"  # an airline designator then a flight number: AFR1234


@dataclass(frozen=True)
class Rows:
    """The rows of one batch, checked: columns in SI units and a ``bad`` mask.

    ``position`` is each row's offset in its batch (blank lines are left out), so the line
    of row ``i`` is ``first + position[i]``. ``party`` and ``track`` are the trimmed ids as
    Arrow dictionary arrays, each distinct id once in the dictionary (see :func:`ids`);
    values of bad rows are meaningless. ``timed_as_text`` tells that times were written as
    RFC 3339 (or typed timestamps) rather than unix seconds.
    """

    first: int
    position: npt.NDArray[np.int64]
    time_s: FloatArray
    party: pa.Array
    track: pa.Array
    numbers: dict[str, FloatArray]
    domain: npt.NDArray[np.int8]
    bad: BoolArray
    timed_as_text: bool
    data: pa.RecordBatch
    layout: Layout

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def line(self, i: int) -> int:
        return self.first + int(self.position[i])

    def text(self, i: int, field_name: str) -> str:
        """The text of a field of row ``i`` as written (numbers as they would be)."""
        return _cell(self.data.column(self.layout.source[field_name])[int(self.position[i])])

    def problem(self, i: int) -> str:
        """The first problem of bad row ``i``, e.g. ``alt_m: 'abc' is not a number``."""
        layout, at = self.layout, int(self.position[i])
        cells = {
            name: _cell(self.data.column(column)[at])
            for name, column in layout.source.items()
            if column in self.data.schema.names
        }
        try:
            _check_row(cells, layout)
        except _Bad as bad:
            return str(bad)
        return "row: malformed"


def check(batch: Batch, layout: Layout) -> Rows:
    """Check every row of ``batch`` and convert it to SI (see the module's docstring)."""
    data = batch.data
    source = layout.source
    position = np.arange(data.num_rows, dtype=np.int64)
    blank = _blank(data)
    if blank is not None:
        position = np.flatnonzero(~blank).astype(np.int64)
        data = data.filter(arrow.from_bools(~blank))
    n = data.num_rows
    bad = np.zeros(n, dtype=bool)

    time_s, timed_as_text, time_bad = _times(data.column(source["time"]), source["time"])
    bad |= time_bad
    track = ids(data.column(source["track"]))
    bad |= _empty_ids(track)
    if "party" in source:
        party = ids(data.column(source["party"]))
        bad |= _empty_ids(party)
    else:
        party = ids(_party_of(data, layout, track))
    domain = np.full(n, _AIR, dtype=np.int8)
    domain_column = source.get("domain")
    if domain_column is not None and domain_column in data.schema.names:
        domain, domain_bad = _domains(ids(data.column(domain_column)))
        bad |= domain_bad
    numbers: dict[str, FloatArray] = {}
    for name in NUMBER_FIELDS:
        column = source.get(name)
        if column is None or column not in data.schema.names:
            numbers[name] = np.zeros(n)
            continue
        values, missing, not_number = _numbers(data.column(column))
        low, high = _RANGES.get(name, (-math.inf, math.inf))
        scale = layout.scale.get(name)
        if not missing.any() and not not_number.any():  # the usual case: every value a number
            with np.errstate(invalid="ignore"):
                wrong = ~np.isfinite(values)
                if name in _RANGES:
                    wrong |= (values < low) | (values > high)
            bad |= wrong
            # A copy: the values may be a read-only view of Arrow's buffer.
            numbers[name] = values * scale if scale is not None else values.copy()
            continue
        may_be_empty = np.ones(n, dtype=bool) if name == "vs_mps" else None
        if name == "alt_m":
            may_be_empty = domain != _AIR
        empty_ok = missing & may_be_empty if may_be_empty is not None else np.zeros(n, bool)
        with np.errstate(invalid="ignore"):
            wrong = not_number | (missing & ~empty_ok)
            wrong |= ~missing & ~not_number & (~np.isfinite(values) | (values < low))
            wrong |= ~missing & ~not_number & (values > high)
        bad |= wrong
        values = np.where(empty_ok, 0.0, values)
        numbers[name] = values * scale if scale is not None else values
    return Rows(
        first=batch.first,
        position=position,
        time_s=time_s,
        party=party,
        track=track,
        numbers=numbers,
        domain=domain,
        bad=bad,
        timed_as_text=timed_as_text,
        data=data,
        layout=layout,
    )


def _blank(data: pa.RecordBatch) -> BoolArray | None:
    """Rows whose every field is empty (blank lines), or None when there are none."""

    for column in data.columns:
        if column.null_count == 0 and not _is_text(column.type):
            return None  # a column without an empty value: no blank row (the usual case)
    first = data.column(0)
    empty = _empty_mask(first)
    if not empty.any():
        return None
    for column in data.columns[1:]:
        empty &= _empty_mask(column)
    return empty if empty.any() else None


def _empty_mask(column: pa.Array) -> BoolArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = arrow.bools(pc.is_null(column))
    if pa.types.is_dictionary(column.type) and _is_text(column.type):
        missing |= _is_empty(column.dictionary)[arrow.numbers(column.indices, np.int32)]
    elif _is_text(column.type):
        missing |= _is_empty(column)
    return missing


def _is_text(kind: pa.DataType) -> bool:
    """Whether values of this type are text (dictionary-encoded or not)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _text(column: pa.Array) -> pa.Array:
    """A column as trimmed text, nulls empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    if column.null_count:
        column = column.fill_null(arrow.text(""))
    return pc.utf8_trim_whitespace(column)


def ids(column: pa.Array) -> pa.DictionaryArray:
    """A column as trimmed text, nulls empty, dictionary-encoded with each distinct value
    once in the dictionary (two values alike once trimmed share one entry)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type) and column.null_count:
        column = column.dictionary.take(column.indices)  # a null row: its own entry below
    encoded_here = not pa.types.is_dictionary(column.type)
    if encoded_here:  # each value once in the dictionary, a null too
        column = pc.dictionary_encode(column, null_encoding="encode")
    values = _text(column.dictionary)
    if encoded_here and values.equals(column.dictionary):  # nothing to trim (the usual case)
        return column
    distinct = pc.dictionary_encode(values)
    if len(distinct.dictionary) == len(values):
        return pa.DictionaryArray.from_arrays(column.indices, values)
    return pa.DictionaryArray.from_arrays(
        distinct.indices.take(column.indices), distinct.dictionary
    )


def _empty_ids(values: pa.DictionaryArray) -> BoolArray:
    """Which of these ids are empty."""
    empty = _is_empty(values.dictionary)
    if not empty.any():
        return np.zeros(len(values), dtype=bool)
    per_row: BoolArray = empty[arrow.numbers(values.indices, np.int32)]
    return per_row


def _is_empty(text: pa.Array) -> BoolArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    return ~arrow.bools(pc.cast(pc.utf8_length(text), pa.bool_()))


def _times(column: pa.Array, name: str) -> tuple[FloatArray, bool, BoolArray]:
    """Unix seconds, whether they were written as text, and which are not times."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            raise InvalidInput(
                f"column {name!r} holds times without a time zone; write them in UTC "
                "(a timestamp type with tz='UTC')"
            )
        per_s = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[kind.unit]
        raw = arrow.numbers(pc.cast(column, pa.int64()), np.int64)
        seconds = np.asarray(raw, dtype=np.float64) / per_s
        timed_as_text = True
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        seconds = _float_values(column)
        timed_as_text = False
    else:
        if not pa.types.is_string(kind):
            column = pc.cast(column, pa.string())
        try:  # unix seconds (the usual case): no need to trim them first
            seconds = _float_values(pc.cast(column, pa.float64()))
            timed_as_text = False
        except pa.ArrowInvalid:
            encoded = ids(column)
            parsed = [_time_or_nan(value) for value in encoded.dictionary.to_pylist()]
            seconds = np.array(parsed, dtype=np.float64)[arrow.numbers(encoded.indices, np.int32)]
            timed_as_text = not all(_is_number(v) for v in encoded.dictionary.to_pylist())
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(seconds) & (seconds >= 0.0) & (seconds < MAX_UNIX_S))
    return seconds, timed_as_text, bad


def _time_or_nan(text: str) -> float:
    try:
        return parse_time(text)
    except InvalidInput:
        return math.nan


def _float_values(column: pa.Array) -> FloatArray:
    return arrow.numbers(column)


def _numbers(column: pa.Array) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Values (NaN where missing), which are missing, which are text but not a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = arrow.bools(pc.is_null(column)) if column.null_count else np.zeros(len(column), bool)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return _float_values(column), missing, np.zeros(len(column), dtype=bool)
    if pa.types.is_decimal(column.type):
        return _float_values(column), missing, np.zeros(len(column), dtype=bool)
    text = _text(column)
    missing |= _is_empty(text)
    try:
        values = _float_values(
            pc.cast(
                pc.if_else(arrow.from_bools(missing), pa.nulls(1, pa.string())[0], text),
                pa.float64(),
            )
        )
        return values, missing, np.zeros(len(column), dtype=bool)
    except pa.ArrowInvalid:
        pass
    # Some value is not a number to Arrow: Python's float() decides, value by value.
    values = np.full(len(text), np.nan)
    not_number = np.zeros(len(text), dtype=bool)
    for i, value in enumerate(text.to_pylist()):
        if not value:
            continue
        try:
            values[i] = float(value)
        except ValueError:
            not_number[i] = True
    return values, missing, not_number


def _domains(encoded: pa.DictionaryArray) -> tuple[npt.NDArray[np.int8], BoolArray]:
    codes = np.array(
        [_AIR if not v else _DOMAIN_CODES.get(v, -1) for v in encoded.dictionary.to_pylist()],
        dtype=np.int8,
    )
    domain = codes[arrow.numbers(encoded.indices, np.int32)]
    return np.where(domain < 0, _AIR, domain).astype(np.int8), domain < 0


def _party_of(data: pa.RecordBatch, layout: Layout, track_ids: pa.DictionaryArray) -> pa.Array:
    """The airline designator of the callsign, else the callsign, else the track's id."""
    import pyarrow.compute as pc

    track = track_ids.dictionary.take(track_ids.indices)
    if layout.callsign is None or layout.callsign not in data.schema.names:
        return track
    callsign = _text(data.column(layout.callsign))
    airline = pc.match_substring_regex(callsign, _AIRLINE)
    named = pc.if_else(arrow.from_bools(_is_empty(callsign)), track, callsign)
    return pc.if_else(airline, pc.utf8_slice_codeunits(callsign, 0, 3), named)


# --- The row-by-row wording of a bad row's first problem -------------------------------


class _Bad(Exception):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")


def _cell(scalar: Any) -> str:
    value = scalar.as_py()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return _number_text(value)
    return str(value).strip()


def _number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_row(cells: dict[str, str], layout: Layout) -> None:
    """Raise :class:`_Bad` with the first problem of a row given as text."""
    named = layout.source
    if cells.get("time") is not None:
        try:
            parse_time(cells["time"])
        except InvalidInput as error:
            raise _Bad(named["time"], error.message.removeprefix("time: ")) from None
    if "party" in named and not cells.get("party"):
        raise _Bad(named["party"], "is empty")
    if not cells.get("track"):
        raise _Bad(named["track"], "is empty")
    domain = cells.get("domain") or "air"
    if domain not in _DOMAIN_CODES:
        raise _Bad(named["domain"], f"{domain!r} is not one of {', '.join(sorted(_DOMAIN_CODES))}")
    for name in NUMBER_FIELDS:
        if name not in cells:
            continue
        text = cells[name]
        if not text and (name == "vs_mps" or (name == "alt_m" and domain != "air")):
            continue
        try:
            value = float(text)
        except ValueError:
            raise _Bad(named[name], f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise _Bad(named[name], f"{text!r} is not a finite number")
        low, high = _RANGES.get(name, (-math.inf, math.inf))
        if not low <= value <= high:
            raise _Bad(named[name], f"{value:g} is outside [{low:g}, {high:g}]")
