"""Durable state behind one seam: the ``Store`` protocol and its implementations."""

from deconfliction.store.base import (
    ADMIN,
    REPORTS_KIND,
    Event,
    IdempotentAnswer,
    Store,
    StoredObject,
    Transaction,
)
from deconfliction.store.sqlite import SQLiteStore

__all__ = [
    "ADMIN",
    "REPORTS_KIND",
    "Event",
    "IdempotentAnswer",
    "SQLiteStore",
    "Store",
    "StoredObject",
    "Transaction",
]
