"""Receipts in answers: the journal entry a request's write produced, and a checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from deconfliction.hub import Hub, recording
from deconfliction.model.codec import dump

T = TypeVar("T")


def with_receipt(hub: Hub, party: str, write: Callable[[], T]) -> tuple[T, dict[str, Any] | None]:
    """Run ``write``; return its result and the receipt of the first journal entry it
    committed for ``party`` (None if it wrote nothing, e.g. a repeated acknowledgement)."""
    with recording() as written:
        result = write()
    entry = written.first(party)
    return result, None if entry is None else dump(hub.receipt(entry))
