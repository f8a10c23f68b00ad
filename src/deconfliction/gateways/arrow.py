"""Arrow arrays to numpy and back through their buffers.

``pyarrow``'s own conversions (``pa.array(ndarray)``, ``Array.to_numpy()``) first look for
pandas and import it when it is installed, which costs a command half a second; these do
the same for the few types the readers use, without it. :func:`import_compute_soon` gets
``pyarrow.compute`` imported while a reader waits for its first batch.
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa


def import_compute_soon() -> None:
    """Start importing ``pyarrow.compute`` on a background thread, for a caller with other
    work to wait for first (a file's first piece being parsed): the import takes about
    0.1 s (it makes a Python function for each of Arrow's), and its first use waits for it."""
    if "pyarrow.compute" not in sys.modules:
        threading.Thread(
            target=importlib.import_module, args=("pyarrow.compute",), name="import"
        ).start()


_TYPES = {np.dtype(np.float64): "float64", np.dtype(np.int64): "int64", np.dtype(np.int32): "int32"}


def numbers(array: pa.Array, dtype: Any = np.float64) -> npt.NDArray[Any]:
    """A float64, int64 or int32 array as numpy (nulls: NaN for floats, 0 for integers; a
    view when it can be)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow_type = pa.type_for_alias(_TYPES[np.dtype(dtype)])
    if array.type != arrow_type:
        array = pc.cast(array, arrow_type)
    if array.null_count:
        array = array.fill_null(
            number(np.nan) if arrow_type == pa.float64() else number(0.0).cast(arrow_type)
        )
    data = array.buffers()[1]
    itemsize = np.dtype(dtype).itemsize
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * itemsize)


def bools(array: pa.Array) -> npt.NDArray[np.bool_]:
    """A boolean array as numpy (nulls false)."""
    if array.null_count:
        array = array.fill_null(boolean(False))
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    start = array.offset
    unpacked = np.unpackbits(bits, bitorder="little", count=start + len(array))
    return unpacked[start:].astype(bool)


def texts(array: pa.Array) -> npt.NDArray[np.object_]:
    """A string array as a numpy array of ``str``."""
    values = np.empty(len(array), dtype=object)
    values[:] = array.to_pylist()
    return values


def from_numbers(values: npt.NDArray[Any]) -> pa.Array:
    """An int64, int32 or float64 numpy array as Arrow (no copy when it is contiguous);
    other integers as int64, other numbers as float64."""
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    if values.dtype not in _TYPES:
        values = values.astype(np.int64 if values.dtype.kind in "iub" else np.float64)
    kind = pa.type_for_alias(_TYPES[values.dtype])
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def from_bools(mask: npt.NDArray[np.bool_]) -> pa.Array:
    """A numpy boolean array as Arrow."""
    import pyarrow as pa

    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def from_texts(values: Any) -> pa.Array:
    """A sequence of ``str`` as an Arrow string array."""
    import pyarrow as pa

    encoded = [str(v).encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


@functools.lru_cache(maxsize=64)
def text(value: str) -> pa.Scalar:
    """A string scalar, to pass to compute functions (which convert Python values through
    the same pandas check)."""
    return from_texts([value])[0]


@functools.lru_cache(maxsize=4)
def boolean(value: bool) -> pa.Scalar:
    return from_bools(np.array([value]))[0]


@functools.lru_cache(maxsize=16)
def number(value: float) -> pa.Scalar:
    return from_numbers(np.array([value], dtype=np.float64))[0]
