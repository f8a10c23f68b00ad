"""One way to turn values into JSON-able documents and back: plain dataclasses, read and
written by pydantic's ``TypeAdapter`` from their type hints.

Values inside the hub are frozen dataclasses; what the store keeps and the wire carries is
what :func:`dump` makes of them (enums by value, tuples as lists, nested dataclasses as
objects), and :func:`load` reads such a document back, checking it against the hints. A
field annotated with :data:`OMIT_NONE` is left out of the document while it is ``None``
(where the wire format has no member rather than ``null``); one annotated with
:data:`TRANSIENT` is never in it (a figure added when the value is read, not kept).

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Point:
...     lat: float
...     lon: float
...     name: Annotated[str | None, OMIT_NONE] = None
>>> dump(Point(48.85, 2.35))
{'lat': 48.85, 'lon': 2.35}
>>> load(Point, {"lat": 48.85, "lon": 2.35, "name": "Paris"})
Point(lat=48.85, lon=2.35, name='Paris')
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import Field, TypeAdapter

T = TypeVar("T")

OMIT_NONE = Field(exclude_if=lambda value: value is None)
TRANSIENT = Field(exclude=True)
__all__ = ["OMIT_NONE", "TRANSIENT", "Annotated", "described", "dump", "load", "schema_type"]


def described(text: str) -> Any:
    """The description of a field, for the schemas made from it (``Annotated[T, ...]``)."""
    return Field(description=text)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(cls: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def dump(value: Any) -> Any:
    """``value`` (a dataclass, or any type pydantic knows) as a JSON-able document."""
    return _adapter(type(value)).dump_python(value, mode="json")


def load(cls: type[T], doc: Any) -> T:
    """A ``cls`` from a document :func:`dump` made (raises ``pydantic.ValidationError``)."""
    value: T = _adapter(cls).validate_python(doc)
    return value


def schema_type(cls: Any) -> TypeAdapter[Any]:
    """The adapter of ``cls`` (its JSON schema, for the API's models)."""
    return _adapter(cls)
